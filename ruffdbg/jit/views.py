"""What views learn about native code: plain data, no references into the JIT.

``Jit.info(code)`` returns a ``JitInfo``; the Session merges it into its
``FunctionStats`` (tier, state, reason, deopts, compiles, live guard counters).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ruffdbg.profile.counters import NativeCounts


class State(StrEnum):
    """Where a function stands with the JIT. A ``str``: views print the value."""

    INTERPRETED = "interpreted"        # no native code (yet, or any more)
    BASELINE = "baseline"              # T1: no speculation
    OPTIMIZED = "optimized"            # T2 (or an OSR loop) from a stable profile
    DESPECIALIZED = "despecialized"    # T2's guards failed too often: back at T1, re-profiling
    BLACKLISTED = "blacklisted"        # gave up tiering (reason says why)
    NOT_COMPILABLE = "not-compilable"  # T1 cannot compile it (reason says what)


@dataclass
class GuardStats:
    id: int
    kind: str
    pc: int
    line: int
    detail: str
    passed: int
    failed: int

    @property
    def failure_rate(self) -> float:
        total = self.passed + self.failed
        return self.failed / total if total else 0.0


@dataclass(frozen=True)
class GenericSite:
    """A site a T2 unit leaves generic (T1's generic path runs it), and why."""

    pc: int
    line: int
    reason: str       # "generic: field access p.x — no native struct layout yet"

    def text(self) -> str:
        return f"line {self.line}, pc {self.pc}: {self.reason}"


@dataclass(frozen=True)
class InlineSite(GenericSite):
    """A method call site a T2 unit calls natively: its method inlined, or why not
    (``jit/inlining.py``); or a string site native code runs (``jit/strings.py``)."""


@dataclass
class CompileStats:
    tier: str
    ms: dict[str, float]
    param_types: tuple[str, ...]
    valid: bool
    cached: bool = False   # its machine code came from the code cache


@dataclass
class JitInfo:
    """What views show about one function's native code (plain data)."""

    tier: str
    state: State
    reason: str | None
    native: NativeCounts          # what native code counted, as the interpreter counts
    deopts: int
    despecializations: int
    compiles: list[CompileStats]
    guards: list[GuardStats]
    compiling: str | None = None  # a background compile under way: "T2 queued", "T2 compiling"
    generic_sites: tuple[GenericSite, ...] = ()   # of the unit whose guards are shown
