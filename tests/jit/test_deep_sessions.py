"""A Session used directly (a test, a transcript, ``bench``) recurses as deep as
the CLI: ``run_code`` always runs in the harness's deep worker, so 20,000 Ruff
frames in any mix of tiers end in the interpreter's own ``Stack overflow``."""

from pathlib import Path

import pytest

from ruffdbg import harness
from ruffdbg.session import Policy, Session

PROGRAM = Path(__file__).parent.parent / "programs" / "robust_deep_recursion.ruff"


@pytest.mark.parametrize("jit,threshold", [(False, None), (True, None), (True, 1), (True, 5)])
def test_a_plain_session_recurses_as_deep_as_the_command_line(jit, threshold):
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold), write=output.append)
    assert not harness.in_deep_worker()   # the test's own thread: the Session finds its worker
    result = session.run_file(PROGRAM)
    assert result.error is not None and result.error.message == "len() expects a string, array or dict, got int"
    assert "".join(output) == PROGRAM.with_suffix(".out").read_text()
