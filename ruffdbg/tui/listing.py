"""ListingView: a scrollable listing of rows, one row per line, that says which
row was clicked (or chosen with the arrow keys).

Source, bytecode, IR and assembly are all listings whose rows map to a
(Ruff line, bytecode pc) location; clicking a row posts ``RowClicked`` so the
app can select that location in every pane. It uses Textual's line API (only
the visible rows are rendered), so a long IR listing costs nothing off screen,
and rows are cut at the pane's edge, never wrapped: a row is always a line.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ruffdbg.tui.scrolling import QuietResize

HIGHLIGHT = Style(bgcolor="grey30")


@dataclass(frozen=True)
class Row:
    """One row of a listing and the program location it stands for (if any)."""

    text: Text
    line: int | None = None
    pc: int | None = None


class ListingView(QuietResize, ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up", "move(-1)", "Previous row", show=False),
        Binding("down", "move(1)", "Next row", show=False),
        Binding("enter", "move(0)", "Select row", show=False),
    ]

    class RowClicked(Message):
        def __init__(self, listing: "ListingView", row: Row, index: int, x: int | None = 0) -> None:
            super().__init__()
            self.listing = listing
            self.row = row
            self.index = index
            # Column within the row (a click in a gutter may mean something else); None: a key.
            self.x = x

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        self.highlighted: set[int] = set()
        # Rendered rows, by (index, scroll x, width, highlighted): a frame redraws
        # only rows it has not drawn before, which matters while the program runs
        # (the UI thread's time is the program's: they share the GIL).
        self._strips: dict[tuple, Strip] = {}
        self._base_style = Style()

    def set_rows(self, rows: list[Row]) -> None:
        """Show ``rows``. Only rows whose text changed are drawn again (a running
        program changes a few counts a tick, and every redrawn row is UI time the
        program waits for), unless the listing changed length or width."""
        old, self.rows = self.rows, rows
        width = max((row.text.cell_len for row in rows), default=0)
        size = Size(width, len(rows))
        if size != self.virtual_size or len(old) != len(rows):
            self._strips.clear()
            with self.quietly():
                self.virtual_size = size
            self.refresh()
            return
        changed = {index for index, (row, before) in enumerate(zip(rows, old))
                   if row is not before and row.text != before.text}
        if not changed:
            return
        self._strips = {key: strip for key, strip in self._strips.items() if key[0] not in changed}
        top = self.scroll_offset.y
        visible = [index for index in changed if top <= index < top + self.size.height]
        if visible:   # (one region: each refresh call has its own cost)
            self.refresh_lines(min(visible), max(visible) - min(visible) + 1)

    def highlight(self, indexes: set[int], scroll: bool = True) -> None:
        """Mark rows (the selected location); scroll the first into view."""
        changed, self.highlighted = indexes ^ self.highlighted, indexes
        if scroll and indexes:
            self.scroll_to_row(min(indexes))
        for index in changed:   # (only those rows look different)
            self.refresh_lines(index)

    def scroll_to_row(self, index: int) -> None:
        """Scroll so row ``index`` is visible (with a little context above it)."""
        if not self.scroll_offset.y <= index < self.scroll_offset.y + self.size.height:
            # After the next refresh: rows set just now are not laid out yet, and
            # laying them out would undo a scroll made before it.
            self.call_after_refresh(self.scroll_to, y=max(0, index - 2), animate=False)

    @property
    def plain(self) -> str:
        """The listing as plain text (what a test or a screen reader sees)."""
        return "\n".join(row.text.plain for row in self.rows)

    def render_lines(self, crop):
        self._base_style = self.rich_style   # (computing it walks the DOM: once per frame, not per row)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.size.width
        if index >= len(self.rows):
            return Strip.blank(width, self._base_style)
        key = (index, scroll_x, width, index in self.highlighted)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 4 * max(self.size.height, 50):
                self._strips.clear()
            segments = Segment.apply_style(self.rows[index].text.render(self.app.console, end=""), self._base_style)
            strip = Strip(list(segments)).crop(scroll_x, scroll_x + width).extend_cell_length(width, self._base_style)
            if key[3]:
                strip = Strip(Segment.apply_style(strip, post_style=HIGHLIGHT))
            self._strips[key] = strip
        return strip

    def action_move(self, step: int) -> None:
        """Choose the next (``step`` 1) or previous (-1) row that maps to a program
        location, past the highlighted ones; 0 chooses the first highlighted row.
        With nothing highlighted, start from the top of what is on screen."""
        if self.highlighted:
            index = (max if step > 0 else min)(self.highlighted) + step
        else:
            index = self.scroll_offset.y
        while 0 <= index < len(self.rows) and self.rows[index].line is None and step:
            index += step
        if 0 <= index < len(self.rows):
            self.post_message(self.RowClicked(self, self.rows[index], index, None))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return   # on the border or a scrollbar
        index = offset.y + self.scroll_offset.y
        if 0 <= index < len(self.rows):
            self.post_message(self.RowClicked(self, self.rows[index], index, offset.x + self.scroll_offset.x))
