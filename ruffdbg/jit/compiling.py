"""Building units: inference (recursion solved from below), lowering, LLVM, and
installing the result; callees first, so calls between units are direct.
Also the units built only to be shown, and their listings."""

from __future__ import annotations

import ctypes
from functools import partial
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, EQUALITY_OPS, ORDERING_OPS
from ruffdbg.core.objects import Function
from ruffdbg.jit import assumptions, history, listing, texts, tiering
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.engine import compile_module
from ruffdbg.jit.inference import NotCompilable, TypedCode, infer
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.lowering import Lowering, twin_of
from ruffdbg.jit.lowering.common import CounterLayout
from ruffdbg.jit.policy import NEVER
from ruffdbg.jit.types import Kind
from ruffdbg.jit.units import Unit
from ruffdbg.jit.views import GenericSite, State
from ruffdbg.profile.report import execution_counts, ruff_type

OPT_LEVEL = {1: 1, 2: 3}
OPERATOR_SITES = ARITHMETIC_OPS | ORDERING_OPS | EQUALITY_OPS


def generic_share(code: CodeObject, typed: TypedCode) -> tuple[int, int]:
    """(Instructions T1 would hand to the interpreter, all instructions) as the
    profile saw them run: the generic pcs, and the inline operator sites whose
    operands were not numbers (their slow path is the generic path)."""
    counts = execution_counts(code)
    profile = code.profile
    generic = sum(counts[pc] for pc in typed.generic)
    for pc, (op, _) in enumerate(code.instrs):
        if pc not in typed.generic and op in OPERATOR_SITES and (typed.tier == 1 or pc in typed.slow_paths):
            generic += sum(profile.feedback[pc].values())
    # (an OSR unit: the loop's instructions only)
    return generic, sum(counts[pc] for pc in typed.before) if typed.region is not None else sum(counts)


class Compiling:
    """(Part of ``Jit``.) Compile, install and show units.

    Uses the Jit's registry (``state_of``, ``units``, ``invalidate``,
    ``_retire_vm_callers``), ``runtime`` (the addresses lowering bakes in),
    ``stable_param_types``, ``call``, and the inference scratch state
    (``_inferring``, ``_assumed_returns``, ``_compiling``).
    """

    @serialized
    def compile(self, code: CodeObject, param_types: tuple[str, ...], tier: int = 2, forced: bool = False,
                trigger: str | None = None) -> Unit | None:
        """Compile and install a unit; None if the code cannot run at that tier.

        Only a T1 failure makes the function "not compilable": whatever T2
        cannot do is what T1 is for. T1 compiles every opcode, but a function
        whose profile shows it would spend its time on T1's generic path stays
        at T0 (unless ``forced``), with the reason. ``trigger`` says why it is
        compiled, for the compile history (default: worked out here).
        """
        state = self.state_of(code)
        if state.held or self.stepping:
            return None
        try:
            if tier == 1:
                typed = infer(code, param_types, self._lookup, self._return_type_of, tier=1)
                slower = None if forced else tiering.t1_slower(*generic_share(code, typed), self.policy)
                if slower is not None:
                    state.reason = slower
                    return None
            else:
                typed = self._infer(code, param_types)
                slower = None if forced else tiering.t1_slower(*generic_share(code, typed), self.policy, 2,
                                                               "T1" if state.tier == "T1" else "T0")
                if slower is not None:   # (not refused for good: looked at again as the profile grows)
                    state.t2_refusal = slower
                    state.reason = slower if state.tier == "T1" else state.reason
                    return None
                self._compile_callees(typed)
            unit = self._build(typed, tier, trigger or self._trigger(code, forced))
            if not unit.valid:
                return None
        except NotCompilable as why:
            if tier == 2:
                state.t2_refusal = why.reason
                state.t2_refused.add(param_types)   # not tried again for these types
                self.events.add("not-compilable", code.name, tier="T2", line=why.line, detail={"reason": why.reason})
                return None
            state.state, state.reason = State.NOT_COMPILABLE, why.reason
            code.profile.hot_at = NEVER
            self.events.add("not-compilable", code.name, tier="T1", line=why.line, detail={"reason": why.reason})
            return None
        if tier == 2:   # (a T2 caller binds directly only to T2 units: rebuilding it for a T1 one gains nothing)
            self._retire_vm_callers(unit)
        if state.unit is not None:
            self.invalidate(state.unit, "replaced")   # (a T1 unit re-specialized to T2)
        if not unit.valid:
            # Retiring those retired a unit it calls directly, so it too: mutual
            # recursion bound directly (its next build calls through the cell).
            return None
        state.unit = unit
        self.arm_cell(state)
        state.units.append(unit)
        state.state = State.OPTIMIZED if tier == 2 else State.BASELINE
        state.reason = state.t2_refusal if tier == 1 else None
        code.profile.native = partial(self.call, unit)
        self._compiled_event(unit)
        self.events.add("tier-up", code.name, tier=f"T{tier}", detail={"calls": code.profile.calls})
        return unit

    def _compile_callees(self, typed: TypedCode) -> None:
        """Compile the functions a unit calls first (when their profile is stable),
        so the unit can call them natively instead of through the interpreter."""
        for callee in typed.callees.values():
            if type(callee.function) is not Function:
                continue
            code = callee.function.code
            state = self.state_of(code)
            if code is typed.code or state.unit is not None or state.state in (State.BLACKLISTED, State.NOT_COMPILABLE):
                continue
            if code.profile is None or id(code) in self._compiling:
                continue
            param_types = self.stable_param_types(code)
            if param_types is not None:
                self._compiling.add(id(code))
                try:
                    self.compile(code, param_types, trigger=f"called by {typed.code.name}, compiled first")
                finally:
                    self._compiling.discard(id(code))

    def _infer(self, code: CodeObject, arg_types: tuple[str, ...]) -> TypedCode:
        """Types of ``code`` for these argument types, recursion solved from below.

        While a function is being inferred, a call to itself returns the type
        assumed so far ("bottom" at first: that path is ignored), and inference
        repeats until the assumption holds. For fib: ``return n`` gives int,
        then ``fib(n - 1) + fib(n - 2)`` is int + int.
        """
        key = (id(code), arg_types)
        if key in self._inferring:
            return TypedCode(code, arg_types, return_type=self._assumed_returns.get(key, Kind.BOTTOM))
        self._inferring.add(key)
        try:
            for _ in range(4):
                typed = infer(code, arg_types, self._lookup, self._return_type_of)
                if self._assumed_returns.get(key) == typed.return_type:
                    break
                self._assumed_returns[key] = typed.return_type
            return typed
        finally:
            self._inferring.discard(key)

    def _return_type_of(self, function: Function, arg_types: tuple[str, ...]) -> str | None:
        try:
            return self._infer(function.code, arg_types).return_type
        except NotCompilable:
            return None

    def _lookup(self, name: str) -> Any:
        value = self.vm.globals.get(name)
        return value if value is not None else self.vm.builtins.get(name)

    def _trigger(self, code: CodeObject, forced: bool) -> str:
        """Why ``code`` is compiled now, in words, for the compile history."""
        if forced:
            return "forced by user"
        calls = code.profile.calls if code.profile is not None else 0
        previous = self.history.last(id(code))
        if previous is not None and previous.retired is not None:
            return f"rebuilt after {calls} calls (#{previous.id} retired: {previous.retired})"
        if self.state_of(code).loop_hot:
            return f"tier-up after {calls} calls (its loop ran natively)"
        return f"tier-up after {calls} calls"

    def _compiled_event(self, unit: Unit, region: Any = None) -> None:
        """The ``compiled`` event, naming the compile (``region``: an OSR unit's loop)."""
        record = self.history.get(unit.id)
        code = unit.code
        self.events.add("compiled", code.name, tier=f"T{unit.tier}",
                        pc=region.header if region is not None else None,
                        line=record.loop_line if record is not None else None, detail={
                            "types": ", ".join(record.types) if record is not None else "()",
                            "compile": unit.id, "kind": record.kind if record is not None else "whole",
                            **{f"{stage}_ms": ms for stage, ms in unit.compiled.ms.items()}})

    def _record(self, unit: Unit, typed: TypedCode, trigger: str | None) -> None:
        """Add the compile to the history (what it was; its state is derived later)."""
        code, region = typed.code, typed.region
        if trigger == "display":
            kind, loop_line = "display", None
        elif region is not None:
            kind, loop_line = "osr", code.lines[region.header]
            if trigger is None:
                trigger = f"OSR at iteration {code.profile.count(region.end)}"
                previous = self.history.last(id(code), ("osr",))
                if previous is not None and previous.loop_line == loop_line and previous.retired is not None:
                    trigger += f" (#{previous.id} retired: {previous.retired})"
        else:
            kind, loop_line = "whole", None
        if region is not None:
            names = [*code.local_names, *region.promoted]
            slots = typed.before.get(region.header, ((), ()))[0]   # the types it was entered with
            # (null: a local of a block not entered yet, as often as a null value)
            types = tuple(f"{n}: {t}" for n, t in zip(names, slots) if t not in (Kind.UNSET, Kind.BOTTOM, Kind.NULL))
        else:
            types = tuple(f"{p}: {t}" for p, t in zip(code.params, typed.param_types))
        self.history.add(history.CompileRecord(unit.id, id(code), code.name, unit.tier, kind, loop_line,
                                               trigger or "compiled", types, unit.return_type,
                                               unit.compiled.ms, unit))

    def _build(self, typed: TypedCode, tier: int, trigger: str | None = None) -> Unit:
        """Lower, optimize and link one unit (``trigger``: why, for the history;
        "display" for a unit built only to be shown)."""
        code = typed.code
        self.release_retired()
        unit_id = len(self.units)
        layout = CounterLayout.for_code(len(code.instrs), len(code.params))
        counters = (ctypes.c_int64 * layout.words)()
        self._direct_callees, self._vm_callees = set(), set()
        # An OSR loop's promoted globals live here across its calls (lowering/calls.py)
        home = (ctypes.c_int64 * (2 * len(typed.region.promoted)))() if typed.region is not None else None
        options = dict(cell_address=ctypes.addressof(self.state_of(code).cell),
                       promoted_home=ctypes.addressof(home) if home else 0)
        recursive = tier == 2 and typed.region is None and any(
            getattr(callee.function, "code", None) is code for callee in typed.callees.values())
        # Recursive inlining: a T2 function that calls itself calls its twin instead,
        # the same code (same guards, counters and exits) calling it back, which LLVM
        # inlines; every other level of the recursion is then inline (what gcc -O2
        # does to fib), and a deopt in the twin still finds its frame on the shadow stack.
        lowered = Lowering(typed, unit_id, tier, self.runtime, ctypes.addressof(counters), layout,
                           twin=recursive, **options).lower()
        compiled = compile_module(lowered.ir_text, OPT_LEVEL[tier], [lowered.unit_name, lowered.entry_name], [],
                                  lowered.build_ms, twin=twin_of(lowered) if recursive else None)
        unit = Unit(unit_id, code, tier, typed.param_types, typed.return_type or Kind.NULL, lowered.guards,
                    compiled, counters, layout, lowered.sites, direct_callees=self._direct_callees,
                    vm_callees=self._vm_callees, exit_blocks=lowered.exit_blocks, home=home)
        unit.entry = rt.ENTRY(compiled.addresses[lowered.entry_name])
        unit.assumptions = assumptions.collect(typed, lowered.guards, [self.units[i] for i in sorted(unit.direct_callees)])
        unit.generic_sites = tuple(GenericSite(pc, code.lines[pc], why) for pc, why in sorted(typed.generic_reasons.items()))
        self.units.append(unit)
        # A callee retired while this unit was being built (the debugger's hold runs
        # on the UI thread) would otherwise stay wired into it: the unit is born retired.
        unit.valid = all(self.units[callee].valid for callee in unit.direct_callees)
        self._record(unit, typed, trigger)
        if typed.region is not None and trigger != "display" and unit.valid:
            self._compiled_event(unit, typed.region)   # (a whole unit's event comes once it is installed)
        return unit

    @serialized
    def unit_for_display(self, code: CodeObject, tier: int = 2) -> Unit:
        """The function's latest unit of ``tier``, or one compiled now from its profile
        (dominant types, stable or not) without installing it. Raises NotCompilable,
        or LookupError when the function never ran."""
        units = [unit for unit in self.state_of(code).units if unit.tier == tier]
        whole = [unit for unit in units if unit.region is None]
        if whole or units:   # (a function's own compile before one of its loops)
            return (whole or units)[-1]
        state = self.state_of(code)
        if tier == 1:   # no speculation: nothing to take from the profile, so built once
            if state.display_t1 is None:
                dyn = (Kind.DYN,) * len(code.params)
                state.display_t1 = self._display_only(
                    self._build(infer(code, dyn, self._lookup, self._return_type_of, tier=1), 1, "display"))
            return state.display_t1
        if code.profile is None or code.profile.calls == 0:
            raise LookupError(f"{code.name} never ran, so there is no type profile to compile it from")
        types = []
        for name, seen in zip(code.params, code.profile.arg_types):
            if not seen:
                raise LookupError(f"{code.name}'s argument {name} has no type profile (it ran only in native code)")
            types.append(tiering.native_type(ruff_type(max(seen.items(), key=lambda item: item[1])[0])))
        # One display compile per set of types: every view of it (IR before and
        # after optimization, assembly) shows that same compile.
        shown = self.history.display_unit(id(code), tier, tuple(types))
        return shown or self._display_only(self._build(self._infer(code, tuple(types)), tier, "display"))

    def loop_units(self, code: CodeObject) -> list[Unit]:
        """The OSR unit of each of ``code``'s loops that went native (the current one,
        else the newest), in source order: all the native code top-level code has."""
        loops: dict[int, Unit] = {}
        for unit in self.state_of(code).units:
            if unit.region is not None and (unit.valid or not loops.get(unit.region.header, unit).valid):
                loops[unit.region.header] = unit
        if not loops:
            raise LookupError("top-level code runs natively only in OSR loops, and none of its loops got hot")
        return [loops[header] for header in sorted(loops)]

    @staticmethod
    def _display_only(unit: Unit) -> Unit:
        """A unit compiled to be shown never runs: marked retired, no caller
        bookkeeping or event ever concerns it."""
        unit.valid = False
        return unit

    def native_lines(self, unit: Unit, kind: str, raw: bool = False) -> list:
        """A unit's IR (optimized, or ``raw``) or assembly (``kind`` "asm") as
        ``texts.TextLine`` rows that say where they come from and what they are."""
        compiled = unit.compiled
        if kind == "asm":
            return listing.annotate_asm(texts.asm_lines(compiled.assembly), self.runtime.deopt)
        return listing.annotate_ir(texts.ir_lines(compiled.ir_before if raw else compiled.ir_after), unit.exit_blocks)
