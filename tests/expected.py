"""The programs with expected output (tests/programs/NAME.ruff and examples/NAME.ruff)
and the check of a run against them, shared by the conformance test (the programs
that print timings) and the differential test (all the others, in every mode).

NAME.out holds the exact expected stdout. NAME.err, when present, says the
program must fail: line 1 is the exact Ruff error message, line 2 is
``line N``, the line the error is reported at.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALL_PROGRAMS = sorted((ROOT / "tests" / "programs").glob("*.ruff")) + sorted((ROOT / "examples").glob("*.ruff"))
# What a program that prints timings calls: the modes cannot agree on its output.
TIMING_MARKERS = ("performance_now", "now()")
ERROR_HEAD = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: (?P<message>.*)$")


def timing_free(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return not any(marker in text for marker in TIMING_MARKERS)


EVERY_MODE = [path for path in ALL_PROGRAMS if timing_free(path)]   # (the differential test's)


def expected_error(program: Path) -> tuple[str, int] | None:
    err_file = program.with_suffix(".err")
    if not err_file.exists():
        return None
    message, line = err_file.read_text(encoding="utf-8").splitlines()[:2]
    return message, int(line.removeprefix("line "))


def assert_conforms(program: Path, status: int, out: str, err: str) -> None:
    """A run printed ``program``'s NAME.out and failed as its NAME.err says (or not at all)."""
    assert out == program.with_suffix(".out").read_text(encoding="utf-8")
    expected = expected_error(program)
    if expected is None:
        assert (status, err) == (0, "")
        return
    message, line = expected
    head = ERROR_HEAD.match(err.splitlines()[0]) if err else None
    assert head, f"no error diagnostic on stderr: {err!r}"
    assert (head["message"], int(head["line"])) == (message, line)
    assert status == 1
