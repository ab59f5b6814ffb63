"""The tiers as the Session reports them: what reaches T2, what deopts and why,
despecialization, blacklisting, OSR, and control of native code from outside."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ruffdbg.session import Policy, Session
from tests.unjudged import keep_t1_units

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
PROGRAMS = Path(__file__).parent.parent / "programs"

FIB = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
print(fib(22))
"""


def run(text: str, threshold: int | None = None, judged: bool = True) -> tuple[Session, list[str]]:
    output: list[str] = []
    session = Session(Policy(jit=True, threshold=threshold), write=output.append)
    if not judged:
        keep_t1_units(session)
    result = session.run_source(text, "test.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output).splitlines()


def kinds(session: Session, function: str) -> list[str]:
    return [event.kind for event in session.events.since(0) if event.function == function]


def test_fib_reaches_t2_with_no_deopts():
    session, out = run(FIB)
    fib = session.function("fib")
    assert out == ["17711"]
    assert (fib.tier, fib.state, fib.deopts) == ("T2", "optimized", 0)
    assert kinds(session, "fib") == ["compiled", "tier-up"]
    assert fib.calls == 57313   # interpreter calls and native entries together


def test_int_specialized_function_deopts_on_float_and_recovers():
    session, _ = run((EXAMPLES / "deopt_float.ruff").read_text())
    events = [e for e in session.events.since(0) if e.function == "poly"]
    deopt = next(e for e in events if e.kind == "deopt")
    assert deopt.detail["reason"] == "x: expected int, got float" and deopt.line == 9 and deopt.pc == 0
    sequence = [e.kind for e in events if e.kind != "deopt"]
    assert sequence[:4] == ["compiled", "tier-up", "despecialized", "compiled"]
    recompiled = [e for e in events if e.kind == "compiled"]
    assert recompiled[0].detail["types"] == "x: int" and recompiled[-1].detail["types"] == "x: float"


def test_unstable_types_get_the_baseline_tier():
    program = """func mix(a) { return a + 1 }
mut i := 0
while i < 300 {
    if i % 2 == 0 { mix(i) } else { mix(i * 0.5) }
    i := i + 1
}
"""
    session, _ = run(program, threshold=50)
    mix = session.function("mix")
    assert (mix.tier, mix.state, mix.deopts) == ("T1", "baseline", 0)


def test_thrashing_types_get_the_function_blacklisted():
    program = """func flip(a) { return a * 2 }
mut phase := 0
while phase < 12 {
    mut i := 0
    while i < 120 {
        if phase % 2 == 0 { flip(i) } else { flip(i + 0.5) }
        i := i + 1
    }
    phase := phase + 1
}
"""
    session, _ = run(program, threshold=10)
    flip = session.function("flip")
    assert flip.state == "blacklisted"
    assert flip.reason.startswith("despecialized 4 times")
    assert flip.tier == "T1"   # Jidoka: it stays in its last safe tier
    assert kinds(session, "flip").count("despecialized") == 4


def test_a_hot_loop_in_a_function_called_once_is_entered_by_osr():
    program = """func once(n) {
    mut s := 0
    mut k := 0
    while k < n { s := s + k % 7; k := k + 1 }
    return s
}
print(once(50000))
"""
    session, out = run(program)
    assert out == ["149997"]
    osr = next(e for e in session.events.since(0) if e.kind == "osr")
    assert (osr.function, osr.line) == ("once", 4)


def test_what_t2_cannot_specialize_runs_at_t1_and_says_why():
    program = 'func greet(n) {\n    return "hi ${n}"\n}\nmut i := 0\nwhile i < 50 { greet(i); i := i + 1 }\n'
    session, _ = run(program, threshold=5)
    greet = session.function("greet")
    assert (greet.tier, greet.state) == ("T1", "baseline")
    assert "not-compilable" not in kinds(session, "greet")


def test_not_compilable_says_what_and_where():
    params = ", ".join(f"p{i}" for i in range(33))
    program = f"func wide({params}) {{\n    return p0\n}}\nmut i := 0\nwhile i < 50 {{ wide({', '.join(['i'] * 33)}); i := i + 1 }}\n"
    session, _ = run(program, threshold=5)
    wide = session.function("wide")
    assert (wide.tier, wide.state) == ("T0", "not-compilable")
    assert wide.reason == "NYI: more than 32 parameters at line 1"


def test_container_assignment_runs_at_t1():
    program = 'func put(a, n) {\n    a[0] = n\n    return a\n}\nmut i := 0\nlet b = [1]\nwhile i < 50 { put(b, i); i := i + 1 }\nprint(put(b, 7), b)\n'
    session, out = run(program, threshold=5, judged=False)
    assert out == ["[7] [1]"]
    assert (session.function("put").tier, session.vm.cow_copies) == ("T1", 51)


@pytest.mark.parametrize("expression, message", [
    ("a / b", "Integer overflow: -9223372036854775808 / -1"),
    ("a % (b + 1)", "Modulo by zero"),
])
def test_native_division_checks_raise_the_interpreter_errors(expression, message):
    program = f"""func f(a, b) {{ return {expression} }}
mut i := 0
while i < 100 {{ f(i + 7, 3); i := i + 1 }}
f(-9223372036854775807 - 1, -1)
"""
    session = Session(Policy(jit=True, threshold=1), write=lambda _: None)
    result = session.run_source(program, "t.ruff")
    assert result.error.message == message
    assert [(e.function, e.line) for e in result.error.stack] == [("<script>", 4), ("f", 1)]
    assert session.function("f").tier == "T2"


def test_reassigning_a_called_global_is_noticed_by_native_code():
    program = """func one() { return 1 }
func two() { return 2 }
func use() { return one() }
mut i := 0
while i < 200 { use(); i := i + 1 }
print(use())
one := two
print(use())
"""
    session, out = run(program, threshold=20)
    assert out == ["1", "2"]
    deopt = next(e for e in session.events.since(0) if e.kind == "deopt" and e.function == "use")
    assert deopt.detail["guard_kind"] == "global-unchanged"


SPIN = """func step(x) { return x + 1 }
func spin() {
    mut n := 0
    while true { n := step(n) }
}
spin()
"""


def start_in_thread(session: Session, text: str) -> threading.Thread:
    worker = threading.Thread(target=session.run_source, args=(text, "spin.ruff"), daemon=True)
    worker.start()
    return worker


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_guard_counters_move_while_native_code_runs_and_pause_resume_work():
    session = Session(Policy(jit=True, threshold=1), write=lambda _: None)
    worker = start_in_thread(session, SPIN)
    wait_for(lambda: session.function("spin") is not None and session.function("spin").tier == "T2")
    # Once step reaches T2, spin's loop is rebuilt (OSR again) to call it directly.
    wait_for(lambda: any(e.kind == "osr" and any(t.kind == "tier-up" and t.function == "step" and t.tier == "T2"
                                                 and t.seq < e.seq for t in session.events.since(0))
                         for e in session.events.since(0)))
    # The call to step checks that the global still holds that function: its pass count moves.
    check = next(g for g in session.function("spin").guards if g.kind == "global-unchanged")
    wait_for(lambda: session.function("spin").guards[check.id].passed > check.passed)   # read live, from here
    session.pause()
    wait_for(lambda: session.paused_at is not None)
    assert [(entry.function, entry.line) for entry in session.paused_at][:2] == [("<script>", 6), ("spin", 4)]
    session.resume()
    wait_for(lambda: session.paused_at is None)
    session.interrupt("stop")
    worker.join(5)
    assert not worker.is_alive()


RECURSION = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
func forever() {
    while true { fib(24) }
}
forever()
"""


def test_a_pause_stops_a_native_recursion_with_its_whole_stack():
    """The polls before fib's calls may reuse the word across the levels LLVM inlined
    (calls._poll_before_calls): a pause still stops the recursion, with every frame."""
    session = Session(Policy(jit=True, threshold=50), write=lambda _: None)
    worker = start_in_thread(session, RECURSION)
    wait_for(lambda: session.function("fib") is not None and session.function("fib").tier == "T2")
    for _ in range(3):
        session.pause()
        wait_for(lambda: session.paused_at is not None)
        stack = [(entry.function, entry.line) for entry in session.paused_at]
        assert stack[:2] == [("<script>", 8), ("forever", 6)]
        assert all(frame == ("fib", 3) for frame in stack[2:-1]) and len(stack) <= 2 + 24
        assert len(stack) == 2 or stack[-1][0] == "fib"
        session.resume()
        wait_for(lambda: session.paused_at is None)
    session.interrupt("stop")
    worker.join(5)
    assert not worker.is_alive()


def test_an_osr_loop_entered_before_its_callee_was_optimized_is_rebuilt_to_call_it_natively():
    program = """func add(a, b) { return a + b }
mut total := 0
mut i := 0
while i < 200000 {
    total := add(total, i)
    i := i + 1
}
print(total)
"""
    session, out = run(program, threshold=50)
    assert out == [str(sum(range(200000)))]
    script = kinds(session, "<script>")
    # Entered while add was T1 (called through the VM), retired when add reached T2, entered again.
    assert script.count("osr") == 2 and "invalidated" in script
    reason = next(e.detail["reason"] for e in session.events.since(0)
                  if e.kind == "invalidated" and e.function == "<script>")
    assert reason == "add was compiled: call it directly"
    loop = session.function("<script>").loops[0]
    assert loop.iterations == 200000   # in every tier (the rewind keeps the interpreter's total)
    assert loop.iterations - loop.native_iterations == 100   # interpreted: 50 before each entry


@pytest.mark.parametrize("samples, share", [(10, 0.5), (60, 0.9), (200, 0.99)])
def test_the_profiles_the_views_show_are_the_ones_the_jit_judged(samples, share):
    """One stability rule: after the policy is edited, a function the JIT specialized
    never has an argument the views call unstable, and the reverse."""
    session = Session(Policy(jit=True, threshold=20), write=lambda text: None)
    session.update_policy(stable_samples=samples, stable_share=share)
    mixed = "func f(x) { return x + 1 }\n" \
        "for i in range(300) { if i % 3 == 0 { f(0.5) } else { f(i) } }\nprint(f(1))\n"
    assert session.run_source(mixed, "mixed.ruff").ok
    stats = session.function("f")
    stable = all(arg.stable for arg in stats.args)
    if any(compile.tier == "T2" and compile.valid for compile in stats.compiles):
        assert stable, (stats.compiles, stats.args)
    if stats.state != "blacklisted":   # (a blacklisted function's calls are no longer sampled)
        assert any(compile.tier == "T2" for compile in stats.compiles) == stable, (stats.compiles, stats.args)


def test_a_function_kept_at_t0_is_looked_at_again_less_and_less_often(monkeypatch):
    # `walk` recurses, its T1 unit is retired for running slower than T0, and its
    # loop runs on at T2 by OSR (so its state is "optimized"). Each look at its
    # tier costs an inference; it was looked at on every call (2,400 inferences:
    # 3.7 s of a 4.7 s run at --threshold 1). Now at ever longer intervals.
    from ruffdbg.jit import compiling

    inferred: list[str] = []
    real_infer = compiling.infer
    monkeypatch.setattr(compiling, "infer", lambda code, *args, **kwargs: (
        inferred.append(code.name), real_infer(code, *args, **kwargs))[1])
    program = (PROGRAMS / "jit_kept_at_t0_recursion_with_native_loop.ruff").read_text(encoding="utf-8")
    session, out = run(program, threshold=1)
    assert out == ["80280"]
    retired = [e.detail["reason"] for e in session.events.since(0) if e.kind == "invalidated" and e.function == "walk"]
    assert retired and retired[0].startswith("kept at T0: T1 ran slower (")
    assert 0 < inferred.count("walk") <= 20


def test_a_function_left_at_t1_says_why_in_the_views():
    output: list[str] = []
    session = Session(Policy(jit=True, threshold=5), write=output.append)
    session.run_source("func mix(a, b) { return a + b }\n"
                       "for i in range(400) { mix(i, 1)  mix(i * 0.5, 1) }\n", "mix.ruff")
    mix = session.function("mix")
    assert mix.tier == "T1"
    assert mix.reason.startswith("T2 not tried: argument a is unstable (")


def test_a_t1_unit_that_runs_slower_than_t0_is_retired_and_its_loop_goes_on_at_t2():
    # Called once at --threshold 1, `work` is compiled at T1 on no evidence, and
    # every element access of its loop takes T1's generic path. Judged on its own
    # native run, the unit is retired, the running activation leaves it at its
    # next safepoint, and the loop enters T2 (native element access) by OSR.
    program = """func work(n) {
    mut xs := [0.0, 1.0, 2.0, 3.0]
    mut s := 0.0
    for k in range(n) {
        for i in range(4) { xs[i] := xs[i] * 0.5 + 1.0
            s := s + xs[i] }
    }
    return s
}
print(work(20000))
"""
    session, out = run(program, threshold=1)
    _, expected = run(program.replace("print(work(20000))", "print(work(20000))\n"), threshold=None)
    assert out == expected
    retired = [e for e in session.events.since(0) if e.kind == "invalidated" and e.function == "work"]
    assert [(e.tier, e.detail["reason"].startswith("kept at T0: T1 ran slower")) for e in retired] == [("T1", True)]
    stats = session.function("work")
    assert stats.reason.startswith("kept at T0: T1 ran slower (")
    assert [e.detail["kind"] for e in session.events.since(0) if e.kind == "compiled" and e.function == "work"] \
        == ["whole", "osr"]
    inner = stats.loops[-1]
    assert inner.iterations == 80000 and inner.native_iterations > 70000
