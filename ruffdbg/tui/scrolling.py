"""Scrolling panes whose content grows without laying out the whole screen.

Textual lays out the *whole screen* whenever a scrolling widget's virtual size
changes (``Widget.virtual_size`` is a layout reactive): 50-80 ms of the UI
thread at 150x45, which the running program pays for (both threads need the
GIL). A log that grows by a line, or a bytecode listing whose counts got a digit
wider, changes nothing else on the screen, so these panes update their virtual
size and scrollbars in place, the way Textual itself does when a resize needs
no layout (``Widget._size_updated(..., layout=False)``). Showing or hiding a
scrollbar still lays out (it changes the pane's content width), once.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import RichLog


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Give a mounted scrolling ``widget`` a new virtual size, without a screen layout."""
    if widget.virtual_size == size:
        return
    if not widget.is_mounted or not widget.size:
        widget.virtual_size = size   # (not laid out yet: the first layout sizes it)
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)   # scrollbars, and scroll offsets clamped to the new size
    widget.refresh()


class QuietLog(RichLog):
    """A RichLog whose writes resize it in place (see the module's docstring)."""

    _writing = False

    def write(self, *args, **kwargs) -> "QuietLog":
        self._writing = True
        try:
            super().write(*args, **kwargs)
        finally:
            self._writing = False
        if self.is_mounted and self.size:
            self._scroll_update(self.virtual_size)
        return self

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Widget:
        return super().refresh(*regions, repaint=repaint, layout=layout and not self._writing, recompose=recompose)
