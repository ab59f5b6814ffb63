"""Tier 0's compiled functions (vm/functions.py) change nothing anyone can
observe: the output, the errors with their Ruff stack, ``Stack overflow`` at the
depth limit and every count of the profile are those of the dispatch loop
alone; a breakpoint or a pause stops inside a recursion that was running
compiled, with every activation in the frames list; tier-up happens as before."""

from __future__ import annotations

import pytest

from ruffdbg.compiler.codegen import compile_program
from ruffdbg.lang.diagnostics import Source
from ruffdbg.lang.parser import parse
from ruffdbg.profile import counters
from ruffdbg.profile.report import execution_counts
from ruffdbg.session import Policy, Session
from ruffdbg.vm import functions
from ruffdbg.vm.interpreter import MAX_DEPTH, VM
from tests.vm.t0_runs import counted, run_t0
from tests.vm.test_debugger import Running

FIB = """func fib(n) {
    if n < 2 {
        return n
    }
    return fib(n - 1) + fib(n - 2)
}
"""

PROGRAMS = {
    "fib": FIB + "print(fib(15))\nprint(fib(18))\n",
    "deep_and_wide": """func down(n, acc) {
    if n == 0 { return acc }
    let half := n * 0.5
    if half > 100000.0 { return 0 }
    return down(n - 1, acc + 1)
}
func tree(d, x) {
    if d == 0 { return x }
    mut y := x * 2
    y := y + d
    if d < 3 { y := y - 1 }
    return tree(d - 1, y) - tree(d - 1, x)
}
print(down(5000, 0))
print(down(300, 2.5))
for i in range(40) { print(tree(9, i)) }
""",
    "mutual_and_other_callees": """func is_even(n) {
    if n == 0 { return true }
    return is_odd(n - 1)
}
func is_odd(n) {
    if n == 0 { return false }
    return is_even(n - 1)
}
func twice(n) { return n + n }
func calls_a_builtin(n) {
    if n < 1 { return len("abc") }
    return calls_a_builtin(n - 1) + twice(n)
}
print(is_even(3000), is_odd(777))
for i in range(100) { print(calls_a_builtin(i % 20)) }
""",
    "helpers_and_nested_calls": """func sq(x) { return x * x }
func hyp(a, b) { return sq(a) + sq(b) }
func ack(m, n) {
    if m == 0 { return n + 1 }
    if n == 0 { return ack(m - 1, 1) }
    return ack(m - 1, ack(m, n - 1))
}
mut total := 0
for i in range(3000) { total := total + hyp(i, i + 1) }
print(total, hyp(1.5, 2.0))
print(ack(2, 300))
""",
    "division": """func gcd(a, b) {
    if b == 0 { return a }
    return gcd(b, a % b)
}
func halves(x, n) {
    if n == 0 { return x }
    return halves(x / 2, n - 1) + x % 3
}
mut total := 0
for i in range(1, 400) { total := total + gcd(i * 7919, 1000 - i) + halves(i, 5) }
print(total, halves(1000.0, 8), gcd(12, 0))
print(gcd(10, 0 - 4), gcd(7, 0 - 0))
print(halves(5, 3), halves(7, 0 - 1 + 1))
print(halves(9, 2) / 0)
""",
    "redefined_mid_run": """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
func other(n) { return 1000 + n }
print(fib(16))
let saved := fib
fib := other
print(saved(12))
fib := saved
print(fib(12))
mut k := 0
while k < 30 {
    if k == 20 { fib := other }
    print(saved(k % 9 + 2))
    k += 1
}
""",
    "types_change_deep_down": """func sum(n, step) {
    if n <= 0 { return step }
    return sum(n - 1, step) + step
}
print(sum(800, 1))
print(sum(800, 0.5))
print(sum(50, 4611686018427387903))
for i in range(300) { sum(5, 1) }
print(sum(30, "x"))
""",
    "error_deep_in_a_recursion": """func down(n, s) {
    if n == 0 { return s + 1 }
    return down(n - 1, s)
}
for i in range(600) { down(3, 1) }
print(down(4000, 2))
print(down(700, "x"))
""",
    "stack_overflow": """func deep(n) {
    return deep(n + 1) + 0
}
func warm(n) {
    if n == 0 { return 0 }
    return warm(n - 1)
}
for i in range(700) { warm(3) }
print(deep(0))
""",
    "overflow_of_ints": """func grow(n, big) {
    if n == 0 { return big }
    return grow(n - 1, big) + grow(n - 1, 0) + 1
}
for i in range(300) { grow(6, 1) }
print(grow(6, 9223372036854775800))
""",
}


def run(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str | None, list]:
    """(output, error with its Ruff stack, the profile of every code object) at T0."""
    monkeypatch.setattr(counters, "FAST_AT", 3 if fast else functions.NEVER)
    output, error, codes = run_t0(text)
    return output, error, [_profile(each) for each in codes]


def _profile(code) -> dict:
    return {**counted(code), "heat": execution_counts(code), "compiled": code.profile.fast_code is not None} if code.profile is not None else {}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_count_output_and_error_is_the_dispatch_loops(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = run(PROGRAMS[name], True, monkeypatch)
    plain = run(PROGRAMS[name], False, monkeypatch)
    assert compiled[:2] == plain[:2]
    for on, off in zip(compiled[2], plain[2]):
        assert {**on, "compiled": False} == {**off, "compiled": False}
    assert any(profile.get("compiled") for profile in compiled[2])
    assert not any(profile.get("compiled") for profile in plain[2])


def test_calls_between_compiled_functions_keep_the_time_profile_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counters, "FAST_AT", 3)
    vm = VM(write=[].append)
    code = compile_program(parse(Source("t.ruff", PROGRAMS["mutual_and_other_callees"])))
    vm.run_script(code)
    profiles = {each.name: each.profile for each in code.walk()}
    assert profiles["is_even"].fast is not None and profiles["is_odd"].fast is not None
    assert profiles["twice"].fast is not None and profiles["calls_a_builtin"].fast is None
    for profile in profiles.values():
        assert profile.active == 0 and profile.self_ns >= 0 and profile.total_ns >= 0
    assert profiles["is_odd"].self_ns > 0 and profiles["is_even"].total_ns >= profiles["is_even"].self_ns
    assert vm.fast_running is None


def test_the_20001st_frame_is_a_stack_overflow_with_the_whole_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    _output, error, profiles = run(PROGRAMS["stack_overflow"], True, monkeypatch)
    assert profiles[1]["compiled"]
    assert error.startswith("Stack overflow at [('<script>', 9), ('deep', 2), ('deep', 2)")
    assert error.count("('deep', 2)") == MAX_DEPTH - 1   # (the script's frame is the first of 20,000)


def test_fib_15_counts_its_calls_and_lines_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    _output, _error, profiles = run(FIB + "print(fib(15))\n", True, monkeypatch)
    fib = profiles[1]
    assert fib["compiled"] and fib["calls"] == 1973
    heat = fib["heat"]
    assert heat[0] == 1973 and heat[4] == 987 and heat[6] == 986 and max(heat) == 1973


def test_the_fast_path_is_taken_in_a_real_run() -> None:
    """At the default mark, in a Session at T0 (what `--no-jit` runs)."""
    session = Session(Policy(jit=False), write=[].append)
    code = session.compile(FIB + "fib(20)\n", "program.ruff")
    session.run_code(code)
    profile = session.find_code("fib").profile
    assert profile.fast is not None and profile.fast.bails == 0 and profile.calls == 21891


def _t0(text: str) -> Running:
    run_ = Running(text, threshold=None)
    run_.session = Session(Policy(jit=False), write=run_.output.append)
    run_.code = run_.session.compile(text, "program.ruff")
    return run_.start()


def _fib_compiled(run_: Running) -> bool:
    code = run_.session.find_code("fib")
    return code is not None and code.profile is not None and code.profile.fast is not None


def _recursion_is_consistent(run_: Running) -> None:
    """Every activation is in the frames list: fib's ``n`` goes down by 1 or 2 from the call's."""
    frames = run_.session.paused_frames()
    assert frames[0].function == "<script>" and all(frame.function == "fib" for frame in frames[1:])
    ns = [int(value) for frame in frames[1:] for name, value, _kind in frame.locals if name == "n"]
    assert ns[0] == 30 and len(ns) == len(frames) - 1
    assert all(a - b in (1, 2) for a, b in zip(ns, ns[1:]))


def test_a_breakpoint_inside_a_compiled_recursion_stops() -> None:
    run_ = _t0(FIB + "print(fib(30))\n")
    run_.wait(lambda: _fib_compiled(run_))
    assert run_.session.toggle_breakpoint(5) == "breakpoint at line 5"
    where = run_.paused()
    assert (where.function, where.line) == ("fib", 5)
    _recursion_is_consistent(run_)
    assert run_.session.find_code("fib").profile.fast is None   # held while a trap is armed
    run_.session.toggle_breakpoint(5)
    assert run_.session.find_code("fib").profile.fast is not None
    run_.finish()
    assert run_.output == ["832040\n"]


def test_a_pause_inside_a_compiled_recursion_shows_every_frame() -> None:
    run_ = _t0(FIB + "print(fib(30))\n")
    run_.wait(lambda: _fib_compiled(run_))
    run_.session.pause()
    where = run_.paused()
    assert where.function == "fib"
    _recursion_is_consistent(run_)
    run_.finish()
    assert run_.output == ["832040\n"]


def test_tier_up_is_the_same_with_compiled_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The JIT hears of a hot function at the same call, with the same profile."""
    def events(mark: int) -> tuple[list, list]:
        monkeypatch.setattr(counters, "FAST_AT", mark)
        output: list[str] = []
        session = Session(Policy(), write=output.append)
        session.run_code(session.compile(FIB + "print(fib(22))\n", "program.ruff"))
        return output, [(e.kind, e.function, e.tier) for e in session.events.since(0) if e.kind != "compiled"]
    assert events(3) == events(functions.NEVER)
