"""The records the Session hands to its views (the CLI, the REPL, the TUI,
transcripts): data at the boundary, text only at the edge."""

from __future__ import annotations

from dataclasses import dataclass

from ruffdbg.compiler.dis import Instruction, format_instruction
from ruffdbg.core.errors import RuffRuntimeError
from ruffdbg.profile.ics import IcSite
from ruffdbg.profile.report import FunctionStats, SiteFeedback
from ruffdbg.vm.frame import Interrupted

# When the hotspots report calls a function hot. Whether its types are stable is
# the stability rule's call (``Session.stability``), as everywhere else.
HOT_TIME_SHARE = 0.30
HOT_CALLS = 1000


@dataclass
class Policy:
    """Tiering settings. The JIT issue adds the tiers; T0 records them for views."""

    jit: bool = True
    threshold: int | None = None   # one hotness threshold for every tier, from --threshold
    sample_ms: float | None = None  # run the sampling profiler at this interval while programs run
    perf_map: bool = False          # keep /tmp/perf-PID.map up to date (Linux perf names native code)
    background_compile: bool = False  # T2's LLVM stages on a compiler thread (jit/background.py)
    jitdump: bool = False           # keep /tmp/jit-PID.dump up to date (perf inject --jit: names and lines)
    code_cache: bool | str = True   # machine code kept across runs (jit/codecache.py): True the default
                                    # folder ($RUFFDBG_CACHE, else the user's cache folder), a folder, or False


@dataclass
class RunResult:
    """How a run ended: normally, with an uncaught Ruff error, or interrupted."""

    ok: bool
    error: RuffRuntimeError | None = None
    interrupted: Interrupted | None = None
    exit_status: int | None = None     # the program called exit(status)


class ControlResult(str):
    """What one of the user's controls did: ``ok`` (carried out, or refused) and the
    ``message`` to show. It is the message itself as a ``str``, so a caller that only
    shows it (or compares it) needs nothing new; a view decides by ``ok``, never by
    looking inside the text."""

    ok: bool

    def __new__(cls, message: str, ok: bool = True) -> "ControlResult":
        result = super().__new__(cls, message)
        result.ok = ok
        return result

    @property
    def message(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"ControlResult({self.message!r}, ok={self.ok})"


@dataclass
class FrameView:
    """One frame of a paused program, for the call-stack pane: locals with types."""

    function: str
    line: int
    tier: str
    locals: list[tuple[str, str, str]]   # (name, value as Ruff prints it, Ruff type)


@dataclass
class NativeListing:
    """LLVM IR or assembly of one unit: a header (signature, tier, compile times)
    and its rows (``jit.texts.TextLine``: text, Ruff line, bytecode pc, and what
    the row is: guard id, role "guard" / "exit" / "exit call" or None, a note)."""

    header: str
    lines: list
    compile_id: int | None = None   # the compile it shows (``Session.compile_record``)
    notes: tuple[str, ...] = ()     # comment lines under the header: each site T2 left generic, and why
    cached: bool = False            # its machine code came from the code cache (jit/codecache.py)


@dataclass
class BytecodeRow:
    """One instruction of a function with what the run knows about it: how often
    it ran (None before the function has a profile), the type feedback seen there
    (at feedback sites), the inline cache (at field, method and operator sites)
    and the ids of the JIT guards that check it."""

    instruction: Instruction
    count: int | None = None
    feedback: SiteFeedback | None = None
    guard_ids: tuple[int, ...] = ()
    ic: IcSite | None = None

    @property
    def annotation(self) -> str:
        """The listing's extra column: the count, then at type feedback sites what was
        seen there (like CPython's specialized listings) and at inline-cache sites
        the cache's state and shapes; '' without a profile."""
        if self.count is None:
            return ""
        notes = " · ".join(note for note in (self.feedback_text, self.ic_text) if note)
        return f"x{self.count:<8} {notes}" if notes else f"x{self.count}"

    @property
    def feedback_text(self) -> str:
        """``monomorphic: int,int`` ('' where no types were recorded)."""
        site = self.feedback
        if self.count is None or site is None or not site.counts:
            return ""
        seen = " | ".join(",".join(types) for types in sorted(site.counts, key=site.counts.get, reverse=True))
        return f"{site.state}: {seen}"

    @property
    def ic_text(self) -> str:
        """The IC column: ``ic mono Point#1``, ``ic poly(3) Point#1 Vec#1 dict``,
        ``ic mega`` ('' off IC sites, and where ``IcSite.listed`` says so)."""
        site = self.ic
        if self.count is None or site is None or not site.listed:
            return ""
        return f"ic {site.summary}"


@dataclass
class BytecodeListing:
    """A function's bytecode as rows: ``header`` ("code f(n)  line 1, 2 locals"),
    then one ``BytecodeRow`` per pc, in pc order."""

    header: str
    rows: list[BytecodeRow]

    def text(self) -> str:
        """The ``dis``-style listing (``compiler.dis.disassemble``, with the extra column)."""
        return "\n".join([self.header, *(format_instruction(row.instruction, row.annotation) for row in self.rows)])


@dataclass
class Hotspot:
    stats: FunctionStats
    time_share: float
    hot: bool
    stable: bool

    @property
    def candidate(self) -> bool:
        return self.hot and self.stable
