"""BytecodePane: a function's bytecode with execution counts, type feedback and
its deopt points.

Row 0 is the listing's header; row k is bytecode pc k-1 (``disassemble`` writes
one row per pc, in order), so every row knows its (line, pc) and a click on it
selects that location in the other panes. Rows at a guard's pc carry a ◆ in
the left gutter and say which guards sit there and how often they failed: that
is where native code falls back to the interpreter.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text

from ruffdbg.tui.listing import ListingView, Row

FEEDBACK_STYLES = {"monomorphic": "green", "polymorphic": "yellow", "megamorphic": "red"}
GUARD_STYLE, FAILED_GUARD_STYLE = "yellow", "bold red"
MARK = "◆ "
NO_MARK = "  "


def rows_at(rows: list[Row], line: int | None, pc: int | None) -> set[int]:
    """Indexes of the rows standing for ``pc`` (when given), else for source ``line``."""
    if pc is not None:
        return {index for index, row in enumerate(rows) if row.pc == pc}
    if line is not None:
        return {index for index, row in enumerate(rows) if row.line == line}
    return set()


def guards_by_pc(guards: Iterable[Any]) -> dict[int, list[Any]]:
    by_pc: dict[int, list[Any]] = {}
    for guard in guards:
        by_pc.setdefault(guard.pc, []).append(guard)
    return by_pc


def bytecode_row_text(text: str) -> Text:
    """One disassembly row, coloured: jump targets, counts and feedback states."""
    out = Text(text, no_wrap=True)
    out.highlight_regex(r">>", "bold cyan")
    out.highlight_regex(r"\bx\d+\b", "cyan")
    for state, style in FEEDBACK_STYLES.items():
        # The state and the types seen after it: ``polymorphic: int,int | float,float``.
        out.highlight_regex(rf"\b{state}:.*$", style)
    return out


def guard_note(guards: list[Any]) -> Text:
    failed = any(guard.failed for guard in guards)
    note = " · ".join(f"guard {guard.id} {guard.kind} fail {guard.failed}" for guard in guards)
    return Text("  " + note, style=FAILED_GUARD_STYLE if failed else GUARD_STYLE)


def bytecode_rows(listing: str, lines: list[int], guards: Iterable[Any] = ()) -> list[Row]:
    """Rows of a ``Session.disassemble`` listing of one function: header, then pc 0, 1, ..."""
    at_pc = guards_by_pc(guards)
    header, *body = listing.splitlines()
    rows = [Row(Text(NO_MARK + header, style="bold", no_wrap=True))]
    for pc, text in enumerate(body):
        guards_here = at_pc.get(pc)
        out = Text(no_wrap=True)
        if guards_here:
            failed = any(guard.failed for guard in guards_here)
            out.append(MARK, style=FAILED_GUARD_STYLE if failed else GUARD_STYLE)
        else:
            out.append(NO_MARK)
        out.append_text(bytecode_row_text(text))
        if guards_here:
            out.append_text(guard_note(guards_here))
        rows.append(Row(out, line=lines[pc] if pc < len(lines) else None, pc=pc))
    return rows


class BytecodePane(ListingView):
    """The selected function's bytecode; ``show`` it on every refresh, it only
    redraws when the listing (counts, feedback) or its guards changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None
        self._location: tuple[int | None, int | None] = (None, None)

    def show(self, session: Any, function_name: str, stats: Any = None) -> None:
        """(Re)build the rows from ``session.disassemble(function_name, counts=True)``,
        marking the pcs of ``stats.guards`` (a ``FunctionStats``, or None)."""
        guards = list(stats.guards) if stats is not None else []
        try:
            listing = session.disassemble(function_name, counts=True)
            lines = session.bytecode_lines(function_name)
        except KeyError:
            self._replace(("missing", function_name), [Row(Text(f"no function called {function_name}"))])
            return
        except RuntimeError:
            return   # the VM thread changed the profile while we read it: next tick
        key = (listing, tuple((g.id, g.kind, g.pc, g.failed) for g in guards))
        if key != self._shown:
            self._replace(key, bytecode_rows(listing, lines, guards))

    def _replace(self, key: tuple, rows: list[Row]) -> None:
        self._shown = key
        self.set_rows(rows)
        self.highlight(rows_at(rows, *self._location), scroll=False)

    def highlight_location(self, line: int | None, pc: int | None) -> None:
        """Highlight the row of ``pc`` (or every row of source ``line``) and scroll to it."""
        self._location = (line, pc)
        self.highlight(rows_at(self.rows, line, pc))
