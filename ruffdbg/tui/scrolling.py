"""Scrolling panes whose content grows without laying out the whole screen.

Textual lays out the *whole screen* whenever a scrolling widget's virtual size
changes (``Widget.virtual_size`` is a layout reactive): 50-80 ms of the UI
thread at 150x45, which the running program pays for (both threads need the
GIL). A log that grows by a line, a bytecode listing whose counts got a digit
wider, or a table that got a row changes nothing else on the screen (their
own size is set by the CSS), so these panes update their virtual size and
scrollbars in place, the way Textual itself does when a resize needs no layout
(``Widget._size_updated(..., layout=False)``). Showing or hiding a scrollbar
still lays out (it changes the pane's content width), once.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from textual.widget import Widget
from textual.widgets import RichLog


class QuietResize:
    """Mixin for a scrolling Widget: virtual size changes made inside ``quietly()``
    repaint the widget and its scrollbars, without a layout of the screen."""

    _quiet = False

    @contextmanager
    def quietly(self) -> Iterator[None]:
        before = self.virtual_size
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False
        # Scrollbars and scroll offsets depend on the virtual size only: when it did not
        # change, redrawing the scrollbars (0.5 ms each) would be work for nothing.
        if self.is_mounted and self.size and self.virtual_size != before:
            self._scroll_update(self.virtual_size)   # scrollbars; scroll offsets clamped (may lay out)

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Widget:
        return super().refresh(*regions, repaint=repaint, layout=layout and not self._quiet, recompose=recompose)


class QuietLog(QuietResize, RichLog):
    """A RichLog whose writes resize it in place."""

    def write(self, *args, **kwargs) -> "QuietLog":
        with self.quietly():
            super().write(*args, **kwargs)
        return self
