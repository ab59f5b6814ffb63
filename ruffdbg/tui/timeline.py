"""The timeline: tier events as they happen, one coloured line each.

Reads the Session's bounded event log ("everything since seq N"), so it costs
nothing when nothing happened and a long run cannot grow it without limit.
"""

from __future__ import annotations

from rich.text import Text

from ruffdbg.core.events import Event
from ruffdbg.jit.engine import STAGES
from ruffdbg.tui.scrolling import QuietLog

KIND_STYLES = {
    "compiled": "green", "tier-up": "bold green", "osr": "bold cyan", "deopt": "bold red",
    "despecialized": "yellow", "invalidated": "magenta", "blacklisted": "bold white on red",
    "not-compilable": "red", "interpreted": "green", "breakpoint": "bold yellow", "paused": "yellow", "error": "bold red", "ic": "cyan", "elements": "cyan",
}


def describe(event: Event) -> Text:
    """One line: time, kind, function and tier, where, and what happened."""
    out = Text(no_wrap=True)
    out.append(f"{event.time_ms / 1000:8.3f}s ", style="dim")
    out.append(f"{event.kind:<14}", style=KIND_STYLES.get(event.kind, ""))
    out.append(f" {event.function}", style="bold")
    if event.tier:
        out.append(f" {event.tier}")
    if event.line is not None:
        out.append(f" line {event.line}" + (f" pc {event.pc}" if event.pc is not None else ""), style="cyan")
    detail = dict(event.detail)
    if event.kind == "compiled":   # stage times, the way a JIT author reads them
        stages = " + ".join(f"{stage} {detail.pop(stage + '_ms'):.1f}" for stage in STAGES if stage + "_ms" in detail)
        out.append(f"  ({detail.pop('types', '')}) {detail.pop('total_ms', 0):.1f} ms = {stages}")
    if detail:
        out.append("  " + ", ".join(f"{key}: {value}" for key, value in detail.items()))
    return out


class Timeline(QuietLog):
    def __init__(self, **kwargs) -> None:
        super().__init__(wrap=False, markup=False, max_lines=2000, **kwargs)
        self.next_seq = 0

    def pull(self, events) -> None:
        """Append the events logged since the last pull (``events``: an EventLog)."""
        for event in events.since(self.next_seq):
            self.write(describe(event))
            self.next_seq = event.seq + 1

    def reset(self) -> None:
        self.clear()
        self.next_seq = 0
