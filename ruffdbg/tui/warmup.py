"""WarmupChart: each function's calls per second over time, drawn.

One column per refresh, coloured by the tier the function ran in; each rate is
calls over the measured time since the previous column (a refresh tick can come
late while the program holds the GIL, or early after a key). Under each
function's bars, a marker row names the tier at every column where it changed
(``▲T2``), so the JIT's warm-up curve and its tier-ups and deopts line up.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

TIER_COLOURS = {"T0": "grey62", "T1": "yellow", "T2": "green"}
BARS = " ▁▂▃▄▅▆▇█"
LABEL_WIDTH = 13
MIN_INTERVAL = 0.05   # seconds


@dataclass
class Sample:
    rate: float     # calls per second since the previous sample
    tier: str
    changed: bool   # the tier differs from the sample before (every function starts at T0)


class WarmupChart(Static):
    WIDTH = 60   # columns kept per function

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: dict[str, list[Sample]] = {}
        self.last_calls: dict[str, int] = {}
        self.last_time: float | None = None

    def reset(self) -> None:
        self.history.clear()
        self.last_calls.clear()
        self.last_time = None

    def sample(self, stats, now: float, draw: bool = True, running: bool = True) -> None:
        """Add one column from the functions' stats taken at ``now`` (a
        ``time.perf_counter()`` reading), and draw the chart if it is on screen.
        While the program is not ``running`` (paused, or over) no column is added,
        and the next reading after it starts again only notes the counts: the
        chart is of the program's running time."""
        if not running:
            self.last_time = None
        elif self.last_time is None:   # the first reading: counts to measure the next against
            self.last_time = now
            self.last_calls = {s.name: s.calls for s in stats}
        elif now - self.last_time >= MIN_INTERVAL:   # (a shorter interval's rate would be noise)
            self._add_column(stats, now - self.last_time)
            self.last_time = now
        if draw:
            self.update(self.render_chart())

    def _add_column(self, stats, seconds: float) -> None:
        for s in stats:
            if s.name == "<script>":
                continue
            rate = max(0, s.calls - self.last_calls.get(s.name, 0)) / seconds
            self.last_calls[s.name] = s.calls
            column = self.history.setdefault(s.name, [])
            previous = column[-1].tier if column else "T0"
            column.append(Sample(rate, s.tier, s.tier != previous))
            del column[:-self.WIDTH]

    def render_chart(self) -> Text:
        out = Text(no_wrap=True)
        for name, column in self.history.items():
            peak = max(sample.rate for sample in column) or 1.0
            out.append(f"{name[:LABEL_WIDTH - 1]:<{LABEL_WIDTH}}", style="bold")
            for sample in column:
                bar = BARS[min(len(BARS) - 1, round(sample.rate / peak * (len(BARS) - 1)))]
                out.append(bar if bar != " " else "·", style=TIER_COLOURS[sample.tier])
            out.append(f"  {column[-1].rate:,.0f} calls/s\n")
            out.append_text(self._markers(column))
        out.append("\ncolour = tier: ", style="dim")
        for tier, colour in TIER_COLOURS.items():
            out.append(f"{tier} ", style=colour)
        out.append("  ▲ = tier changed", style="dim")
        return out

    @staticmethod
    def _markers(column: list[Sample]) -> Text:
        """``▲T2`` under each column where the tier differs from the column before."""
        cells = [" "] * (len(column) + 3)
        styles = [""] * len(cells)
        for index in range(len(column)):
            if column[index].changed:
                for offset, char in enumerate("▲" + column[index].tier):
                    cells[index + offset] = char
                    styles[index + offset] = TIER_COLOURS[column[index].tier]
        out = Text(" " * LABEL_WIDTH)
        for char, style in zip(cells, styles):
            out.append(char, style=style)
        out.append("\n")
        return out
