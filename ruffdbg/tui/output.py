"""OutputLog: the program's output, kept as text and drawn only where it is seen.

A running program may print 10,000 lines a second, and every millisecond the
UI thread spends on them the program waits (both need the GIL). Textual's
RichLog renders each line to styled segments as it is written (wrapping,
measuring: 0.07 ms a line), so a flood could only be shown in part. This log
stores the text: a write splits it into lines and each line into the rows it
takes at the pane's width (a slice for ASCII), and only the rows on screen are
rendered, when they are drawn. Like a terminal: a write without a newline is
continued by the next one, long lines wrap at the pane's edge (at any
character, not at words), and the oldest lines go past ``max_lines``. Text and
styles are kept in deques of strings, not tuples: a kept tuple is one more
object the cyclic GC counts and scans, and a flood adds thousands a tick.
"""

from __future__ import annotations

import re
from collections import deque

from rich.cells import cell_len, chop_cells
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ruffdbg.tui.scrolling import QuietResize

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")   # (drawn as "�", as Textual's Log does)


def wrap(text: str, width: int) -> list[str]:
    """The rows ``text`` (one line, no newline) takes in ``width`` cells (``width`` 0: one row)."""
    if width <= 0 or (len(text) <= width and text.isascii()):
        return [text]
    if text.isascii():
        return [text[start:start + width] for start in range(0, len(text), width)]
    return chop_cells(text, width) if cell_len(text) > width else [text]


class OutputLog(QuietResize, ScrollView, can_focus=True):
    """A terminal-like log of program output (see the module's docstring)."""

    DEFAULT_CSS = """
    OutputLog {
        background: $surface;
        color: $foreground;
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    def __init__(self, max_lines: int = 2000, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_lines = max_lines
        self.lines: deque[str] = deque()        # the last one may be open
        self.line_styles: deque[str] = deque()  # (parallel to ``lines``)
        self.open = False                       # the last line has had no newline yet
        self.rows: deque[str] = deque()         # every line's rows at ``wrap_width``, in order
        self.row_styles: deque[str] = deque()   # (parallel to ``rows``)
        self.row_counts: deque[int] = deque()   # rows per line (to drop a line's rows)
        self.wrap_width = 0                     # the width rows were wrapped at (0: not yet)
        self.dropped_rows = 0                   # rows dropped from the top, ever (cache keys)
        self._strips: dict[tuple[int, int], Strip] = {}
        self._base_style = Style()

    @property
    def plain(self) -> str:
        """Everything kept, as text (what a test sees)."""
        return "\n".join(self.lines)

    def write(self, text: str, style: str = "") -> None:
        """Append ``text`` as a terminal would (a trailing newline ends its line)."""
        if not text:
            return
        pieces = CONTROL.sub("�", text.replace("\r\n", "\n").expandtabs()).split("\n")
        at_end = self.is_vertical_scroll_end
        with self.quietly():
            if self.open:   # continue the last line
                last, last_style = self._pop_line()
                pieces[0] = last + pieces[0]
                style = style or last_style
            self.open = pieces[-1] != ""
            if not self.open:
                pieces.pop()
            self._add_lines(pieces[-self.max_lines:], style)   # (older ones would be dropped at once)
            if len(self.lines) > self.max_lines:
                self._drop_first(len(self.lines) - self.max_lines)
            self.virtual_size = Size(self.wrap_width, len(self.rows))
        self.refresh()
        if at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def write_line(self, text: str, style: str = "") -> None:
        """``text`` on lines of its own (after ending an open line)."""
        self.write(("\n" if self.open else "") + text + "\n", style)

    def clear(self) -> None:
        self._forget()
        self.open = False
        with self.quietly():
            self.virtual_size = Size(self.wrap_width, 0)
        self.refresh()

    def _add_lines(self, texts: list[str], style: str) -> None:
        width = self.wrap_width
        self.lines.extend(texts)
        self.line_styles.extend([style] * len(texts))
        if width <= 0 or (max(map(len, texts), default=0) <= width and "".join(texts).isascii()):
            rows, counts = texts, [1] * len(texts)   # (one row each: no per-line work)
        else:
            rows, counts = [], []
            for text in texts:
                wrapped = wrap(text, width)
                rows += wrapped
                counts.append(len(wrapped))
        self.rows.extend(rows)
        self.row_styles.extend([style] * len(rows))
        self.row_counts.extend(counts)

    def _pop_line(self) -> tuple[str, str]:
        for _ in range(self.row_counts.pop()):
            self.rows.pop()
            self.row_styles.pop()
        self._strips.clear()   # (rows of the open line may be cached)
        return self.lines.pop(), self.line_styles.pop()

    def _drop_first(self, lines: int) -> None:
        rows = 0
        for _ in range(lines):
            self.lines.popleft()
            self.line_styles.popleft()
            rows += self.row_counts.popleft()
        for _ in range(rows):
            self.rows.popleft()
            self.row_styles.popleft()
        self.dropped_rows += rows

    def _forget(self) -> None:
        for kept in (self.lines, self.line_styles, self.rows, self.row_styles, self.row_counts):
            kept.clear()
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        """Wrap every kept line again at the new width."""
        width = self.scrollable_content_region.width
        if width == self.wrap_width:
            return
        at_end = self.is_vertical_scroll_end
        self.wrap_width = width
        lines = list(zip(self.lines, self.line_styles))
        self._forget()
        for text, style in lines:
            self._add_lines([text], style)
        with self.quietly():
            self.virtual_size = Size(width, len(self.rows))
        self.refresh()
        if at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def render_lines(self, crop):
        self._base_style = self.rich_style   # (computing it walks the DOM: once per frame, not per row)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width, self._base_style)
        key = (index + self.dropped_rows, width)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 2 * self.size.height:   # (rows scroll by: old ones are not drawn again)
                self._strips.clear()
            text, style = self.rows[index], self.row_styles[index]
            strip = Strip(Text(text, style=style, no_wrap=True).render(self.app.console, end=""))
            strip = strip.apply_style(self._base_style).crop_extend(0, width, self._base_style)
            self._strips[key] = strip
        return strip
