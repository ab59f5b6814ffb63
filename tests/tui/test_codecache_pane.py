"""The native pane says when a compile's machine code came from the code cache."""

from __future__ import annotations

from ruffdbg.session import Policy, Session
from ruffdbg.tui.native import NativePane
from tests.tui.panes import PaneApp
from tests.tui.test_native_panes import FIB, listing, show


def run(folder) -> Session:
    session = Session(Policy(jit=True, threshold=50, code_cache=str(folder)), write=lambda text: None)
    assert session.run_source(FIB).ok
    return session


async def test_the_native_pane_header_says_the_code_came_from_the_cache(tmp_path):
    run(tmp_path)
    warm = run(tmp_path)
    app = PaneApp(NativePane())
    async with app.run_test(size=(140, 40)):
        await show(app, warm, "fib")
        for listing_id in ("t2-ir", "asm"):
            header = listing(app, listing_id).rows[0].text.plain
            assert "machine code from the code cache" in header and "load" in header, listing_id
        assert "optimize" not in listing(app, "t2-ir").rows[0].text.plain
