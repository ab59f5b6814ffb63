"""CompilesPane: the compile history of the selected function.

A table lists every compile the history keeps (id, tier, kind, trigger, types,
guards with their live pass/fail counts, state, ms). Picking a row shows that
compile below; ``v`` switches what is shown: IR after optimization, IR before,
assembly, or the optimizer pass by pass (each pass that changed the IR as a
diff, the others folded into one line). ``x`` marks a compile for comparison:
with two marked, the two are shown side by side (types, guards, optimized IR
aligned line by line, what differs coloured). Building a view (assembly, the
passes, a diff) can take 100 ms or more, so a worker thread does it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from ruffdbg.tui.listing import ListingView, Row

MODES = ("ir", "ir-before", "asm", "passes")
MODE_TITLES = {"ir": "IR after opt", "ir-before": "IR before opt", "asm": "assembly", "passes": "passes"}
COLUMNS = (("id", 5), ("tier", 4), ("kind", 14), ("trigger", 34), ("types", 16), ("guards", 22),
           ("state", 22), ("ms", 7))
ONLY_A, ONLY_B = Style(bgcolor="#3a1c1c"), Style(bgcolor="#1c3a1c")


def table_row(compile_: Any) -> tuple[str, ...]:
    passed = sum(g.passed for g in compile_.guards)
    failed = sum(g.failed for g in compile_.guards)
    return (f"#{compile_.id}", compile_.tier, compile_.kind_text, compile_.trigger_text,
            ", ".join(compile_.types) or "()", f"{len(compile_.guards)}: {passed:,}✓ {failed:,}✗",
            compile_.state_text, f"{compile_.ms.get('total', 0.0):.1f}")


def text_rows(lines: list[str], style: str = "") -> list[Row]:
    return [Row(Text(line, style=style, no_wrap=True)) for line in lines]


def listing_rows(listing: Any) -> list[Row]:
    """A ``Session.native_listing`` as rows that keep their (line, pc)."""
    rows = [Row(Text(text, style="dim", no_wrap=True)) for text in (listing.header, *listing.notes)]
    rows += [Row(Text(line.text.expandtabs(8).rstrip(), no_wrap=True), line.line, line.pc) for line in listing.lines]
    return rows


def summary_rows(compile_: Any) -> list[Row]:
    """What a compile assumed and how its guards fared, above its code."""
    rows = text_rows([f"compile #{compile_.id}: {compile_.function} at {compile_.tier}, {compile_.kind_text}; "
                      f"{compile_.trigger_text}; {compile_.state_text}",
                      f"types: {', '.join(compile_.types) or '()'} -> {compile_.return_type}"], "bold")
    if compile_.assumptions:
        rows += text_rows(["assumptions:"] + [f"  {a.text()}" for a in compile_.assumptions])
    if compile_.generic_sites:
        rows += text_rows(["left generic:"])
        rows += [Row(Text(f"  {site.text()}", no_wrap=True), site.line, site.pc) for site in compile_.generic_sites]
    if compile_.guards:
        rows += text_rows(["guards:"])
        for g in compile_.guards:
            rows.append(Row(Text(f"  #{g.id:<3} {g.kind:<16} pass {g.passed:<8,} fail {g.failed:<6,} {g.detail}",
                                 style="red" if g.failed else "", no_wrap=True), g.line, g.pc))
    return rows + text_rows([""])


def diff_line_style(line: str) -> str:
    if line.startswith("@@"):
        return "cyan"
    return "green" if line.startswith("+") else ("red" if line.startswith("-") else "")


def passes_rows(report: Any) -> list[Row]:
    """The pass-by-pass view: a title per pass that changed the IR, its diff;
    the passes that changed nothing folded into one line each run."""
    compile_ = report.compile
    rows = text_rows([f"compile #{compile_.id}: {compile_.function} at {compile_.tier}, {compile_.kind_text}: "
                      f"the optimizer pass by pass ({len(report.changed)} of {len(report.passes)} changed the IR)",
                      report.note], "dim")
    for section in report.folded():
        if isinstance(section, list):
            rows += text_rows([f"  (no change: {', '.join(section)})"], "dim italic")
            continue
        rows += text_rows([f"=== {section.name}  {section.ms:.3f} ms"], "bold yellow")
        rows += [Row(Text(line, style=diff_line_style(line), no_wrap=True)) for line in section.diff[2:]]
    return rows


def summary_lines(diff: Any, mine: Any, in_mine: str) -> list[tuple[str, Style | None]]:
    """One side's header: the compile, its types (differing ones marked) and its guards."""
    lines: list[tuple[str, Style | None]] = [
        (f"compile #{mine.id}: {mine.tier} {mine.kind_text}; {mine.trigger_text}; {mine.state_text}", None)]
    changed = {position for position, _, _ in diff.types}
    style = ONLY_A if mine is diff.a else ONLY_B
    for position, text in enumerate(mine.types):
        lines.append((f"  {text}", style if str(position) in changed else None))
    lines.append(("guards:", None))
    for guard in diff.guards:
        if getattr(guard, in_mine):
            both = guard.in_a and guard.in_b
            lines.append((f"  {guard.kind} line {guard.line}: {guard.detail}", None if both else style))
    return lines


def side_by_side(diff: Any) -> tuple[list[Row], list[Row]]:
    """Both compiles' summaries, then their optimized IR aligned (``diff.aligned``):
    equal lines side by side, what only one has coloured, the other side padded."""
    left_head, right_head = summary_lines(diff, diff.a, "in_a"), summary_lines(diff, diff.b, "in_b")
    height = max(len(left_head), len(right_head))
    left = [Row(Text(text, style=style or "", no_wrap=True)) for text, style in left_head]
    right = [Row(Text(text, style=style or "", no_wrap=True)) for text, style in right_head]
    left += text_rows([""] * (height - len(left_head)))
    right += text_rows([""] * (height - len(right_head)))
    left += text_rows(["optimized IR (differences coloured; addresses and unit names ignored):"], "dim")
    right += text_rows([""])
    for tag, ours, theirs in diff.aligned:
        if tag == "equal":
            left += text_rows(list(ours))
            right += text_rows(list(theirs))
            continue
        span = max(len(ours), len(theirs))
        left += [Row(Text(line, style=ONLY_A, no_wrap=True)) for line in ours] + text_rows([""] * (span - len(ours)))
        right += [Row(Text(line, style=ONLY_B, no_wrap=True)) for line in theirs] + text_rows([""] * (span - len(theirs)))
    return left, right


class CompilesPane(Vertical):
    """The selected function's compiles; one shown, or two side by side."""

    BINDINGS = [
        Binding("v", "cycle_mode", "IR/before/asm/passes"),
        Binding("x", "mark", "Mark to compare"),
    ]
    DEFAULT_CSS = """
    CompilesPane { height: 1fr; }
    CompilesPane > DataTable { height: 8; }
    CompilesPane > #compiles-help { height: 1; color: $text-muted; }
    CompilesPane > Horizontal { height: 1fr; }
    CompilesPane ListingView { width: 1fr; height: 1fr; }
    CompilesPane #compile-right { display: none; border-left: solid $primary; }
    CompilesPane.comparing #compile-right { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.function: str | None = None
        self.chosen: int | None = None            # the compile shown
        self.marked: list[int] = []               # up to two, to compare
        self.mode = "ir"
        self._table_key: tuple | None = None
        self._shown: tuple | None = None
        self._pending: tuple | None = None
        self._session: Any = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="compiles-table", cursor_type="row")
        yield Static(id="compiles-help")
        with Horizontal():
            yield ListingView(id="compile-left")
            yield ListingView(id="compile-right")

    def on_mount(self) -> None:
        table = self.query_one("#compiles-table", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self._say()

    @property
    def building(self) -> bool:
        return self._pending is not None

    def show(self, session: Any, function: str) -> None:
        """Refresh the table (cheap when nothing changed) and the view below it."""
        self._session = session
        if function != self.function:
            self.function, self.chosen, self.marked = function, None, []
            self._table_key = None
        try:
            compiles = session.compiles(function) if session.jit is not None else []
        except (KeyError, RuntimeError):   # (no such function / the VM thread changed what we read)
            compiles = []
        rows = [table_row(c) for c in compiles]
        if tuple(rows) != self._table_key:
            self._fill_table(rows)
        if self.chosen is None and compiles:
            self.chosen = compiles[-1].id
        self._request()

    def _fill_table(self, rows: list[tuple[str, ...]]) -> None:
        table = self.query_one("#compiles-table", DataTable)
        table.clear()
        for row in rows:
            marked = int(row[0][1:]) in self.marked
            table.add_row(*((("▶" if marked else "") + row[0],) + row[1:]), key=row[0])
        if rows:   # the cursor stays on the compile shown (a new function: its latest)
            ids = [row[0] for row in rows]
            table.move_cursor(row=ids.index(f"#{self.chosen}") if f"#{self.chosen}" in ids else len(rows) - 1)
        self._table_key = tuple(rows)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "compiles-table" and event.row_key.value is not None:
            self.chosen = int(str(event.row_key.value)[1:])
            self._request()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "compiles-table":
            event.stop()   # (not the app's function table)
            self.on_data_table_row_highlighted(event)

    def action_cycle_mode(self) -> None:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)]
        self._request()

    def action_mark(self) -> None:
        """Mark (or unmark) the chosen compile; two marked are compared."""
        if self.chosen is None:
            return
        if self.chosen in self.marked:
            self.marked.remove(self.chosen)
        else:
            self.marked = (self.marked + [self.chosen])[-2:]
        self._table_key = None   # redraw the marks
        if self._session is not None and self.function is not None:
            self.show(self._session, self.function)

    def compare(self, a: int, b: int) -> None:
        """Show compiles ``a`` and ``b`` side by side (what marking both with x does)."""
        self.marked, self.chosen, self._table_key = [a, b], b, None
        if self._session is not None and self.function is not None:
            self.show(self._session, self.function)

    def choose(self, compile_id: int, mode: str) -> None:
        """Show one compile in ``mode`` (one of MODES), comparing nothing."""
        self.chosen, self.mode, self.marked, self._table_key = compile_id, mode, [], None
        if self._session is not None and self.function is not None:
            self.show(self._session, self.function)

    def _say(self) -> None:
        if len(self.marked) == 2:
            text = f"comparing #{self.marked[0]} and #{self.marked[1]}  (x: unmark)"
        else:
            shown = f"#{self.chosen} {MODE_TITLES[self.mode]}" if self.chosen is not None else "no compile"
            text = f"{shown}  (v: IR after/before opt, asm, passes · x: mark two compiles to compare)"
        self.query_one("#compiles-help", Static).update(text)

    def _request(self) -> None:
        comparing = len(self.marked) == 2
        self.set_class(comparing, "comparing")
        self._say()
        key = ("diff", *self.marked) if comparing else (self.mode, self.chosen)
        if self.chosen is None and not comparing:
            self.query_one("#compile-left", ListingView).set_rows(
                text_rows([f"{self.function} has no compiles yet"], "italic"))
            return
        if key in (self._shown, self._pending) or self._session is None:
            return
        self._pending = key
        self.run_worker(partial(self._build, self._session, key), thread=True, exclusive=True, group="compiles")

    def _build(self, session: Any, key: tuple) -> None:
        """(In a worker thread.) Make the rows, then hand them to the UI."""
        try:
            left, right = self._rows(session, key)
        except Exception as error:   # KeyError (dropped compile), LLVM failing: say so, never crash the UI
            left, right = text_rows([f"cannot show this: {error or type(error).__name__}"], "italic"), []
        self.app.call_from_thread(self._fill, key, left, right)

    @staticmethod
    def _rows(session: Any, key: tuple) -> tuple[list[Row], list[Row]]:
        mode = key[0]
        if mode == "diff":
            return side_by_side(session.compile_diff(key[1], key[2]))
        if mode == "passes":
            return passes_rows(session.compile_passes(key[1])), []
        kind = "asm" if mode == "asm" else "ir"
        listing = session.native_listing(None, kind, raw=mode == "ir-before", compile_id=key[1])
        return summary_rows(session.compile_record(key[1])) + listing_rows(listing), []

    def _fill(self, key: tuple, left: list[Row], right: list[Row]) -> None:
        if key != self._pending:
            return   # a newer view was asked for meanwhile
        self._pending, self._shown = None, key
        self.query_one("#compile-left", ListingView).set_rows(left)
        self.query_one("#compile-right", ListingView).set_rows(right)
