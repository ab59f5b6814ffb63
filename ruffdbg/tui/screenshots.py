"""``ruffdbg screenshot``: regenerate the README's SVG screenshots of the TUI.

Runs the TUI headless (Textual's test driver) on the bundled demo. At each
moment worth showing -- warming up, specialized, a deopt storm, blacklisted
(with the deopt explorer, two of its compiles compared, and one pass by pass), paused at a
breakpoint, then the same at 80x24 -- it waits until the Session says the moment came,
pauses the program there (so every picture shows its own moment, not the
next one), opens the tab that tells the story, saves an SVG and continues.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from ruffdbg.session import Policy
from ruffdbg.tui.app import DEMO, RuffdbgApp

SIZE = (160, 48)
SMALL = (80, 24)


class MomentMissed(Exception):
    """The demo never reached a moment to photograph (it ended first, say)."""


async def _wait_for(pilot, condition, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise MomentMissed(f"the demo did not reach the moment to photograph within {seconds:.0f} s")


class Photographer:
    def __init__(self, app: RuffdbgApp, pilot, out: Path):
        self.app, self.pilot, self.out = app, pilot, out
        self.saved: list[Path] = []
        self.resumed_at = 0   # the event log's seq when the program was last resumed

    def pause_at(self, kind: str, count: int = 1, function: str = "poly") -> None:
        """Pause the program right after its ``count``-th next ``kind`` event for ``function``:
        a log listener (called on the VM thread as the event is logged) asks for
        the pause, so the picture shows that moment and not a later one. Arm it
        before resuming: the next moment may come a millisecond later."""
        events = self.app.session.events

        seen = []

        def listener(event) -> None:
            if event.kind == kind and event.function == function and listener in events.listeners:
                seen.append(event)
                if len(seen) == count:
                    events.listeners.remove(listener)
                    self.app.session.pause()

        events.listeners.append(listener)

    async def paused(self) -> None:
        """Wait for the program to pause again (a new "paused" event)."""
        events = self.app.session.events
        await _wait_for(self.pilot, lambda: any(event.kind == "paused" for event in events.since(self.resumed_at))
                        and self.app.session.paused_at is not None)

    async def pause_when(self, condition) -> None:
        """Pause as soon as ``condition()`` holds, checked every millisecond by a
        thread (the UI's event loop is too busy drawing to notice in time). The
        pause lands at the VM's next safepoint once this thread gets the GIL."""
        def watch() -> None:
            while True:
                try:
                    if condition():
                        self.app.session.pause()
                        return
                except RuntimeError:   # the VM changed a profile while we read it
                    pass
                time.sleep(0.001)

        threading.Thread(target=watch, daemon=True).start()
        await self.paused()

    async def take(self, name: str, tab: str, native_tab: str | None = None) -> None:
        """Show ``tab`` (and a native-code tab), let the panes catch up, save ``name``.svg."""
        self.app.query_one("#views").active = tab
        if native_tab is not None:
            self.app.query_one("#native-tabs").active = native_tab
        self.app.refresh_panes()
        await self.pilot.pause(0.3)
        await _wait_for(self.pilot, lambda: not self.app.query_one("#native").building)
        await self.pilot.pause(0.3)
        self.saved.append(Path(self.app.save_screenshot(f"{name}.svg", str(self.out))))

    async def take_compiles(self, diff_name: str, passes_name: str, function: str = "poly") -> None:
        """The Compiles tab: the function's two latest T2 compiles side by side, then
        the latest one's optimizer pass by pass."""
        self.app.selected = function
        self.app.query_one("#views").active = "tab-compiles"
        self.app.refresh_panes()
        pane = self.app.query_one("#compiles")
        t2 = [c.id for c in self.app.session.compiles(function) if c.tier == "T2" and c.kind == "whole"]
        for name, show in ((diff_name, lambda: pane.compare(*t2[-2:])),
                           (passes_name, lambda: pane.choose(t2[-1], "passes"))):
            await self.pilot.pause(0.3)
            show()
            await _wait_for(self.pilot, lambda: not pane.building)
            await self.pilot.pause(0.3)
            self.saved.append(Path(self.app.save_screenshot(f"{name}.svg", str(self.out))))

    async def resume(self) -> None:
        self.resumed_at = self.app.session.events.next_seq
        await self.pilot.press("p")


async def _take(out: Path) -> list[Path]:
    app = RuffdbgApp(DEMO, Policy(code_cache=False))   # (the same pictures every time: every compile happens)
    app.selected = "poly"
    # Warming up, slowed down (2 ms per call) from the start, so the pause lands before the tier-up.
    app.session.set_slow_motion(0.002)
    async with app.run_test(size=SIZE) as pilot:
        camera = Photographer(app, pilot, out)
        poly = app.session.function
        await camera.pause_when(lambda: poly("poly") is not None and poly("poly").calls >= 400)
        app.session.set_slow_motion(0)
        await camera.take("1-warming-up", "tab-profiles")
        for name, kind, count, tab, native_tab in (
                ("2-specialized", "tier-up", 1, "tab-native", "tab-t2-ir"),
                ("3-deopt-storm", "deopt", 12, "tab-guards", None),
                ("4-blacklisted", "blacklisted", 1, "tab-bytecode", None)):
            camera.pause_at(kind, count)
            await camera.resume()
            await camera.paused()
            await camera.take(name, tab, native_tab)
        await camera.take("7-deopt-explorer", "tab-deopts")   # (still paused at the blacklisting)
        await camera.take_compiles("9-compile-diff", "10-passes")
        await camera.resume()
        # More of the chart: 1.5 s or 30 more of the demo's 80,000 phases (3,300 calls of poly
        # each), whichever comes first, so phases that call fib remain for the breakpoint below.
        resumed, calls = time.perf_counter(), poly("poly").calls
        await camera.pause_when(lambda: time.perf_counter() - resumed > 1.5 or poly("poly").calls > calls + 30 * 3300)
        await camera.take("5-warmup-chart", "tab-warmup")
        app.session.toggle_breakpoint(8, app.source_name)   # fib's first line
        await camera.resume()
        await _wait_for(pilot, lambda: app.session.paused_at is not None)
        app.selected = "fib"
        app.select_location(8, None)
        await camera.take("6-breakpoint", "tab-stack")
        await pilot.resize_terminal(*SMALL)   # the stacked layout of a small terminal
        await camera.take("8-small-terminal", "tab-bytecode")
        await pilot.press("q")
    return camera.saved


def take_screenshots(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_take(out))
