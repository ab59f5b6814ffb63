"""The Compiles view: a function's compiles listed, one shown (IR, asm, passes),
two compared side by side; and in the app, as a tab."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable

from ruffdbg.session import Policy, Session
from tests.tui.panes import PaneApp
from ruffdbg.tui.compiles import CompilesPane
from ruffdbg.tui.listing import ListingView

RETYPED = """func f(x) { return x * 2 + 1 }
for i in range(200) { f(i) }
for i in range(200) { f(1.5) }
"""


@pytest.fixture(scope="module")
def session() -> Session:
    session = Session(Policy(threshold=50), write=lambda text: None)
    assert session.run_source(RETYPED).ok
    return session


async def settle(pane: CompilesPane, pilot) -> None:
    await pilot.pause()
    for _ in range(500):
        if not pane.building:
            await pilot.pause()
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the compiles pane never finished building")


def plain(pane: CompilesPane, side: str) -> str:
    return pane.query_one(f"#compile-{side}", ListingView).plain


async def test_compiles_are_listed_shown_and_compared(session):
    pane = CompilesPane()
    app = PaneApp(pane)
    async with app.run_test(size=(150, 40)) as pilot:
        pane.show(session, "f")
        await settle(pane, pilot)
        table = pane.query_one("#compiles-table", DataTable)
        ids = [c.id for c in session.compiles("f")]
        assert [str(key.value) for key in table.rows] == [f"#{i}" for i in ids]
        assert table.get_row_at(0)[3] == "tier-up after 50 calls"
        # The latest compile is shown first: what it assumed, its guards, its optimized IR.
        shown = plain(pane, "left")
        assert shown.startswith(f"compile #{ids[-1]}: f at T2, whole; tier-up after ")
        assert "argument-type: x: expected float" in shown and "type             pass " in shown
        assert f"; f(x: float) at T2 -> float; compile #{ids[-1]} (after opt)" in shown
        for _ in range(3):   # v: IR before opt, assembly, passes
            await pilot.press("v")
            await settle(pane, pilot)
        passes = plain(pane, "left")
        assert f"compile #{ids[-1]}: f at T2, whole: the optimizer pass by pass" in passes
        assert "=== sroa" in passes and "(no change: " in passes
        # Pick the int compile (row 2), mark it, pick the float one, mark it: side by side.
        await pilot.press("up", "up")
        await pilot.press("x")
        await pilot.press("down", "down")
        await pilot.press("x")
        await settle(pane, pilot)
        assert pane.has_class("comparing")
        left, right = plain(pane, "left"), plain(pane, "right")
        assert left.startswith(f"compile #{ids[1]}: T2 whole") and "x: int" in left and "x: expected int" in left
        assert right.startswith(f"compile #{ids[3]}: T2 whole") and "x: float" in right
        assert len(left.splitlines()) == len(right.splitlines())   # aligned row for row
        assert "fmul double" in right and "fmul double" not in left
