"""Calls between tiers stay native (issue 10, item 2): a T1 or T2 frame calls a
compiled function through its call cell (its current unit's entry function),
whatever the argument types, and T1 calls itself directly; the VM runs only
calls of functions without native code, and a T2 entry's refusal. A T1 callee called only from native code still reaches T2:
every call goes through the interpreter until its profile has the samples the
stability rule asks for, then about one in ``policy.sample_native_calls``."""

import re

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


T2_CALLS_T1 = """
func poly(x) {
  if x == null { return 0 }
  return x
}
func total(n) {
  mut s := 0
  mut i := 0
  while i < n {
    s := s + poly(i)
    i := i + 1
  }
  return s
}
mut k := 0
while k < 300 {
  for j in 20 { poly("s")  poly(null)  poly(1.5) }
  total(20)
  k := k + 1
}
print(total(1000))
print(poly("end"))
"""


def test_a_t2_caller_calls_a_t1_callee_through_its_call_cell():
    session, out = run(T2_CALLS_T1, threshold=5)
    assert out == "499500\nend\n"
    assert session.function("total").tier == "T2"
    assert session.function("poly").tier == "T1"   # its argument's type keeps changing
    assert "call_compiled_pc" in session.native_text("total", "ir", tier=2)   # a call through poly's cell
    assert session.function("poly").calls == 300 * 80 + 1001


def test_a_callee_recompiled_needs_no_caller_rebuilt():
    """The cell is repointed when poly's unit changes: its callers stay valid."""
    session, _ = run(T2_CALLS_T1, threshold=5)
    invalidated = [event for event in session.events.since(0) if event.kind == "invalidated"
                   and "poly" in str(event.detail)]
    assert invalidated == []


def test_a_recursive_t2_function_inlines_its_twin_and_counts_every_call():
    session, out = run("func fib(n) { if n < 2 { return n } return fib(n - 1) + fib(n - 2) }\n"
                       "fib(20)\nprint(fib(22))\n", threshold=5)
    assert out == "17711\n"
    ir = session.native_text("fib", "ir", tier=2)
    assert "_twin" not in ir.split("define", 2)[1].split("\n", 1)[0]   # the unit itself is first
    assert not re.search(r"^define[^\n]*_twin", ir, re.MULTILINE)      # the twin, inlined, is dropped
    # the twin's blocks, inlined (LLVM's ".i" suffix; which survive its simplifications varies)
    assert re.search(r"^call_done_pc\d+\.i\d*:", ir, re.MULTILINE)
    # Two twins (lowering/twins.py): three levels inline, so the real self-calls are the
    # 2 * 2 * 2 sites of the third level (the entry function's call comes after).
    unit = ir.split("\ndefine", 2)[1]
    assert not re.search(r"call [^\n]*_twin", unit) and len(re.findall(r'call [^\n]*@"?ruff_fib"?\(', unit)) == 8
    calls = sum(2 * fib_calls - 1 for fib_calls in (10946, 28657))   # fib(20) and fib(22): 2*fib(n+1)-1 calls
    assert session.function("fib").calls == calls


def test_a_blacklisted_function_is_no_longer_sampled():
    """Its profile decides nothing any more, so native callers stop handing its
    calls to the interpreter (each such sample costs a trip through the VM)."""
    output: list[str] = []
    session = Session(Policy(jit=True, threshold=20), write=output.append)
    warm = "func f(x) { return x + 1 }\n" \
        "for i in range(3000) { if i / 100 % 2 == 0 { f(0.5) } else { f(i) } }   # phases: T2, deopt, T2 ...\n"
    assert session.run_source(warm, "warm.ruff").ok
    f = session.function("f")
    assert f.state == "blacklisted"
    samples = sum(arg.samples for arg in f.args)
    many = "func many(n) {\n  mut total := 0\n  mut i := 0\n" \
        "  while i < n { total := total + f(i); i := i + 1 }\n  return total\n}\nprint(many(200000))\n"
    assert session.run_source(many, "many.ruff").ok
    assert output == ["20000100000\n"]
    f = session.function("f")
    assert f.calls == 203000   # (exact: native calls counted by the entry)
    # (the loop's first iterations, before it went native; one in 16 sampled was 12,500)
    assert sum(arg.samples for arg in f.args) - samples < 100


def test_a_short_function_the_interpreter_keeps_entering_is_interpreted_there_and_native_callers_still_call_it():
    # A generator's loop stays interpreted (it yields); each of its calls of sq
    # entered sq's unit through ctypes, which costs more than interpreting sq's 6
    # instructions (a loop kept at T0 calling it ran 40 % slower than --no-jit).
    text = """func sq(x) { return x * x }
func* squares(n) {
    for i in range(n) { yield sq(i) }
}
func native(n) {
    mut s := 0
    for i in range(n) { s := s + sq(i) }
    return s
}
mut total := 0
for v in squares(6000) { total := total + v }
print(total)
print(native(300000))
"""
    session, out = run(text, threshold=None)
    assert out == run_t0(text)
    events = session.events.since(0)
    (interpreted,) = [e for e in events if e.kind == "interpreted"]
    assert interpreted.function == "sq" and interpreted.detail["entries"] == 4096
    sq = session.function("sq")
    assert sq.tier == "T2" and sq.reason.startswith("called from the interpreter it is interpreted")
    loop = session.function("native").loops[0]
    assert loop.iterations - loop.native_iterations < 5000   # its calls of sq: native


def run_t0(text: str) -> str:
    output: list[str] = []
    Session(Policy(jit=False), write=output.append).run_source(text, "calls.ruff")
    return "".join(output)
