"""The TUI driven by Textual's pilot: what its panes show while a program runs."""

from __future__ import annotations

from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import RuffdbgApp

PROGRAM = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
mut i := 0
while true {
    fib(12)
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


async def test_panes_show_fib_reaching_t2_and_pause_works(tmp_path: Path):
    path = tmp_path / "fib.ruff"
    path.write_text(PROGRAM)
    app = RuffdbgApp(path, Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "T2" in table_text(app, "#functions"))
        assert "fib" in table_text(app, "#functions") and "optimized" in table_text(app, "#functions")
        await wait_until(pilot, lambda: "T2" in str(app.query_one("#source").render()))
        source = str(app.query_one("#source").render())
        assert "   1" in source and "func fib(n)" in source
        await wait_until(pilot, lambda: "compiled" in "\n".join(str(line.text) for line in app.query_one("#events").lines))
        assert "LOAD_LOCAL" in str(app.query_one("#bytecode").render())
        await wait_until(pilot, lambda: "define" in str(app.query_one("#ir").render()))
        await wait_until(pilot, lambda: "arg n: int 100%" in str(app.query_one("#profiles").render()))
        chart = str(app.query_one("#warmup").render())
        assert chart.startswith("fib") and "calls/s" in chart
        await pilot.press("p")
        await wait_until(pilot, lambda: app.session.paused_at is not None)
        # The paused program's frames, outermost first, each with its tier.
        await wait_until(pilot, lambda: str(app.query_one("#stack").render()).startswith("<script> line"))
        await pilot.press("p")
        await wait_until(pilot, lambda: app.session.paused_at is None)
        await pilot.press("q")


async def test_a_runtime_error_is_shown_and_the_app_stays_up(tmp_path: Path):
    path = tmp_path / "bad.ruff"
    path.write_text('print("before")\nlet x := 1 / 0\n')
    app = RuffdbgApp(path, Policy())
    async with app.run_test(size=(120, 40)) as pilot:
        output = app.query_one("#output")
        await wait_until(pilot, lambda: any("Division by zero" in str(line.text) for line in output.lines))
        text = "\n".join(str(line.text) for line in output.lines)
        assert "before" in text and "Ruff stack" in text
        assert app.is_running


async def test_keys_control_the_selected_function(tmp_path: Path):
    path = tmp_path / "fib.ruff"
    path.write_text(PROGRAM)
    app = RuffdbgApp(path, Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "T2" in table_text(app, "#functions"))
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
