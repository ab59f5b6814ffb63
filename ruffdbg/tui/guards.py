"""GuardsTable: the selected function's guards with live pass and fail counts
(read from native memory while the code runs) and each guard's failure rate
against the despecialization threshold; AssumptionsPane: what each of its units
assumes and how (which guard, an entry check, a watch)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from ruffdbg.textviews import assumptions_lines


class GuardsTable(DataTable):
    def on_mount(self) -> None:
        self.add_columns("#", "kind", "line", "pc", "pass", "fail", "fail rate", "checks")

    def show(self, guards, despecialize_rate: float) -> None:
        self.clear()
        for g in guards:
            if g.kind == "interrupt":   # a safepoint poll: leaving there is no failure
                self.add_row(str(g.id), g.kind, str(g.line), str(g.pc), f"{g.passed:,}", f"{g.failed:,}",
                             Text("  -", style="dim"), g.detail)
                continue
            rate = g.failure_rate
            over = rate > despecialize_rate
            rate_text = Text(f"{rate:6.1%}" + (f" > {despecialize_rate:.0%}" if over else ""),
                             style="bold red" if over else ("yellow" if g.failed else "green"))
            self.add_row(str(g.id), g.kind, str(g.line), str(g.pc), f"{g.passed:,}", f"{g.failed:,}",
                         rate_text, g.detail)


class AssumptionsPane(Static):
    """The selected function's units and what each assumes (``Session.assumptions``),
    under the guards table: the guard numbers in it are the table's ``#``."""

    shown = None

    def show(self, units) -> None:
        text = "\n".join(assumptions_lines(units)) or "no compiled code"
        if text != self.shown:   # redraw (and lay out) only what changed
            self.shown = text
            self.update(Text("assumptions\n", style="bold") + Text(text, no_wrap=True))
