"""Inline caches in the TUI: the bytecode pane's IC column, the Type profiles
tab's IC sites and the Deopts tab's ic transitions, on a Session that ran a
program whose sites go mono, poly and mega."""

from __future__ import annotations

import pytest

from ruffdbg.session import Policy, Session
from tests.tui.panes import PaneApp
from ruffdbg.tui.bytecode import BytecodePane
from ruffdbg.tui.deopts import DeoptsTable
from ruffdbg.tui.profiles import ProfilesPane

PROGRAM = """struct Point { x, y
    func op_add(self, o) { return Point { x: self.x + o.x, y: self.y + o.y } }
}
struct Vec { x, y }
struct A { x }
struct B { x }
struct C { x }
func getx(p) { return p.x }
func both(p, q) { return (p + q).y + q.x }
for i in range(5) { getx(Point { x: i, y: 0 }) + both(Point { x: 1, y: 2 }, Point { x: 3, y: 4 }) }
getx(Vec { x: 1, y: 2 })
func poly(p) { return p.x }
poly(A { x: 1 }) + poly(B { x: 1 }) + poly(C { x: 1 }) + poly(Point { x: 1, y: 1 }) + poly(Vec { x: 1, y: 1 })
"""


@pytest.fixture(scope="module")
def session() -> Session:
    session = Session(Policy(jit=False), write=lambda text: None)
    assert session.run_source(PROGRAM).ok
    return session


def style_at(app: PaneApp, text, needle: str) -> str:
    return str(text.get_style_at_offset(app.console, text.plain.index(needle)))


async def test_bytecode_pane_shows_each_sites_cache(session):
    app = PaneApp(BytecodePane(id="bytecode"))
    async with app.run_test(size=(120, 20)):
        app.pane.show(session, "getx", session.function("getx"))
        field = app.pane.rows[2].text   # pc 1: GET_FIELD
        assert "GET_FIELD" in field.plain and field.plain.endswith("ic poly(2) Point#1 Vec#1")
        assert "yellow" in style_at(app, field, "ic poly(2)")
        app.pane.show(session, "both", session.function("both"))
        plain = [row.text.plain for row in app.pane.rows]
        add = next(line for line in plain if " ADD " in line)
        assert add.endswith("monomorphic: struct,struct · ic mono Point#1")
        assert "green" in style_at(app, app.pane.rows[plain.index(add)].text, "ic mono")
        assert [line.rsplit("  ", 1)[-1].strip() for line in plain if "GET_FIELD" in line] == [
            "ic mono Point#1", "ic mono Point#1"]
        app.pane.show(session, "poly", session.function("poly"))
        assert app.pane.rows[2].text.plain.endswith("ic mega")
        assert "red" in style_at(app, app.pane.rows[2].text, "ic mega")


async def test_profiles_tab_and_deopts_tab_list_ic_sites(session):
    app = PaneApp(ProfilesPane(id="profiles"))
    async with app.run_test(size=(120, 20)):
        app.pane.show(session.function("both"), session.stability)
        text = str(app.pane.render())
        assert "inline caches" in text
        assert "(p + q).y" in text
        assert "pc 2    line 9    p + q      mono Point#1  Point#1 x5" in text
        assert "q.x" in text
    table = DeoptsTable(id="deopts")
    app = PaneApp(table)
    async with app.run_test(size=(160, 20)):
        table.show(session.deopt_groups("poly"))
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert [row[0] for row in rows] == ["ic", "ic", "ic"]
        assert [row[3] for row in rows] == ["p.x: uninit -> mono", "p.x: mono -> poly", "p.x: poly -> mega"]
        assert [row[6] for row in rows] == ["by A#1", "by B#1", "by Vec#1"]
