"""Tier 0's compiled loops (vm/loops.py) change nothing anyone can observe: the
output, the errors and every count of the profile are those of the dispatch
loop alone; breakpoints, steps and pauses stop at their instruction inside a
loop that was running compiled, with the frame's locals up to date."""

from __future__ import annotations

import pytest

from ruffdbg.session import Policy, Session
from ruffdbg.vm import loops
from tests.vm.t0_runs import counted, run_t0
from tests.vm.test_debugger import Running

PROGRAMS = {
    "globals_and_an_undefined_one": """mut total := 0
mut i := 0
while i < 3000 {
    total := total + i
    i := i + 1
}
print(total)
func late() {
    mut k := 0
    mut x := 0
    while k < 1000 {
        if k == 900 { x := nothere }
        k := k + 1
    }
    return x
}
print(late())
""",
    "ints": """func f(n) {
    mut total := 0
    mut i := 0
    while i < n {
        total := total + i * 2 + (i * i) % 7 - i / 3
        i += 1
    }
    return total
}
print(f(5000))
print(f(3))
""",
    "division_by_zero_from_a_compiled_loop": """func g(n, z) {
    mut total := 0.0
    mut count := 0
    mut w := 0.0
    mut i := 0
    while i < n {
        if i == 600 { w := 1.0 }
        total := total + 1.0 / (z - w)
        count := count + (i - 7) % 5 + (0 - i) / 7
        i += 1
    }
    print(count)
    return total
}
print(g(1000, 2.0))
print(g(1000, 1.0))
""",
    "floats_and_a_type_change": """func f(n) {
    mut x := 0
    mut d := 1
    mut y := 0.5
    mut i := 0
    while i < n {
        if i == 700 {
            x := 0.5
            d := 1.5
        }
        x := x + d
        y := y * 1.0001 - 0.25
        i := i + 1
    }
    print(x)
    print(y)
}
f(3000)
f(3000)
""",
    "strings_bail_until_the_loop_is_dropped": """mut s := ""
mut i := 0
while i < 300 {
    s := s + "ab"
    i := i + 1
}
print(len(s))
""",
    "arrays_for_break_return_nested": """func find(xs, t) {
    mut i := 0
    while true {
        if i >= 900 { break }
        if xs[i] == t { return i }
        i := i + 1
    }
    return -1
}
mut xs := range(1000)
mut total := 0
for x in xs { total := total + x }
for r in 40 {
    mut j := 0
    while j < 50 {
        total := total + j * r
        j := j + 1
    }
}
print(total)
print(find(xs, 850))
print(find(xs, 950))
mut ys := [1.5, 2.5, 3.5]
mut k := 0
mut acc := 0.0
while k < 60 {
    acc := acc + ys[k - k / 3 * 3]
    k := k + 1
}
print(acc)
""",
    "overflow_error_from_a_compiled_loop": """func grow(n) {
    mut x := 1
    mut i := 0
    while i < n {
        x := x * 3
        i := i + 1
    }
    return x
}
print(grow(30))
print(grow(100))
""",
}


def run(text: str, compiled: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str | None, list]:
    """(output, error, the profile of every code object) of ``text`` at T0."""
    monkeypatch.setattr(loops, "LOOP_AT", 16 if compiled else -1)   # (16: short loops compiled too)
    output, error, codes = run_t0(text)
    return output, error, [_profile(each) for each in codes]


def _profile(code) -> dict:
    return {**counted(code), "compiled": sorted(pc for pc, loop in code.profile.loops.items() if loop is not None)} if code.profile is not None else {}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_count_and_output_is_the_dispatch_loops(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with_loops = run(PROGRAMS[name], True, monkeypatch)
    without = run(PROGRAMS[name], False, monkeypatch)
    assert with_loops[:2] == without[:2]
    for on, off in zip(with_loops[2], without[2]):
        assert {**on, "compiled": []} == {**off, "compiled": []}
    assert any(profile.get("compiled") for profile in with_loops[2]) or name.startswith("strings")


def test_a_loop_that_keeps_leaving_its_fast_path_goes_back_to_the_dispatch_loop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    output, _error, profiles = run(PROGRAMS["strings_bail_until_the_loop_is_dropped"], True, monkeypatch)
    assert output == ["600\n"]
    assert profiles[0]["compiled"] == []   # tried, then dropped: `s + "ab"` is never a fast path


LONG_LOOP = """func work(n) {
    mut total := 0
    mut i := 0
    while i < n {
        total := total + i
        i := i + 1
    }
    return total
}
print(work(N))
"""


def t0_only(text: str) -> Running:
    """A program running in a thread at T0 only (no OSR: every count is the interpreter's)."""
    run_ = Running(text, threshold=None)
    run_.session = Session(Policy(jit=False), write=run_.output.append)
    run_.code = run_.session.compile(text, "program.ruff")
    return run_.start()


def _compiled(run_: Running) -> bool:
    code = run_.session.find_code("work")
    return code is not None and code.profile is not None and any(code.profile.loops.values())


def _consistent(run_: Running) -> int:
    """The paused frame's locals agree with each other and with the loop's counts."""
    frame = run_.session.paused_frames()[-1]
    values = {name: int(value) for name, value, _kind in frame.locals if name in ("i", "total")}
    added = values["i"] + 1 if frame.line == 6 else values["i"]   # (line 6: i's turn was added)
    assert values["total"] == sum(range(added))
    profile = run_.session.find_code("work").profile
    back_edge = max(profile.loops)
    assert profile.count(back_edge) == values["i"]   # one back-edge per finished iteration
    return values["i"]


def test_a_breakpoint_set_while_a_compiled_loop_runs_stops_on_its_line() -> None:
    run_ = t0_only(LONG_LOOP.replace("N", "3000000"))
    run_.wait(lambda: _compiled(run_))
    assert run_.session.toggle_breakpoint(6) == "breakpoint at line 6"
    assert (run_.paused().function, run_.paused().line) == ("work", 6)
    first = _consistent(run_)
    run_.session.resume()
    assert run_.paused().line == 6 and _consistent(run_) == first + 1   # the very next iteration
    assert [run_.step("over").line for _ in range(4)] == [4, 5, 6, 4]   # (the back-edge's line is the header's)
    code = run_.session.find_code("work")
    back_edge = max(code.profile.loops)
    assert code.quick[back_edge][0] != loops.LOOP   # held out while a trap is armed
    run_.session.toggle_breakpoint(6)
    assert code.quick[back_edge][0] == loops.LOOP   # and back once none is
    run_.finish()
    assert run_.output == [f"{sum(range(3000000))}\n"]


def test_a_pause_inside_a_compiled_loop_sees_its_locals_and_counts() -> None:
    run_ = t0_only(LONG_LOOP.replace("N", "30000000"))
    run_.wait(lambda: _compiled(run_))
    run_.session.pause()
    where = run_.paused()
    assert where.function == "work" and where.line in (4, 5, 6)
    _consistent(run_)
    run_.stop()
