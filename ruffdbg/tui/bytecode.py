"""BytecodePane: a function's bytecode with execution counts, type feedback and
its deopt points.

Row 0 is the listing's header; row k is bytecode pc k-1: the execution count
first, compact (``10.1M``: a narrow pane cuts rows at its right edge, and a
count there would be cut mid-digit), then the instruction, the type
feedback at its site and, at field, method and operator sites, the inline
cache's state and shapes (``ic mono Point#1``). Rows are drawn from the
Session's ``BytecodeRow`` records (instruction, count, feedback, guard ids), so
every row knows its (line, pc) and a click on it selects that location in the
other panes. Rows at a guard's pc carry a ◆ in
the left gutter and say which guards sit there and how often they failed: that
is where native code falls back to the interpreter.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text

from ruffdbg.compiler.dis import format_instruction
from ruffdbg.tui.functions import compact
from ruffdbg.tui.listing import ListingView, Row

FEEDBACK_STYLES = {"monomorphic": "green", "polymorphic": "yellow", "megamorphic": "red"}
IC_STYLES = {"uninit": "dim", "mono": "green", "poly": "yellow", "mega": "bold red"}
GUARD_STYLE, FAILED_GUARD_STYLE = "yellow", "bold red"
MARK = "◆ "
NO_MARK = "  "
COUNT_WIDTH = 6


def rows_at(rows: list[Row], line: int | None, pc: int | None) -> set[int]:
    """Indexes of the rows standing for ``pc`` (when given), else for source ``line``."""
    if pc is not None:
        return {index for index, row in enumerate(rows) if row.pc == pc}
    if line is not None:
        return {index for index, row in enumerate(rows) if row.line == line}
    return set()


def bytecode_row_text(row: Any) -> Text:
    """One instruction (a ``session.BytecodeRow``), coloured: its execution count
    (compact), the instruction with its jump-target mark, the feedback state with
    its types and the inline cache's state with its shapes (the listing's
    annotation after the count)."""
    instruction = row.instruction
    feedback, cache = row.feedback_text, row.ic_text
    notes = " · ".join(note for note in (feedback, cache) if note)
    out = Text(no_wrap=True)
    count = "" if row.count is None else compact(row.count, COUNT_WIDTH)
    out.append(f"{count:>{COUNT_WIDTH}} ", style="cyan")
    text = format_instruction(instruction, notes)
    body = Text(text)
    if instruction.is_jump_target:
        body.stylize("bold cyan", 6, 8)   # after the line column: "    3 >>"
    start = len(text) - len(notes)
    if feedback:
        body.stylize(FEEDBACK_STYLES.get(row.feedback.state, ""), start, start + len(feedback))
    if cache:
        body.stylize(IC_STYLES.get(row.ic.state, ""), len(text) - len(cache), len(text))
    out.append_text(body)
    return out


def guard_note(guards: list[Any]) -> Text:
    failed = any(guard.failed for guard in guards)
    note = " · ".join(f"guard {guard.id} {guard.kind} fail {guard.failed}" for guard in guards)
    return Text("  " + note, style=FAILED_GUARD_STYLE if failed else GUARD_STYLE)


def bytecode_rows(listing: Any, guards: Iterable[Any] = ()) -> list[Row]:
    """Rows of a ``Session.bytecode`` listing (a ``BytecodeListing``): header, then
    pc 0, 1, ...; rows whose guard ids are among ``guards`` get the ◆ and a note."""
    by_id = {guard.id: guard for guard in guards}
    rows = [Row(Text(NO_MARK + listing.header, style="bold", no_wrap=True))]
    for row in listing.rows:
        guards_here = [by_id[ident] for ident in row.guard_ids if ident in by_id]
        out = Text(no_wrap=True)
        if guards_here:
            failed = any(guard.failed for guard in guards_here)
            out.append(MARK, style=FAILED_GUARD_STYLE if failed else GUARD_STYLE)
        else:
            out.append(NO_MARK)
        out.append_text(bytecode_row_text(row))
        if guards_here:
            out.append_text(guard_note(guards_here))
        rows.append(Row(out, line=row.instruction.line, pc=row.instruction.pc))
    return rows


class BytecodePane(ListingView):
    """The selected function's bytecode; ``show`` it on every refresh, it only
    redraws when the listing (counts, feedback) or its guards changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None
        self._location: tuple[int | None, int | None] = (None, None)

    def show(self, session: Any, function_name: str, stats: Any = None) -> None:
        """(Re)build the rows from ``session.bytecode(function_name)``, marking the
        guards of ``stats.guards`` (a ``FunctionStats``, or None) at their pcs."""
        guards = list(stats.guards) if stats is not None else []
        try:
            listing = session.bytecode(function_name)
        except KeyError:
            self._replace(("missing", function_name), [Row(Text(f"no function called {function_name}"))])
            return
        except RuntimeError:
            return   # the VM thread changed the profile while we read it: next tick
        key = (listing.header, tuple((row.instruction.pc, row.annotation, row.guard_ids) for row in listing.rows),
               tuple((g.id, g.kind, g.pc, g.failed) for g in guards))
        if key != self._shown:
            self._replace(key, bytecode_rows(listing, guards))

    def _replace(self, key: tuple, rows: list[Row]) -> None:
        self._shown = key
        self.set_rows(rows)
        self.highlight(rows_at(rows, *self._location), scroll=False)

    def highlight_location(self, line: int | None, pc: int | None) -> None:
        """Highlight the row of ``pc`` (or every row of source ``line``) and scroll to it."""
        self._location = (line, pc)
        self.highlight(rows_at(self.rows, line, pc))
