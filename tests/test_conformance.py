"""The conformance suite: every tests/programs/NAME.ruff (and examples/NAME.ruff) run through the CLI.

NAME.out holds the exact expected stdout. NAME.err, when present, says the
program must fail: line 1 is the exact Ruff error message, line 2 is
``line N``, the line the error is reported at.
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


@pytest.mark.parametrize("program", with_known_bugs(ALL_PROGRAMS), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_program(program: Path, capsys) -> None:
    status, out, err = run_cli(capsys, "run", str(program))
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
