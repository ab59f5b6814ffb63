"""A listing that changes a few rows per tick redraws only those: the screen must
still show every change, on screen and after scrolling to rows changed off it."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from ruffdbg.tui.listing import ListingView, Row


class ListingApp(App):
    def compose(self) -> ComposeResult:
        yield ListingView(id="listing")


def screen_lines(app: App) -> list[str]:
    return [strip.text[:24].rstrip() for strip in app.screen._compositor.render_strips()]   # (not the scrollbar)


def rows(counts: list[int]) -> list[Row]:
    return [Row(Text(f"row {index:>2} ran {count:>3}"), line=index + 1) for index, count in enumerate(counts)]


async def test_changed_rows_are_drawn_again_on_and_off_screen():
    app = ListingApp()
    async with app.run_test(size=(30, 6)) as pilot:
        view = app.query_one(ListingView)
        counts = [0] * 30
        view.set_rows(rows(counts))
        await pilot.pause()
        assert screen_lines(app)[:3] == ["row  0 ran   0", "row  1 ran   0", "row  2 ran   0"]
        counts[1], counts[25] = 7, 9   # one row on screen, one off it
        view.set_rows(rows(counts))
        await pilot.pause()
        assert screen_lines(app)[:3] == ["row  0 ran   0", "row  1 ran   7", "row  2 ran   0"]
        view.highlight({2})
        await pilot.pause()
        view.scroll_to(y=24, animate=False)
        await pilot.pause()
        assert screen_lines(app)[:2] == ["row 24 ran   0", "row 25 ran   9"]
        counts[25] = 123   # wider: the same width, so still a partial update
        view.set_rows(rows(counts))
        await pilot.pause()
        assert screen_lines(app)[1] == "row 25 ran 123"
        view.set_rows(rows(counts[:26]))   # shorter: everything again
        await pilot.pause()
        assert "row 25 ran 123" in screen_lines(app)
