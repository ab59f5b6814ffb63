"""Deep native recursion that calls a builtin which calls Ruff code, at every level
(issue 10, item 2). The native frames below such a builtin are counted toward the
20,000-frame limit at once but built only when the Ruff stack shows (an error's
trace and ``Error`` value, a pause), so a level costs the same however deep it
is, and the limit, the traces and the debugger's stack are the interpreter's."""

from __future__ import annotations

import time

from ruffdbg.session import Policy, Session
from tests.unjudged import keep_t1_units
from tests.vm.test_debugger import Running

JIT_MODES = {"T0": Policy(jit=False), "eager": Policy(threshold=1), "default": Policy()}

UP_MAP = """
func walk(n) {
  if n == 0 { return [0] }
  return map(walk(n - 1), func(x) { return x + 1 })
}
print(walk(LEVELS))
"""

# walk runs at T1 (tag takes strings and ints), down at T2 (ints only); the closure
# map calls at the bottom recurses in down with walk's native frames below it.
LIMIT = """
func down(v) {
  if v == 0 { return 0 }
  return down(v - 1) + 1
}
func walk(n, k, tag) {
  if n == 0 { return map([k], func(v) { return down(v) })[0] }
  return walk(n - 1, k, tag)
}
for i in range(40) { walk(3, 2, "s"); walk(3, 2, 1) }
print(walk(10000, 9996, 1))
try { print(walk(10000, 9997, 1)) } except e { print("caught: ${e.message} (${len(e.stack)} frames)") }
"""

BOTTOM_ERROR = """
func bottom(n) {
  if n == 0 { return [1][3] }
  return sort([n - 1, n - 1], func(a, b) { return bottom(a) - b })[0]
}
func up(n) {
  if n == 0 { return [bottom(12)] }
  return map(up(n - 1), func(x) { return x })
}
try { up(200) } except e { print("${e.message} at line ${e.line}: ${e.stack}") }
up(300)
"""


def run(text: str, policy: Policy, judged: bool = True) -> tuple[Session, str, object]:
    output: list[str] = []
    session = Session(policy, write=output.append)
    if policy.jit and not judged:
        keep_t1_units(session)
    result = session.run_source(text, "deep.ruff")
    return session, "".join(output), result


UP_SORT = """
func up_sort(n) {
  if n == 0 { return [1, 2] }
  return sort(up_sort(n - 1), func(a, b) { return b - a })
}
print(up_sort(16000))
"""


def eager_cpu_seconds(levels: int) -> tuple[float, str]:
    started = time.process_time()
    _, out, result = run(UP_MAP.replace("LEVELS", str(levels)), JIT_MODES["eager"])
    assert result.ok
    return time.process_time() - started, out


def test_a_builtin_calling_ruff_code_at_every_level_costs_the_same_at_any_depth():
    # Linear: 4x the levels cost about 4x (compiles included, less). Rebuilding the
    # native frames below at every level made it 16x (16,000 levels took minutes).
    small, _ = eager_cpu_seconds(4000)
    large, out = eager_cpu_seconds(16000)
    assert out == "[16000]\n"
    assert large < 8 * small, (small, large)


def test_16000_levels_through_map_and_sort_give_the_interpreters_result():
    # (map at --threshold 1: the test above)
    text = UP_MAP.replace("LEVELS", "16000") + UP_SORT
    assert run(text, JIT_MODES["T0"])[1] == run(text, JIT_MODES["default"])[1] == "[16000]\n[2, 1]\n"
    assert run(UP_SORT, JIT_MODES["eager"])[1] == "[2, 1]\n"


def test_native_frames_below_a_builtin_count_toward_the_stack_limit_in_mixed_tiers():
    expected = "9996\ncaught: Stack overflow (19999 frames)\n"   # 20,000 frames, then 20,001
    assert run(LIMIT, JIT_MODES["T0"])[1] == expected
    session, out, _ = run(LIMIT, JIT_MODES["eager"], judged=False)
    assert out == expected
    assert session.function("walk").tier == "T1" and session.function("down").tier == "T2"


def test_an_error_at_the_bottom_shows_the_interpreters_ruff_stack():
    results = {mode: run(BOTTOM_ERROR, policy) for mode, policy in JIT_MODES.items()}
    _, out, result = results["T0"]
    stack = [(entry.function, entry.line) for entry in result.error.stack]
    assert result.error.message == "Index out of bounds: 3" and len(stack) == 1 + 301 + 2 * 12 + 1
    assert "Index out of bounds: 3 at line 3: [up, up, up" in out
    for mode in ("eager", "default"):
        _, other_out, other = results[mode]
        assert other_out == out, mode
        assert [(entry.function, entry.line) for entry in other.error.stack] == stack, mode


PAUSE = """
func leaf(x) {
  if x > 5 {
    return x * 2
  }
  return x + 1
}
func walk(n, x) {
  if n == 0 { return map([1, x], leaf) }
  return walk(n - 1, x)
}
for i in range(30) { walk(2, 3) }
print(walk(40, 7))
"""


def stack_at_breakpoint(policy: Policy) -> list:
    running = Running(PAUSE)
    running.session = Session(policy, write=running.output.append)
    running.code = running.session.compile(PAUSE, "program.ruff")
    running.session.toggle_breakpoint(4)   # reached in the deep call only
    where = running.start().paused()
    frames = running.session.paused_frames()
    running.finish()
    assert where.function == "leaf" and running.output == ["[2, 14]\n"]
    return frames


def test_a_pause_below_a_builtin_shows_the_native_frames_under_it():
    reference = stack_at_breakpoint(Policy(jit=False))
    frames = stack_at_breakpoint(Policy(threshold=5))
    assert [(f.function, f.line) for f in frames] == [(f.function, f.line) for f in reference]
    assert len(frames) == 1 + 41 + 1
    # (the frame running map stands for a native one too: the view says its tier)
    assert {f.tier for f in frames[1:-1]} <= {"T1", "T2"} and frames[-1].tier == "T0"
