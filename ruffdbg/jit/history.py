"""The compile history: every compile the JIT made (T1, T2, OSR, display-only)
as a record, kept in a bounded store, and the comparisons views ask for.

A compile's id is its unit's id (``Unit.id``, the position in ``Jit.units``):
events that name a unit (deopt, invalidated, despecialized, compiled) name its
compile. What a compile *was* (tier, kind, trigger, types, assumptions, stage
times) is recorded once, when it is built; what it *is* now (current or
retired and why, its guards' pass/fail counts) is derived when a view asks
(``jit.counts``), so the hot path records nothing.

Bounded: at most ``PER_FUNCTION`` compiles per function, ``TOTAL`` in all and
``TEXT_BYTES`` of compressed texts (a T1 unit's IR is tens of KB, a small T2
unit's a few); past that the oldest compile that is not current is dropped and
its texts are freed. Its unit keeps its place in ``Jit.units`` (the positions
are the ids); once its machine code is unloaded it is compacted
(``jit/compaction.py``: ``forgotten`` lists the units waiting for that).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from ruffdbg.jit import counts, texts
from ruffdbg.jit.engine import pass_by_pass, unshown_passes
from ruffdbg.jit.views import GuardStats

PER_FUNCTION = 32
TOTAL = 512
TEXT_BYTES = 2 << 20
KINDS = ("whole", "osr", "display")


@dataclass
class CompileRecord:
    """What a compile was, recorded when it was built (the store's row)."""

    id: int
    code_id: int                  # id() of its CodeObject: a redefined function is another function
    function: str
    tier: int
    kind: str                     # "whole", "osr" (a loop entered on the stack) or "display" (built to be shown)
    loop_line: int | None         # OSR: the loop's header line
    trigger: str                  # why it was compiled, in words
    types: tuple[str, ...]        # "n: int" per parameter (OSR: per live local at entry)
    return_type: str
    ms: dict[str, float]
    unit: Any                     # the Unit (its texts, guards, counters)
    retired: str | None = None    # why it was retired, once it was


@dataclass(frozen=True)
class Compile:
    """A compile as a view sees it: plain data, its live state and counts included."""

    id: int
    function: str
    tier: str
    kind: str
    loop_line: int | None
    trigger: str
    types: tuple[str, ...]
    return_type: str
    assumptions: tuple            # assumptions.Assumption records
    guards: tuple[GuardStats, ...]
    ms: dict[str, float]
    state: str                    # "current", "retired" or "display-only"
    why: str | None               # why it was retired
    texts_kept: bool
    generic_sites: tuple = ()     # views.GenericSite: the sites it leaves generic, and why
    cached: bool = False          # its machine code came from the code cache (no optimize, no codegen)

    @property
    def kind_text(self) -> str:
        if self.kind == "osr":
            return f"OSR at line {self.loop_line}"
        return "display-only" if self.kind == "display" else "whole"

    @property
    def trigger_text(self) -> str:
        """Why it was compiled, and (a code cache hit) where its machine code came from."""
        return f"{self.trigger} (code from the cache)" if self.cached else self.trigger

    @property
    def state_text(self) -> str:
        return f"retired: {self.why}" if self.state == "retired" and self.why else self.state


@dataclass(frozen=True)
class GuardDiff:
    """A guard of either compile, keyed by what it checks (ids differ between compiles)."""

    kind: str
    line: int
    detail: str
    in_a: bool
    in_b: bool


@dataclass(frozen=True)
class CompileDiff:
    a: Compile
    b: Compile
    types: tuple[tuple[str, str, str], ...]   # (position, a's, b's) where they differ
    guards: tuple[GuardDiff, ...]
    ir: tuple[str, ...]   # unified diff of the optimized IR (debug noise removed; addresses, unit names masked)
    # The two IRs aligned for a side-by-side view: ("equal" | "replace" | "delete" | "insert",
    # a's lines, b's lines) blocks, compared masked, shown as they are.
    aligned: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class PassChange:
    """One pass of the pass-by-pass pipeline: its time and, if it changed the IR, the diff."""

    name: str
    ms: float
    diff: tuple[str, ...]         # empty: the pass changed nothing

    @property
    def changed(self) -> bool:
        return bool(self.diff)


@dataclass(frozen=True)
class PassReport:
    compile: Compile
    passes: tuple[PassChange, ...]
    before: str                   # the IR the pipeline started from
    after: str                    # and ended with
    note: str = ("ruffdbg's reconstruction of the -O pipeline from passes llvmlite exposes one by one; "
                 "LLVM's own pipeline (the compile's optimized IR) may differ")

    @property
    def changed(self) -> tuple[PassChange, ...]:
        return tuple(step for step in self.passes if step.changed)

    def folded(self) -> list:
        """The passes in order, each run of passes that changed nothing folded into
        one list of their names: what every pass-by-pass view shows."""
        sections: list = []
        for step in self.passes:
            if step.changed:
                sections.append(step)
            elif sections and isinstance(sections[-1], list):
                sections[-1].append(step.name)
            else:
                sections.append([step.name])
        return sections


@dataclass
class History:
    """The bounded store of compile records, oldest first."""

    per_function: int = PER_FUNCTION
    total: int = TOTAL
    text_bytes: int = TEXT_BYTES
    records: dict[int, CompileRecord] = field(default_factory=dict)
    forgotten: list[int] = field(default_factory=list)   # ids of units dropped, not compacted yet

    def add(self, record: CompileRecord) -> None:
        self.records[record.id] = record
        mine = [r for r in self.records.values() if r.code_id == record.code_id]
        if len(mine) > self.per_function:
            self._drop(mine)
        if len(self.records) > self.total:
            self._drop(list(self.records.values()))
        # (summed afresh: a view may have made a kept compile's optimized IR or assembly since)
        kept = sum(r.unit.compiled.text_bytes for r in self.records.values())
        while kept > self.text_bytes:
            dropped = self._drop(list(self.records.values()))
            if dropped is None:
                break
            kept -= dropped

    def _drop(self, candidates: list[CompileRecord]) -> int | None:
        """Drop the oldest compile that cannot run (a current one is kept whatever its
        age); the bytes of texts that freed (None: nothing could go)."""
        for record in candidates:
            if not record.unit.valid:
                del self.records[record.id]
                freed = record.unit.compiled.text_bytes
                record.unit.compiled.drop_texts()
                self.forgotten.append(record.id)
                return freed
        return None

    def retire(self, unit_id: int, why: str) -> None:
        record = self.records.get(unit_id)
        if record is not None and record.retired is None:
            record.retired = why.removeprefix("retired: ")

    def kept_for(self, unit_id: int, callers: list[int]) -> None:
        """A retired unit's code stays loaded: the units ``callers`` call it directly."""
        record = self.records.get(unit_id)
        if record is not None and record.retired is not None:
            ids = ", ".join(f"#{caller}" for caller in callers)
            record.retired += f"; its code stays for {ids}, which call it directly (too large to rebuild)"

    def of(self, code_id: int) -> list[CompileRecord]:
        return [r for r in self.records.values() if r.code_id == code_id]

    def get(self, compile_id: int) -> CompileRecord | None:
        return self.records.get(compile_id)

    def last(self, code_id: int, kinds: tuple[str, ...] = ("whole",)) -> CompileRecord | None:
        return next((r for r in reversed(self.of(code_id)) if r.kind in kinds), None)

    def display_unit(self, code_id: int, tier: int, types: tuple[str, ...]) -> Any:
        """A display-only compile of these types still kept (so two views of one
        function show one compile, not two compiled a moment apart)."""
        for record in reversed(self.of(code_id)):
            if record.kind == "display" and record.tier == tier and record.unit.param_types == types \
                    and record.unit.compiled.has_texts:
                return record.unit
        return None


def view(record: CompileRecord, derived: dict[int, counts.UnitCounts]) -> Compile:
    """The record with its live facts: state and guard counts (``derived``: ``counts.unit_counts``)."""
    unit = record.unit
    guard_counts = counts.guard_counts(unit, derived[unit.id]) if unit.id in derived else [(0, 0)] * len(unit.guards)
    guards = tuple(GuardStats(g.id, g.kind, g.pc, g.line, g.detail, *passed_failed)
                   for g, passed_failed in zip(unit.guards, guard_counts))
    state = "display-only" if record.kind == "display" else ("current" if unit.valid else "retired")
    return Compile(record.id, record.function, f"T{record.tier}", record.kind, record.loop_line, record.trigger,
                   record.types, record.return_type, tuple(unit.assumptions), guards, dict(record.ms), state,
                   record.retired, unit.compiled.has_texts, tuple(unit.generic_sites), unit.compiled.cached)


def ir_text_lines(ir_text: str) -> list[str]:
    """The IR's lines without debug metadata (what listings show, what diffs compare)."""
    return [line.text.rstrip() for line in texts.ir_lines(ir_text)]


# Two compiles bake different addresses (counters, cells, the transfer buffer)
# and unit names into their code: masked, the diff shows what changed in the code.
_ADDRESS = re.compile(r"\bi64 \d{9,}\b")
_UNIT_NAME = re.compile(r"@ruff_\d+")


_ALIGN = re.compile(r"align \d+")


def masked(lines: list[str]) -> list[str]:
    """(An access through a baked address gets the alignment the address has: masked too.)"""
    out = []
    for line in lines:
        line = _ADDRESS.sub("i64 ADDR", line)
        out.append(_UNIT_NAME.sub("@ruff_N", _ALIGN.sub("align _", line) if "ADDR" in line else line))
    return out


def unified(a_lines: list[str], b_lines: list[str], a_name: str, b_name: str) -> tuple[str, ...]:
    return tuple(line.rstrip("\n") for line in difflib.unified_diff(a_lines, b_lines, a_name, b_name, lineterm="", n=2))


def diff(a: Compile, b: Compile, a_ir: str, b_ir: str) -> CompileDiff:
    """What differs between two compiles: parameter types, guards (by what they
    check), and the optimized IR."""
    width = max(len(a.types), len(b.types))
    padded = lambda types: list(types) + [""] * (width - len(types))   # noqa: E731
    types = tuple((str(i), ta, tb) for i, (ta, tb) in enumerate(zip(padded(a.types), padded(b.types))) if ta != tb)
    keys_a = {(g.kind, g.line, g.detail) for g in a.guards}
    keys_b = {(g.kind, g.line, g.detail) for g in b.guards}
    guards = tuple(GuardDiff(kind, line, detail, (kind, line, detail) in keys_a, (kind, line, detail) in keys_b)
                   for kind, line, detail in sorted(keys_a | keys_b, key=lambda key: (key[1], key[0], key[2])))
    a_lines, b_lines = ir_text_lines(a_ir), ir_text_lines(b_ir)
    a_masked, b_masked = masked(a_lines), masked(b_lines)
    ir = unified(a_masked, b_masked, f"compile #{a.id}", f"compile #{b.id}")
    matcher = difflib.SequenceMatcher(None, a_masked, b_masked, autojunk=False)
    aligned = tuple((tag, tuple(a_lines[i1:i2]), tuple(b_lines[j1:j2]))
                    for tag, i1, i2, j1, j2 in matcher.get_opcodes())
    return CompileDiff(a, b, types, guards, ir, aligned)


def passes(compile_: Compile, ir_before: str, opt_level: int, twin: tuple[str, str, str] | None = None) -> PassReport:
    """Run the compile's pre-optimization IR (and its twin) through the pipeline pass by pass."""
    start, steps = pass_by_pass(ir_before, opt_level, twin)
    previous = ir_text_lines(start)
    changes = []
    for step in steps:
        lines = ir_text_lines(step.ir)
        changed = unified(previous, lines, "before " + step.name, "after " + step.name) if lines != previous else ()
        changes.append(PassChange(step.name, step.ms, changed))
        previous = lines
    return PassReport(compile_, tuple(changes), start, steps[-1].ir if steps else start, _note(opt_level))


def _note(opt_level: int) -> str:
    return (f"ruffdbg's reconstruction of the -O{opt_level} pipeline (always-inline, globaldce, LLVM's function "
            "simplification pipeline on each function, globaldce) from passes llvmlite exposes one by one; "
            f"not run alone here: {', '.join(unshown_passes(opt_level))}"
            f"{' (new-gvn stands in for gvn)' if opt_level >= 2 else ''}, so the compile's optimized IR may differ")
