"""The native-code and bytecode panes, each mounted alone, on Sessions that ran real programs."""

from __future__ import annotations

import asyncio

import pytest

from ruffdbg.session import Policy, Session
from tests.tui.panes import PaneApp
from ruffdbg.tui.bytecode import BytecodePane
from ruffdbg.tui.listing import ListingView
from ruffdbg.tui.native import TABS, NativePane

FIB = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
func never(x) { return x + 1 }
func describe(i) {
    mut item := {"id": i}
    return item["id"]
}
mut i := 0
while i < 20 {
    fib(12)
    describe(i)
    i := i + 1
}
"""

# combine sees ints first (T2 for int, int), then ints that overflow its add (a
# bail-out each: blacklisted), then floats and strings (polymorphic feedback at
# the add, in the interpreter). mix sees ints and floats: it stays at T1.
POLYMORPHIC = """func combine(a, b) {
    return a + b
}
func mix(a, b) {
    return a * b
}
mut ints := 0
mut floats := 0.0
mut text := ""
for i in 300 {
    let kind := i % 3
    if i < 200 {
        ints := combine(i, i)
    } else if i < 210 {
        try { combine(9223372036854775807, i) } except e { }
    } else if kind == 1 {
        floats := combine(floats, i * 0.25)
    } else if len(text) < 20 {
        text := combine(text, to_string(i % 10))
    }
    if kind == 0 { mix(i, 2) } else { mix(0.5, i) }
}
"""

LISTING_IDS = [tab.listing_id for tab in TABS]


def run(program: str, jit: bool = True) -> Session:
    session = Session(Policy(jit=jit, threshold=50), write=lambda text: None)
    assert session.run_source(program).ok
    return session


@pytest.fixture(scope="module")
def fib_session() -> Session:
    session = run(FIB)
    assert session.function("fib").tier == "T2"
    return session


@pytest.fixture(scope="module")
def poly_session() -> Session:
    session = run(POLYMORPHIC)
    assert any(guard.failed for guard in session.function("combine").guards)
    return session


async def show(app: PaneApp, *args) -> None:
    """Show in the native pane and wait for its worker to fill the listings."""
    app.pane.show(*args)
    for _ in range(500):
        if not getattr(app.pane, "building", False):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the native pane never finished building")


def listing(app: PaneApp, listing_id: str) -> ListingView:
    return app.query_one(f"#{listing_id}", ListingView)


def marked(view: ListingView) -> list[str]:
    return [row.text.plain for row in view.rows if row.text.plain.startswith("◆")]


async def test_four_tabs_show_ir_before_and_after_optimization_and_assembly(fib_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        await show(app, fib_session, "fib")
        tabs = [tab.id for tab in app.query("TabPane")]
        assert tabs == ["tab-t1-ir", "tab-t2-ir-before", "tab-t2-ir", "tab-asm"]
        for listing_id in ("t1-ir", "t2-ir-before", "t2-ir"):
            assert "define" in listing(app, listing_id).plain, listing_id
        assert "at T1" in listing(app, "t1-ir").rows[0].text.plain
        assert listing(app, "t2-ir").rows[0].text.plain.strip().startswith("; fib(n: int) at T2")
        assert listing(app, "t2-ir-before").plain != listing(app, "t2-ir").plain
        asm = listing(app, "asm").plain
        assert "retq" in asm and "movq" in asm
        # Every mapped row says where it comes from, on its right.
        assert "; line 2, pc 2" in listing(app, "t2-ir").plain


async def test_deopt_exits_and_guards_are_marked_in_ir_and_assembly(fib_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        await show(app, fib_session, "fib")
        ir = marked(listing(app, "t2-ir"))
        assert any(row.startswith("◆ deopt2_interrupt_pc10:") for row in ir)   # the exit block's label
        assert any(" br i1 " in row and "%deopt" in row for row in ir)          # the guard's branch
        assert any("call" in row for row in ir)                                # the deopt callback call
        assert not any(row.startswith("◆ after_guard") for row in ir)
        before = marked(listing(app, "t2-ir-before"))
        assert any(row.startswith("◆ deopt2_interrupt_pc10:") for row in before)
        asm = marked(listing(app, "asm"))
        assert any("callq" in row and "(deopt callback)" in row for row in asm)
        assert any(row.split()[1].startswith("j") and row.split()[1] != "jmp" for row in asm)   # a guard jump
        assert "rd.deopt_callback" in listing(app, "asm").plain   # (called directly: position-independent code)


async def test_highlight_location_selects_rows_of_a_pc_or_a_line(fib_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        await show(app, fib_session, "fib")
        app.pane.highlight_location(3, 10)
        for listing_id in ("t1-ir", "t2-ir", "asm"):
            view = listing(app, listing_id)
            assert view.highlighted, listing_id
            assert view.highlighted == {i for i, row in enumerate(view.rows) if row.pc == 10}
        app.pane.highlight_location(2, None)
        view = listing(app, "t2-ir")
        assert view.highlighted and all(view.rows[i].line == 2 for i in view.highlighted)
        # pc 0 and 1 (a local, a constant) have no code of their own: the compare has them
        assert {view.rows[i].pc for i in view.highlighted} == {2, 3, 5}


async def test_a_highlighted_row_far_down_is_scrolled_into_view(fib_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 20)) as pilot:
        await show(app, fib_session, "fib")
        app.pane.highlight_location(3, 16)   # the last add: far down every listing
        for listing_id in ("t1-ir", "t2-ir"):   # shown now, and shown later (scrolled when its tab opens)
            app.query_one("#native-tabs").active = f"tab-{listing_id}"
            view = listing(app, listing_id)
            first = min(view.highlighted)
            for _ in range(50):   # the scroll waits for the listing's next refresh
                await pilot.pause(0.02)
                if view.scroll_offset.y <= first < view.scroll_offset.y + view.size.height:
                    break
            assert first > view.size.height
            assert view.scroll_offset.y <= first < view.scroll_offset.y + view.size.height


async def test_clicking_a_row_posts_row_clicked(fib_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)) as pilot:
        await show(app, fib_session, "fib")
        app.query_one("#native-tabs").active = "tab-t2-ir"
        await pilot.pause()
        view = listing(app, "t2-ir")
        # the entry block's first row: line 2, pc 2 (after the symbols the code is linked against)
        entry = next(i for i, row in enumerate(view.rows) if (row.line, row.pc) == (2, 2))
        assert entry < 30
        await pilot.click("#t2-ir", offset=(4, entry))
        await pilot.pause()
        assert app.clicked, "no RowClicked"
        message = app.clicked[-1]
        assert message.listing is view and message.index == entry and message.row is view.rows[entry]
        assert (message.row.line, message.row.pc) == (2, 2)


async def test_functions_without_native_code_explain_why(fib_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        await show(app, fib_session, "never")   # never ran: no profile to speculate from
        assert listing(app, "t2-ir").plain.startswith("never has no T2 code: never never ran")
        assert listing(app, "asm").plain.startswith("never has no T2 code")
        assert "define" in listing(app, "t1-ir").plain   # T1 does not speculate: compiled for display
        await show(app, fib_session, "describe")   # a dict literal: T1 and T2 run it generically, T2 says so
        assert "define" in listing(app, "t1-ir").plain
        t2 = listing(app, "t2-ir").plain
        assert "define" in t2 and "generic: dict literal — allocation stays in the interpreter" in t2
        await show(app, fib_session, "nothing")
        assert "no function called nothing" in listing(app, "t1-ir").plain
        await show(app, run("func f(x) { return x }\nf(1)\n", jit=False), "f")
        assert "the JIT is off" in listing(app, "asm").plain


async def test_show_rebuilds_only_when_the_function_changed(fib_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        await show(app, fib_session, "fib")
        rows = listing(app, "t2-ir").rows
        await show(app, fib_session, "fib")
        assert listing(app, "t2-ir").rows is rows
        await show(app, fib_session, "never")
        assert listing(app, "t2-ir").rows is not rows


async def test_assembly_follows_the_tier_the_function_runs_in(poly_session):
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        stats = poly_session.function("mix")
        assert stats.tier == "T1"
        await show(app, poly_session, "mix", stats)
        assert "at T1" in listing(app, "asm").rows[0].text.plain
        assert any("(deopt callback)" in row for row in marked(listing(app, "asm")))


async def test_bytecode_rows_map_to_pcs_and_mark_failing_guards(poly_session):
    app = PaneApp(BytecodePane(id="bytecode"))
    async with app.run_test(size=(140, 30)) as pilot:
        stats = poly_session.function("combine")
        await show(app, poly_session, "combine", stats)
        view = app.pane
        lines = poly_session.bytecode_lines("combine")
        assert view.rows[0].text.plain.strip().startswith("code combine(a, b)")
        assert [row.pc for row in view.rows[1:]] == list(range(len(lines)))
        assert [row.line for row in view.rows[1:]] == lines
        failing = next(g for g in stats.guards if g.failed and g.kind != "interrupt")
        row = view.rows[failing.pc + 1]
        assert row.text.plain.startswith("◆")
        assert f"guard {failing.id} {failing.kind} fail {failing.failed}" in row.text.plain
        assert "red" in str(row.text.get_style_at_offset(app.console, 0))
        # Polymorphic feedback is yellow.
        offset = row.text.plain.index("polymorphic")
        assert "yellow" in str(row.text.get_style_at_offset(app.console, offset))
        assert not view.rows[2].text.plain.startswith("◆")   # pc 1: no guard there
        view.highlight_location(None, failing.pc)
        assert view.highlighted == {failing.pc + 1}
        view.highlight_location(lines[0], None)
        assert view.highlighted == set(range(1, len(lines) + 1))
        await pilot.click("#bytecode", offset=(10, 2))
        await pilot.pause()
        assert app.clicked and app.clicked[-1].row.pc == 1


async def test_bytecode_pane_redraws_only_on_change_and_explains_missing_functions(poly_session):
    app = PaneApp(BytecodePane())
    async with app.run_test(size=(140, 30)):
        stats = poly_session.function("combine")
        app.pane.show(poly_session, "combine", stats)
        rows = app.pane.rows
        app.pane.show(poly_session, "combine", stats)
        assert app.pane.rows is rows
        app.pane.show(poly_session, "missing", None)
        assert app.pane.plain == "no function called missing"


async def test_the_shared_helpers_a_unit_calls_follow_its_code(fib_session):
    """describe's dict read calls the shared dict getter (jit/helpers.py): the
    optimized IR and the assembly list its code after the unit's."""
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        await show(app, fib_session, "describe")
        ir_text = listing(app, "t2-ir").plain
        assert "@rd.helper.dict_get(" in ir_text
        assert "; shared helper rd_helper_dict_get" in ir_text and "define { i64, i64 } @rd_helper_dict_get" in ir_text
        assert "rd_helper_dict_get:" in listing(app, "asm").plain
