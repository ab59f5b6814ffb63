"""The program output pane behaves like a terminal: writes continue an open line,
long lines wrap at the pane's edge (again when it is resized), the newest rows
are on screen, and only the last ``max_lines`` lines are kept."""

from __future__ import annotations

from textual.app import App, ComposeResult

from ruffdbg.tui.output import OutputLog, wrap


class LogApp(App):
    CSS = "OutputLog { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield OutputLog(id="output", max_lines=50)


def screen_lines(app: App, width: int) -> list[str]:
    return [strip.text[:width].rstrip() for strip in app.screen._compositor.render_strips()]   # (not the scrollbar)


def test_rows_wrap_at_cells_not_characters():
    assert wrap("abcdefgh", 3) == ["abc", "def", "gh"]
    assert wrap("", 3) == [""] and wrap("abc", 0) == ["abc"]
    assert wrap("日本語ab", 4) == ["日本", "語ab"]   # (a wide character takes two cells)


async def test_control_characters_are_shown_not_obeyed():
    app = LogApp()
    async with app.run_test(size=(22, 4)):
        log = app.query_one(OutputLog)
        log.write("a\tb\r\nbell\x07\n")
        assert log.plain == "a       b\nbell�"


async def test_output_wraps_follows_the_end_and_keeps_the_last_lines():
    app = LogApp()
    async with app.run_test(size=(22, 4)) as pilot:   # 20 columns of text, a scrollbar of 2
        log = app.query_one(OutputLog)
        log.write("one ")
        log.write("line\nand a line long enough to wrap\n")
        log.write_line("the end", "bold")
        await pilot.pause()
        assert log.plain == "one line\nand a line long enough to wrap\nthe end"
        assert screen_lines(app, 20) == ["one line", "and a line long enou", "gh to wrap", "the end"]
        log.write("tail without newline")
        log.write_line("next")   # (starts a line of its own)
        await pilot.pause()
        assert screen_lines(app, 20)[-2:] == ["tail without newline", "next"]
        await pilot.resize_terminal(32, 4)   # wider: the long line takes one row again
        await pilot.pause()
        assert screen_lines(app, 30)[-4:] == ["and a line long enough to wrap", "the end",
                                              "tail without newline", "next"]
        for index in range(200):
            log.write(f"line {index}\n")
        await pilot.pause()
        assert log.plain.splitlines() == [f"line {index}" for index in range(150, 200)]
        assert screen_lines(app, 30)[-1] == "line 199"
        log.clear()
        await pilot.pause()
        assert log.plain == "" and screen_lines(app, 30) == ["", "", "", ""]
