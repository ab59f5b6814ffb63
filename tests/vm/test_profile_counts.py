"""Type profiles stay exact where the interpreter counts in list slots and adds
them to the dicts only when someone reads them (profile/counters.py): a call
site's first callee, a function's first argument type, int and float stores,
fused arithmetic+store. Every count is checked against what ran, read twice
with more running in between (a read adds only what is new)."""

from __future__ import annotations

from ruffdbg.compiler.codegen import compile_program
from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.objects import Function
from ruffdbg.lang.diagnostics import Source
from ruffdbg.lang.parser import parse
from ruffdbg.vm.interpreter import VM

PROGRAM = """func g(x) { return x }
func h(x) { return x }
func call(fn, x) { return fn(x) }
func store(v) {
    mut y := v
    y := y + y
    return y
}
call(g, 1)
call(g, 2.5)
call(h, "s")
call(g, 3)
store(2)
store(0.5)
store("ab")
"""


def load(text: str) -> tuple[VM, dict]:
    vm = VM(write=lambda _text: None)
    code = compile_program(parse(Source("t.ruff", text)))
    vm.run_script(code)
    return vm, {each.name: each for each in code.walk()}


def call_site(code) -> int:
    return next(pc for pc, (op, _arg) in enumerate(code.instrs) if op == Op.CALL)


def stores(code) -> list[int]:
    return [pc for pc, (op, _arg) in enumerate(code.instrs) if op == Op.STORE_LOCAL]


def test_call_site_and_argument_types_are_exact_across_reads():
    vm, codes = load(PROGRAM)
    call, g = codes["call"].profile, codes["g"].profile
    site = call_site(codes["call"])
    assert call.feedback[site] == {"g": 3, "h": 1}
    assert g.arg_types == [{int: 2, float: 1}]
    assert call.arg_types == [{Function: 4}, {int: 2, float: 1, str: 1}]
    for _ in range(3):   # more calls after a read: the next read adds only those
        vm.call_function(vm.globals["call"], [vm.globals["h"], 7])
    vm.call_function(vm.globals["call"], [vm.globals["g"], "t"])
    assert call.feedback[site] == {"g": 4, "h": 4}
    assert g.arg_types == [{int: 2, float: 1, str: 1}]
    assert codes["h"].profile.arg_types == [{str: 1, int: 3}]
    assert call.calls == 8


def test_store_types_and_fused_hits_are_exact_across_reads():
    vm, codes = load(PROGRAM)
    profile = codes["store"].profile
    first, second = stores(codes["store"])
    add = second - 1
    assert profile.feedback[first] == {int: 1, float: 1, str: 1}
    assert profile.feedback[second] == {int: 1, float: 1, str: 1}
    assert (profile.fast_hits[add], profile.float_hits[add]) == (1, 1)
    assert profile.feedback[add] == {(str, str): 1}
    for value in (4, 5, 1.5):
        vm.call_function(vm.globals["store"], [value])
    assert profile.feedback[first] == {int: 3, float: 2, str: 1}
    assert profile.feedback[second] == {int: 3, float: 2, str: 1}
    assert (profile.fast_hits[add], profile.float_hits[add]) == (3, 2)


def test_types_keep_the_order_they_first_came_in_and_start_again_after_a_reset():
    # Ties (the dominant type of a profile, in views and in the JIT) go to the
    # type seen first, as when every count went to the dicts.
    vm, codes = load("""struct P { x }
func f(a) { return a }
func g(x) { return x }
func call(fn, x) { return fn(x) }
func store(v) {
    mut y := v
    y := y + y
    return y
}
f(P { x: 1 })
f(1)
call(f, 1)
call(g, 2)
store(0.5)
store(2)
store("s")
""")
    f, store, call = codes["f"].profile, codes["store"].profile, codes["call"].profile
    first, second = stores(codes["store"])
    assert [kind.__name__ for kind in f.arg_types[0]] == ["StructValue", "int"]
    assert list(store.feedback[first]) == [float, int, str]
    assert list(store.feedback[second]) == [float, int, str]
    assert list(call.feedback[call_site(codes["call"])]) == ["f", "g"]
    store.reset_types()
    assert store.feedback[first] == {} and store.fast_hits[second - 1] == 0
    for value in ("t", 3, 4):
        vm.call_function(vm.globals["store"], [value])
    assert store.feedback[first] == {str: 1, int: 2} and list(store.feedback[first]) == [str, int]
    assert store.feedback[second] == {str: 1, int: 2} and store.fast_hits[second - 1] == 2


def test_a_generator_bodys_time_is_its_own_not_its_callers():
    # Each resume runs the body until a yield, which leaves the dispatch loop by an
    # exception: the body's time up to there was lost, and taken off the caller's.
    from ruffdbg.records import Policy
    from ruffdbg.session import Session

    session = Session(Policy(jit=False), write=lambda text: None)
    assert session.run_source("""func* work(n) {
    for i in range(n) {
        mut s := 0
        for j in range(300) { s := s + j % 7 }
        yield s
    }
}
mut t := 0
for v in work(100) { t := t + v }
print(t)
""", "gen.ruff").ok
    stats = {(f.name, f.first_line, f.calls): f.self_ms for f in session.functions()}
    body = max(ms for (name, _, _), ms in stats.items() if name == "work")
    assert body > 5 * stats[("<script>", 1, 1)]
