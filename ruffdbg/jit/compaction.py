"""Compacting the units the compile history let go.

A unit keeps its place in ``Jit.units`` for good: its position is its id, which
events, deopt groups and native code's shadow stack name. Most of what it holds
is only needed while it can run or while a view can show its compile: its
counters array, guards, exits, call sites, assumptions, imports and texts
(about 8 KB for a small T2 unit, besides its texts). Once the history has dropped
its record (``History.forgotten``) and its machine code is unloaded, nothing
bumps its counters any more: what views still add up from them is folded into a
``counts.Final`` and the unit is replaced by a compact copy (``compacted``)
everywhere the JIT keeps it. A function's figures (calls, taken branches, the
entries its callees count) stay exact; its list of compiles keeps each one's
tier, types and stage times. The last unit of a function keeps its guards
(with their final counts): a function that no longer has native code shows the
guards of its last unit.

A copy rather than a change in place: a view on another thread may be adding
up counts from the unit it took from ``Jit.units`` a moment ago; that one stays
whole until the view lets go of it.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from ruffdbg.jit import counts
from ruffdbg.jit.units import Unit

# What a compacted unit has none of, shared: an empty set or dict is 200 bytes, and
# nothing changes a retired unit's.
_NONE = frozenset()
_EMPTY = MappingProxyType({})


class Compacting:
    """(Part of ``Jit``.) Uses its ``units``, ``history``, ``states``, ``state_of``."""

    def compact_forgotten(self) -> None:
        """(After ``release_retired``.) Compact every unit the history dropped whose
        machine code is unloaded; the others wait for a later call."""
        waiting = self.history.forgotten
        if not waiting:
            return
        units = list(self.units)
        ready = [units[i] for i in waiting if not units[i].compiled.loaded and not units[i].valid]
        if not ready:
            return
        derived = counts.unit_counts(units)
        done = set()
        for unit in ready:
            done.add(unit.id)
            if unit.final is None:
                self._replace(unit, compacted(unit, derived[unit.id], self.state_of(unit.code).units[-1] is unit))
        self.history.forgotten = [i for i in waiting if i not in done]

    def _replace(self, unit: Unit, light: Unit) -> None:
        self.units[unit.id] = light
        state = self.state_of(unit.code)
        state.units = [light if each is unit else each for each in state.units]
        if state.display_t1 is unit:
            state.display_t1 = light
        for site in state.osr_sites.values():
            for signature, each in list(site.units.items()):
                if each is unit:
                    site.units[signature] = light


def compacted(unit: Unit, derived: counts.UnitCounts, last: bool) -> Unit:
    """A copy of ``unit`` with its counts final and only what its compile's summary
    shows; the last unit of its function keeps its guards and generic sites."""
    unit.compiled.compact()
    return dataclasses.replace(
        unit, final=counts.final_counts(unit, derived, keep_guards=last), counters=None, layout=None,
        guards=unit.guards if last else (), generic_sites=unit.generic_sites if last else (),
        sites=(), entry=None, direct_callees=_NONE, vm_callees=_NONE, exit_blocks=_EMPTY, exit_tails=_EMPTY,
        stable_arrays=(), op_shapes=_EMPTY, home=None, assumptions=(), inline_sites=())
