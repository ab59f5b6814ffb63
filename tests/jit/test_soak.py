"""Bounded memory: a long run that deopts, recompiles, makes strings and closures
keeps its resident set flat once warmed up (``ruffdbg soak``)."""

import subprocess
import sys

from ruffdbg.soak import soak


def test_a_run_that_deopts_and_recompiles_keeps_its_memory_flat_and_frees_retired_code():
    report = soak(seconds=600, max_rounds=160, threshold=5)
    assert report.deopts > 0 and report.retired > 0      # the JIT really churned
    warm, last = report.after_warm_up(), report.samples[-1]
    # 120 rounds after warm-up: a leak of a unit, its handles or its strings per
    # round would show as megabytes
    assert last[1] - warm[1] < 2.0, report.text()
    assert "machine code released" in report.text()   # retired units gave theirs back


def test_the_soak_command_reports_rss_and_growth():
    done = subprocess.run([sys.executable, "-m", "ruffdbg.cli", "soak", "--seconds", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "RSS at the end" in done.stdout and "MB/min" in done.stdout and "KB a round" in done.stdout
