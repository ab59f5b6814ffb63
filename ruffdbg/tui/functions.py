"""FunctionsTable: one row per function that ran, for the top-level code
(``<script>``), and for each loop that ran natively (an OSR loop), under the
code it belongs to.

Columns: name, tier, state, calls (a loop: its iterations) and deopts. The
state column takes what is left of the pane's width, so calls and deopts stay
on screen in a narrow pane, and counts are written compactly (``1.29G``)
rather than cut mid-digit. Selecting a row (a click, or the arrow keys)
selects its code; a loop row also selects the loop's header (line and pc).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from ruffdbg.tui.scrolling import QuietResize
from ruffdbg.tui.source import TIER_STYLES

SCRIPT = "<script>"
# (label, width); the state column's width is what the others leave.
NAME, TIER, STATE, CALLS, DEOPTS = range(5)
FIXED_WIDTHS = {NAME: 14, TIER: 4, CALLS: 7, DEOPTS: 6}
LABELS = ("function", "tier", "state", "calls", "deopts")
MIN_STATE_WIDTH = 8
SUFFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))


def compact(count: int, width: int = 7) -> str:
    """``count`` in at most ``width`` cells, never cut: exact with thousands
    separators when it fits (``123,456``), else three significant digits and a
    suffix (``1.29G``, ``12.3M``, ``456K``)."""
    exact = f"{count:,}"
    if len(exact) <= width:
        return exact
    for scale, suffix in SUFFIXES:
        if count >= scale:
            value = count / scale
            text = f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"
            if text in ("1000", "1000.0") and scale != SUFFIXES[0][0]:   # 999.6K rounds up: 1.00M
                return compact(scale * 1000, width)
            return text + suffix
    return exact


@dataclass(frozen=True)
class FunctionRow:
    """One selectable row: a function, the script, or one of their OSR loops."""

    key: str                 # unique: the code's name, or "NAME@PC" for a loop
    function: str            # the code object it belongs to (what the panes show)
    label: str
    tier: str
    state: str
    calls: int
    deopts: int | None       # None for loops (their deopts count against their code)
    line: int | None = None  # a loop's header line and pc
    pc: int | None = None
    compiling: bool = False  # a background compile of it is under way (the state says which)


def function_rows(stats) -> list[FunctionRow]:
    """Rows for a Session's ``functions()``: the script first, each code followed by its OSR
    loops. Of codes with the same name (the REPL's inputs, a redefined function) the
    latest is shown, as the Session's name lookups find it."""
    latest = {s.name: s for s in stats}
    ordered = sorted(latest.values(), key=lambda s: s.name != SCRIPT)   # (stable: the rest keep their order)
    rows = []
    for s in ordered:
        state = (f"{s.compiling} · " if s.compiling else "") + s.state + (f": {s.reason}" if s.reason else "")
        rows.append(FunctionRow(s.name, s.name, s.name, s.tier, state, s.calls, s.deopts, compiling=bool(s.compiling)))
        for loop in s.loops:
            if loop.native_iterations:
                share = 100 * loop.native_iterations / max(loop.iterations, 1)
                rows.append(FunctionRow(f"{s.name}@{loop.header_pc}", s.name, f" ↻ line {loop.line}", "T2",
                                        f"OSR loop: {share:.0f}% of iterations native", loop.iterations, None,
                                        loop.line, loop.header_pc))
    return rows


class FunctionsTable(QuietResize, DataTable):
    """The table; ``show`` updates it in place, keeping the selected row under the cursor."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.rows_shown: list[FunctionRow] = []
        self.cells_shown: list[tuple] = []
        self.state_width = 36
        self.placed: str | None = None   # the row ``show`` put the cursor on (not the user's choice)
        self._cells_drawn: dict[tuple, object] = {}   # rendered cells (see ``_render_cell``)

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for column, label in enumerate(LABELS):
            self.add_column(label, width=FIXED_WIDTHS.get(column, self.state_width), key=label)

    def on_resize(self, event: events.Resize) -> None:
        """Give the state column what the other columns leave (each column has a
        cell of padding on either side)."""
        fixed = sum(FIXED_WIDTHS.values()) + 2 * len(LABELS) + 4   # (+4: the scrollbar, and a margin)
        width = max(MIN_STATE_WIDTH, event.size.width - fixed)
        if width != self.state_width:
            selected = self.cursor_key
            self.state_width = width
            self.clear(columns=True)   # (columns keep the width they were added with)
            self._add_columns()
            self._redraw(selected)

    def _render_cell(self, row_index: int, column_index: int, base_style, width: int,
                     cursor: bool = False, hover: bool = False):
        """DataTable renders every cell of the table again after any cell changed (its
        caches are keyed by a count of updates), and the calls column changes every
        tick: 3-4 ms of the UI thread a tick on the demo, which the program waits
        for. Rendered cells are kept here until their own content changes
        (``_redraw`` forgets them) or the table is cleared or restyled (a cell's
        width is part of its key)."""
        key = (row_index, column_index, base_style, width, cursor, hover, self._show_hover_cursor,
               self._pseudo_class_state, self.show_cursor, self.cursor_type)
        lines = self._cells_drawn.get(key)
        if lines is None:
            if len(self._cells_drawn) > 1000:
                self._cells_drawn.clear()
            lines = self._cells_drawn[key] = super()._render_cell(row_index, column_index, base_style, width,
                                                                  cursor, hover)
        return lines

    def _forget_cells(self, row_index: int, column_index: int) -> None:
        for key in [key for key in self._cells_drawn if key[0] == row_index and key[1] == column_index]:
            del self._cells_drawn[key]

    def clear(self, columns: bool = False):
        self._cells_drawn.clear()
        return super().clear(columns)

    def notify_style_update(self) -> None:
        self._cells_drawn.clear()
        super().notify_style_update()

    def _update_dimensions(self, new_rows) -> None:
        with self.quietly():   # (a new row changes the table's virtual size, not its size)
            super()._update_dimensions(new_rows)

    def row_for(self, key: str) -> FunctionRow | None:
        return next((row for row in self.rows_shown if row.key == key), None)

    @property
    def chosen_key(self) -> str | None:
        """The row under the cursor if the user put it there (a click or a key)."""
        key = self.cursor_key
        return key if key != self.placed else None

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def _cells(self, row: FunctionRow) -> tuple:
        state = row.state if len(row.state) <= self.state_width else row.state[:self.state_width - 1] + "…"
        # (a tier going up in the background: "T1⇡")
        return (row.label, Text(f" {row.tier}{'⇡' if row.compiling else ' '}", style=TIER_STYLES[row.tier]), state,
                compact(row.calls, FIXED_WIDTHS[CALLS]),
                "" if row.deopts is None else compact(row.deopts, FIXED_WIDTHS[DEOPTS]))

    def show(self, rows: list[FunctionRow], selected: str | None) -> None:
        """Show ``rows``; the cursor stays on (or moves to) the row keyed ``selected``."""
        self.rows_shown = rows
        self._redraw(selected)

    def _redraw(self, selected: str | None = None) -> None:
        selected = selected or self.cursor_key
        # The user moved the cursor and the app has not taken it up yet: leave it there.
        moved_by_user = self.cursor_key not in (self.placed, selected)
        cells = [self._cells(row) for row in self.rows_shown]
        keys = [row.key for row in self.rows_shown]
        rebuilt = keys != [str(key.value) for key in self.rows]
        if rebuilt:
            self.clear()
            for key, row in zip(keys, cells):
                self.add_row(*row, key=key)
        else:
            for index, (row, shown) in enumerate(zip(cells, self.cells_shown)):
                for column, (value, old) in enumerate(zip(row, shown)):
                    if value != old:
                        self._forget_cells(index, column)
                        self.update_cell_at((index, column), value)
        self.cells_shown = cells
        if rebuilt or not moved_by_user:
            if selected in keys and self.cursor_key != selected:
                self.move_cursor(row=keys.index(selected), animate=False)
            self.placed = self.cursor_key
