"""NativePane: a function's native code in four tabs, each a ListingView.

"T1 IR" is the baseline tier's optimized IR; "T2 IR before opt" and "T2 IR
after opt" show what LLVM's optimizer did to the speculative tier; "Assembly"
is the machine code of the tier the function runs in (T2 when it still runs
in the interpreter). The tabs of one tier show one compile (when the function
never ran at T2, the one compiled to be shown), named in each header. Every row keeps the (Ruff line, bytecode pc) it came from,
shown dimmed on the right, so clicking a row or selecting a location elsewhere
lines the panes up.

Guards and deopt exits are what a reader of native code is looking for, so
they are emphasised: a ◆ in the gutter and a dark red background on the exit
rows. The rows come from ``Session.native_listing`` already saying what they
are (``role``: guard, exit, exit call; ``note``); this pane only styles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from pygments.lexer import Lexer
from pygments.lexers import GasLexer, LlvmLexer
from pygments.token import Token, _TokenType
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from ruffdbg.tui.bytecode import rows_at
from ruffdbg.tui.listing import ListingView, Row

ANNOTATION_COLUMN = 72   # where ``; line L, pc P`` starts (as in jit.texts.render)
MARK, NO_MARK = "◆ ", "  "


@dataclass(frozen=True)
class NativeTab:
    tab_id: str
    title: str
    listing_id: str
    kind: str            # "ir" or "asm"
    tier: int | None     # None: the tier the function runs in (2 while at T0)
    raw: bool = False    # IR before optimization


TABS = (
    NativeTab("tab-t1-ir", "T1 IR", "t1-ir", "ir", 1),
    NativeTab("tab-t2-ir-before", "T2 IR before opt", "t2-ir-before", "ir", 2, raw=True),
    NativeTab("tab-t2-ir", "T2 IR after opt", "t2-ir", "ir", 2),
    NativeTab("tab-asm", "Assembly", "asm", "asm", None),
)

# ------------------------------------------------------------ syntax colours

TOKEN_STYLES: dict[_TokenType, str] = {
    Token.Comment: "grey50",
    Token.Keyword.Type: "cyan",
    Token.Keyword: "magenta",
    Token.Name.Label: "bold yellow",
    Token.Name.Variable.Global: "green",
    Token.Name.Variable: "bright_white",
    Token.Name.Function: "bold bright_blue",     # assembly mnemonics
    Token.Name.Constant: "green",                # assembly immediates and jump targets
    Token.Name.Attribute: "grey62",              # assembly directives
    Token.Number: "bright_magenta",
    Token.String: "yellow",
}


def token_style(token: _TokenType) -> str:
    """The style of the nearest token type (or ancestor) that has one."""
    while token not in TOKEN_STYLES and token.parent is not None:
        token = token.parent
    return TOKEN_STYLES.get(token, "")


def highlight(texts: list[str], lexer: Lexer) -> list[Text]:
    """Lex all lines at once (cheaper than line by line), then cut the tokens back into lines."""
    lines = [Text(no_wrap=True)]
    for token, value in lexer.get_tokens("\n".join(texts)):
        style = token_style(token)
        for index, part in enumerate(value.split("\n")):
            if index:
                lines.append(Text(no_wrap=True))
            if part:
                lines[-1].append(part, style=style)
    return lines[:len(texts)] + [Text(no_wrap=True) for _ in range(len(texts) - len(lines))]


# ------------------------------------------------------ guards and deopt exits
# Each row says what it is (``jit.texts.TextLine.role``, filled in by the JIT):
# a guard gets a yellow ◆; a deopt exit a dark red background, with a red ◆ on
# its first row and on its call of the deopt callback.

EXIT_STYLE = Style(bgcolor="#3a1c1c")
GUARD_MARK, EXIT_MARK = "bold yellow", "bold red"


def mark_style(text_line: Any) -> str | None:
    """The gutter mark's style for a row, or None for no mark."""
    if text_line.role == "guard":
        return GUARD_MARK
    if text_line.role == "exit call" or text_line.starts_exit:
        return EXIT_MARK
    return None


# ------------------------------------------------------------ rows


def listing_rows(header: str, lines: list, lexer: Lexer, notes: tuple = ()) -> list[Row]:
    """Header and notes (dim: the sites T2 left generic), then one row per ``TextLine``:
    gutter mark, coloured code, its note, and ``; line L, pc P`` dimmed at ANNOTATION_COLUMN."""
    texts = [line.text.expandtabs(8).rstrip() for line in lines]
    rows = [Row(Text(NO_MARK + text, style="dim", no_wrap=True)) for text in (header, *notes)]
    for text_line, code in zip(lines, highlight(texts, lexer)):
        mark = mark_style(text_line)
        out = Text(no_wrap=True)
        out.append(NO_MARK if mark is None else MARK, style=mark or "")
        out.append_text(code)
        if text_line.note:
            out.append(f"  ({text_line.note})", style="italic red")
        if text_line.line is not None:
            padding = " " * max(1, ANNOTATION_COLUMN + len(NO_MARK) - out.cell_len)
            out.append(f"{padding}; line {text_line.line}, pc {text_line.pc}", style="dim")
        if text_line.role in ("exit", "exit call"):
            out.stylize(EXIT_STYLE)
        rows.append(Row(out, line=text_line.line, pc=text_line.pc))
    return rows


def explanation_rows(text: str) -> list[Row]:
    return [Row(Text(text, style="italic", no_wrap=True))]


def failure_reason(error: Exception, name: str) -> str:
    if isinstance(error, KeyError) and name == "<script>":
        return ("top-level code is not compiled whole: its hot loops run natively through OSR "
                "(the ↻ rows of the functions table, and osr events on the timeline)")
    if isinstance(error, KeyError):
        return f"there is no function called {name} to compile"
    return str(error) or type(error).__name__


class NativePane(Vertical):
    """Tabs of T1 IR, T2 IR before and after optimization, and assembly.

    The app calls ``show`` on every refresh; it rebuilds (and compiles for
    display, when the run did not) only when the function's tier, state or
    number of compiles changed."""

    DEFAULT_CSS = """
    NativePane { height: 1fr; }
    NativePane > TabbedContent { height: 1fr; }
    NativePane TabPane { padding: 0; height: 1fr; }
    NativePane ListingView { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None
        self._pending: tuple | None = None
        self._location: tuple[int | None, int | None] = (None, None)

    def compose(self) -> ComposeResult:
        with TabbedContent(id="native-tabs"):
            for tab in TABS:
                with TabPane(tab.title, id=tab.tab_id):
                    yield ListingView(id=tab.listing_id)

    def listing(self, listing_id: str) -> ListingView:
        return self.query_one(f"#{listing_id}", ListingView)

    def show(self, session: Any, function_name: str, stats: Any = None) -> None:
        """Show ``function_name``'s native code from ``session`` (a ``Session``).
        ``stats`` (its ``FunctionStats``) saves a lookup when the caller has it."""
        try:
            stats = stats or session.function(function_name)
        except RuntimeError:
            return   # the VM thread changed the profile while we read it: next tick
        key = (session, function_name) + (
            (stats.tier, stats.state, len(stats.compiles), stats.calls > 0) if stats else (None,))
        if key in (self._shown, self._pending):
            return
        # Compiling for display and highlighting a few hundred lines take 100 ms or
        # more: a thread does it, so the UI answers keys meanwhile.
        self._pending = key
        asm_tier = (int(stats.tier[1]) if stats else 0) or 2
        self.run_worker(partial(self._build, session, function_name, asm_tier, key),
                        thread=True, exclusive=True, group="native-code")

    @property
    def building(self) -> bool:
        """A worker is making the listings (tests and screenshots wait for it)."""
        return self._pending is not None

    def _build(self, session: Any, name: str, asm_tier: int, key: tuple) -> None:
        """(In a worker thread.) Make the four listings' rows, then hand them to the UI."""
        rows, complete = self._rows(session, name, asm_tier)
        self.app.call_from_thread(self._fill, rows, key, complete)

    def _fill(self, rows_by_listing: dict[str, list[Row]], key: tuple, complete: bool) -> None:
        if key != self._pending:
            return   # a newer build was asked for meanwhile
        self._pending = None
        self._shown = key if complete else None
        for listing_id, rows in rows_by_listing.items():
            view = self.listing(listing_id)
            view.set_rows(rows)
            view.highlight(rows_at(rows, *self._location), scroll=False)

    def _rows(self, session: Any, name: str, asm_tier: int) -> tuple[dict[str, list[Row]], bool]:
        """Rows of the four listings, and False when worth trying again (a transient failure)."""
        listings: dict[str, Any] = {}
        complete = True
        compile_of: dict[int, int] = {}   # tier -> the compile its first tab showed: the others show it too
        for tab in TABS:
            tier = tab.tier or asm_tier
            try:
                if session.jit is None:
                    raise LookupError("the JIT is off (run without --no-jit)")
                listing = session.native_listing(name, tab.kind, tier, tab.raw, compile_id=compile_of.get(tier))
                compile_of.setdefault(tier, listing.compile_id)
                listings[tab.listing_id] = listing
            except RuntimeError as error:   # the VM thread changed what we read: retry
                listings[tab.listing_id] = f"{name}: could not read T{tier} code ({error}); retrying"
                complete = False
            except Exception as error:   # KeyError, LookupError, NotCompilable, or a JIT bug: say so
                listings[tab.listing_id] = f"{name} has no T{tier} code: {failure_reason(error, name)}"
        rows_by_listing = {}
        for tab in TABS:
            listing = listings[tab.listing_id]
            if isinstance(listing, str):
                rows = explanation_rows(listing)
            else:
                lexer = GasLexer(stripnl=False) if tab.kind == "asm" else LlvmLexer(stripnl=False)
                rows = listing_rows(listing.header, listing.lines, lexer, listing.notes)
            rows_by_listing[tab.listing_id] = rows
        return rows_by_listing, complete

    def highlight_location(self, line: int | None, pc: int | None) -> None:
        """Highlight, in all four listings, the rows of ``pc`` (or of source ``line``
        when no pc is given), scrolling each listing to its first match."""
        self._location = (line, pc)
        for tab in TABS:
            view = self.listing(tab.listing_id)
            view.highlight(rows_at(view.rows, line, pc))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A hidden listing could not scroll to its match: do it once it is shown
        (reading ``highlighted`` then, not now: a location may be selected meanwhile)."""
        for view in event.pane.query(ListingView):
            self.call_after_refresh(lambda view=view: view.highlight(view.highlighted))
