"""OSR in the TUI: a loop entered natively is an ``osr`` event on the timeline,
its function shows T2, and after a pause (key ``p``) and resume the loop is
entered again -- the timeline shows the second entry."""

from __future__ import annotations

from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import RuffdbgApp
from tests.tui.test_app import log_text, program, table_text, wait_until

SPIN = """func spin() {
    mut s := 0
    mut i := 0
    while true {
        s := (s + i) % 1000
        i := i + 1
    }
}
spin()
"""


async def test_osr_entries_show_on_the_timeline_and_a_resumed_loop_enters_again(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, SPIN), Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "osr" in log_text(app, "#events"))
        await wait_until(pilot, lambda: "spin" in table_text(app, "#functions") and "T2" in table_text(app, "#functions"))
        assert "entries: 1" in log_text(app, "#events")
        await pilot.press("p")
        await wait_until(pilot, lambda: app.session.paused_at is not None)
        await pilot.press("p")   # resume: the loop goes back to native code
        await wait_until(pilot, lambda: "entries: 2" in log_text(app, "#events"))
        assert "T2" in table_text(app, "#functions")
        await pilot.press("q")
