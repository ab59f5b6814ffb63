"""Calls of closures through a value (issue 11, item 4): a CALL whose callee is a
value and whose first callee was a Ruff function no global holds is a native call
of that code's unit behind a ``callee-code`` guard -- the value is a closure of
that code, whatever it captured -- the call handing the closure's cells over on
the cells stack. Before, such a site took the generic path (a trip through the
interpreter per call), and a loop calling a closure 3M times ran 27 s against
T0's 19 s."""

import json

from ruffdbg.cli import main
from ruffdbg.compiler.opcodes import Op
from ruffdbg.session import Policy, Session

ADDERS = """func mk_adder(n) {
    func adder(x) { return x + n }
    return adder
}
func sum_map(f, count) {
    mut s := 0
    for i in range(count) { s := s + f(i) }
    return s
}
mut t := 0
for k in range(40) { t := t + sum_map(mk_adder(k), 300) }
print(t)
print(sum_map(mk_adder(7), 20000))
"""

MODES = (["--no-jit"], [], ["--threshold", "1"], ["--threshold", "37"])


def run(text: str, threshold: int | None = None, jit: bool = True) -> tuple[Session, str]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold), write=output.append)
    result = session.run_source(text, "closures.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output)


def run_cli(tmp_path, text: str, *options: str, stats: bool = False, capsys=None) -> tuple[str, dict | None]:
    """``ruffdbg run`` in-process; its stdout and, with ``stats``, its --stats-json."""
    program = tmp_path / "program.ruff"
    program.write_text(text)
    capsys.readouterr()
    extra = ["--stats-json", str(tmp_path / "stats.json")] if stats else []
    assert main(["run", str(program), *options, *extra]) == 0
    out = capsys.readouterr().out
    return out, json.loads((tmp_path / "stats.json").read_text()) if stats else None


def callee_deopts(session: Session) -> list[str]:
    return [e.detail["reason"] for e in session.events.since(0)
            if e.kind == "deopt" and e.detail["guard_kind"] == "callee-code"]


def test_closures_of_one_code_are_called_natively_and_the_guard_and_assumption_show(tmp_path, capsys):
    outputs = [run_cli(tmp_path, ADDERS, *mode, capsys=capsys)[0] for mode in MODES]
    assert len(set(outputs)) == 1
    out, stats = run_cli(tmp_path, ADDERS, stats=True, capsys=capsys)
    sum_map = stats["functions"]["sum_map"]
    assert sum_map["tier"] == "T2"
    guards = [g for g in sum_map["guards"] if g["kind"] == "callee-code"]
    assert guards and guards[0]["detail"] == "adder: the called value is a closure of adder"
    assert sum(g["pass"] for g in guards) > 20000 and not any(g["fail"] for g in guards)
    what = {(a["kind"], a["what"]) for unit in sum_map["units"] if unit["current"] for a in unit["assumptions"]}
    assert ("callee-code", "adder: the called value is a closure of adder") in what


def test_a_new_closure_at_each_call_keeps_the_site_monomorphic():
    # 40 closures of one code, each with its own n: no guard fails, nearly every call is native.
    session, out = run(ADDERS)
    assert out == run(ADDERS, jit=False)[1]
    assert callee_deopts(session) == []
    loop = session.function("sum_map").loops[0]
    assert loop.iterations - loop.native_iterations < 3000
    current = [unit for unit in session.assumptions("sum_map") if unit.current]
    notes = [site.text() for unit in current for site in unit.inline_sites]
    assert any("f(i) calls a closure of adder, its captured variables handed over" in note for note in notes)


def test_captured_variables_written_by_the_callee_are_read_by_the_caller_and_back():
    text = """func counter(rounds) {
    mut count := 0
    mut step := 1
    let bump := func(k) {
        count := count + k * step
        return count
    }
    mut seen := 0
    for i in range(rounds) {
        seen := seen + bump(i % 3)        # the callee writes count ...
        if count % 5 == 0 { step := step + 1 }   # ... the caller reads it
        count := count + 1                # the caller writes it, the callee reads it next
    }
    return [seen, count, step]
}
print(counter(4000))
print(counter(5))
"""
    expected = run(text, jit=False)[1]
    for threshold in (None, 1, 37):
        session, out = run(text, threshold)
        assert out == expected
    session, _ = run(text)
    assert session.function("counter").tier == "T2"
    assert callee_deopts(session) == []


def test_another_function_or_a_builtin_at_the_site_deopts_saying_what_it_got():
    text = ADDERS + """func sq(x) { return x * x }
print(sum_map(sq, 300))
print(sum_map(abs, 30))
try { print(sum_map(5, 3)) } except e { print(e.message) }
"""
    session, out = run(text)
    assert out == run(text, jit=False)[1]
    reasons = callee_deopts(session)
    assert "f(i): expected a closure of adder, got the function sq" in reasons
    assert "f(i): expected a closure of adder, got the builtin abs" in reasons
    for threshold in (1, 37):
        assert run(text, threshold)[1] == out


def test_two_func_expressions_with_one_name_leave_the_site_generic_after_the_guard_fails():
    # Both are "<anonymous>": the feedback, which counts names, cannot tell them apart;
    # the failed guard marks the site and the unit built next calls there generically.
    text = """func apply(f, n) {
    mut s := 0
    for i in range(n) { s := s + f(i) }
    return s
}
func mk(k) { return func(x) { return x + k } }
print(apply(mk(2), 5000))
print(apply(func(x) { return x * 3 }, 5000))
print(apply(mk(9), 5000))
"""
    session, out = run(text)
    assert out == run(text, jit=False)[1]
    reasons = callee_deopts(session)
    assert reasons and reasons[0] == "f(i): expected a closure of <anonymous> at line 6, got the function " \
                                     "<anonymous> at line 8"
    assert len(reasons) <= 8
    code = session.find_code("apply")
    call = max(pc for pc, (op, _) in enumerate(code.instrs) if op == Op.CALL)   # (f(i), after range(n))
    assert code.profile.callee_codes[call] is None
    assert session.force_compile("apply").ok   # (a unit built now calls there through the interpreter)
    current = [unit for unit in session.assumptions("apply") if unit.current]
    assert any("more than one code named <anonymous>" in site.text() for site in current[-1].generic_sites)


def test_a_polymorphic_site_is_a_generic_call_that_stays_native():
    text = """func sq(x) { return x * x }
func mk(n) { return func(x) { return x + n } }
func apply(f, n) {
    mut s := 0
    for i in range(n) { s := s + f(i) }
    return s
}
mut t := 0
for k in range(200) { t := t + apply(sq, 10) + apply(mk(k), 10) }
print(t)
"""
    session, out = run(text, threshold=1)
    assert out == run(text, jit=False)[1]
    assert callee_deopts(session) == []
    ir = session.native_text("apply", "ir", tier=2)
    assert "polymorphic: it called 2 functions (<anonymous>, sq), a native call needs one; the interpreter " \
           "makes the call and this code stays native (no deopt)" in ir


def test_a_global_holding_a_closure_is_a_guarded_constant_whose_cells_go_with_the_call():
    text = """func mk_adder(n) { return func(x) { return x + n } }
mut add := mk_adder(5)
func run(count) {
    mut s := 0
    for i in range(count) { s := s + add(i) }
    return s
}
print(run(20000))
add := mk_adder(100)      # another closure of the same code: the global's guard fails once
print(run(20000))
add := func(x) { return x * 2 }
print(run(300))
"""
    session, out = run(text)
    assert out == run(text, jit=False)[1]
    for threshold in (1, 37):
        assert run(text, threshold)[1] == out
    loop = session.function("run").loops[0]
    assert loop.iterations - loop.native_iterations < 5000
    what = {(a.kind, a.what) for unit in session.assumptions("run") for a in unit.assumptions}
    assert ("callee-identity", "global add still holds function <anonymous>") in what
