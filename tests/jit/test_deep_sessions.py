"""A Session made by a host (not the command line) recurses as deep as the
command line does: 20,000 Ruff frames in any mix of tiers, the same "Stack
overflow" at 20,001, native recursion through a builtin at each level."""

from __future__ import annotations

import pytest

from ruffdbg import harness
from ruffdbg.session import Policy, Session

# (robust_deep_recursion.ruff runs the whole set through the command line in
# every mode; this is its core, through the Session API.)
PROGRAM = """\
func r(n, x) {
  if n == 0 { return x }
  return r(n - 1, x)
}
for i in range(20) { r(2, "s"); r(2, 1) }
print(r(19998, 2.5))
try { print(r(19999, 2.5)) } except e { print("caught: ${e.message}") }
func d(n) { if n == 0 { return 0 } return d(n - 1) + len("ab") }
print(d(16000))
print(len(5))
"""
EXPECTED = "2.5\ncaught: Stack overflow\n32000\n"


@pytest.mark.parametrize("jit,threshold", [(False, None), (True, None), (True, 1), (True, 5)])
def test_a_plain_session_recurses_as_deep_as_the_command_line(jit, threshold):
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold), write=output.append)
    assert not harness.in_deep_worker()   # the test's own thread: the Session finds its worker
    result = session.run_source(PROGRAM)
    assert result.error is not None and result.error.message == "len() expects a string, array or dict, got int"
    assert "".join(output) == EXPECTED
