"""Element kinds in the TUI: the Type profiles tab shows the kinds an indexing
site saw, the Deopts tab the arrays' transitions with the value that caused them."""

from __future__ import annotations

from ruffdbg.session import Policy, Session
from ruffdbg.tui.deopts import DeoptsTable
from ruffdbg.tui.profiles import ProfilesPane
from tests.tui.panes import PaneApp

PROGRAM = """func fill(n) {
    mut xs := []
    for i in range(n) { xs := push(xs, i) }
    xs[0] := 0.5
    return xs
}
func at(xs, i) { return xs[i] }
for r in range(3) { at(fill(4), 1) + at([1.5], 0) }
"""


async def test_profiles_and_deopts_tabs_show_element_kinds():
    session = Session(Policy(jit=False), write=lambda text: None)
    assert session.run_source(PROGRAM).ok
    app = PaneApp(ProfilesPane(id="profiles"))
    async with app.run_test(size=(120, 20)):
        app.pane.show(session.function("at"), session.stability)
        assert "INDEX          polymorphic   array<any>,int x3 | array<float>,int x3" in str(app.pane.render())
    table = DeoptsTable(id="deopts")
    app = PaneApp(table)
    async with app.run_test(size=(160, 20)):
        table.show(session.deopt_groups("fill"))
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert [(row[0], row[3], row[6]) for row in rows] == [
            ("elements", "push(xs, i): empty -> int", "by int at [0]"),
            ("elements", "xs[0] := 0.5: int -> any", "by float at [0]")]
        assert [row[2] for row in rows] == ["3", "3"]   # (the count column)
