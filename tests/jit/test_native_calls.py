"""Calls between tiers stay native (issue 10, item 2): a T1 frame calls a compiled
function through its entry function, whatever the argument types, and calls
itself directly; the VM runs only calls of functions without native code, and a
T2 entry's refusal. A T1 callee called only from native code still reaches T2:
every call goes through the interpreter until its profile has the samples the
stability rule asks for, then about one in ``policy.sample_native_calls``."""

from ruffdbg.session import Policy, Session

POLY = """
func leaf(a) { return a * 2 }
func poly(n, x) {
  if n == 0 { return leaf(7) }
  return poly(n - 1, x)
}
for i in range(400) { poly(3, "s"); poly(3, 1); poly(3, [1]) }
print(poly(15000, 2.5))
"""


def run(text: str, threshold: int | None) -> tuple[Session, str]:
    output: list[str] = []
    session = Session(Policy(jit=True, threshold=threshold), write=output.append)
    result = session.run_source(text, "calls.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output)


def test_a_t1_function_calls_itself_and_its_callees_natively():
    session, out = run(POLY, threshold=5)
    assert out == "14\n"
    assert session.function("poly").tier == "T1"
    ir = session.native_text("poly", "ir", tier=1)
    assert "call_native_pc" in ir          # the recursive call and leaf's: native code
    assert "call_sample_pc" in ir          # and some go through the interpreter (samples)


def test_a_callee_reached_only_from_t1_code_still_reaches_t2():
    session, _ = run(POLY, threshold=5)
    leaf = session.function("leaf")
    assert (leaf.tier, leaf.state) == ("T2", "optimized")


def test_calls_from_native_code_give_the_interpreters_results_in_every_mode():
    expected = run(POLY, threshold=None)[1]
    for threshold in (1, 5, 37):
        assert run(POLY, threshold)[1] == expected
