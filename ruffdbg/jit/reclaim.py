"""Retiring the units of functions nothing can call any more.

A REPL user who defines ``f`` again, or a program that assigns another function
to a global, leaves the old function's units valid: nothing invalidates them,
since no guard of theirs failed -- they simply never run again. Each kept its
machine code, counters, texts and its place in the compile history forever
(``ruffdbg soak --redefine``: about 200 KB per compiled unit).

Here the JIT notes the code a global held when the global is given a function
with other code, or something that is not a function (``note_global``, on every
``global_changed``: a type check and a dict lookup). Before the next compile, if
no native code is running, it asks which of the noted codes something can still
run (``_still_reachable``) and retires the units of the others like any other
invalidation (``invalidate``: their callers too, the machine code released by
``release_retired``), with the reason (``"f redefined"``) in the compile history,
an ``invalidated`` event and the function's ``reason``. The views keep showing
them as retired compiles.

Conservative: code counts as reachable while any ``Function`` object with that
code exists anywhere (in a global, a closure cell, an array, a struct, a
generator, even garbage not yet collected: ``gc.get_referrers``), while a frame
runs it, or while the code it is nested in can still make such a function (a
function whose enclosing code is another function's is kept as long as that one
is: a closure factory makes it again). Only code nested in a top-level script
that is no longer running, or in code retired here, goes. Should a host run such
a script again, its functions run interpreted until they are hot and are
compiled afresh: retiring is always safe (``invalidate``), just not free.

**Forgetting scripts.** Retired and compacted, a redefined function still kept
its code object (its profile, quickened code, loop functions), its state and
its units' records, and the session kept the REPL input it came from: about
50 KB a round of ``ruffdbg soak --redefine``, for good. ``forget_scripts``
takes the scripts the session no longer needs to show (older than its latest
``session.SCRIPTS_KEPT``) and lets go of those nothing of which can run or be shown:
the script finished, each function in it was retired here (or, never compiled,
no function value of it exists), every unit of them is compacted and the
compile history let it go, and no unit that may still run names one of them in
its imports (a closure guard compares a code's id; a call cell's address). Their
states and notes go, their units are buried (``compaction.buried``) and the
session drops the scripts: their code objects are freed. Their figures leave
the views with them.
"""

from __future__ import annotations

import ctypes
import gc
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.objects import Function
from ruffdbg.jit.compaction import buried
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.tiering import STOPPED
from ruffdbg.jit.views import State
from ruffdbg.vm.frame import Frame

# A noted code still reachable is looked at again once this many compiles have
# passed (or when another global is redefined): each look walks the heap.
RECHECK_COMPILES = 32


class Reclaiming:
    """(Part of ``Jit``.) Uses its ``states``, ``units``, ``vm``, ``native_depth``,
    ``handles``, ``ctx``, ``global_slots``, ``invalidate``, ``release_retired``,
    ``cancel_pending``, ``events``, ``policy``; owns
    ``global_codes``, ``orphans``, ``parents``, ``reclaimed``."""

    def _init_reclaiming(self) -> None:
        self.global_codes: dict[str, CodeObject] = {}    # global name -> code of the function it holds
        self.orphans: dict[int, tuple[CodeObject, str]] = {}   # id(code) -> (code, why): a global let go of it
        self.parents: dict[int, CodeObject] = {}         # id(code) -> the code it is nested in
        self.reclaimed: dict[int, CodeObject] = {}       # id(code) -> code whose units were retired here
        self._orphaned_since_sweep = False
        self._compiles_since_sweep = 0
        self._let_go_since_walk = True   # a global let go of a function since forget_scripts walked the heap

    def note_parents(self, code: CodeObject) -> None:
        """(``adopt``) Where each nested code comes from: what can make it again."""
        for child in code.children():
            self.parents[id(child)] = code

    def note_global(self, name: str, value: Any) -> None:
        """(``global_changed``) ``name`` now holds ``value``: the code it held before,
        if that was a function's with other code, may have lost its last caller."""
        code = value.code if type(value) is Function else None
        previous = self.global_codes.get(name)
        if previous is code:
            return
        self._let_go_since_walk = self._let_go_since_walk or previous is not None
        if code is None:
            del self.global_codes[name]
        else:
            self.global_codes[name] = code
        if previous is not None and id(previous) in self.states:
            self.orphans[id(previous)] = (previous, f"{name} redefined")
            self._orphaned_since_sweep = True

    def sweep_unreachable(self) -> None:
        """(Before each compile.) Retire the units of every noted code nothing can
        run any more, release their machine code and let go of the function ids
        no native code can hold any more. Not while native code runs
        (``native_depth``), nor while there is nothing new to look at: each look
        walks the heap."""
        self._compiles_since_sweep += 1
        if not self.orphans or self.native_depth != 0:
            return
        if not self._orphaned_since_sweep and self._compiles_since_sweep < RECHECK_COMPILES:
            return
        self._orphaned_since_sweep, self._compiles_since_sweep = False, 0
        for key, (code, _) in list(self.orphans.items()):
            if not self._has_native(code):   # (nothing to retire: if it compiles again, it is not orphaned)
                self.orphans.pop(key, None)
        retired = False
        while self.orphans:   # (retiring a code notes the code nested in it: looked at at once)
            # (snapshots: a view's display compile may sweep on the UI thread while the VM notes globals)
            orphans = list(self.orphans.items())
            reachable = self._still_reachable([code for _, (code, _) in orphans])
            gone = [(key, code, why) for key, (code, why) in orphans if key not in reachable]
            if not gone:
                break
            for key, code, why in gone:
                self.orphans.pop(key, None)
                self.retire_code(code, why)
            retired = True
        if retired:
            self.release_retired()
            self.handles.drop_functions(self._function_ids_in_use())

    def _has_native(self, code: CodeObject) -> bool:
        state = self.states.get(id(code))
        return state is not None and (any(unit.valid for unit in state.units) or state.pending is not None
                                      or any(site.pending is not None for site in state.osr_sites.values()))

    def _still_reachable(self, codes: list[CodeObject]) -> set[int]:
        """The ids of those of ``codes`` something may still run: a function value
        or a frame holds it, or the code it is nested in may make it again. (A
        function held only by the JIT's table of function ids does not count:
        ``_function_ids_in_use``.)"""
        wanted = {id(code) for code in codes}
        reachable = {id(frame.code) for frame in self.vm.frames if id(frame.code) in wanted}
        functions = []
        for holder in gc.get_referrers(*codes):
            if type(holder) is Frame:
                reachable.add(id(holder.code))
            elif type(holder) is Function and id(holder.code) not in reachable:
                functions.append(holder)
        if functions:
            found = {id(function): function for function in functions}
            ours = {id(self.handles.functions), id(functions), id(found)}   # (the JIT's table, and these)
            for holder in gc.get_referrers(*functions):
                if id(holder) in ours:
                    continue
                for held in gc.get_referents(holder):
                    if id(held) in found:
                        reachable.add(id(found[id(held)].code))
        for code in codes:
            parent = self.parents.get(id(code))
            if parent is None or id(parent) in self.reclaimed:
                continue
            if not parent.is_script or any(frame.code is parent for frame in self.vm.frames):
                reachable.add(id(code))   # (a function, or a script still running, may make it again)
        return reachable

    def _function_ids_in_use(self) -> set[int]:
        """The function ids native code may still use: bound in a unit that is valid,
        loaded or not built yet (a background compile), or held by a globals-table
        word."""
        used = {self.ctx.global_value(slot) for slot in self.global_slots.values()}
        for unit in self._units_that_may_run():
            used.update(value for name, value in unit.compiled.imports.items() if name.startswith("rd.function."))
        return used

    def _units_that_may_run(self):
        """Units valid, still loaded, or not built yet (a background compile)."""
        return (unit for unit in self.units
                if unit.valid or unit.compiled.loaded or not unit.compiled.generated)

    def retire_code(self, code: CodeObject, why: str) -> None:
        """Retire every unit of ``code`` (and of the code nested in it), and cancel
        its background compiles: nothing can run it any more (``why``)."""
        self.reclaimed[id(code)] = code
        state = self.states[id(code)]
        self.cancel_pending(state, why, loops=True)
        dropped = [unit for unit in state.units if unit.valid]
        for unit in self.runnable(state):
            self.invalidate(unit, f"retired: {why}")
        if state.state not in STOPPED:   # (blacklisted, not compilable: that stays true of it)
            state.state = State.INTERPRETED
        state.reason = why
        if code.profile is not None:   # (should it run after all: interpreted until hot again)
            code.profile.hot_at = code.profile.calls + self.policy.recheck_every
        for unit in dropped:
            self.events.add("invalidated", code.name, tier=f"T{unit.tier}",
                            detail={"reason": why, "unit": unit.id})
        for child in code.children():   # (what only it could make: looked at in the next sweep)
            if id(child) in self.states and id(child) not in self.reclaimed:
                self.orphans[id(child)] = (child, why)
                self._orphaned_since_sweep = True

    @serialized
    def forget_scripts(self, scripts: list[CodeObject]) -> list[CodeObject]:
        """(The session, after a run.) Those of ``scripts`` (finished top-level code)
        nothing of which can run or be shown any more, their states, units and
        notes let go of; the session drops them. At most one walk of the heap, and
        none unless a global let go of a function since the last one."""
        if self.native_depth != 0 or self.vm.frames:
            return []
        units_of: dict[int, list] = {}
        for unit in self.units:
            units_of.setdefault(id(unit.code), []).append(unit)
        let_go = set(self.history.forgotten)   # (let go by the history, not compacted yet)
        candidates = [script for script in scripts
                      if all(self._nothing_left(code, units_of.get(id(code), ()), let_go) for code in script.walk())]
        if not candidates:
            return []
        unsure = [code for script in candidates for code in script.walk()
                  if not code.is_script and id(code) not in self.reclaimed]
        reachable = set()
        if unsure and self._let_go_since_walk:
            reachable, self._let_go_since_walk = self._still_reachable(unsure), False
        elif unsure:   # (no function let go since the last walk: those are still held)
            reachable = {id(code) for code in unsure}
        named = self._named_by_live_units()
        forgotten = []
        for script in candidates:
            codes = script.walk()
            if any(id(code) in reachable or self._named(code, named) for code in codes):
                continue
            for code in codes:
                self._forget(code, units_of.get(id(code), ()))
            forgotten.append(script)
        return forgotten

    def _nothing_left(self, code: CodeObject, units: list, let_go: set[int]) -> bool:
        """Nothing of ``code`` is pending, valid or still shown: each unit compacted
        after the compile history let it go (``compaction``), no background compile."""
        if id(code) in self.orphans:
            return False
        state = self.states.get(id(code))
        if state is not None and (state.pending is not None
                                  or any(site.pending is not None for site in state.osr_sites.values())):
            return False
        return all(unit.final is not None and self.history.get(unit.id) is None and unit.id not in let_go
                   for unit in units)

    def _named_by_live_units(self) -> set[int]:
        """Every value a unit that may still run is linked against (its imports)."""
        return {value for unit in self._units_that_may_run() for value in unit.compiled.imports.values()}

    def _named(self, code: CodeObject, named: set[int]) -> bool:
        state = self.states.get(id(code))
        return id(code) in named or (state is not None and ctypes.addressof(state.cell) in named)

    def _forget(self, code: CodeObject, units: list) -> None:
        for unit in units:
            self.units[unit.id] = buried(unit, self.units)
        self.states.pop(id(code), None)
        for notes in (self.reclaimed, self.parents, self.orphans):
            notes.pop(id(code), None)
