"""The deopt explorer tab and JIT breakpoints in the TUI: ``j`` sets a break on
poly's deopts, the program pauses at the first one with its group selected in
the Deopts tab, its function and its pc selected in the listings; choosing a
row selects that group's function and location."""

from __future__ import annotations

from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import RuffdbgApp
from ruffdbg.tui.deopts import DeoptsTable, JitBreakDialog
from tests.tui.test_app import INTS_THEN_FLOATS, program, status, table_text, wait_until


async def test_a_jit_breakpoint_pauses_at_a_deopt_with_its_group_selected(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, INTS_THEN_FLOATS), Policy(threshold=100))
    app.session.set_jit_break("deopt", "poly")   # (before it runs: the dialog is tried below)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: app.session.paused_at is not None)
        await wait_until(pilot, lambda: "deopt in poly (T2)" in status(app))
        assert "x: expected int, got float" in status(app) and "JIT breaks: deopt in poly" in status(app)
        # The event is selected: the Deopts tab, its group, its function and pc.
        await wait_until(pilot, lambda: app.query_one("#views").active == "tab-deopts")
        await wait_until(pilot, lambda: "poly" in table_text(app, "#deopts"))
        table = app.query_one("#deopts", DeoptsTable)
        chosen = table.groups[table.cursor_row]
        assert (chosen.kind, chosen.function, chosen.pc, chosen.reason) == ("deopt", "poly", 0,
                                                                            "x: expected int, got float")
        assert chosen.exit_block == "entry" and chosen.count == 1
        assert app.selected == "poly" and app.location == (1, 0)
        # The dialog (j): a break on any tier-up is added; "Clear all" clears both.
        await pilot.press("j")
        assert isinstance(app.screen, JitBreakDialog)
        app.screen.query_one("#function").value = ""
        app.screen.query_one("#kind").value = "tier-up"
        await pilot.click("#set")
        assert [each.describe() for each in app.session.jit_breaks()] == ["deopt in poly", "tier-up"]
        await pilot.press("j")
        await pilot.click("#clear")
        assert app.session.jit_breaks() == []
        # One click on a row chooses its group: its function and location.
        app.selected, app.location = "<script>", (None, None)
        await pilot.click("#deopts", offset=(3, 1))
        await wait_until(pilot, lambda: app.selected == "poly" and app.location == (1, 0))
        await pilot.press("q")
