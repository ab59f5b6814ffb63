"""The deopt explorer tab and the JIT breakpoint dialog.

``DeoptsTable`` lists ``Session.deopt_groups()`` (every function's: deopts,
invalidations, despecializations, blacklistings, grouped by function x guard x
reason, and inline-cache and element-kind transitions by function x site x
transition, their guard column naming the shape or value that caused the latest); choosing a row (a click, or Enter) posts ``GroupChosen`` and the app
selects that function and the group's line and pc in every listing. When a JIT
breakpoint pauses the program, the app selects the group of the event that
fired (``select_event``).

``JitBreakDialog`` (key ``j``) sets a JIT breakpoint (an event kind, for one
function or any) or clears them all.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select

from ruffdbg.profile.deopts import GROUPED_KINDS, DeoptGroup, group_key
from ruffdbg.session import JIT_BREAK_NAMES

__all__ = ["DeoptsTable", "JitBreakDialog", "GROUPED_KINDS"]
REASON_WIDTH = 34
KIND_STYLES = {"deopt": "bold red", "invalidated": "yellow", "despecialized": "magenta", "blacklisted": "bold white on red",
               "ic": "cyan", "elements": "cyan"}


class DeoptsTable(DataTable):
    class GroupChosen(Message):
        def __init__(self, group: DeoptGroup) -> None:
            super().__init__()
            self.group = group

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.groups: list[DeoptGroup] = []
        self.wanted: tuple | None = None   # the group key to put the cursor on once it is listed

    def on_mount(self) -> None:
        # The reason before the locations, cropped (a narrow pane shows it; the full text
        # is in ``:deopts`` and ``ruffdbg deopts``); numbers sized to fit, never cropped.
        for label, width in (("kind", None), ("function", None), ("count", None), ("reason", REASON_WIDTH),
                             ("line", None), ("pc", None), ("guard", None), ("exit", None), ("first ms", None),
                             ("last ms", None)):
            self.add_column(label, width=width)

    def show(self, groups: list[DeoptGroup]) -> None:
        """Redraw only when the groups changed, keeping the cursor on its group."""
        if groups == self.groups:
            return
        current = self.groups[self.cursor_row].key if self.groups and 0 <= self.cursor_row < len(self.groups) else None
        self.groups = groups
        self.clear()
        for group in groups:
            guard = f"#{group.guard} {group.guard_kind or ''}".rstrip() if group.guard is not None else ""
            guard = guard or (f"by {group.cause}" if group.cause else "")   # an IC transition: the shape
            self.add_row(Text(group.kind, style=KIND_STYLES.get(group.kind, "")), group.function, f"{group.count:,}",
                         group.reason, _text(group.line), _text(group.pc), guard, group.exit_block or "",
                         f"{group.first_ms:.1f}", f"{group.last_ms:.1f}")
        self._move_to(self.wanted or current)

    def select_event(self, event) -> None:
        """Put the cursor on the group of ``event`` (now, or once it is listed)."""
        self.wanted = group_key(event)
        self._move_to(self.wanted)

    def _move_to(self, key: tuple | None) -> None:
        index = next((i for i, group in enumerate(self.groups) if group.key == key), None)
        if index is not None:
            self.move_cursor(row=index)
            if key == self.wanted:
                self.wanted = None

    def on_click(self, event) -> None:
        row = event.style.meta.get("row")   # (one click chooses: DataTable alone wants two)
        if isinstance(row, int) and 0 <= row < len(self.groups):
            self.post_message(self.GroupChosen(self.groups[row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.groups):
            self.post_message(self.GroupChosen(self.groups[event.cursor_row]))


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


class JitBreakDialog(ModalScreen[tuple | None]):
    """Dismissed with ("set", kind, function or None), ("clear",) or None (cancelled)."""

    DEFAULT_CSS = """
    JitBreakDialog { align: center middle; }
    JitBreakDialog > Grid { grid-size: 2; grid-columns: 22 36; grid-rows: auto; width: 64; height: auto;
                            border: round $primary; padding: 0 1; background: $surface; }
    JitBreakDialog Label { padding: 1 0 0 0; }
    JitBreakDialog #current { column-span: 2; }
    JitBreakDialog Horizontal { column-span: 2; height: 3; align: right middle; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, function: str | None, current: list) -> None:
        super().__init__()
        self.function = function
        self.current = current

    def compose(self) -> ComposeResult:
        with Grid():
            yield Label("pause at")
            yield Select([(name, name) for name in JIT_BREAK_NAMES], value="deopt", allow_blank=False, id="kind")
            yield Label("of function (empty: any)")
            yield Input(self.function or "", id="function")
            listed = ", ".join(each.describe() for each in self.current) or "none"
            yield Label(f"JIT breakpoints: {listed}", id="current")
            with Horizontal():
                yield Button("Break", variant="primary", id="set")
                yield Button("Clear all", id="clear")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "set":
            self.action_set()
        elif event.button.id == "clear":
            self.dismiss(("clear",))
        else:
            self.action_cancel()

    def on_input_submitted(self) -> None:
        self.action_set()

    def action_set(self) -> None:
        function = self.query_one("#function", Input).value.strip() or None
        self.dismiss(("set", str(self.query_one("#kind", Select).value), function))

    def action_cancel(self) -> None:
        self.dismiss(None)
