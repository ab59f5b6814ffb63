"""A Textual app holding one pane, for testing panes on their own (mounting the
whole TUI for each would cost seconds per test)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from ruffdbg.tui.listing import ListingView


class PaneApp(App):
    """One pane filling the screen; records the rows clicked in it."""

    def __init__(self, pane) -> None:
        super().__init__()
        self.pane = pane
        self.clicked: list[ListingView.RowClicked] = []

    def compose(self) -> ComposeResult:
        yield self.pane

    def on_listing_view_row_clicked(self, message: ListingView.RowClicked) -> None:
        self.clicked.append(message)
