"""``ruffdbg screenshot``: regenerate the README's SVG screenshots of the TUI.

Runs the TUI headless (Textual's test driver) on the bundled demo and saves
an SVG at each moment worth showing, when the Session says it has happened.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import DEMO, RuffdbgApp

SIZE = (150, 45)


async def _wait_for(pilot, condition, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the moment never came")


def _events(app, kind: str) -> bool:
    return any(event.kind == kind for event in app.session.events.since(0))


async def _take(out: Path) -> list[Path]:
    app = RuffdbgApp(DEMO, Policy())
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        await _wait_for(pilot, lambda: _events(app, "tier-up"))
        await pilot.press("p")   # paused while poly is specialized, before the floats arrive
        await _wait_for(pilot, lambda: app.session.paused_at is not None)
        await pilot.pause(0.5)   # let the panes catch up (they refresh every 0.2 s)
        saved.append(Path(app.save_screenshot("1-specialized-paused.svg", str(out))))
        await pilot.press("p")
        for name, kind in (("2-deopt", "deopt"), ("3-despecialized", "despecialized"), ("4-blacklisted", "blacklisted")):
            await _wait_for(pilot, lambda kind=kind: _events(app, kind))
            await pilot.pause(0.5)
            saved.append(Path(app.save_screenshot(f"{name}.svg", str(out))))
        app.query_one("#views").active = "tab-warmup"
        await pilot.pause(1.0)
        saved.append(Path(app.save_screenshot("5-warmup-chart.svg", str(out))))
        await pilot.press("q")
    return saved


def take_screenshots(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_take(out))
