"""Tests look only at their own processes: a test that greps the machine's whole process list (``ps -e``)
fails whenever another user, or another test session, runs what it looks for (a fork server, a worker)."""
from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

#: reading every process of the machine: `ps -e`, `ps -A`, `ps ax`/`aux`
MACHINE_WIDE = re.compile(r"""["']ps["']\s*,\s*["']-(?:e|A|ax|aux)\w*["']|["']ps\s+-?(?:e|A|ax|aux)""")


def test_tests_look_only_at_their_own_process_tree():
    offenders = [f"{path.relative_to(TESTS)}:{n}" for path in sorted(TESTS.rglob("test_*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if MACHINE_WIDE.search(line)]
    assert not offenders, f"tests that read the machine-wide process list: {offenders}"


def test_the_process_tree_helper_sees_the_tests_own_processes_only(process_tree):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], env=process_tree.env)
    try:
        import time

        deadline = time.time() + 10
        while time.time() < deadline and not process_tree.commands():
            time.sleep(0.05)
        assert [c for c in process_tree.commands() if "time.sleep(30)" in c]
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30) # other"])  # not in the tree
        try:
            assert not [c for c in process_tree.commands() if "# other" in c]
        finally:
            other.kill()
            other.wait()
    finally:
        proc.kill()
        proc.wait()
    assert not process_tree.commands()
