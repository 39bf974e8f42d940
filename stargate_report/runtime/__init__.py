"""Optional speed machinery, behind one switch the pipeline can do without.

What is here makes a briefing and a sweep faster, never different (docs/performance.md has the
measurements that keep each piece):

* :mod:`~stargate_report.runtime.kernels`: warm kernels reused for every chapter of a run (and of a sweep
  worker's runs), PDF helper processes;
* :mod:`~stargate_report.runtime.forkserver`: processes forked from servers that imported their libraries once;
* :mod:`~stargate_report.runtime.cores`: sweep workers and their kernels kept on their share of the cores;
* :mod:`~stargate_report.runtime.process`: glibc keeps freed memory; a quick exit without teardown.

``STARGATE_REPORT_RUNTIME=plain`` switches all of it off: chapters then run through papermill as shipped
(:mod:`stargate_report.pipeline.plain`), one fresh kernel each, processes start the usual way, nothing is
pinned. The pipeline also falls back to papermill by itself when no warm kernel can be started.
"""
from __future__ import annotations

import os

#: the switch: ``plain`` turns the speed machinery off (any other value, or none, leaves it on)
ENV = "STARGATE_REPORT_RUNTIME"


def enabled() -> bool:
    """Whether the speed machinery is on (``STARGATE_REPORT_RUNTIME`` is not ``plain``)."""
    return os.environ.get(ENV, "").strip().lower() != "plain"
