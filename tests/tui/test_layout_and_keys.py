"""The TUI at small sizes, from the keyboard, under a print flood, and across reloads."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from types import SimpleNamespace

from ruffdbg.session import Policy
from ruffdbg.tui.app import RuffdbgApp
from ruffdbg.tui.functions import compact
from ruffdbg.tui.warmup import WarmupChart
from tests.tui.test_app import log_text, program, status, table_text, wait_until

# A top-level loop that gets hot (OSR) calling a function that gets hot (T2), then ends.
LOOP_CALLING_SQ = """func sq(x) {
    return x * x
}
mut total := 0
for i in 30000 {
    total := total + sq(i % 100)
}
print("total", total)
"""


def test_counts_are_compact_never_cut():
    assert compact(1_289_531_900) == "1.29G"
    assert compact(12_345_678) == "12.3M"
    assert compact(456_789_012) == "457M"
    assert compact(999_999) == "999,999"          # exact while it fits
    assert compact(1_234_567) == "1.23M"
    assert compact(999_999_999) == "1.00G"        # rounding up moves to the next unit
    assert compact(12, width=6) == "12" and compact(1_000_000, width=6) == "1.00M"


def test_warmup_rates_come_from_measured_intervals():
    chart = WarmupChart()
    fib = SimpleNamespace(name="fib", calls=0, tier="T0")
    chart.sample([fib], now=10.0, draw=False)        # the first reading only notes the counts
    fib.calls = 1000
    chart.sample([fib], now=10.5, draw=False)        # 1000 calls in 0.5 s (not an assumed 0.2 s)
    fib.calls, fib.tier = 4000, "T2"
    chart.sample([fib], now=11.5, draw=False)        # 3000 calls in 1 s
    chart.sample([fib], now=11.51, draw=False)       # too soon after: no column
    fib.calls = 5000
    chart.sample([fib], now=13.0, draw=False, running=False)   # paused: no column
    fib.calls = 5500
    chart.sample([fib], now=20.0, draw=False)        # running again: counts noted
    fib.calls = 6500
    chart.sample([fib], now=20.5, draw=False)        # 1000 calls in 0.5 s of running
    rates = [sample.rate for sample in chart.history["fib"]]
    assert rates == [2000.0, 3000.0, 2000.0]
    assert [sample.changed for sample in chart.history["fib"]] == [False, True, False]


async def test_keys_select_tabs_rows_and_the_script_and_its_osr_loop_at_any_size(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, LOOP_CALLING_SQ), Policy(threshold=50))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: "finished" in status(app))
        # Keys 1-9 are in the footer ("123456789 Tabs"), and each tab's label carries its key.
        assert {"1", "2", "3", "4", "5", "6", "7", "8", "9"} <= {key.key for key in app.screen.query("FooterKey")}
        views = app.query_one("#views")
        assert views.get_tab("tab-bytecode").label.plain == "1 Bytecode"
        assert views.get_tab("tab-native").label.plain == "2 Native code"
        await pilot.press("2")
        assert app.query_one("#views").active == "tab-native"
        await pilot.press("1")
        assert app.query_one("#views").active == "tab-bytecode"
        # Rows: <script>, its OSR loop, sq. The arrow keys move the selection.
        rows = table_text(app, "#functions").splitlines()
        assert rows[0].startswith("<script>") and "↻ line 5" in rows[1] and "OSR loop" in rows[1]
        assert rows[2].startswith("sq") and app.selected == "sq"
        app.query_one("#functions").focus()
        await pilot.press("up")   # the loop: its code is the script, its header line is selected
        await wait_until(pilot, lambda: app.selected == "<script>" and app.location[0] == 5)
        bytecode = app.query_one("#bytecode")
        await wait_until(pilot, lambda: "<script>" in bytecode.plain)
        assert bytecode.highlighted and {bytecode.rows[i].line for i in bytecode.highlighted} == {5}
        await pilot.press("down")
        await wait_until(pilot, lambda: app.selected == "sq")
        # One click on a row selects it.
        await pilot.click("#functions", offset=(3, 2))
        await wait_until(pilot, lambda: app.selected == "<script>" and app.selected_row == "<script>")
        # In the source, the arrow keys move the selected line (from the loop's line 5).
        app.query_one("#source").focus()
        await pilot.press("down")
        assert app.location[0] == 6 and app.query_one("#source").highlighted == {5}
        await pilot.click("#source", offset=(30, 3))   # line 3, then up: line 2, sq's
        await pilot.press("up")
        assert app.location[0] == 2 and app.selected == "sq"
        await _check_layouts(app, pilot)
        await pilot.press("q")


async def _check_layouts(app, pilot) -> None:
    """Usable at 200x55, 120x40 and 80x24: every pane has rows, the table every column."""
    for width, height in ((200, 55), (120, 40), (80, 24)):
        await pilot.resize_terminal(width, height)
        await pilot.pause(0.1)
        table = app.query_one("#functions")
        # Every column, calls and deopts included, fits in the table.
        assert sum(column.get_render_width(table) for column in table.ordered_columns) <= table.size.width
        assert "30,000" in table_text(app, "#functions")
        assert app.query_one("#views").size.height >= 6, (width, height)   # the tabs have rows
        assert app.query_one("#source").size.height >= 3, (width, height)
        assert app.query_one("#output").size.height >= 3, (width, height)
    assert app.screen.has_class("-narrow") and app.screen.has_class("-short")
    assert app.query_one("#main").styles.layout.name == "vertical"   # stacked


async def test_a_print_flood_does_not_hold_keys_up(tmp_path: Path):
    path = program(tmp_path, 'for i in 100000 {\n    print("line ${i} of the flood")\n}\nprint("the end")\n')
    app = RuffdbgApp(path, Policy())
    handled: list[float] = []
    toggle = app.action_toggle_pause

    def timed_toggle() -> None:
        handled.append(time.perf_counter())
        toggle()

    app.action_toggle_pause = timed_toggle
    delays = []
    async with app.run_test(size=(120, 40)) as pilot:
        # In full flood (the panes' first drawing, at the start, is not what this measures).
        await wait_until(pilot, lambda: app.running and app.written > 20_000)
        for _ in range(4):   # pause, continue, pause, continue; the flood goes on
            pressed = time.perf_counter()
            await pilot.press("p")
            delays.append(handled[-1] - pressed)
        await wait_until(pilot, lambda: "the end" in log_text(app, "#output"), seconds=30)
        text = log_text(app, "#output")
        # The log keeps the last 2,000 lines: the start of the flood was skipped, not queued.
        assert "line 99999 of the flood" in text and "line 0 of the flood" not in text
        assert len(text.splitlines()) <= 2000 and app.drained == app.written
        assert status(app).startswith("■ finished")
        await pilot.press("q")
    # The bound is 100 ms: the median press must meet it. A single press may
    # wait longer for a CPU on a loaded machine (with a load average of 14 on 2 cores
    # one took 0.5 s; the UI cannot run while the OS has the program's thread, which
    # holds the GIL, descheduled); before the output was drained in bounded batches
    # a 100,000-line flood held every key for tens of seconds.
    assert statistics.median(delays) < 0.1 and max(delays) < 1.0, delays


async def test_R_reloads_the_edited_file_and_shows_what_is_wrong_with_it(tmp_path: Path):
    path = program(tmp_path, 'print("first version")\n')
    app = RuffdbgApp(path, Policy())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: status(app).startswith("■ finished"))
        path.write_text('print("second version")\n')
        await pilot.press("R")
        await wait_until(pilot, lambda: "second version" in log_text(app, "#output"))
        assert "second version" in app.query_one("#source").plain
        await wait_until(pilot, lambda: status(app).startswith("■ finished"))
        path.write_text('print("unclosed\n')
        await pilot.press("R")
        await wait_until(pilot, lambda: status(app).startswith("✖ error: line 1"))
        assert "error:" in log_text(app, "#output") and app.query_one("#status").has_class("error")
        path.unlink()
        await pilot.press("R")
        await wait_until(pilot, lambda: "cannot read" in status(app))
        assert app.is_running
        await pilot.press("q")


async def test_the_functions_table_draws_each_changed_count():
    """The table keeps rendered cells between ticks: a changed one must be drawn again."""
    from tests.tui.panes import PaneApp
    from ruffdbg.tui.functions import FunctionRow, FunctionsTable

    def rows(calls: int, tier: str = "T1") -> list[FunctionRow]:
        return [FunctionRow("<script>", "<script>", "<script>", "T0", "interpreted", 1, 0),
                FunctionRow("fib", "fib", "fib", tier, "baseline", calls, 0)]

    def screen() -> str:
        return "\n".join(strip.text for strip in app.screen._compositor.render_strips())

    table = FunctionsTable(id="functions")
    app = PaneApp(table)
    async with app.run_test(size=(80, 6)) as pilot:
        for calls in (10, 20, 1_500_000):
            table.show(rows(calls), "fib")
            await pilot.pause()
            assert f" {compact(calls)} " in screen()
        table.show(rows(1_500_000, "T2"), "fib")
        await pilot.pause()
        assert " T2 " in screen() and " T1 " not in screen()
        table.move_cursor(row=0)   # the cursor's row is drawn differently: both rows again
        await pilot.pause()
        assert table.cursor_key == "<script>" and "1.50M" in screen()
