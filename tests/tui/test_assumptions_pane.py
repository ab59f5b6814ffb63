"""The guards tab lists what each unit of the selected function assumes: an OSR
loop keeping a global in a register shows it (synced at calls) and the guards
behind its other assumptions."""

from __future__ import annotations

from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import RuffdbgApp
from tests.tui.test_app import log_text, program, show_tab, wait_until

PROMOTED_FOREVER = """mut g := 0
func h(i) { return i % 3 }
func work() {
    mut i := 0
    while true {
        g = g + h(i)
        i = i + 1
    }
}
work()
"""


def pane_text(app) -> str:
    return str(app.query_one("#assumptions").render())


async def test_the_guards_tab_shows_each_units_assumptions(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, PROMOTED_FOREVER), Policy(threshold=50))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "osr" in log_text(app, "#events"))
        app.selected = "work"
        show_tab(app, "tab-guards")
        # (The first loop unit calls h through the VM; once h compiles it is retired
        # and rebuilt to call h directly: retired units stay listed.)
        await wait_until(pilot, lambda: "OSR loop at line 5 (current):" in pane_text(app))
        text = pane_text(app)
        assert "global g kept in a register (int)  [synced at calls; line 5" in text
        assert "global-type       global g is still int after the call  [guard #" in text
        assert "callee-identity   global h still holds function h  [guard #" in text
        await pilot.press("q")
