"""SourcePane: the program, line by line, with what the VM knows about each line.

Gutter: a breakpoint dot, the line number, how often the line ran (heat: the
count, brighter when hotter), and on each ``func`` line the function's tier
badge. The line the program is paused at is marked ``▶`` and reversed. Click
a line to select it (the other panes show its bytecode and native code);
click its number to toggle a breakpoint.
"""

from __future__ import annotations

from rich.text import Text

from ruffdbg.tui.listing import ListingView, Row

TIER_STYLES = {"T0": "white on grey23", "T1": "black on yellow", "T2": "black on green"}
GUTTER_WIDTH = 7   # breakpoint dot and line number: a click here toggles the breakpoint
HEAT_STYLES = ("grey50", "cyan", "bright_cyan", "bold bright_white")


def heat_style(hits: int, hottest: int) -> str:
    if hottest <= 0 or hits <= 0:
        return HEAT_STYLES[0]
    return HEAT_STYLES[min(len(HEAT_STYLES) - 1, 1 + int(3 * hits / (hottest + 1)))]


class SourcePane(ListingView):
    shown_pause: int | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # Each line's row by what it shows (a tick changes a few lines' counts: the
        # others keep their Text, and set_rows sees them unchanged).
        self._made: dict[tuple, Row] = {}

    def show(self, text: str, line_hits: dict[int, int], tiers: dict[int, str],
             breakpoints: set[int], paused_line: int | None) -> None:
        hottest = max(line_hits.values(), default=0)
        rows, made = [], {}
        for number, line in enumerate(text.splitlines(), 1):
            hits = line_hits.get(number, 0)
            key = (number, line, number in breakpoints, number == paused_line, hits,
                   heat_style(hits, hottest), tiers.get(number))
            row = self._made.get(key) or _row(*key)
            made[key] = row
            rows.append(row)
        self._made = made
        if len(rows) != len(self.rows) or any(row is not old for row, old in zip(rows, self.rows)):
            self.set_rows(rows)
        if paused_line is not None and paused_line != self.shown_pause:
            self.scroll_to_row(paused_line - 1)
        self.shown_pause = paused_line


def _row(number: int, line: str, breakpoint: bool, paused: bool, hits: int, heat: str, tier: str | None) -> Row:
    out = Text(no_wrap=True)
    out.append("● " if breakpoint else "  ", style="bold red")
    out.append(f"{number:>4} ", style="bold yellow" if paused else "dim")
    out.append(f"{hits:>9} " if hits else " " * 10, style=heat)
    out.append(f" {tier} " if tier else "    ", style=TIER_STYLES.get(tier, ""))
    out.append("▶ " if paused else "  ", style="bold yellow")
    out.append(line, style="reverse" if paused else "")
    return Row(out, line=number)
