"""The Time tab: the sampling profiler's time per function and tier, live."""

from __future__ import annotations

from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import RuffdbgApp
from ruffdbg.tui.tiertime import tier_time_text
from tests.tui.test_app import FIB_FOREVER, program, show_tab, wait_until


def pane_text(app) -> str:
    return str(app.query_one("#tiertime").render())


def fib_row(app) -> str:
    return next((line for line in pane_text(app).splitlines() if line.lstrip("▶ ").startswith("fib ")), "")


async def test_the_time_tab_splits_fibs_time_by_tier(tmp_path: Path):
    app = RuffdbgApp(program(tmp_path, FIB_FOREVER), Policy(threshold=50, sample_ms=1))
    app.selected = "fib"
    async with app.run_test(size=(160, 50)) as pilot:
        show_tab(app, "tab-time")
        await wait_until(pilot, lambda: "T2 " in fib_row(app) and "compile " in fib_row(app))
        text = pane_text(app)
        assert text.startswith("self time per tier, sampled every 1 ms")
        assert "■ T0" in text and "■ runtime" in text
        row = fib_row(app)
        assert row.startswith("▶ fib") and "self " in row and "total " in row and "█" in row
        await pilot.press("q")


def test_the_time_tab_says_when_sampling_is_off():
    assert "sampling profiler is off" in str(tier_time_text(None, None))
