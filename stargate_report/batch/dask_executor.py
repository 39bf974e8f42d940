"""The cluster executor of a sweep: each run on a dask.distributed worker, its progress sent back as events."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from stargate_report.batch.local_executor import CHILDREN, exchange, outcome, start_worker
from stargate_report.exceptions import ParameterError


# -- executors -------------------------------------------------------------------------------------
def run_one(spec: dict, out: str, force: bool, topic: str | None = None) -> dict:
    """Run one briefing in a worker process of its own (:mod:`stargate_report.batch.worker`, one run, then it
    exits): what a dask.distributed worker runs for each run of a sweep. Returns an outcome dict and never
    raises for a failed run, so one failure cannot stop a sweep.

    ``topic``: the run's progress lines (evaluation, each chapter, rendering) are sent to the client as
    events of this topic (``{"run": name, "line": ...}``, see :meth:`DaskExecutor.follow`), when this runs
    on a dask.distributed worker."""
    t = time.perf_counter()
    publish = _event_publisher(topic, spec["name"]) if topic else None
    proc = start_worker()
    try:
        line = exchange(proc, spec, out, force, publish, close=True)
        proc.wait()
    finally:
        CHILDREN.discard(proc)
    return outcome(spec, out, proc, line, time.perf_counter() - t)


def _event_publisher(topic: str, run: str) -> Callable[[str, str], None] | None:
    """Send progress lines as events of ``topic`` from the dask worker this task runs on (none elsewhere)."""
    try:
        from distributed import get_worker  # dask only with --scheduler (the dask extra)

        worker = get_worker()
    except (ImportError, ValueError):  # not in a dask task
        return None

    def publish(_run: str, line: str) -> None:
        worker.log_event(topic, {"run": run, "line": line})

    return publish


#: what ``--scheduler`` accepts (dask.distributed's network transports; a bare ``host:port`` means tcp)
SCHEDULER_RULE = "a dask scheduler address, tcp://host:port (or tls://, ws://, wss://; port 1-65535)"


#: how long to try to reach a scheduler before giving up (dask's own default is 30 s)
SCHEDULER_TIMEOUT_S = 10


def scheduler_address(value) -> str:
    """``value`` as a scheduler address dask can connect to, or a :class:`ParameterError` naming ``scheduler``.

    dask itself would fail later, with a traceback (``ValueError: missing port number``) or after trying
    to connect to a port that cannot exist."""
    try:
        from distributed.comm.addressing import (  # dask only with --scheduler (the dask extra)
            parse_address,
            parse_host_port,
        )
    except ImportError:  # (reported by DaskExecutor, which needs it anyway)
        raise ParameterError("scheduler", value, "an address, with dask.distributed installed",
                             "it is not: pip install 'stargate-report[dask]'") from None

    text = value.strip() if isinstance(value, str) else ""
    try:
        scheme, location = parse_address(text)
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        raise ParameterError("scheduler", value, SCHEDULER_RULE) from None
    if scheme not in ("tcp", "tls", "ws", "wss") or not host or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ParameterError("scheduler", value, SCHEDULER_RULE)
    return text if "://" in text else f"tcp://{text}"


class DaskExecutor:
    """Sends runs to a dask.distributed cluster (scheduler address, or an existing ``Client``).

    An address that is not one, or where no scheduler answers within :data:`SCHEDULER_TIMEOUT_S`, is a
    :class:`ParameterError` naming ``scheduler`` (before any run is sent)."""

    def __init__(self, scheduler) -> None:
        try:
            from dask.distributed import Client  # dask only with --scheduler (the dask extra)
        except ImportError:
            raise ParameterError("scheduler", scheduler, "an address, with dask.distributed installed",
                                 "it is not: pip install 'stargate-report[dask]', or leave out --scheduler "
                                 "to run on this machine's cores") from None

        self.own = not isinstance(scheduler, Client)
        if not self.own:
            self.client = scheduler
            return
        address = scheduler_address(scheduler)
        try:
            self.client = Client(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except (OSError, TimeoutError):  # distributed reports a refused or silent address as OSError
            raise ParameterError(
                "scheduler", scheduler, "the address of a running dask scheduler",
                f"none answered within {SCHEDULER_TIMEOUT_S} s: check host and port, "
                "start one with `dask scheduler`, or leave out --scheduler to run on this machine's cores",
            ) from None

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def follow(self, callback: Callable[[str, str], None]) -> str:
        """Receive the runs' progress lines: a new event topic whose events (sent by :func:`run_one` on the
        cluster's workers) call ``callback(run, line)`` here. Returns the topic, for :meth:`unfollow`."""

        topic = f"stargate-report-progress-{uuid.uuid4().hex}"

        def handler(event) -> None:
            _, msg = event  # (timestamp, message)
            callback(msg["run"], msg["line"])

        self.client.subscribe_topic(topic, handler)
        return topic

    def unfollow(self, topic: str) -> None:
        self.client.unsubscribe_topic(topic)

    def release(self) -> None:
        """Nothing to release early: the cluster's workers belong to the cluster."""

    def shutdown(self) -> None:
        if self.own:
            self.client.close()
