"""The TUI driven by Textual's pilot: what its panes show while a program runs."""

from __future__ import annotations

import gc
from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import RuffdbgApp
from ruffdbg.tui.policy_dialog import PolicyDialog

FIB_FOREVER = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
mut i := 0
while true {
    fib(12)
    i := i + 1
}
"""

# poly specializes on ints, then floats keep failing its guard: deopts, then despecialization.
INTS_THEN_FLOATS = """func poly(x) {
    return x * 2 + 1
}
mut acc := 0
for i in 2000 {
    acc := acc + poly(i)
}
mut facc := 0.0
mut round := 0
while true {
    facc := facc + poly(round * 0.5)
    round := round + 1
}
"""

# A loop calling a function, for breakpoints and steps.
ADD_LOOP = """func add(a, b) {
    let s := a + b
    return s
}
mut total := 0
mut i := 0
while true {
    total := add(total, i % 10)
    i := i + 1
}
"""


async def wait_until(pilot, condition, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


def table_text(app, selector: str) -> str:
    table = app.query_one(selector)
    return "\n".join(" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count))


def log_text(app, selector: str) -> str:
    pane = app.query_one(selector)
    if hasattr(pane, "plain"):   # the output log keeps text, not rendered lines
        return pane.plain
    return "\n".join(str(line.text) for line in pane.lines)


def show_tab(app, tab: str) -> None:
    app.query_one("#views").active = tab


def status(app) -> str:
    return str(app.query_one("#status").render())


def program(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "program.ruff"
    path.write_text(text)
    return path


async def test_panes_show_fib_warming_up_to_t2(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, FIB_FOREVER), Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "optimized" in table_text(app, "#functions"))
        assert "fib" in table_text(app, "#functions") and "optimized" in table_text(app, "#functions")
        assert status(app).startswith("▶ running")
        await wait_until(pilot, lambda: " T2 " in app.query_one("#source").plain)
        source = app.query_one("#source").plain
        assert "   1" in source and "func fib(n)" in source
        await wait_until(pilot, lambda: "tier-up" in log_text(app, "#events"))
        assert "compiled" in log_text(app, "#events") and "codegen" in log_text(app, "#events")
        await wait_until(pilot, lambda: "LOAD_LOCAL" in app.query_one("#bytecode").plain)
        show_tab(app, "tab-native")   # only the visible tab is drawn
        await wait_until(pilot, lambda: "define" in app.query_one("#t2-ir").plain)
        assert "at T1" in app.query_one("#t1-ir").plain or "no T1 code" in app.query_one("#t1-ir").plain
        show_tab(app, "tab-profiles")
        await wait_until(pilot, lambda: "arg n: int 100%" in str(app.query_one("#profiles").render()))
        assert "stable" in str(app.query_one("#profiles").render())
        show_tab(app, "tab-warmup")
        await wait_until(pilot, lambda: "▲T2" in str(app.query_one("#warmup").render()))
        chart = str(app.query_one("#warmup").render())
        assert chart.startswith("fib") and "calls/s" in chart
        show_tab(app, "tab-guards")
        await wait_until(pilot, lambda: "type" in table_text(app, "#guards"))   # the entry's type guard on n
        await pilot.press("q")


async def test_deopt_and_despecialization_show_in_every_pane(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, INTS_THEN_FLOATS), Policy(threshold=100))
    app.selected = "poly"
    deopts = []

    def pause_in_the_deopt_storm(event) -> None:   # (on the VM thread, as the event is logged)
        if event.kind == "deopt":
            deopts.append(event)
            if len(deopts) == 10:
                app.session.pause()

    app.session.events.listeners.append(pause_in_the_deopt_storm)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: app.session.paused_at is not None)
        # Mid-storm, T2 still: the guards pane shows the failing type guard over the 10 % threshold.
        show_tab(app, "tab-guards")
        await wait_until(pilot, lambda: "> 10%" in table_text(app, "#guards"))
        assert "x: expected int" in table_text(app, "#guards")
        await wait_until(pilot, lambda: "deopt" in log_text(app, "#events"))
        assert "x: expected int, got float" in log_text(app, "#events")
        # The bytecode marks the guard's pc as a deopt point, with its failures.
        show_tab(app, "tab-bytecode")
        await wait_until(pilot, lambda: "◆" in app.query_one("#bytecode").plain)
        assert "fail" in app.query_one("#bytecode").plain
        # Going on, the failures pass 10 % of recent entries: despecialized to T1.
        await pilot.press("p")
        await wait_until(pilot, lambda: "despecialized" in log_text(app, "#events"))
        events = log_text(app, "#events")
        assert events.index("tier-up") < events.index("deopt") < events.index("despecialized")
        assert "(> 10%)" in events
        await wait_until(pilot, lambda: any(row.startswith("poly") and int(row.split()[-1]) >= 20
                                            for row in table_text(app, "#functions").splitlines()))
        await pilot.press("q")


async def test_breakpoint_step_and_continue(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, ADD_LOOP), Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: app.session.function("add") is not None
                         and app.session.function("add").tier == "T2")
        # A click on line 2's number sets a breakpoint: add leaves native code and stops there.
        await pilot.click("#source", offset=(3, 2))
        await wait_until(pilot, lambda: app.session.paused_at is not None)
        await wait_until(pilot, lambda: "breakpoint at line 2" in status(app))
        assert "● " in app.query_one("#source").plain.splitlines()[1]
        await wait_until(pilot, lambda: "▶" in app.query_one("#source").plain.splitlines()[1])
        show_tab(app, "tab-stack")
        await wait_until(pilot, lambda: "add line 2" in str(app.query_one("#stack").render()))
        stack = str(app.query_one("#stack").render())
        assert "add line 2" in stack and "a = " in stack and "(int)" in stack
        assert "breakpoint" in log_text(app, "#events")
        assert "T0" in table_text(app, "#functions")   # held in the interpreter
        await pilot.press("n")   # step over: line 3
        await wait_until(pilot, lambda: "at line 3" in status(app))
        await pilot.press("o")   # step out: back in the loop, right after the call
        await wait_until(pilot, lambda: "<script> at line 8" in status(app))
        await pilot.press("i")   # step into: the next line
        await wait_until(pilot, lambda: "<script> at line 9" in status(app))
        # Select line 2 and clear its breakpoint with b, then continue.
        await pilot.click("#source", offset=(30, 2))
        assert app.location[0] == 2
        await pilot.press("b")
        assert app.session.breakpoints() == []
        await pilot.press("p")
        await wait_until(pilot, lambda: status(app).startswith("▶ running"))
        await wait_until(pilot, lambda: app.session.function("add").tier == "T2")   # compiled again
        await pilot.press("q")


async def test_selecting_a_line_highlights_its_bytecode_and_native_code(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, FIB_FOREVER), Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        show_tab(app, "tab-native")
        await wait_until(pilot, lambda: "define" in app.query_one("#t2-ir").plain)
        show_tab(app, "tab-bytecode")
        await wait_until(pilot, lambda: "LOAD_LOCAL" in app.query_one("#bytecode").plain)
        await pilot.click("#source", offset=(30, 3))   # line 3: return fib(n - 1) + fib(n - 2)
        bytecode = app.query_one("#bytecode")
        assert bytecode.highlighted and {bytecode.rows[i].line for i in bytecode.highlighted} == {3}
        ir = app.query_one("#t2-ir")
        assert ir.highlighted and {ir.rows[i].line for i in ir.highlighted} == {3}
        # And back: a bytecode row selects its pc everywhere, and its line in the source.
        row = next(i for i, r in enumerate(bytecode.rows) if r.line == 2)
        bytecode.post_message(bytecode.RowClicked(bytecode, bytecode.rows[row], row))
        await pilot.pause()
        assert app.location == (2, bytecode.rows[row].pc)
        assert app.query_one("#source").highlighted == {1}
        await pilot.press("q")


async def test_a_runtime_error_is_shown_and_the_app_stays_up(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, 'print("before")\nlet x := 1 / 0\n'), Policy())
    thresholds = gc.get_threshold()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "Division by zero" in log_text(app, "#output"))
        text = log_text(app, "#output")
        assert "before" in text and "Ruff stack" in text
        await wait_until(pilot, lambda: status(app).startswith("✖ error: Division by zero"))   # not "finished"
        assert app.query_one("#status").has_class("error")
        await wait_until(pilot, lambda: "Division by zero" in log_text(app, "#events"))   # the timeline's error
        await pilot.press("p")   # nothing to pause: a warning, not a crash
        assert app.is_running
        assert gc.get_threshold() == thresholds   # (raised while the program ran)


async def test_keys_control_the_selected_function(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, FIB_FOREVER), Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "optimized" in table_text(app, "#functions"))
        await pilot.press("d")   # force deopt: back to the interpreter, then hot again
        await wait_until(pilot, lambda: any(e.kind == "invalidated" and e.function == "fib"
                                            for e in app.session.events.since(0)))
        await pilot.press("r")
        await pilot.press("t")   # 50 is not on the cycle: it starts again at 1000
        assert app.session.policy.threshold == 1000
        await pilot.press("t")
        assert app.session.policy.threshold == 100
        await pilot.press("c")   # compiled again: T2 if the (reset) profile is stable by now, else T1
        await wait_until(pilot, lambda: app.session.function("fib").tier in ("T1", "T2")
                         and any(e.kind == "compiled" for e in app.session.events.since(3)))
        await pilot.press("question_mark")
        await pilot.press("s")   # slow motion: the loop now waits at every safepoint
        await pilot.pause(0.3)
        calls = app.session.function("fib").calls
        await pilot.pause(0.5)
        assert app.session.function("fib").calls - calls < 100
        await pilot.press("s")
        first = app.session
        await pilot.press("R")   # restart: a fresh session runs the program again
        await wait_until(pilot, lambda: app.session is not first and app.session.function("fib") is not None)
        await pilot.press("q")


async def test_the_policy_dialog_edits_thresholds(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, FIB_FOREVER), Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, PolicyDialog)
        field = app.screen.query_one("#stable_share")
        field.value = "0.75"
        app.screen.query_one("#t2_calls").value = "-3"
        await pilot.click("#apply")
        await pilot.pause()
        assert app.session.tier_policy().t2_calls == 50   # refused as a whole: -3 is out of range
        await pilot.press("e")
        app.screen.query_one("#stable_share").value = "0.75"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.tier_policy().stable_share == 0.75
        assert not isinstance(app.screen, PolicyDialog)
        await pilot.press("q")


async def test_the_tui_opens_on_a_repl_session_without_running_anything():
    from ruffdbg.repl.commands import Shell

    shell = Shell(Policy(threshold=20))
    shell.execute("func sq(x) {\n    return x * x\n}")
    shell.execute("for i in 100 { sq(i) }")
    app = RuffdbgApp(session=shell.session)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "sq" in table_text(app, "#functions"))
        assert "REPL" in status(app)
        await pilot.click("#functions", offset=(3, 4))   # one click selects sq (under <script> and its loop)
        await wait_until(pilot, lambda: "return x * x" in app.query_one("#source").plain)
        await pilot.press("R")   # nothing to restart: a warning
        await pilot.press("q")
    assert shell.execute("sq(5)") == "25\n"   # the REPL's session is intact
