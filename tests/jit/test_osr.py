"""On-stack replacement as a real VM does it (issue 10, item 4), through the Session:
a hot loop enters native code whenever it runs again, its function is compiled
whole for its next call, nested loops of every kind enter natively, a loop
paused, stepped or stopped at a breakpoint goes back to native code, and the
views say what runs.

Counts rather than timings: a loop's ``iterations`` count every tier, and
``native_iterations`` the ones native code ran, so a small difference after a
long run says the run was native."""

from __future__ import annotations

import threading
import time

import pytest

from ruffdbg.session import Policy, Session


def run(text: str, threshold: int | None = None, jit: bool = True) -> tuple[Session, list[str]]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold), write=output.append)
    result = session.run_source(text, "test.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output).splitlines()


def same_as_t0(text: str, threshold: int | None = None) -> Session:
    """Run with the JIT and without; the output must be the same."""
    session, out = run(text, threshold)
    _, expected = run(text, jit=False)
    assert out == expected
    return session


def osr_events(session: Session, function: str) -> list:
    return [e for e in session.events.since(0) if e.kind == "osr" and e.function == function]


def interpreted(session: Session, function: str) -> dict[int, int]:
    """Interpreted back-edges of each loop of ``function``, by source line."""
    return {loop.line: loop.iterations - loop.native_iterations for loop in session.function(function).loops}


# ------------------------------------------------ 1. entered again, every time


def test_a_loop_reached_again_enters_native_code_at_once():
    # The inner loop got hot in round 0; rounds 1..4 run it natively again (and
    # the loop around it, once left natively, is entered too).
    session = same_as_t0("""mut total := 0
mut round := 0
while round < 5 {
    mut i := 0
    while i < 100000 { total := total + i % 7; i := i + 1 }
    round := round + 1
}
print(total)
""", threshold=100)
    loops = interpreted(session, "<script>")
    assert loops[5] <= 110   # of 500,000 iterations: about the mark's worth ran interpreted


def test_work_1000_a_hundred_times_then_a_long_call_runs_natively():
    # The case: before, the lifetime count passed the mark once, in an
    # early call, and the long call ran at T0 while the views said T2.
    session = same_as_t0("""func work(n) {
    mut t := 0
    mut i := 0
    while i < n { t := t + i % 3; i := i + 1 }
    return t
}
for k in range(100) { work(1000) }
print(work(2000000))
""")
    work = session.function("work")
    # Only the first call's loop before it got hot: its 1,000th back-edge met the mark
    # as the loop was ending (not worth entering), so the second call's first entered.
    assert interpreted(session, "work")[4] <= 1001
    assert (work.tier, work.state) == ("T2", "optimized")


def test_every_activation_of_a_function_whose_whole_unit_cannot_take_it_re_enters_its_loop():
    # Calls alternate int and float scale: the whole-function unit (on int) refuses
    # the float calls, which run in the interpreter -- and their loop, hot, enters
    # its own OSR unit (one per entry types) at the first back-edges.
    session = same_as_t0("""func work(n, scale) {
    mut t := 0.0
    mut i := 0
    while i < n { t := t + scale; i := i + 1 }
    return t
}
mut k := 0
mut sum := 0.0
while k < 40 {
    sum := sum + work(20000, 1)
    sum := sum + work(20000, 0.5)
    k := k + 1
}
print(sum)
""", threshold=200)
    loops = interpreted(session, "work")
    assert loops[4] < 40 * 20000 // 10   # 1,600,000 iterations in all, nearly all native


def test_osr_entries_are_not_calls_and_their_events_stay_few():
    session = same_as_t0("""func once() {
    mut s := 0
    for r in range(300) {
        mut i := 0
        while i < 2000 { s := s + i; i := i + 1 }
    }
    return s
}
print(once())
""", threshold=50)
    assert session.function("once").calls == 1
    events = osr_events(session, "once")
    assert 1 <= len(events) <= 2 * 9   # entries 1, 2, 4, 8 ... per loop, never one per entry


def test_a_loop_that_would_spend_its_time_in_the_runtime_stays_interpreted_at_a_low_threshold():
    # An array literal, the truth of a tagged value and a builtin called
    # through the runtime each cost a callback natively: the loop's own 37
    # iterations show it (seed 8901 #1487 ran five times slower than T0 with such
    # a loop entered; its callback was a cell read, which T2 now does natively).
    session = same_as_t0("""func spin(n) {
    mut cap := 0
    let bump := func(q) { cap := cap + 1; return q }
    mut z := 1
    mut y := false
    mut i := 0
    while i < n {
        i := i + 1
        y := to_bool([cap] && z)
    }
    return [bump(y), cap]
}
print(spin(5000))
""", threshold=37)
    assert osr_events(session, "spin") == []
    assert interpreted(session, "spin") == {7: 5000}
    assert session.function("spin").reason.startswith("loop at line 7 kept at T0: T2 would be slower")


def test_a_loop_retired_for_a_branch_that_had_not_run_is_compiled_again_and_runs_natively():
    # Entered by OSR while every word was new, the loop's update branch had never
    # run: T2 left it generic, the run took that path at every iteration and the
    # unit was retired. A second compile, from the profile as it is by then,
    # makes the branch native -- once: it is not retried a third time.
    session = same_as_t0("""func count(words) {
    mut seen := {}
    for w in words {
        if has_key(seen, w) { seen[w] := seen[w] + 1 } else { seen[w] := 1 }
    }
    return seen["w7"]
}
mut words := []
for i in range(60000) { words := push(words, "w${i % 1000}") }
print(count(words))
""")
    retired = [e for e in session.events.since(0) if e.kind == "invalidated" and e.function == "count"]
    assert len(retired) == 1 and retired[0].detail["reason"].endswith("to be compiled again: some of its sites had not run")
    assert len(osr_events(session, "count")) == 2
    assert interpreted(session, "count")[3] < 3000   # (of 60,000 iterations)


# ------------------------------------------------ 2. the next call is compiled whole


def test_a_function_whose_loop_went_native_is_compiled_whole_for_its_next_call():
    session = same_as_t0("""func work(n) {
    mut t := 0
    mut i := 0
    while i < n { t := t + i % 3; i := i + 1 }
    return t
}
print(work(5000))
print(work(10))
print(work(3000000))
""")
    events = [(e.kind, e.tier, e.detail.get("kind")) for e in session.events.since(0) if e.function == "work"]
    assert events[:4] == [("compiled", "T2", "osr"), ("osr", "T2", None),
                          ("compiled", "T2", "whole"), ("tier-up", "T2", None)]
    tier_up = next(e for e in session.events.since(0) if e.kind == "tier-up" and e.function == "work")
    assert tier_up.detail["calls"] == 2   # far below the call-count mark (1000)
    assert session.function("work").calls == 3
    assert interpreted(session, "work")[4] == 1000


def test_a_function_whose_whole_compile_is_held_back_is_not_retried_at_every_call(monkeypatch):
    # Its loop runs natively at every call; the whole function would spend its
    # time on the generic path (array literals), so T2 holds it back. Each
    # OSR entry asked for the whole compile again: 600 inferences in 300 calls.
    from ruffdbg.jit import compiling

    inferred: list[str] = []
    infer = compiling.infer
    monkeypatch.setattr(compiling, "infer", lambda code, *rest, **named: inferred.append(code.name) or
                        infer(code, *rest, **named))
    texts = '    g := [c]; g := [c, 1]; g := [c, 2]; g := [c, 3]; g := [c, 4]; g := [c, 5]\n' * 12
    session = same_as_t0(f"""func work(n) {{
    let c := n * 2
    mut g := ""
{texts}    mut t := 0
    mut i := 0
    while i < n {{ t := t + i % 3; i := i + 1 }}
    return t + c
}}
mut total := 0
for r in range(300) {{ total := total + work(60) }}
print(total)
""", threshold=37)
    assert session.function("work").reason.startswith("kept at T0: T1 would be slower")
    assert inferred.count("work") <= 20   # tries at calls 2, 4, 8 ...: the manager's backoff
    # Each call's 60 iterations pay for entering natively: the loop is entered at once
    # every time (it used to back off until whole calls ran interpreted).
    assert interpreted(session, "work")[18] < 300 * 60 // 10


# ------------------------------------------------ 3. nested loops of every kind


NESTS = {
    "for in for": """func nested(n) {
    mut s := 0
    for i in range(n) {
        for j in range(n) {
            s := s + (i + j) % 7
        }
    }
    return s
}
print(nested(600))
""",
    "three fors and a break (mandelbrot)": """func mandelbrot(size) {
    mut count := 0
    for y in range(size) {
        for x in range(size) {
            let cr := 2.0 * x / size - 1.5
            let ci := 2.0 * y / size - 1.0
            mut zr := 0.0
            mut zi := 0.0
            mut inside := true
            for k in range(50) {
                let tr := zr * zr - zi * zi + cr
                zi := 2.0 * zr * zi + ci
                zr := tr
                if zr * zr + zi * zi > 4.0 {
                    inside := false
                    break
                }
            }
            if inside { count := count + 1 }
        }
    }
    return count
}
print(mandelbrot(120))
""",
    "while in while": """func f(n) {
    mut s := 0
    mut i := 0
    while i < n {
        mut j := 0
        while j < n { s := s + (i * j) % 5; j := j + 1 }
        i := i + 1
    }
    return s
}
print(f(600))
""",
    "while in for": """func f(n) {
    mut s := 0
    for i in range(n) {
        mut j := 0
        while j < n { s := s + (i * j) % 5; j := j + 1 }
    }
    return s
}
print(f(600))
""",
    "for in while, continue": """func f(n) {
    mut s := 0
    mut i := 0
    while i < n {
        i := i + 1
        for j in range(2, n, 3) {
            if j % 4 == 0 { continue }
            s := s + (i * j) % 5
        }
    }
    return s
}
print(f(900))
""",
    "while in for over a dict": """func f(d, n) {
    mut s := 0
    for k in d {
        let v := d[k]
        mut j := 0
        while j < n { s := s + (v * j) % 5; j := j + 1 }
    }
    return s
}
print(f({"a": 1, "b": 2, "c": 3, "d": 4}, 90000))
""",
    "for in for over strings, continue": """func f(words, n) {
    mut s := 0
    for w in words {
        if w == "skip" { continue }
        let m := len(w)
        for j in range(n) { s := s + (m + j) % 7 }
    }
    return s
}
print(f(["ab", "skip", "cde", "f", "ghij"], 60000))
""",
    "top level, for over an int": """mut s := 0
for i in 500 {
    for j in 500 { s := s + (i + j) % 7 }
}
print(s)
""",
}


@pytest.mark.parametrize("name", NESTS)
def test_nested_loops_enter_natively_and_print_what_t0_prints(name: str):
    text = NESTS[name]
    function = "<script>" if name.startswith("top") else text.split("(")[0].split()[-1]
    session = same_as_t0(text, threshold=200)
    events = osr_events(session, function)
    assert events, "no OSR"
    assert not [e for e in session.events.since(0) if e.kind == "not-compilable"]
    # The innermost loop got hot first and entered at its own header, in one
    # unit compiled for the whole nest (its outermost loop).
    loops = interpreted(session, function)
    assert {e.line for e in events} == {max(loops)}
    compiles = [e for e in session.events.since(0)
                if e.kind == "compiled" and e.function == function and e.detail["kind"] == "osr"]
    assert [e.line for e in compiles] == [min(loops)]
    # Nearly every iteration ran natively.
    assert sum(loops.values()) < 3 * 200


def test_a_loop_around_the_hot_one_that_cannot_compile_leaves_the_hot_one_compiled_alone():
    # The outer loop yields (a generator's frame is resumed by the interpreter,
    # never entered natively across a yield): the hot inner loop is compiled on
    # its own, and runs natively.
    text = """func* f(n) {
    mut s := 0
    for i in range(n) {
        yield s
        for j in range(n) { s := s + (i + j) % 3 }
    }
}
mut t := 0
for v in f(300) { t := t + v }
print(t)
"""
    session = same_as_t0(text, threshold=200)
    compiles = [e for e in session.events.since(0)
                if e.kind == "compiled" and e.function == "f" and e.detail["kind"] == "osr"]
    assert [e.line for e in compiles] == [5]
    refused = [e for e in session.events.since(0) if e.kind == "not-compilable" and e.function == "f"]
    assert [(e.line, "generators" in e.detail["reason"]) for e in refused] == [(3, True)]
    assert len(osr_events(session, "f")) > 3   # entered again at every round


def test_a_try_inside_a_loop_nest_compiles_with_it_and_errors_reach_their_handler():
    # A try inside the nest: the unit covers the whole nest, and an error raised
    # natively (a generic op, a failing call, a throw) inside the try reaches its
    # handler in the interpreted frame with the loops' state as it was.
    text = """func bad(v) {
    if v % 97 == 0 { throw "bad ${v}" }
    return v % 5
}
func f(n) {
    mut s := 0
    mut caught := 0
    for i in range(n) {
        for j in range(n) {
            try {
                s := s + bad(i * n + j)
                if j == 77 { s := s + [1, 2][i % 3] }
                if j == 91 { throw "thrown" }
            } except e {
                caught := caught + 1
            }
        }
    }
    return [s, caught]
}
print(f(300))
"""
    session = same_as_t0(text, threshold=200)
    compiles = [e for e in session.events.since(0)
                if e.kind == "compiled" and e.function == "f" and e.detail["kind"] == "osr"]
    assert [e.line for e in compiles][:1] == [8]
    assert not [e for e in session.events.since(0) if e.kind == "not-compilable"]
    loops = interpreted(session, "f")
    assert sum(loops.values()) < 300 * 300 // 2   # most iterations ran natively


def test_a_nest_entered_at_its_inner_loop_finishes_the_outer_rounds_natively():
    # Three long rounds: the inner loop gets hot in the first; native code entered
    # there runs the rest of that round and the two after it (no second entry).
    text = """func f(n) {
    mut s := 0
    for i in 3 {
        mut j := 0
        while j < n { s := s + (i * j) % 7; j := j + 1 }
        s := s * 2
    }
    return s
}
print(f(100000))
"""
    session = same_as_t0(text, threshold=200)
    events = osr_events(session, "f")
    assert [e.line for e in events] == [5]
    loops = interpreted(session, "f")
    assert loops == {3: 0, 5: 200}
    stats = session.function("f")
    assert [(loop.line, loop.iterations) for loop in stats.loops] == [(3, 3), (5, 300000)]


def test_a_guard_failing_inside_an_inner_loop_resumes_the_interpreter_with_the_outer_loop_state():
    # s overflows i64 only inside the OSR loop's third outer round: the overflow
    # guard sends the frame back with both loops' state, and the error is the same.
    text = """func f() {
    mut s := 9223372036854775000
    for i in range(3) {
        for j in range(1000) {
            s := s - 1
        }
        s := s + 2000 * i
    }
    return s
}
print(f())
"""
    jit = Session(Policy(jit=True, threshold=50), write=lambda _: None).run_source(text, "t.ruff")
    t0 = Session(Policy(jit=False), write=lambda _: None).run_source(text, "t.ruff")
    assert (jit.error.message, jit.error.stack[-1].line) == (t0.error.message, t0.error.stack[-1].line)


def test_the_loop_state_handed_back_after_an_inner_loop_keeps_counting_right():
    # An inner OSR loop returns the outer for loop's range and position to the
    # interpreter (which keeps iterating a range, not the array it started with).
    session = same_as_t0("""func f(n) {
    mut out := 0
    for i in range(1, n, 2) {
        for j in range(n) { out := out + j % 3 }
        if i == 41 { print("at 41", out) }
    }
    return out
}
print(f(300))
print(f(7))
""", threshold=100)
    assert osr_events(session, "f")


# ------------------------------------------------ 4. back to native after the debugger


LONG = """func spin(n) {
    mut s := 0
    mut i := 0
    while i < n {
        s := s + i % 7
        i := i + 1
    }
    return s
}
print(spin(2000000000))
"""


class Running:
    def __init__(self, text: str, threshold: int = 100):
        self.session = Session(Policy(threshold=threshold), write=lambda _: None)
        self.thread = threading.Thread(target=self.session.run_source, args=(text, "spin.ruff"), daemon=True)
        self.thread.start()

    def wait(self, condition, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.002)

    def osr_after(self, seq: int) -> bool:
        return any(e.kind == "osr" and e.seq > seq for e in self.session.events.since(0))

    def last_seq(self) -> int:
        return max((e.seq for e in self.session.events.since(0)), default=-1)

    def native(self) -> bool:
        spin = self.session.function("spin")
        return spin is not None and spin.tier == "T2"

    def stop(self) -> None:
        self.session.interrupt("test over")
        self.session.resume()
        self.thread.join(20)
        assert not self.thread.is_alive()


def test_a_paused_loop_returns_to_native_code_when_resumed():
    run = Running(LONG)
    try:
        run.wait(lambda: run.osr_after(-1))
        for _ in range(2):
            before = interpreted(run.session, "spin")[4]
            run.session.pause()
            run.wait(lambda: run.session.paused_at is not None)
            run.session.resume()
            run.wait(lambda: run.session.paused_at is None)
            time.sleep(0.3)
            # Resumed in native code at once: one interpreted iteration, then the entry.
            assert interpreted(run.session, "spin")[4] - before <= 2
            assert run.native()
    finally:
        run.stop()


@pytest.mark.parametrize("work", [
    'let w := names[0] + names[1]',   # a string +: a trip through the generic path
    'let w := names[i % 2]',          # an element of an array of strings: a handle made natively
])
def test_a_loop_that_calls_back_in_every_iteration_still_pauses(work: str):
    # Each call back into the VM (a generic trip, a handle sweep) flushes the loop's
    # back-edge count, so a loop that calls back often never reached its back-edge's
    # poll: the trip, and the sweep after an op that made a handle, poll too.
    run = Running(LONG.replace("mut s := 0", "mut s := 0\n    let names := [\"a\", \"b\"]").replace(
        "s := s + i % 7", f"{work}\n        s := s + i % 7 + i % 11 + i % 13 + i % 17 + i % 19 + i % 23"))
    try:
        run.wait(lambda: run.osr_after(-1))
        run.session.pause()
        run.wait(lambda: run.session.paused_at is not None)
        run.session.resume()
        run.wait(lambda: run.session.paused_at is None)
        time.sleep(0.3)
        assert run.native()
    finally:
        run.stop()


def test_a_loop_stopped_at_a_breakpoint_returns_to_native_code_once_it_is_cleared():
    run = Running(LONG)
    try:
        run.wait(lambda: run.osr_after(-1))
        assert run.session.toggle_breakpoint(5).ok
        run.wait(lambda: run.session.paused_at is not None)
        assert run.session.function("spin").tier == "T0"   # native code dropped while it has a breakpoint
        run.session.resume()
        run.wait(lambda: run.session.paused_at is not None)   # stops again, in the interpreter
        assert [f.line for f in run.session.paused_at][-1] == 5
        assert run.session.toggle_breakpoint(5) == "breakpoint at line 5 cleared"
        seq = run.last_seq()
        run.session.resume()
        run.wait(lambda: run.osr_after(seq))
        run.wait(run.native)
        before = interpreted(run.session, "spin")[4]
        time.sleep(0.3)
        assert interpreted(run.session, "spin")[4] - before <= 2
    finally:
        run.stop()


def test_a_stepped_loop_returns_to_native_code_when_continued():
    run = Running(LONG)
    try:
        run.wait(lambda: run.osr_after(-1))
        run.session.pause()
        run.wait(lambda: run.session.paused_at is not None)
        for _ in range(3):
            assert run.session.step("over") == "step over"
            run.wait(lambda: run.session.paused_at is not None)
        run.session.resume()
        run.wait(lambda: run.session.paused_at is None)
        time.sleep(0.2)
        before = interpreted(run.session, "spin")[4]
        time.sleep(0.3)
        assert interpreted(run.session, "spin")[4] - before <= 2   # native again
        assert run.native()
    finally:
        run.stop()


# ------------------------------------------------ 5. the views say what runs


def test_views_follow_osr_units():
    session, _ = run("""func once(n) {
    mut s := 0
    mut k := 0
    while k < n { s := s + k % 7; k := k + 1 }
    return s
}
print(once(50000))
""")
    once = session.function("once")
    assert (once.tier, once.state, once.calls) == ("T2", "optimized", 1)
    event = osr_events(session, "once")[0]
    assert (event.line, event.detail["entries"]) == (4, 1)


# ------------------------------------------------ regressions found on the way


def test_returning_from_inside_an_osr_loop_writes_back_the_globals_it_kept_in_registers():
    # Before: g stayed at what it was when the loop was entered (10 of 4001).
    session = same_as_t0("""mut g := 0
func f() {
    mut i := 0
    while i < 5000 {
        g := g + 1
        if i == 4000 { return i }
        i := i + 1
    }
    return 0
}
print(f())
print(g)
""", threshold=10)
    assert osr_events(session, "f")


def test_an_osr_loop_returning_an_int_or_a_float_from_inside():
    # Before: internal error (KeyError 'dyn') compiling the entry, and a tagged
    # result came back as a resume at pc 0.
    same_as_t0("""func h(x) {
    mut i := 0
    while i < 5000 {
        if i == 4000 { if x { return 1.5 } return 2 }
        i := i + 1
    }
    return 0
}
print(h(true))
print(h(false))
""", threshold=10)


def test_a_nest_returning_early_in_a_function_called_from_a_native_loop():
    # Found by a random nest generator: f's loops enter by OSR while the script's
    # loop calling f runs natively; the early return must hand g back.
    same_as_t0("""mut g := 0
func f(p) {
    mut acc := 0
    for v0 in range(0, 23, 1) {
        acc := acc + (v0 * p)
        for v1 in range(1, 36, 1) {
            mut v2 := 0
            while v2 < 26 {
                v2 := v2 + 1
                for v3 in 7 { acc := acc + (v0 % 2) + (v3 + v1) }
            }
            g := g + v1 % 3
            if acc > 69931 { return acc }
        }
    }
    return acc
}
for c in 3 { print(f(c)) }
print(g)
""", threshold=1)


def test_a_loop_whose_native_runs_keep_ending_at_once_stays_interpreted():
    # One index in eight is out of bounds, caught inside the loop: each native run
    # ends at its bounds guard after a few iterations. At --threshold 1 (the
    # backoff is capped at one back-edge) the loop was entered and left at every
    # few iterations, 50x slower than T0; after a few such runs it stays interpreted.
    text = """func work(A, n) {
    mut s := 0
    mut errors := 0
    for i in range(n) {
        for j in range(n) {
            try {
                s := s + 4
                s := s + A[s % (len(A) + 1)] % 3
            } except e { errors := errors + 1 }
        }
    }
    return [s, errors]
}
print(work([1, 2, 3, 4, 5, 6, 7], 60))
"""
    session = same_as_t0(text, threshold=1)
    events = session.events.since(0)
    stopped = [e for e in events if e.kind == "blacklisted" and e.function == "work"]
    assert stopped and all(e.detail["osr"] and "at its bounds guard (line 8)" in e.detail["reason"] for e in stopped)
    assert len([e for e in events if e.kind == "deopt"]) < 40


def test_an_array_built_in_a_handler_of_a_hot_loop_nest_is_never_copied(monkeypatch):
    # Nest seed 130332 #641: a missing key caught inside a while loop nested in two
    # for loops, each message pushed onto `log`. At --threshold 1 the run took 180 s
    # where T0 took 4 s: the array was copied at every push, held (for
    # copy-on-write) by the handles of native frames the interpreter had taken
    # over, by the interpreted frame's stale locals during the OSR run and by the
    # entry's handles, or handles reused below a native run's mark (which it never
    # released); and the loop was entered again after every caught error.
    from ruffdbg.core.arrays import RArray

    copies = []
    copy = RArray.copy
    monkeypatch.setattr(RArray, "copy", lambda array: copies.append(len(array)) or copy(array))
    text = """func work(D, N) {
    mut s := 0
    mut log := []
    for v0 in N {
        for v1 in N {
            mut v2 := 0
            while v2 < N {
                v2 := v2 + 1
                try {
                    s := s + 2
                    if s % 7 == 0 { s := s + D["zz"] }
                } except e { log := push(log, e.message) }
            }
        }
    }
    return [s, len(log)]
}
print(work({"a": 1}, 3))
print(work({"a": 1}, 30))
"""
    for threshold in (1, 37, None):
        copies.clear()
        session = same_as_t0(text, threshold=threshold)
        assert session.function("work").tier != "T0" or threshold is None
        assert copies == [], threshold
    stopped = [e for e in session.events.since(0) if e.kind == "blacklisted"]
    assert all("raising an error (line 11)" in e.detail["reason"] for e in stopped)


def test_a_loop_meeting_the_mark_as_it_ends_is_not_compiled_for_nothing():
    # dict_cold's shape: a function called once whose `while i < n` loops run exactly
    # the OSR mark's 1,000 trips. Each met the mark at its last back-edge and was
    # compiled (90 ms under load) to run no iteration: 11x slower than T0.
    text = """func ops(n) {
    mut table := {}
    mut i := 0
    while i < n { table["k${i}"] := i; i := i + 1 }
    mut total := 0
    i := 0
    while i < n { total := total + table["k${i}"]; i := i + 1 }
    return total
}
print(ops(1000))
"""
    session = same_as_t0(text)
    assert not [e for e in session.events.since(0) if e.kind == "compiled"]
    longer = same_as_t0(text.replace("ops(1000)", "ops(3000)"))
    assert [e.line for e in longer.events.since(0) if e.kind == "compiled"] == [4, 7]


def test_an_osr_entry_counts_only_arrays_that_are_ranges():
    from array import array

    from ruffdbg.core.arrays import BOOL, EMPTY, INT, RArray
    from ruffdbg.jit.osr import _as_range

    assert _as_range(RArray(INT, array("q", range(0, 900, 3)))) == range(0, 900, 3)
    assert _as_range([3, 2, 1]) == range(3, 0, -1)
    assert _as_range([7]) == range(7, 8) and _as_range([]) == range(0) == _as_range(RArray(EMPTY, []))
    # first, second and last items and the length fit a range, the middle does not
    assert _as_range([0, 2, 4, 7, 8]) is None and _as_range(RArray(INT, array("q", [0, 2, 5, 6]))) is None
    # equal to ints, but not ints
    assert _as_range([0, True, 2]) is None and _as_range([True]) is None and _as_range([1.0, 2.0]) is None
    assert _as_range(RArray(BOOL, array("B", [0, 1]))) is None and _as_range([5, 5]) is None


def test_a_function_whose_loop_went_native_is_not_compiled_on_a_guessed_argument_type():
    # Its next call compiles it whole on the types its arguments showed most, but
    # `a` is a float half the time and a string the other half: guessed float, it
    # deopted at entry on every other call until despecialized. Now `a` is tagged.
    from pathlib import Path

    program = (Path(__file__).parent.parent / "programs" / "jit_loop_hot_function_with_a_mixed_argument.ruff")
    session = same_as_t0(program.read_text(encoding="utf-8"))
    events = [e for e in session.events.since(0) if e.function == "scale"]
    assert [(e.detail["kind"], e.detail["types"]) for e in events if e.kind == "compiled"] \
        == [("osr", "a: dyn, n: int, total: int, i: int"), ("whole", "a: dyn, n: int")]
    assert not [e for e in events if e.kind in ("deopt", "despecialized")]
