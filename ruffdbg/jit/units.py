"""Compiled units and what the JIT knows about each function, and the graph
between them: which unit calls which natively (so retiring one retires its
callers) and which code a unit calls through the VM (so it is rebuilt once
that code compiles)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.jit import assumptions
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.engine import CompiledModule
from ruffdbg.jit.inference import unit_weight
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.lowering import Guard, NativeTarget
from ruffdbg.jit.lowering.common import CounterLayout
from ruffdbg.jit.tiering import STOPPED
from ruffdbg.jit.types import Closures
from ruffdbg.jit.views import State
from ruffdbg.vm.interpreter import INVALIDATED


@dataclass(slots=True)   # (no per-unit dict: every unit ever built stays in ``Jit.units``)
class Unit:
    """One compiled version of a function."""

    id: int
    code: CodeObject
    tier: int
    param_types: tuple[str, ...]
    return_type: str
    guards: list[Guard]
    compiled: CompiledModule
    counters: Any                      # ctypes i64 array native code bumps (jit/counts.py reads it)
    layout: CounterLayout              # where each count is in ``counters``
    sites: list = field(default_factory=list)          # its direct calls into native code (DirectSite)
    entry: Any = None                  # ctypes function
    valid: bool = True
    from_interpreter: int = 0          # entries made by the interpreter (its calls, or OSR entries)
    direct_callees: set = field(default_factory=set)   # ids of units this one calls natively
    vm_callees: set = field(default_factory=set)       # ids of the code it calls through the VM
    region: Any = None                 # OSR units: the LoopRegion
    window: tuple[int, int] = (0, 0)   # (failures, attempts) when the current rate window began
    typed_region_end: int = 0
    exit_blocks: dict = field(default_factory=dict)   # IR block name of each deopt exit -> guard id
    exit_tails: dict = field(default_factory=dict)    # IR block name of each shared deopt tail -> guard ids
    stable_arrays: tuple = ()                         # (loop header, local): lowering.LoweredUnit.stable_arrays
    op_shapes: dict = field(default_factory=dict)     # T1: (pc, op) of a generic op -> deopt.op_shape
    home: Any = None                   # OSR: ctypes words its promoted globals live in across calls
    assumptions: tuple = ()            # assumptions.Assumption records, made when it was built
    generic_sites: tuple = ()          # T2: views.GenericSite per site it leaves generic, and why
    inline_sites: tuple = ()           # views.InlineSite per method call site (inlined, or why not) and native string site
    callbacks: int = 0                 # trips through the generic path (deopt._run_op)
    judge_at: int = 0                  # callbacks at which its native run is judged next (Compiling.judge_native_run)
    interpreted_from_t0: str | None = None   # why the interpreter does not enter it (tiering.short_method)
    final: Any = None                  # compacted (jit/compaction.py): counts.Final instead of its counters
    broken: bool = False               # retired because an assumption of it (or of a unit it calls) broke

    @property
    def weight(self) -> int:
        """What rebuilding it would cost (``inference.unit_weight``)."""
        return unit_weight(self.code, self.region)


@dataclass
class FunctionState:
    """What the JIT knows and decided about one function."""

    state: State = State.INTERPRETED
    reason: str | None = None
    unit: Unit | None = None
    units: list[Unit] = field(default_factory=list)
    deopts: int = 0
    despecializations: int = 0
    bail_outs: int = 0
    t2_refusal: str | None = None                   # why T2 could not compile it, if it could not
    t2_refused: set = field(default_factory=set)    # parameter types T2 could not compile
    ran_slower: str | None = None                    # why its T1 unit was retired for running slower than T0
    osr_refused: set = field(default_factory=set)   # loop headers OSR could not compile
    rejudged: set = field(default_factory=set)      # loop headers / T2 types given a second compile (judge_native_run)
    osr_sites: dict = field(default_factory=dict)   # loop header -> osr.OsrSite (its units, its re-arming)
    loop_hot: bool = False                           # a loop of it ran natively: compile it whole when called
    held: str | None = None                          # why the debugger keeps it in the interpreter
    display_t1: "Unit | None" = None                 # T1 code compiled only to be shown
    cell: Any = field(default_factory=rt.call_cell)  # what native callers call it through (runtime.call_cell)
    pending: Any = None                              # its background compile (background.CompileJob), not installed

    @property
    def tier(self) -> str:
        """The highest tier with valid code (an OSR unit counts: its loop runs there)."""
        return f"T{max((unit.tier for unit in self.units if unit.valid), default=0)}"


def _reads_global(unit: Unit, name: str) -> tuple[Any, bool]:
    """(The guard on the function global ``name`` holds, or None; whether the unit
    keeps ``name`` in a register or as a constant): what a redefinition of ``name`` breaks."""
    guard = next((g for g in unit.guards if g.kind == "global-unchanged"
                  and unit.code.names[unit.code.instrs[g.pc][1]] == name), None)
    return guard, assumptions.on_global(unit.assumptions, name) is not None


class UnitRegistry:
    """(Part of ``Jit``.) Function states, the units, the globals table behind
    the global-unchanged guards, and invalidation along the call graph.

    Uses the Jit's ``units``, ``states``, ``global_slots``, ``ctx``,
    ``handles``, ``vm``, ``policy``, ``events`` and the callee sets of the
    unit being built (``_direct_callees``, ``_vm_callees``).
    """

    def state_of(self, code: CodeObject) -> FunctionState:
        return self.states.setdefault(id(code), FunctionState())

    def assumptions_of(self, code: CodeObject) -> list[assumptions.UnitAssumptions]:
        """Every unit built for ``code`` (current and retired), with its assumptions,
        but those compacted once the compile history let them go (``jit/compaction.py``)."""
        return [assumptions.UnitAssumptions(unit.id, f"T{unit.tier}",
                                            code.lines[unit.region.header] if unit.region is not None else None,
                                            unit.valid, unit.assumptions, unit.generic_sites,
                                            unit.inline_sites)
                for unit in self.state_of(code).units
                if unit.final is None or self.history.get(unit.id) is not None]   # (else: compacted, forgotten)

    def global_slot(self, name: str) -> int:
        if name not in self.global_slots:
            self.global_slots[name] = len(self.global_slots)
            self.global_changed(name, self._lookup(name))
        return self.global_slots[name]

    def global_word(self, name: str) -> int:
        """The address of the word the global-unchanged guards on ``name`` read."""
        return self.ctx.global_address(self.global_slot(name))

    def global_changed(self, name: str, value: Any) -> None:
        """Keep the table behind the global-unchanged guards current."""
        self.note_global(name, value)   # (a function it held may have lost its last caller: jit/reclaim.py)
        slot = self.global_slots.get(name)
        if slot is not None:
            callable_ = type(value) is Function or type(value) is Builtin
            self.ctx.set_global(slot, self.handles.function_id(value) if callable_ else -1)

    @serialized
    def global_redefined(self, name: str) -> None:
        """A REPL input declared ``name`` again: retire every valid unit that read the
        global (a guard on the function it held, or a loop keeping it in a register),
        with an ``invalidated`` event naming the assumption, instead of waiting for
        the guard to fail at the next call. The callers of those units go too."""
        why = f"global {name} was redefined"
        for state in list(self.states.values()):   # background compiles: never installed
            jobs = [state.pending, *(site.pending for site in state.osr_sites.values())]
            for job in jobs:
                if job is not None and _reads_global(job.unit, name) != (None, False):
                    job.cancelled = why
        for unit in list(self.units):
            if not unit.valid:
                continue
            guard, promoted = _reads_global(unit, name)
            if guard is None and not promoted:
                continue
            self.invalidate(unit, f"retired: {why}")
            state = self.state_of(unit.code)
            state.state = State.INTERPRETED if state.unit is None else state.state
            unit.code.profile.hot_at = unit.code.profile.calls + self.policy.recheck_every
            broken = assumptions.for_guard(unit.assumptions, guard) if guard is not None \
                else assumptions.on_global(unit.assumptions, name)
            self.events.add("invalidated", unit.code.name, tier=f"T{unit.tier}",
                            detail={"reason": why, "unit": unit.id, **({"assumption": broken.text()} if broken else {})})

    @serialized   # (with struct_declared: a background compile may ask while a declaration runs)
    def struct_word(self, name: str) -> int:
        """The address of the word native struct literals of ``name`` check: the id of
        the shape the name builds now (0: not declared), kept by ``struct_declared``."""
        word = self.struct_words.get(name)
        if word is None:
            current = self.vm.structs.get(name)
            word = self.struct_words[name] = ctypes.c_int64(0 if current is None else id(current))
        return ctypes.addressof(word)

    @serialized
    def struct_declared(self, name: str, shape: Any) -> None:
        """A declaration of ``name`` ran (the VM's hook): literals built natively for
        another shape now fail their declared-shape guard (their unit keeps that shape
        alive, so no other object can have its address)."""
        word = self.struct_words.get(name)
        if word is not None:
            word.value = id(shape)

    def native_target(self, function: Function | Closures, arg_types: tuple[str, ...]) -> NativeTarget | None:
        if type(function) not in (Function, Closures):
            return None   # builtins run in the VM
        unit = self.state_of(function.code).unit
        if unit is not None and unit.valid and unit.param_types == arg_types:
            self._direct_callees.add(unit.id)   # the unit being built will depend on it
            return NativeTarget(unit.compiled.function_address, unit.return_type, unit.tier == 1, unit.id)
        self._vm_callees.add(id(function.code))   # called through the VM: worth rebuilding once it compiles
        return None

    def call_cell(self, function: Any) -> int | None:
        """The address of ``function``'s call cell (its code's), for native calls with
        any argument types; None for a builtin. A closure's call hands its cells
        over (lowering/calls.py), so closures of one code share the cell, as a site
        calling them by their code (``Closures``) does."""
        if type(function) not in (Function, Closures):
            return None
        return ctypes.addressof(self.state_of(function.code).cell)

    @staticmethod
    def arm_cell(state: FunctionState) -> None:
        """Point the call cell at the function's current unit (none: zero, the VM
        runs the calls). A T1 unit's calls are sampled, every one at first
        (``NativeBoundary._count_sampled_calls`` widens the period); a T2 unit's
        are not, nor those of a function that stopped tiering (blacklisted): its
        profile no longer decides anything, and a sample costs a trip through
        the VM (a sampled T1 fib ran 1,000 times slower than T2)."""
        cell, unit = state.cell, state.unit
        if unit is not None and not unit.valid:
            raise AssertionError(f"unit {unit.id} is retired: its machine code may be freed")
        cell[rt.CELL_ENTRY] = 0 if unit is None else unit.compiled.entry_address
        final = unit is not None and (unit.tier == 2 or state.state in STOPPED)
        period = rt.NEVER_SAMPLED if final else 1
        cell[rt.SAMPLE_COUNTDOWN] = cell[rt.SAMPLE_PERIOD] = period

    @serialized
    def invalidate(self, unit: Unit, why: str, still_correct: bool = False) -> None:
        """Retire a unit (``why`` completes "which was ...": "replaced"), and the
        units that call it directly: they were compiled against it and would keep
        using it. (Activations already running finish on the old code, which
        stays correct: its guards still hold.) ``still_correct``: it is retired
        for speed (replaced, ran slower, despecialized), no assumption broke, so
        a caller too large to rebuild (``TierPolicy.rebuild_weight``) keeps
        calling it, and ``release_retired`` keeps its code loaded. Otherwise the
        units that keep calling a retired one are retired too."""
        if unit.valid:
            self._retire(unit, why)
        elif still_correct or unit.broken:
            return
        unit.broken = not still_correct
        kept = []
        for caller in self.units:
            if unit.id not in caller.direct_callees or caller.broken or caller is unit:
                continue
            if not caller.valid:   # (retired, kept for a caller of its own: that one goes too)
                if not still_correct:
                    self.invalidate(caller, why)
                continue
            if still_correct and caller.weight > self.policy.rebuild_weight:
                kept.append(caller.id)
                continue
            caller_state = self.state_of(caller.code)
            self.invalidate(caller, f"retired: it calls {unit.code.name}, which was {why}", still_correct)
            caller_state.state = State.INTERPRETED if caller_state.unit is None else caller_state.state
            caller.code.profile.hot_at = caller.code.profile.calls + self.policy.recheck_every
            broken = assumptions.on_unit(caller.assumptions, unit.id)
            self.events.add("invalidated", caller.code.name, tier=f"T{caller.tier}",
                            detail={"reason": f"calls {unit.code.name}, which was {why}", "unit": caller.id,
                                    **({"assumption": broken.text()} if broken else {})})
        if kept:
            self.history.kept_for(unit.id, kept)

    def _retire(self, unit: Unit, why: str) -> None:
        unit.valid = False
        self.history.retire(unit.id, why)
        self.retired.append(unit)
        if unit.region is not None:   # an OSR unit: its loop may reach the OSR mark again
            unit.code.profile.rewind(unit.typed_region_end)
        # Activations already running (an OSR loop calling this unit directly, say)
        # leave native code at their next safepoint, as if interrupted.
        self.vm.request_interrupt(INVALIDATED, only_if_idle=True)
        state = self.state_of(unit.code)
        if state.unit is unit:
            state.unit = None
            self.arm_cell(state)
            unit.code.profile.native = None
        elif unit.region is not None and state.state == State.OPTIMIZED and state.unit is None \
                and not any(other.valid for other in state.units):
            state.state = State.INTERPRETED   # its last OSR loop retired: nothing of it runs natively

    def release_retired(self) -> None:
        """Unload the machine code of retired units, when no native code is running
        (``native_depth`` 0: an activation of a retired unit finishes on its old
        code, so not while one may be on the C stack), except those a valid unit
        still calls directly (``invalidate``: retired for speed, kept for a
        caller too large to rebuild), and the units those call. Their texts stay
        for the views; called before each compile, so what compiling adds, this
        frees. Then they are compacted, and so are the units the compile history
        let go (``jit/compaction.py``)."""
        if self.native_depth == 0:
            called = self._called_directly()
            released = [unit for unit in self.retired if unit.id not in called]
            self.retired = [unit for unit in self.retired if unit.id in called]
            for unit in released:
                unit.entry = None
                unit.compiled.release()
                self.helpers.release(unit.compiled.imports)
            self.compact_released(released)

    @staticmethod
    def runnable(state: FunctionState) -> list[Unit]:
        """The units of a function native code may still run: the valid ones, and
        those retired for speed whose code heavy callers still call (``invalidate``).
        Dropping a function's native code (a breakpoint, a request) drops these."""
        return [unit for unit in state.units if unit.valid or (unit.compiled.loaded and not unit.broken)]

    def _called_directly(self) -> set[int]:
        """The ids of the units valid units call directly, and those they call."""
        called: set[int] = set()
        callers = [unit for unit in self.units if unit.valid]
        while callers:
            new = set().union(*(caller.direct_callees for caller in callers)) - called
            called |= new
            callers = [self.units[i] for i in new if not self.units[i].valid]
        return called

    def _retire_vm_callers(self, unit: Unit) -> None:
        """Units that call ``unit``'s code through its call cell (or the VM) were
        compiled before it had T2 code; retired, they are rebuilt (or re-entered by
        OSR) and call it directly, unboxed. Not the units ``unit`` itself calls
        directly: retiring those would retire it too (mutual recursion keeps one
        call through the cell)."""
        code = unit.code
        for caller in self.units:
            if caller.valid and caller.tier == 2 and id(code) in caller.vm_callees and caller.code is not code \
                    and caller.id not in unit.direct_callees and caller.weight <= self.policy.rebuild_weight:
                self.invalidate(caller, f"retired: {code.name} was compiled", still_correct=True)
                caller_state = self.state_of(caller.code)
                if caller_state.unit is None and caller_state.state in (State.OPTIMIZED, State.BASELINE):
                    caller_state.state = State.INTERPRETED
                caller.code.profile.hot_at = caller.code.profile.calls + self.policy.recheck_every
                self.events.add("invalidated", caller.code.name, tier=f"T{caller.tier}",
                                detail={"reason": f"{code.name} was compiled: call it directly", "unit": caller.id})
