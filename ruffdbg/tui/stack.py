"""StackPane: the paused program's frames, outermost first, each with the tier
it runs in and (for interpreter frames) its locals with their types. Frames
running native code keep their locals in registers, and say so."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ruffdbg.tui.source import TIER_STYLES


class StackPane(Static):
    shown = None
    def show(self, frames, reason: str) -> None:
        text = stack_text(frames, reason)
        if text != self.shown:   # redraw (and lay out) only what changed
            self.shown = text
            self.update(text)


def stack_text(frames, reason: str) -> Text:
    if not frames:
        return Text("running (press p to pause and see the stack)", style="dim")
    out = Text(f"paused: {reason}\n", style="bold yellow")
    for frame in frames:
        out.append(f"{frame.function} line {frame.line} ", style="bold")
        out.append(f" {frame.tier} ", style=TIER_STYLES.get(frame.tier, ""))
        out.append("\n")
        if frame.tier != "T0":
            out.append("    (native frame: its locals are in registers)\n", style="dim")
        for name, value, kind in frame.locals:
            out.append(f"    {name} = {value}  ", style="")
            out.append(f"({kind})\n", style="cyan")
    return out
