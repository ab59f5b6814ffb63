"""The conformance suite: every tests/programs/NAME.ruff (and examples/NAME.ruff) run through the CLI.

NAME.out holds the exact expected stdout. NAME.err, when present, says the
program must fail: line 1 is the exact Ruff error message, line 2 is
``line N``, the line the error is reported at.

Most programs are checked by ``tests/jit/test_differential.py``, which runs them in
every mode anyway and applies ``assert_conforms`` to its default run; this file
runs the rest (those that print timings, which the modes cannot agree on).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ruffdbg.cli import main
from tests.known_jit_bugs import with_known_bugs

PROGRAMS = Path(__file__).parent / "programs"
EXAMPLES = Path(__file__).parent.parent / "examples"
ERROR_HEAD = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: (?P<message>.*)$")


def expected_error(program: Path) -> tuple[str, int] | None:
    err_file = program.with_suffix(".err")
    if not err_file.exists():
        return None
    message, line = err_file.read_text(encoding="utf-8").splitlines()[:2]
    return message, int(line.removeprefix("line "))


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


ALL_PROGRAMS = sorted(PROGRAMS.glob("*.ruff")) + sorted(EXAMPLES.glob("*.ruff"))


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


def _in_the_differential(program: Path) -> bool:
    """The differential test runs the program in every mode and checks its default
    run with ``assert_conforms`` (tests/jit/test_differential.py): one run fewer here."""
    from tests.jit.test_differential import PROGRAMS as EVERY_MODE

    return program in EVERY_MODE


@pytest.mark.parametrize("program", with_known_bugs([path for path in ALL_PROGRAMS if not _in_the_differential(path)]),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_program(program: Path, capsys) -> None:
    assert_conforms(program, *run_cli(capsys, "run", str(program)))
