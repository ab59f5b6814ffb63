"""Differential tests: the JIT must never change what a program does.

Every program is run in-process through ``ruffdbg run`` in several modes and
the (exit status, stdout, stderr) triples must be identical:

- ``T0``: ``--no-jit``, the interpreter only (the reference);
- ``default``: the JIT with its normal hotness thresholds;
- ``eager``: ``--threshold 1``, so every tier is reached as early as possible.

``test_program_same_in_every_mode`` covers tests/programs/*.ruff and
examples/*.ruff (except programs that print timings). The ``random`` test runs
programs from ``program_generator.programs()`` on T0 and eager. The default run
(and CI) checks a fixed sample of 40 (derandomized, so a run is reproducible);
for a long, randomized run set RUFFDBG_DIFF_EXAMPLES, e.g. 100,000 programs:

    RUFFDBG_DIFF_EXAMPLES=100000 python -m pytest tests/jit/test_differential.py -k random

A failing program is shown in the hypothesis report (as a ``note``), already
shrunk, with the first differing output line.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings

from ruffdbg.cli import main
from tests.jit.program_generator import programs
from tests.known_jit_bugs import with_known_bugs

ROOT = Path(__file__).resolve().parents[2]
MODES = {"T0": ["--no-jit"], "default": [], "eager": ["--threshold", "1"]}
TIMING_MARKERS = ("performance_now", "now()")
LONG_RUN = "RUFFDBG_DIFF_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("RUFFDBG_DIFF_EXAMPLES", "40"))


def run_mode(path: Path | str, mode: str, capsys) -> tuple[int, str, str]:
    """Run ``ruffdbg run PATH`` in-process in ``mode``; return (status, stdout, stderr)."""
    capsys.readouterr()  # drop anything printed before this run
    status = main(["run", str(path), *MODES[mode]])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def differences(reference: str, results: dict[str, tuple[int, str, str]]) -> str:
    """A readable account of how each mode differs from ``reference`` ("" when all agree)."""
    expected = results[reference]
    report = []
    for mode, result in results.items():
        if result == expected:
            continue
        report.append(f"--- {mode} differs from {reference}:")
        if result[0] != expected[0]:
            report.append(f"exit status {result[0]} != {expected[0]}")
        for stream, ours, theirs in (("stdout", result[1], expected[1]), ("stderr", result[2], expected[2])):
            if ours != theirs:
                diff = difflib.unified_diff(theirs.splitlines(), ours.splitlines(),
                                            f"{stream} ({reference})", f"{stream} ({mode})", lineterm="", n=2)
                report.extend(list(diff)[:40])
    return "\n".join(report)


def _timing_free(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return not any(marker in text for marker in TIMING_MARKERS)


PROGRAMS = [path for path in sorted((ROOT / "tests" / "programs").glob("*.ruff"))
            + sorted((ROOT / "examples").glob("*.ruff")) if _timing_free(path)]


@pytest.mark.parametrize("program", with_known_bugs(PROGRAMS), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_program_same_in_every_mode(program: Path, capsys) -> None:
    results = {mode: run_mode(program, mode, capsys) for mode in MODES}
    problem = differences("T0", results)
    assert not problem, f"{program}:\n{problem}"


def test_timing_programs_are_the_only_ones_left_out() -> None:
    every = sorted((ROOT / "tests" / "programs").glob("*.ruff")) + sorted((ROOT / "examples").glob("*.ruff"))
    left_out = [path for path in every if path not in PROGRAMS]
    assert all(not _timing_free(path) for path in left_out)
    assert len(left_out) <= 3, f"too many programs left out: {left_out}"


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG_RUN,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(program=programs())
def test_random_programs_t0_vs_eager(program: str, capsys) -> None:
    note(f"program:\n{program}")
    with tempfile.TemporaryDirectory(prefix="ruffdbg-diff-") as folder:
        path = Path(folder) / "random.ruff"
        path.write_text(program, encoding="utf-8")
        results = {mode: run_mode(path, mode, capsys) for mode in ("T0", "eager")}
    problem = differences("T0", results)
    assert not problem, problem
    assert_valid_run(*results["T0"])


def assert_valid_run(status: int, out: str, err: str) -> None:
    """Generated programs are valid Ruff: they succeed or stop at a runtime error (which has a Ruff stack)."""
    assert status == 0 or (status == 1 and "Ruff stack" in err), f"not a runtime error:\n{err}"


def test_generated_programs_are_valid_and_terminate(capsys) -> None:
    """Smoke test of the generator itself: a few programs run on T0 without a syntax error."""
    seen = []

    @settings(max_examples=20, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(program=programs())
    def check(program: str) -> None:
        with tempfile.TemporaryDirectory(prefix="ruffdbg-gen-") as folder:
            path = Path(folder) / "gen.ruff"
            path.write_text(program, encoding="utf-8")
            assert_valid_run(*run_mode(path, "T0", capsys))
        seen.append(program)

    check()
    assert seen and all(text.count("func f0(") == 1 for text in seen)
