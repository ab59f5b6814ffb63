"""Calls of function values (issue 11, item 4): a CALL whose callee is a value --
a parameter, a local, a dict value, a struct field -- and whose feedback saw one
plain function is native at T2 behind a ``callee`` guard on the value's identity;
any other value deopts with a reason naming what was called, and a site that
keeps failing is rebuilt without the speculation. Before, such a site took the
generic path, and a loop calling a function it was passed stayed at T0 ("T2
would be slower") while the interpreter paid a native entry per call of the
compiled callee: 45 % slower than --no-jit."""

from ruffdbg.compiler.opcodes import Op
from ruffdbg.session import Policy, Session

APPLY = """func sq(x) { return x * x }
func twice(x) { return x + x }
func apply(f, n) {
    mut s := 0
    mut i := 0
    while i < n {
        s := s + f(i)
        i := i + 1
    }
    return s
}
mut t := 0
for k in range(30) { t := t + apply(sq, 1000) }
print(t)
print(apply(sq, 100000))
"""


def run(text: str, threshold: int | None = None, jit: bool = True) -> tuple[Session, str]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold), write=output.append)
    result = session.run_source(text, "values.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output)


def test_a_function_passed_as_an_argument_is_called_natively_behind_a_callee_guard():
    session, out = run(APPLY)
    assert out == run(APPLY, jit=False)[1]
    apply = session.function("apply")
    assert apply.tier == "T2"
    loop = apply.loops[0]
    assert loop.iterations - loop.native_iterations < 5000   # nearly every call made natively
    current = [unit for unit in session.assumptions("apply") if unit.current]
    kinds = {(a.kind, a.what) for unit in current for a in unit.assumptions}
    assert ("callee-identity", "sq: the called value is the function sq") in kinds
    assert not any(site.pc == 11 for unit in current for site in unit.generic_sites)


def test_another_function_at_a_guarded_site_deopts_saying_what_it_got_and_prints_the_same():
    text = APPLY + "print(apply(twice, 5000))\nprint(apply(func(x) { return x - 1 }, 50))\n"
    session, out = run(text)
    assert out == run(text, jit=False)[1]
    reasons = [e.detail["reason"] for e in session.events.since(0)
               if e.kind == "deopt" and e.detail["guard_kind"] == "callee"]
    assert "f(i): expected the function sq, got the function twice" in reasons


def test_calls_through_dict_values_and_struct_fields_give_the_interpreters_results_in_every_mode():
    text = """struct Op { fn: any }
func sq(x) { return x * x }
func neg(x) { return 0 - x }
func run(ops, table, n) {
    mut total := 0
    for i in range(n) {
        total := total + table["f"](i % 10) + ops.fn(i % 7)
    }
    return total
}
mut c := 0
for r in range(20) { c := c + run(Op { fn: neg }, {"f": sq}, 300) }
print(c)
print(run(Op { fn: sq }, {"f": neg}, 50))
try { print(run(Op { fn: 3 }, {"f": neg}, 50)) } except e { print(e.message) }
"""
    expected = run(text, jit=False)[1]
    for threshold in (None, 1, 37):
        assert run(text, threshold)[1] == expected


def test_t1_calls_a_function_value_natively_and_another_value_through_the_interpreter():
    # x changes type at every call: apply stays at T1, whose calls of f are native
    # while f is ident (a slow path, the generic path, for any other value).
    text = """func ident(q) { return q }
func twice(q) { return q + q }
func apply(f, x) { return f(x) + f(x) }
mut out := []
for i in range(600) {
    out := push(out, apply(ident, i))
    out := push(out, apply(ident, i * 0.5))
}
print(len(out), out[1198], out[1199])
print(apply(twice, 4), apply(twice, "ab"), apply(len, "abc"))
"""
    session, out = run(text)
    assert out == run(text, jit=False)[1] == "1200 1198 599\n16 abababab 6\n"
    assert session.function("apply").tier == "T1"
    calls = [pc for pc, (op, _) in enumerate(session.find_code("apply").instrs) if op == Op.CALL]
    current = [unit for unit in session.assumptions("apply") if unit.current]
    assert current and not {site.pc for unit in current for site in unit.generic_sites} & set(calls)
    ir = session.native_text("apply", "ir", tier=1)
    assert all(f"generic_pc{pc}" in ir for pc in calls)   # the slow path, for another value
