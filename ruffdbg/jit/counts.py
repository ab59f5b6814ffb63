"""What native code counted, turned into the counts views show. Runs when a view
(or a tiering decision) asks, never on the hot path.

Native code bumps only what the interpreter counts too -- taken conditional
branches and loop back-edges, by pc -- and, on cold paths, what leaves it
(each guard's failures, other exits by pc) and the passes of the few guards
checked on cold paths (``lowering.common.CounterLayout``). The rest is derived
from those and the bytecode's control flow (``profile.report.flow_counts``):

* **entries** of a unit: the interpreter's (``Unit.from_interpreter``, counted
  in Python), the calls native code made through its entry function (which
  counts all its entries: less the interpreter's) and the calls its callers'
  direct call sites made. A site's calls
  are the runs of its caller that reached it, minus its depth guard's failures.
  A caller is always newer than its callee (the callee existed when it was
  built) or the callee itself, so units are solved newest first; a self-call's
  count does not depend on the entries it makes (a call every entry reaches is
  counted at its site instead, see ``Lowering.reached_by_every_entry``);
* **flow**: how many runs of a unit reached each pc (its entries at its entry
  pc, its exits subtracted);
* a guard's **passes**: the runs that reached it minus its failures.

An OSR entry is not a call: an OSR unit's entries are all from the interpreter.

A unit the compile history let go, once retired and unloaded, is *compacted*
(``jit/compaction.py``): its counters are final then, and what the views add up
from them -- its calls and taken branches, the calls its sites made into other
units, its guards' counts -- is kept as ``Final`` instead of the counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.jit.lowering.common import REACH_COUNTED, REACH_ENTRY, REACH_INTERPRETER, REACH_POLL, DirectSite, Guard
from ruffdbg.jit.units import Unit
from ruffdbg.profile.counters import NativeCounts
from ruffdbg.profile.report import flow_counts


@dataclass
class UnitCounts:
    """One unit's derived counts."""

    entries: int          # runs of the unit (from the interpreter, and calls from native code)
    calls: int            # of those, the calls native code made (the interpreter counts its own)
    flow: list[int]       # runs that reached each pc
    entry_calls: int = 0  # of ``calls``, those made through its entry function (argument checks ran)


@dataclass(frozen=True)
class Final:
    """A compacted unit's counts, final (retired, its code unloaded: nothing bumps
    its counters any more): what views and its callees' counts still need."""

    entries: int
    calls: int
    entry_calls: int
    taken: dict[int, int]                 # pc -> taken branches and back-edges (nonzero only)
    calls_made: dict[int, int]            # unit id -> calls its direct sites made into that (other) unit
    guards: tuple[tuple[int, int], ...]   # (passed, failed) of each guard it keeps (``Unit.guards``)


def final_counts(unit: Unit, counts: UnitCounts, keep_guards: bool) -> Final:
    """What a unit counted, for good (``counts``: its ``unit_counts`` entry)."""
    taken = {pc: count for pc, count in enumerate(_taken(unit)) if count}
    made: dict[int, int] = {}
    for site in unit.sites:
        if site.target != unit.id:   # (self-calls are in its own entries)
            made[site.target] = made.get(site.target, 0) + _site_calls(unit, site, counts.flow)
    guards = tuple(guard_counts(unit, counts)) if keep_guards else ()
    return Final(counts.entries, counts.calls, counts.entry_calls, taken, made, guards)


def unit_counts(units: list[Unit]) -> dict[int, UnitCounts]:
    """The derived counts of every unit (``units`` is the JIT's list: ids are positions)."""
    calls_into = [0] * len(units)
    result: dict[int, UnitCounts] = {}
    for unit in reversed(units):   # callers before their (older) callees
        final = unit.final
        if final is not None:   # (compacted: no flow, which only live units' views read)
            for target, made in final.calls_made.items():
                calls_into[target] += made
            result[unit.id] = UnitCounts(final.entries, final.calls, [], final.entry_calls)
            continue
        taken, left = _taken(unit), _exits(unit)
        entry_pc = unit.region.entry_pc if unit.region is not None else 0
        own = [site for site in unit.sites if site.target == unit.id]
        if own:   # self-calls: derived without the entries they make (or counted)
            partial = flow_counts(unit.code, 0, taken, entry_pc, left)
            calls_into[unit.id] += sum(_site_calls(unit, site, partial) for site in own)
        entry_calls = _entry_calls(unit)
        calls = calls_into[unit.id] + entry_calls
        flow = flow_counts(unit.code, unit.from_interpreter + calls, taken, entry_pc, left)
        for site in unit.sites:
            if site.target != unit.id:
                made = _site_calls(unit, site, flow)
                calls_into[site.target] += made
        result[unit.id] = UnitCounts(unit.from_interpreter + calls, calls, flow, entry_calls)
    return result


def native_counts(code: CodeObject, units: list[Unit], counts: dict[int, UnitCounts] | None = None) -> NativeCounts:
    """What all of ``code``'s units counted (retired ones included), as the
    interpreter counts: calls made natively, taken branches and back-edges by pc."""
    counts = unit_counts(units) if counts is None else counts
    taken = [0] * len(code.instrs)
    calls = 0
    for unit in units:
        if unit.code is code:
            calls += counts[unit.id].calls
            pairs = unit.final.taken.items() if unit.final is not None else enumerate(_taken(unit))
            for pc, count in pairs:
                taken[pc] += count
    return NativeCounts(calls, taken)


def guard_counts(unit: Unit, counts: UnitCounts) -> list[tuple[int, int]]:
    """(passed, failed) of each of the unit's guards."""
    if unit.final is not None:
        return list(unit.final.guards)
    return [(max(0, _passed(unit, guard, counts)), _failed(unit, guard)) for guard in unit.guards]


def speculation_counts(unit: Unit, kinds: Collection[str], counts: UnitCounts) -> tuple[int, int]:
    """(failures of the guards of ``kinds``, attempts: entries plus refused entries):
    what the despecialization rule judges."""
    failures = sum(_failed(unit, g) for g in unit.guards if g.kind in kinds)
    refused = sum(_failed(unit, g) for g in unit.guards if g.reach == REACH_INTERPRETER)
    return failures, counts.entries + refused


# ------------------------------------------------------------------ helpers

def _taken(unit: Unit) -> list[int]:
    layout, words = unit.layout, unit.counters
    return [words[layout.taken(pc)] for pc in range(layout.size)]


def _entry_calls(unit: Unit) -> int:
    """Native calls through a whole-function unit's entry function (an OSR unit's
    is the interpreter's only). (Read while it runs, the interpreter's count may
    be one ahead.)"""
    if unit.region is not None:
        return 0
    return max(0, unit.counters[unit.layout.entered] - unit.from_interpreter)


def _failed(unit: Unit, guard: Guard) -> int:
    return unit.counters[unit.layout.failed(guard.id)]


def _exits(unit: Unit) -> dict[int, int]:
    """Runs that left the unit at each pc: guard failures (a deopt resumes the
    interpreter there) and other exits (an error, a frame the interpreter finished)."""
    layout, words = unit.layout, unit.counters
    exits: dict[int, int] = {}
    for guard in unit.guards:
        if guard.reach != REACH_INTERPRETER:   # (a refused entry never ran)
            exits[guard.pc] = exits.get(guard.pc, 0) + words[layout.failed(guard.id)]
    for pc in range(layout.size):
        if words[layout.left(pc)]:
            exits[pc] = exits.get(pc, 0) + words[layout.left(pc)]
    return exits


def _site_calls(unit: Unit, site: DirectSite, flow: list[int]) -> int:
    if site.counted:
        return unit.counters[unit.layout.site(site.pc)]
    failed = sum(unit.counters[unit.layout.failed(guard)] for guard in site.before)
    return max(0, flow[site.pc] - failed)


def _passed(unit: Unit, guard: Guard, counts: UnitCounts) -> int:
    failed = _failed(unit, guard)
    if guard.reach in (REACH_COUNTED, REACH_POLL):
        return unit.counters[unit.layout.passed(guard.id)]
    if guard.reach == REACH_INTERPRETER:   # argument checks, in order: later refusals passed this one
        later = sum(_failed(unit, g) for g in unit.guards if g.reach == REACH_INTERPRETER and g.id > guard.id)
        return unit.from_interpreter + counts.entry_calls + later
    if guard.reach == REACH_ENTRY:
        return counts.entries - failed
    # Checked by every run that reached its pc and did not leave there before it:
    # at a failed check earlier in the instruction, or a back-edge's poll (which
    # resumes at the loop header, before the header's own checks).
    earlier = sum(_failed(unit, g) for g in unit.guards
                  if g.pc == guard.pc and g is not guard and g.reach != REACH_INTERPRETER
                  and (g.id < guard.id or g.reach == REACH_POLL))
    return counts.flow[guard.pc] - earlier - failed
