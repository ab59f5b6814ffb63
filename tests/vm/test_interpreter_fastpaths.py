"""The interpreter's fast paths keep Ruff's semantics: superinstructions
(compiler/peephole.py), the inlined call/return, and copy-on-write counts.

Most tests run a program twice -- with the fused program and with an unfused
``code.quick`` (every instruction on its own) -- and demand identical output,
errors (message and line) and profiles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.compiler.codegen import compile_program
from ruffdbg.compiler.peephole import describe_quick
from ruffdbg.lang.diagnostics import Source
from ruffdbg.lang.parser import parse
from ruffdbg.core.errors import RuffRuntimeError
from ruffdbg.vm.frame import Frame
from ruffdbg.vm.interpreter import VM
from ruffdbg.core.values import INT_MAX


def compile_source(text: str, fused: bool = True) -> CodeObject:
    code = compile_program(parse(Source("test", text)))
    if not fused:
        for each in code.walk():
            each.quick = [(op, arg, pc + 1) for pc, (op, arg) in enumerate(each.instrs)]
    return code


def run(text: str, fused: bool = True) -> tuple[str, tuple | None, VM, CodeObject]:
    """(output, (error message, line) or None, the VM, the script's code)."""
    out: list[str] = []
    vm = VM(write=out.append)
    code = compile_source(text, fused)
    error = None
    try:
        vm.run_script(code)
    except RuffRuntimeError as exc:
        error = (exc.message, exc.line)
    return "".join(out), error, vm, code


def profile_snapshot(code: CodeObject) -> list:
    snapshot = []
    for each in code.walk():
        p = each.profile
        if p is None:
            continue
        snapshot.append((each.name, p.calls, p.counters, p.fast_hits, p.float_hits, p.feedback, p.arg_types))
    return snapshot


def same_both_ways(text: str) -> tuple[str, tuple | None]:
    fused_out, fused_err, _, fused_code = run(text, fused=True)
    plain_out, plain_err, _, plain_code = run(text, fused=False)
    assert (fused_out, fused_err) == (plain_out, plain_err)
    assert profile_snapshot(fused_code) == profile_snapshot(plain_code)
    return fused_out, fused_err


def fused_groups(code: CodeObject) -> list[tuple[int, int]]:
    """(first pc, pc after the group) of every fused instruction."""
    return [(pc, nxt) for pc, (_op, _arg, nxt) in enumerate(code.quick) if nxt != pc + 1]


# ----------------------------------------------------------------- the pass

def test_the_benchmark_shapes_are_fused_and_instrs_untouched():
    code = compile_source(
        "func count(n) { mut s := 0; mut i := 0; while i < n { s := s + i; i := i + 1 } return s }\n"
        "func fib(n) { if n < 2 { return n } return fib(n - 1) + fib(n - 2) }\n"
    )
    count, fib = code.children()
    assert all(len(c.quick) == len(c.instrs) for c in (count, fib))
    assert all(isinstance(op, int) and op < len(Op) + 1 for op, _ in count.instrs)
    kinds = {describe_quick(count, pc).split()[0] for pc, _ in fused_groups(count)}
    assert {"COMPARE_JUMP", "ARITH_STORE"} <= kinds
    kinds = {describe_quick(fib, pc).split()[0] for pc, _ in fused_groups(fib)}
    assert {"COMPARE_JUMP", "CALL_GLOBAL", "RETURN_LOCAL"} <= kinds


def test_no_group_contains_a_jump_target_or_spans_lines():
    code = compile_source(
        "func f(n) {\n mut i := 0\n while i < n {\n  if i == 3 { i := i + 2 } else { i := i + 1 }\n }\n"
        " for x in [1, 2] { i := i * x }\n return i\n}\nprint(f(10))\n"
    )
    for each in code.walk():
        targets = {arg for op, arg in each.instrs if op in (Op.JUMP, Op.JUMP_BACK, Op.JUMP_IF_FALSE,
                                                           Op.JUMP_IF_TRUE, Op.FOR_ITER, Op.SETUP_TRY)}
        for first, after in fused_groups(each):
            assert not targets & set(range(first + 1, after))
            assert len({each.lines[pc] for pc in range(first, after)}) == 1


# ------------------------------------------------------------ semantics kept

def test_overflow_inside_fused_add_store():
    text = f"func f(a) {{\n mut x := a\n x := x + 1\n return x\n}}\nprint(f(5))\nprint(f({INT_MAX}))\n"
    out, err = same_both_ways(text)
    assert out == "6\n"
    assert err == (f"Integer overflow: {INT_MAX} + 1", 3)


def test_overflow_inside_fused_binary_and_compare():
    text = (f"func f(a, b) {{\n  return (a * b) < 0\n}}\nprint(f(3, 4))\nprint(f(2.5, 2.0))\n"
            f"print(f({INT_MAX}, 2))\n")
    out, err = same_both_ways(text)
    assert out == "false\nfalse\n"
    assert err == (f"Integer overflow: {INT_MAX} * 2", 2)


@pytest.mark.parametrize("expr, message", [
    ("s < 1", "Invalid binary operation: string < int"),
    ("s - 1", "Invalid binary operation: string - int"),
    ("s * s < 1", "Invalid binary operation: string * string"),
])
def test_errors_in_fused_groups_report_the_original_line(expr, message):
    text = f'func f(s) {{\n  mut r := 0\n  if {expr} {{ r := 1 }}\n  return r\n}}\nprint(f(1))\nprint(f("x"))\n'
    out, err = same_both_ways(text)
    assert out in ("0\n", "1\n")
    assert err == (message, 3)


def test_mixed_and_overloaded_operands_fall_back():
    text = """
struct V { x, func op_add(self, o) { return V { x: self.x + o.x } }, func op_sub(self, o) { return self.x - o.x } }
func f(a, b) {
    mut c := a + b
    mut d := a - b
    return [c, d]
}
func lt(a, b) { if a < b { return 1 } return 2 }
print(lt(1, 2.5), lt(2.5, 1), lt("a", "b"), lt(3, 3))
print(f(1, 2.5), f(1.5, 2.0), f(3, 3))
let v := f(V { x: 5 }, V { x: 2 })
print(v[0].x, v[1])
print(f(1, 2) == [3, -1], 0.1 + 0.2 == 0.3, 0.1 + 0.2 != 0.3)
func g(a, b) { return a == b }
print(g(0.1 + 0.2, 0.3), g(1, 1.0), g([1], [1]))
"""
    out, err = same_both_ways(text)
    assert err is None, err
    assert "7 3" in out


def test_profiles_are_identical_fused_or_not():
    text = """
func count(n) { mut s := 0; mut i := 0; while i < n { s := s + i; i := i + 1 } return s }
func fib(n) { if n < 2 { return n } return fib(n - 1) + fib(n - 2) }
func mix(n) { mut x := 0.5; mut i := 0; while i < n { x := x * 1.5; i := i + 1 } return x }
print(count(100), fib(10), mix(10), fib(2.0))
"""
    same_both_ways(text)


def test_calls_of_globals_with_simple_arguments_fall_back_where_they_must():
    # CALL_GLOBAL: a builtin; arguments off their fast path (float, string, a
    # struct's overload, overflow); push's in-place append; several arguments;
    # a global holding null where a builtin has that name; an undefined name,
    # whose error is the LOAD_GLOBAL's.
    text = f"""
struct V {{ x, func op_sub(self, o) {{ return self.x - o.x }} }}
func id(a) {{ return a }}
func two(a, b) {{ return a * 10 + b }}
func f(n, s, v, w) {{
    mut xs := [n]
    xs := push(xs, n + 1)
    print(id(n - 1), id(n - 0.5), id(s + "!"), id(v - w), two(n, 2), two(1, n * 3), len(xs))
    return id(n + {INT_MAX - 5})
}}
print(f(1.5, "a", V {{ x: 3 }}, V {{ x: 1 }}))
print(f(5, "b", V {{ x: 0 }}, V {{ x: 0 }}))
print(f(6, "c", V {{ x: 0 }}, V {{ x: 0 }}))
"""
    out, err = same_both_ways(text)
    assert out.splitlines()[2:] == ["4 4.5 b! 0 52 25 2", str(INT_MAX), "5 5.5 c! 0 62 28 2"]
    assert err == (f"Integer overflow: 6 + {INT_MAX - 5}", 9)
    out, err = same_both_ways("func f(x) {\n  return g(x + 1)\n}\nprint(f(1))\n")
    assert err == ("Undefined variable: g", 2)
    out, err = same_both_ways("func f(x) {\n  return len(x)\n}\nprint(f([1]))\nlet len := null\nprint(f([1]))\n")
    assert out == "1\n" and err is not None and err[1] == 2


# ---------------------------------------------------- resuming inside groups

def _straight_line_state(code: CodeObject, locals_: list, start: int, stop: int) -> tuple[list, list]:
    """Run the *original* instructions start..stop-1 of a group (loads,
    arithmetic, compares, stores) in a tiny reference evaluator."""
    import operator

    binary = {Op.ADD: operator.add, Op.SUB: operator.sub, Op.MUL: operator.mul, Op.LESS: operator.lt,
              Op.LESS_EQUAL: operator.le, Op.GREATER: operator.gt, Op.GREATER_EQUAL: operator.ge,
              Op.EQUAL: operator.eq, Op.NOT_EQUAL: operator.ne}
    locs, stack = list(locals_), []
    for op, arg in code.instrs[start:stop]:
        if op == Op.LOAD_LOCAL:
            stack.append(locs[arg])
        elif op == Op.LOAD_CONST:
            stack.append(code.consts[arg])
        elif op in binary:
            b = stack.pop()
            stack.append(binary[op](stack.pop(), b))
        elif op == Op.STORE_LOCAL:
            locs[arg] = stack.pop()
        else:
            raise AssertionError(f"unexpected op {op}")
    return locs, stack


@pytest.mark.parametrize("args", [[10], [0], [1]])
def test_resume_at_every_pc_inside_a_fused_group(args):
    # Every group here starts with an empty operand stack (so the state at its
    # first pc is just the locals).
    text = ("func count(n) { mut s := 0; mut i := 0; while i < n { s := s + i; i := i + 1 } return s }\n"
            "func g(a) { mut t := a < 3; mut u := a * 2; if t { u := u + a } return u - 1 }\n"
            "func h(a) { if a >= 1 { return a } return 0 - a }\n")
    script = compile_source(text)
    vm = VM(write=lambda _: None)
    vm.run_script(script)  # defines the functions
    for code in script.children():
        # a state of the frame at a group start: the arguments, the other locals 3
        start_locals = args + [3] * (code.nlocals - len(args))
        for first, after in fused_groups(code):
            start = Frame(code, vm.globals[code.name], list(start_locals))
            start.pc = first
            expected = vm.run_frame(start)
            for pc in range(first + 1, after):
                locs, stack = _straight_line_state(code, start_locals, first, pc)
                frame = Frame(code, vm.globals[code.name], locs)
                frame.stack.extend(stack)
                frame.pc = pc
                assert vm.run_frame(frame) == expected, (code.name, first, pc)


# ------------------------------------------------------------ calls, profile

def test_deep_recursion_is_a_stack_overflow_not_a_python_one():
    out, err = same_both_ways("func down(n) { return down(n + 1) }\nprint(down(0))\n")
    assert err == ("Stack overflow", 1)
    _, err, _, _ = run("func f(a) { return a }\nprint(f(1, 2))\n")
    assert err == ("f expects 1 arguments, got 2", 2)


def test_time_profile_and_call_counts():
    _, err, vm, code = run(
        "func spin(n) { mut i := 0; while i < n { i := i + 1 } return i }\n"
        "func fib(n) { if n < 2 { return n } return fib(n - 1) + fib(n - 2) }\n"
        "func both() { return spin(20000) + fib(12) }\nprint(both())\n")
    assert err is None
    spin, fib, both = code.children()
    assert (spin.profile.calls, fib.profile.calls, both.profile.calls) == (1, 465, 1)
    assert spin.profile.arg_types == [{int: 1}] and fib.profile.arg_types == [{int: 465}]
    for each in (spin, fib, both):
        p = each.profile
        assert p.active == 0
        assert 0 < p.self_ns <= p.total_ns
    assert both.profile.total_ns >= spin.profile.total_ns + fib.profile.total_ns
    assert spin.profile.self_ns > both.profile.self_ns


def test_interrupt_is_polled_in_fused_loops():
    from ruffdbg.vm.frame import Interrupted

    vm = VM(write=lambda _: None)
    code = compile_source("func forever() { mut i := 0; while i >= 0 { i := i + 1; i := i - 1 } }\nforever()\n")
    vm.request_interrupt("test")
    with pytest.raises(Interrupted):
        vm.run_script(code)


# ---------------------------------------------------------- copy-on-write

def test_sieve_mutates_its_array_in_place():
    text = """
func sieve(n) {
    mut flags := []
    for k in range(n + 1) { flags := push(flags, true) }
    mut count := 0
    mut i := 2
    while i <= n {
        if flags[i] {
            count := count + 1
            mut j := i * i
            while j <= n { flags[j] := false; j := j + i }
        }
        i := i + 1
    }
    return count
}
print(sieve(3000))
"""
    out, err, vm, _ = run(text)
    assert (out, err) == ("430\n", None)
    assert vm.cow_copies <= 1


def test_value_semantics_still_copy_when_shared():
    out, err, vm, _ = run("mut a := [1, 2, 3]\nlet b := a\na[0] := 9\nprint(a, b)\n"
                          "func f(xs) { mut ys := xs; ys[1] := 0; return ys }\nlet c := f(a)\nprint(a, c)\n")
    assert err is None and out == "[9, 2, 3] [1, 2, 3]\n[9, 2, 3] [9, 0, 3]\n"
    assert vm.cow_copies == 2


BUILDERS = Path(__file__).parents[1] / "programs" / "builders_in_place"


def test_builders_keep_value_semantics():
    """`arr := push(arr, v)` and `s := s + t` reuse their value only when nothing
    else holds it: aliases, errors and let bindings see the old value."""
    out, err = same_both_ways(BUILDERS.with_suffix(".ruff").read_text(encoding="utf-8"))
    assert err is None
    assert out == BUILDERS.with_suffix(".out").read_text(encoding="utf-8")


def test_push_into_the_variable_it_reads_reuses_the_array(monkeypatch):
    """The array `xs := push(xs, v)` grows is the same object throughout (amortized O(1),
    not a copy per push), in a local and in a global."""
    from ruffdbg.core.objects import Builtin
    from ruffdbg.vm.builtins import BUILTINS

    monkeypatch.setitem(BUILTINS, "identity_of", Builtin("identity_of", lambda ctx, args: id(args[0]), (1,)))
    out, err, _, _ = run("""
func grow(n) {
    mut xs := [0]
    let first := identity_of(xs)
    for i in range(n) { xs := push(xs, i) }
    return identity_of(xs) == first
}
mut g := [0]
let first := identity_of(g)
for i in range(1000) { g := push(g, i) }
print(grow(1000), identity_of(g) == first, len(g))
""")
    assert (out, err) == ("true true 1001\n", None)


def test_string_builder_is_not_quadratic():
    """400,000 appends: linear, about half a second; copying the string at each
    step (what it did) takes over 20 s. The bound leaves room for a loaded machine."""
    import time

    started = time.perf_counter()
    out, err, _, _ = run('func build(n) { mut s := ""\n for i in range(n) { s := s + "ab" }\n return len(s) }\n'
                         'print(build(400000))\n')
    assert (out, err) == ("800000\n", None)
    assert time.perf_counter() - started < 8


def test_spread_stops_at_the_size_limit(monkeypatch):
    from ruffdbg.core import values

    monkeypatch.setattr(values, "MAX_RESULT_LEN", 1000)
    out, err, _, _ = run("mut xs := [1, 2]\ntry { while true { xs := [...xs, ...xs] } } except e { print(e.message) }\n"
                         "print(len(xs))\n")
    assert (out, err) == ("Array too large: 1024 elements (the limit is 1000)\n512\n", None)


def test_no_handler_method_for_an_opcode_the_loop_handles_inline():
    """An ``op_<NAME>`` method for an inline opcode would be dead code that drifts."""
    from ruffdbg.vm.interpreter import INLINE_OPS

    assert not [op.name for op in INLINE_OPS if hasattr(VM, f"op_{op.name}")]
