"""The conformance suite: programs run through the CLI against their expected
output (``tests/expected.py``: NAME.out, NAME.err).

Most programs are checked by ``tests/jit/test_differential.py``, which runs them in
every mode anyway and applies ``assert_conforms`` to its default run; this file
runs the rest (those that print timings, which the modes cannot agree on).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ruffdbg.cli import main
from tests.expected import ALL_PROGRAMS, EVERY_MODE, assert_conforms
from tests.known_jit_bugs import with_known_bugs


@pytest.mark.parametrize("program", with_known_bugs([path for path in ALL_PROGRAMS if path not in EVERY_MODE]),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_program(program: Path, capsys) -> None:
    status = main(["run", str(program)])
    captured = capsys.readouterr()
    assert_conforms(program, status, captured.out, captured.err)
