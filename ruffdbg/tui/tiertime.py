"""TierTimePane: where the time goes, per function and tier, from the sampling
profiler (``Session.tier_times``): a bar per function of its self time split
into T0 (interpreter), T1, T2 (native code), compile and runtime calls (builtins
and generic ops native code called back for), with the milliseconds of each and
its total time (callees included). The selected function is marked."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ruffdbg.tui.warmup import TIER_COLOURS
from ruffdbg.vm.sampler import BUCKETS

BUCKET_COLOURS = {**TIER_COLOURS, "compile": "magenta", "runtime": "cyan"}
BAR_WIDTH = 24
NAME_WIDTH = 14
ROWS = 30


class TierTimePane(Static):
    shown = None

    def show(self, profile, selected: str | None) -> None:
        text = tier_time_text(profile, selected)
        if text != self.shown:   # redraw (and lay out) only what changed
            self.shown = text
            self.update(text)


def tier_time_text(profile, selected: str | None) -> Text:
    out = Text(no_wrap=True)
    if profile is None:
        out.append("The sampling profiler is off (ruffdbg tui --sample-ms MS turns it on).", style="dim")
        return out
    out.append(f"self time per tier, sampled every {profile.interval_ms:g} ms "
               f"({profile.samples:,} samples, {profile.sampled_ms:,.0f} ms)\n", style="dim")
    for bucket in BUCKETS:
        out.append("■ ", style=BUCKET_COLOURS[bucket])
        out.append(f"{bucket} {_ms(profile.buckets_ms[bucket])}   ")
    out.append("\n\n")
    if not profile.functions:
        out.append("no samples yet", style="dim")
        return out
    widest = max(t.self_sum for t in profile.functions) or 1.0
    for t in profile.functions[:ROWS]:
        marker = "▶ " if t.function == selected else "  "
        out.append(marker + t.function[:NAME_WIDTH].ljust(NAME_WIDTH) + " ", style="bold" if marker.strip() else "")
        _bar(out, t.self_ms, widest)
        parts = ", ".join(f"{bucket} {_ms(t.self_ms[bucket])}" for bucket in BUCKETS if t.self_ms[bucket])
        out.append(f" self {_ms(t.self_sum)}  total {_ms(t.total_sum)}", style="bold")
        out.append(f"  ({parts or 'none'})\n", style="dim")
    return out


def _bar(out: Text, parts: dict[str, float], widest: float) -> None:
    """One bar, its length the function's self time, coloured by bucket."""
    used = 0
    for bucket in BUCKETS:
        cells = round(parts[bucket] / widest * BAR_WIDTH)
        cells = min(cells, BAR_WIDTH - used)
        out.append("█" * cells, style=BUCKET_COLOURS[bucket])
        used += cells
    out.append(" " * (BAR_WIDTH - used))


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 1000 else f"{value / 1000:,.2f} s"
