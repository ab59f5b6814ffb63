"""Turn raw counters into the plain data views show (DESIGN.md section 5).

Everything here runs when a view asks (a snapshot), never on the hot path:
execution counts per instruction and per line are *derived* from the few
branch counters the interpreter bumps, and type feedback keyed by Python
types is translated into Ruff type names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, BLOCK_ENDS, BRANCH_OPS, EQUALITY_OPS, OPCODE_NAMES, ORDERING_OPS, SITE_OPS, Op
from ruffdbg.core.arrays import KIND_NAMES, RArray
from ruffdbg.core.objects import Builtin, Function, StructType, StructValue
from ruffdbg.profile.counters import NativeCounts
from ruffdbg.profile.ics import IcSite, ic_sites
from ruffdbg.profile.stability import StabilityRule

RUFF_TYPE_NAMES = {
    int: "int", float: "float", str: "string", bool: "bool", type(None): "null", list: "array", RArray: "array",
    dict: "dict", Function: "function", Builtin: "function", StructValue: "struct",
}
_FAST_PAIRS = {op: ("int", "int") for op in ARITHMETIC_OPS | ORDERING_OPS | EQUALITY_OPS}
_FAST_PAIRS[Op.INDEX] = ("array", "int")


@dataclass
class TypeProfile:
    """Observed types of one variable or argument, with the stability verdict."""

    name: str
    counts: dict[str, int]
    samples: int
    dominant: str | None
    share: float
    stable: bool

    def shares(self) -> str:
        """The types seen, commonest first, with their shares: "int 70%, float 30%"
        ('' without samples). Every view shows a type profile this way."""
        return ", ".join(f"{name} {count * 100 / self.samples:.0f}%"
                         for name, count in sorted(self.counts.items(), key=lambda kv: -kv[1]))

    @property
    def verdict(self) -> str:
        return "stable" if self.stable else "unstable"


@dataclass
class SiteFeedback:
    """Types seen at one feedback site (an arithmetic, compare, call, index or store)."""

    pc: int
    line: int
    opcode: str
    counts: dict[tuple[str, ...], int]
    state: str  # uninitialized / monomorphic / polymorphic / megamorphic

    @property
    def samples(self) -> int:
        return sum(self.counts.values())


@dataclass
class LoopStats:
    header_pc: int
    line: int
    iterations: int          # in every tier
    native_iterations: int = 0   # of those, the ones native code ran


@dataclass
class FunctionStats:
    """Everything known about one function (or the script) at T0."""

    name: str
    first_line: int
    calls: int
    self_ms: float
    total_ms: float
    tier: str = "T0"
    state: str = "interpreted"
    reason: str | None = None
    loops: list[LoopStats] = field(default_factory=list)
    args: list[TypeProfile] = field(default_factory=list)
    locals: list[TypeProfile] = field(default_factory=list)
    sites: list[SiteFeedback] = field(default_factory=list)
    ics: list[IcSite] = field(default_factory=list)      # inline caches: field, method and operator sites
    exec_counts: list[int] = field(default_factory=list)
    line_hits: dict[int, int] = field(default_factory=dict)
    # Filled in by the Session from the JIT (jit.manager.JitInfo), when there is one.
    deopts: int = 0
    despecializations: int = 0
    compiles: list = field(default_factory=list)
    guards: list = field(default_factory=list)
    compiling: str | None = None   # a background compile under way ("T2 compiling")
    generic_sites: tuple = ()   # the current unit's sites left generic, and why (jit.views.GenericSite)

    @property
    def stability(self) -> float:
        """Share of all samples (sites and arguments) that had their site's dominant type."""
        dominant = total = 0
        for site in self.sites:
            if site.counts:
                dominant += max(site.counts.values())
                total += site.samples
        for profile in self.args:
            dominant += round(profile.share * profile.samples)
            total += profile.samples
        return dominant / total if total else 1.0


def ruff_type(python_type: type) -> str:
    return RUFF_TYPE_NAMES.get(python_type, getattr(python_type, "__name__", str(python_type)))


def site_state(distinct: int) -> str:
    if distinct == 0:
        return "uninitialized"
    if distinct == 1:
        return "monomorphic"
    return "polymorphic" if distinct <= 4 else "megamorphic"


def type_profile(name: str, counts: dict[str, int], rule: StabilityRule) -> TypeProfile:
    dominant, share, stable = rule.dominant(counts)
    return TypeProfile(name, dict(counts), sum(counts.values()), dominant, share, stable)


def flow_counts(code: CodeObject, entries: int, taken: Sequence[int], entry_pc: int = 0,
                left: Mapping[int, int] | None = None) -> list[int]:
    """How many times each instruction ran, derived from a few counters by the
    bytecode's control flow.

    Walk the code in pc order carrying the count that "falls through":
    ``entries`` arrive at ``entry_pc``; ``taken[pc]`` is the count of a taken
    conditional branch or a back-edge at ``pc`` (a taken forward branch moves
    its count to the target), or of the handler entries landing at ``pc``; a
    block that ends in a jump carries nothing on. ``left[pc]`` counts runs that
    left the code at ``pc`` (native code's exits: deopts, errors), so less falls
    through after it.
    """
    size = len(code.instrs)
    incoming = [0] * (size + 1)
    incoming[entry_pc] = entries
    for pc, (op, arg) in enumerate(code.instrs):
        if op == Op.JUMP_BACK:
            incoming[arg] += taken[pc]
        elif op not in BRANCH_OPS:
            incoming[pc] += taken[pc]  # handler entries land on their first instruction
    counts = [0] * size
    flow = 0
    for pc, (op, arg) in enumerate(code.instrs):
        flow += incoming[pc]
        counts[pc] = flow
        if left:
            flow -= left.get(pc, 0)
        if op in BRANCH_OPS:
            incoming[arg] += taken[pc]
            flow -= taken[pc]
        elif op == Op.JUMP:
            incoming[arg] += flow
            flow = 0
        elif op in BLOCK_ENDS:
            flow = 0
    return counts


def branch_counts(code: CodeObject, native: NativeCounts | None = None) -> list[int]:
    """The taken-branch / back-edge / handler-entry count of every pc over the whole
    run: the interpreter's, plus what native code counted (``native``)."""
    profile = code.profile
    counts = [profile.count(pc) for pc in range(len(code.instrs))]
    if native is not None:
        counts = [mine + theirs for mine, theirs in zip(counts, native.taken)]
    return counts


def execution_counts(code: CodeObject, native: NativeCounts | None = None) -> list[int]:
    """How many times each instruction ran in every tier: the interpreter's counters
    plus native code's (``native``, summed over the function's units), by control
    flow (``flow_counts``). A deopt hands a run from native code to the
    interpreter mid-way; the two tiers' counts add up to one flow."""
    profile = code.profile
    if profile is None:
        return [0] * len(code.instrs)
    calls = profile.calls + (native.calls if native is not None else 0)
    return flow_counts(code, calls, branch_counts(code, native))


def site_feedback(code: CodeObject) -> list[SiteFeedback]:
    profile = code.profile
    sites = []
    for pc, (op, _arg) in enumerate(code.instrs):
        counts: dict[tuple[str, ...], int] = {}
        if op in _FAST_PAIRS:
            if profile.fast_hits[pc]:
                counts[_FAST_PAIRS[op]] = profile.fast_hits[pc]
            if profile.float_hits[pc]:
                counts[("float", "float")] = profile.float_hits[pc]
        elif op not in SITE_OPS:
            continue
        elif op == Op.CALL_METHOD:   # the receiver's types: its inline cache counts them by shape
            for shape, count in profile.ics[pc].by_shape().items():
                name = "struct" if isinstance(shape, StructType) else ruff_type(shape)
                counts[(name,)] = counts.get((name,), 0) + count
        for key, count in profile.feedback[pc].items():
            names = _key_names(key) if type(key) is not int else _array_names(op, key)
            counts[names] = counts.get(names, 0) + count
        sites.append(SiteFeedback(pc, code.lines[pc], OPCODE_NAMES[op], counts, site_state(len(counts))))
    return sites


def _array_names(op: int, kind: int) -> tuple[str, ...]:
    """An INDEX or STORE_INDEX site counts typed arrays by element kind (an int key)."""
    array = f"array<{KIND_NAMES[kind]}>"
    return (array, "int") if op == Op.INDEX else (array,)


def _key_names(key: object) -> tuple[str, ...]:
    if isinstance(key, tuple):
        return tuple(ruff_type(part) for part in key)
    if isinstance(key, type):
        return (ruff_type(key),)
    return (str(key),)  # a callee's name at a CALL site


def argument_profiles(code: CodeObject, rule: StabilityRule) -> list[TypeProfile]:
    """The types each parameter had on entry: what T2 specializes on (``jit`` judges
    these very records, so a view can never call unstable what the JIT called stable)."""
    profile = code.profile
    return [type_profile(name, {ruff_type(kind): count for kind, count in profile.arg_types[slot].items()}, rule)
            for slot, name in enumerate(code.params)]


def local_profiles(code: CodeObject, rule: StabilityRule) -> list[TypeProfile]:
    """The types stored into each local, by name, over all its stores (a parameter
    assigned in the body is listed here too: its stores are not its entry types)."""
    profile = code.profile
    by_name: dict[str, dict[str, int]] = {}
    for pc, (op, slot) in enumerate(code.instrs):
        if op == Op.STORE_LOCAL:
            seen = by_name.setdefault(code.local_names[slot], {})
            for kind, count in profile.feedback[pc].items():
                seen[ruff_type(kind)] = seen.get(ruff_type(kind), 0) + count
    return [type_profile(name, counts, rule) for name, counts in by_name.items()]


def function_stats(code: CodeObject, rule: StabilityRule, native: NativeCounts | None = None) -> FunctionStats:
    """The function's profile as plain data; counts include what native code
    counted (``native``), so they are the same whichever tier ran."""
    profile = code.profile
    if profile is None:
        return FunctionStats(code.name, code.first_line, 0, 0.0, 0.0)
    counts = execution_counts(code, native)
    taken = branch_counts(code, native)
    native_taken = native.taken if native is not None else [0] * len(code.instrs)
    line_hits: dict[int, int] = {}
    for pc, count in enumerate(counts):
        line = code.lines[pc]
        if line and count > line_hits.get(line, 0):
            line_hits[line] = count
    loops = []
    for header, line in sorted(code.loops.items()):
        edges = [pc for pc, (op, arg) in enumerate(code.instrs) if op == Op.JUMP_BACK and arg == header]
        loops.append(LoopStats(header, line, sum(taken[pc] for pc in edges), sum(native_taken[pc] for pc in edges)))
    return FunctionStats(
        name=code.name, first_line=code.first_line, calls=profile.calls + (native.calls if native else 0),
        self_ms=max(0, profile.self_ns) / 1e6, total_ms=profile.total_ns / 1e6, loops=loops,
        args=argument_profiles(code, rule), locals=local_profiles(code, rule), sites=site_feedback(code), ics=ic_sites(code), exec_counts=counts,
        line_hits=line_hits,
    )
