"""The deopt explorer (``Session.deopt_groups``) and JIT breakpoints through the Session."""

from __future__ import annotations

import threading
import time

from ruffdbg.session import Policy, Session
from ruffdbg.exports import stats_document
from tests.jit.test_tiers import EXAMPLES, run

# grow's multiply overflows three times at the same guard (each caught): one
# group of 3, with the exit block native code left by.
OVERFLOWS = """func grow(x) {
    return x * 3
}
mut v := 0
for i in 300 { v := grow(i) }
for i in 3 {
    try { grow(4611686018427387904 + i) } except e { v := v + 1 }
}
print(v)
"""


def test_deopts_are_grouped_by_function_guard_and_reason_with_their_exit():
    session, output = run(OVERFLOWS, threshold=100)
    assert output == ["900"]   # grow(299), and the three caught overflows
    (group,) = session.deopt_groups("grow")
    assert (group.kind, group.function, group.count, group.tier) == ("deopt", "grow", 3, "T2")
    assert (group.line, group.pc, group.guard_kind, group.reason) == (2, 2, "overflow", "int mul overflows")
    assert group.exit_block == f"deopt{group.guard}_overflow_pc2"
    assert 0 < group.first_ms < group.last_ms
    assert [e.seq for e in session.events.since(0) if e.kind == "deopt"][-1] == group.last_seq


def test_entry_guard_deopts_despecialization_and_invalidation_are_listed():
    session, _ = run((EXAMPLES / "deopt_float.ruff").read_text())
    groups = session.deopt_groups()
    assert [g.kind for g in groups] == ["deopt", "deopt", "invalidated", "despecialized"]
    first, second = groups[0], groups[1]
    assert (first.reason, first.count, first.exit_block) == ("x: expected int, got float", 21, "entry")
    assert second.reason == "x: expected float, got int" and second.exits[0].unit != first.exits[0].unit
    despecialized = groups[3]
    assert despecialized.reason.startswith("argument-type: x: expected int (guard #")
    assert (groups[2].function, groups[2].reason) == ("<script>", "calls poly, which was despecialized")
    # --stats-json: a deopt event stays a "deopt"; its guard's kind is a field of its own.
    deopt = next(e for e in stats_document(session)["events"] if e["kind"] == "deopt")
    assert (deopt["detail"]["guard_kind"], deopt["detail"]["unit"]) == ("type", first.exits[0].unit)


def run_until_paused(session: Session, text: str):
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(session.run_source(text, "t.ruff")), daemon=True)
    worker.start()
    deadline = time.monotonic() + 20
    while session.paused_at is None and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    return worker, outcome


def test_break_on_deopt_stops_where_the_interpreter_resumes_and_break_on_error_before_unwinding():
    session = Session(Policy(threshold=100), write=lambda text: None)
    assert session.set_jit_break("deopt", "grow").ok and not session.set_jit_break("sideways").ok
    worker, outcome = run_until_paused(session, OVERFLOWS)
    assert session.paused_at is not None
    event = session.paused_event
    assert (event.kind, event.function, event.pc, event.detail["guard_kind"]) == ("deopt", "grow", 2, "overflow")
    assert session.pause_reason.startswith("deopt in grow (T2) at line 2 guard #")
    assert [(f.function, f.line, f.tier) for f in session.paused_frames()][-1] == ("grow", 2, "T0")
    assert session.clear_jit_breaks("deopt").message == "cleared: deopt in grow"
    session.set_jit_break("error")
    session.resume()   # the caught overflows raise too: "error" stops at every error raised
    for _ in range(3):
        deadline = time.monotonic() + 10
        while session.paused_at is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert session.pause_reason == "error in grow: Integer overflow: " \
            f"{4611686018427387904 + _} * 3" and session.paused_event is None
        session.resume()
    worker.join(10)
    assert outcome[0].ok and session.deopt_groups("grow")[0].count == 3


def test_the_deopts_command_lists_the_groups(tmp_path, capsys):
    from ruffdbg.cli import main

    path = tmp_path / "grow.ruff"
    path.write_text(OVERFLOWS)
    assert main(["deopts", str(path), "--threshold", "100"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["deopt", "grow", "x3", "T2"]
    assert "line 2, pc 2, guard #" in lines[0] and "overflow, exit deopt" in lines[0]
    assert lines[1] == "    int mul overflows"
    assert main(["deopts", str(path), "--func", "<script>"]) == 0
    assert capsys.readouterr().out == "no deopts in <script>\n"
    assert main(["deopts", str(path), "--func", "nobody"]) == 2
    assert "no function named 'nobody' (functions: <script>, grow)" in capsys.readouterr().err


def test_break_on_error_stops_at_a_builtin_failing_under_native_code():
    session = Session(Policy(threshold=100), write=lambda text: None)
    session.set_jit_break("error", "size")
    program = 'func size(x) {\n    return slice(x, 0, 2)\n}\nfor i in 300 { size("abc") }\nsize(5)\n'
    worker, outcome = run_until_paused(session, program)
    assert session.pause_reason == "error in size: slice() expects an array or string as argument 1, got int"
    # (it stays compiled: T2 takes any x tagged, and the stop is in the builtin's callback)
    assert session.function("size").tier == "T2"
    assert [(f.function, f.line) for f in session.paused_frames()] == [("<script>", 5), ("size", 2)]
    session.resume()
    worker.join(10)
    assert outcome[0].error.message.startswith("slice() expects")


def test_a_group_lists_its_latest_exits_and_counts_the_earlier_ones():
    from ruffdbg.core.events import Event
    from ruffdbg.profile.deopts import EXITS_KEPT, DeoptLog

    log = DeoptLog()
    for unit in range(EXITS_KEPT + 10):
        log.add(Event(unit, float(unit), "invalidated", "work", detail={"reason": "work redefined", "unit": unit}))
    (group,) = log.groups()
    assert group.count == EXITS_KEPT + 10 and group.earlier_exits == 10
    assert [exit_.unit for exit_ in group.exits] == list(range(10, EXITS_KEPT + 10))
