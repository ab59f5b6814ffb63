"""Compacting retired units, in two steps.

A unit keeps its place in ``Jit.units`` for good: its position is its id, which
events, deopt groups and native code's shadow stack name. Much of what it holds
is only needed while it can run: its counters array, call sites, callee sets
(about 2.5 KB for a small T2 unit); more, only while a view can show its
compile: its guards, exits, assumptions, imports, texts (about 5 KB besides its
texts).

* **Unloaded** (``release_retired``): nothing bumps its counters any more. What
  views add up from them -- its calls and taken branches, the calls its sites
  made into other units, its guards' counts -- is folded into a ``counts.Final``,
  and a copy without what only running needs replaces it. Its compile still
  shows in full while the history keeps it.
* **Let go by the compile history** (``History.forgotten``): its texts,
  imports, assumptions, exits and inline sites go too. The last unit of a function
  keeps its guards (with their final counts) and generic sites: a function with
  no native code shows those of its last unit.

A function's figures (calls, taken branches, the entries its callees count, its
guards) stay exact; its list of compiles keeps each one's tier, types and stage
times.

A third step comes when the session forgets the script a function came from
(``reclaim.forget_scripts``: nothing of it can run, and its compiles are no
longer shown): its units are *buried*, their place in ``Jit.units`` taken by one
shared tombstone that holds nothing, or, for a unit whose sites called a unit
still counting (its calls are part of that one's figures), a small one that
keeps just those calls.

A copy rather than a change in place: a view on another thread may be adding
up counts from the unit it took from ``Jit.units`` a moment ago, or an OSR entry
reading the back-edges of the unit it just ran; that one stays whole until they
let go of it.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.jit import counts
from ruffdbg.jit.engine import CompiledModule, Levels
from ruffdbg.jit.units import Unit

# What a compacted unit has none of, shared: an empty set or dict is 200 bytes, and
# nothing changes a retired unit's.
_NONE = frozenset()
_EMPTY = MappingProxyType({})


class Compacting:
    """(Part of ``Jit``.) Uses its ``units``, ``history``, ``states``, ``state_of``."""

    def compact_released(self, released: list[Unit]) -> None:
        """(``release_retired``, once their code is unloaded.) Fold the counts of
        ``released`` and keep what their compiles show; then compact the units the
        history let go of."""
        units = list(self.units)
        derived = counts.unit_counts(units) if released or self.history.forgotten else {}
        for unit in released:
            if unit.final is None and _unloaded(unit):
                self._replace(unit, compacted(unit, derived[unit.id], detailed=True, last=True))
        waiting, self.history.forgotten = self.history.forgotten, []
        for unit_id in waiting:
            unit = self.units[unit_id]
            if not _unloaded(unit):   # (a later call)
                self.history.forgotten.append(unit_id)
                continue
            mine = self.state_of(unit.code).units
            last = bool(mine) and mine[-1].id == unit_id
            self._replace(unit, compacted(unit, derived[unit_id], detailed=False, last=last))

    def _replace(self, unit: Unit, light: Unit) -> None:
        self.units[unit.id] = light
        record = self.history.get(unit.id)
        if record is not None:
            record.unit = light
        state = self.state_of(unit.code)
        state.units = [light if each.id == unit.id else each for each in state.units]
        if state.display_t1 is not None and state.display_t1.id == unit.id:
            state.display_t1 = light
        for site in state.osr_sites.values():
            for signature, each in list(site.units.items()):
                if each.id == unit.id:
                    site.units[signature] = light


def _unloaded(unit: Unit) -> bool:
    """Built, retired and unloaded: its counts are final. (A compile that failed, or
    a background compile not finished -- the compiler thread still uses the unit
    -- is not compacted.)"""
    return not unit.valid and unit.compiled.generated and not unit.compiled.loaded


def compacted(unit: Unit, derived: counts.UnitCounts, detailed: bool, last: bool) -> Unit:
    """A copy of ``unit`` with its counts final (``derived``, if not folded yet),
    without what only running needs; not ``detailed`` (its compile is no longer
    shown): without its texts and details either, but its guards and generic
    sites if it is the ``last`` unit of its function."""
    final = unit.final or counts.final_counts(unit, derived, keep_guards=True)
    if not detailed:
        unit.compiled.forget()
    light = dataclasses.replace(
        unit, final=final, counters=None, layout=None, sites=(), entry=None, direct_callees=_NONE,
        vm_callees=_NONE, stable_arrays=(), op_shapes=_EMPTY, home=None)
    if detailed:
        return light
    keep = last and bool(final.guards)
    return dataclasses.replace(
        light, final=dataclasses.replace(final, guards=final.guards if keep else ()),
        guards=unit.guards if keep else (), generic_sites=unit.generic_sites if last else (),
        exit_blocks=_EMPTY, exit_tails=_EMPTY, assumptions=(), inline_sites=())


def _tombstone() -> Unit:
    compiled = CompiledModule("", Levels(0, 0), 0.0)
    compiled.forget()
    compiled.generated = True   # (built and unloaded: never bound, never run)
    return Unit(-1, CodeObject("<forgotten>", []), 0, (), "null", [], compiled, None, None, sites=(),
                valid=False, direct_callees=_NONE, vm_callees=_NONE, exit_blocks=_EMPTY, exit_tails=_EMPTY,
                op_shapes=_EMPTY, final=counts.Final(0, 0, 0, _EMPTY, _EMPTY, ()))


_BURIED = _tombstone()


def buried(unit: Unit, units: list[Unit]) -> Unit:
    """What takes the place of a compacted ``unit`` whose code the session forgot:
    the shared tombstone, or one keeping the calls its sites made into units whose
    counts are not final yet (``units``: the JIT's list)."""
    live = {target: made for target, made in unit.final.calls_made.items() if units[target].final is None}
    if not live:
        return _BURIED
    return dataclasses.replace(_BURIED, id=unit.id, final=dataclasses.replace(_BURIED.final, calls_made=live))
