"""Building units: inference (recursion solved from below), lowering, LLVM, and
installing the result; callees first, so calls between units are direct.
Also the units built only to be shown, and their listings."""

from __future__ import annotations

import ctypes
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from types import SimpleNamespace
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, EQUALITY_OPS, ORDERING_OPS, Op
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.jit import assumptions, counts, dicts, elements, history, inlining, listing, strings, texts, tiering
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.background import READY, CompileJob
from ruffdbg.jit.engine import STAGES, CompiledModule, Levels
from ruffdbg.jit.generic_reasons import NOT_RUN
from ruffdbg.jit.generic_transfer import value_call_sites
from ruffdbg.jit.inference import NotCompilable, TypedCode, infer
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.lowering import Lowering, twin_of, twins
from ruffdbg.jit.lowering.builtins import runs_inline
from ruffdbg.jit.lowering.common import DEOPT_CALLBACK, CounterLayout
from ruffdbg.jit.policy import NEVER
from ruffdbg.jit.types import Closures, Kind
from ruffdbg.jit.units import FunctionState, Unit
from ruffdbg.jit.views import GenericSite, State
from ruffdbg.profile.report import execution_counts, ruff_type

# LLVM's -O levels per tier: of the function simplification pipeline
# engine.optimize runs, and of the code generator. T2's passes at -O2, not -O3:
# over the examples' compiles -O3's passes took a fifth longer and fib, loop,
# nested and mandelbrot ran no faster. The code generator at -O3 (-O1 and -O2
# cost the same; LLVM's fast instruction selector at -O3 cost T2's fib30 15 %).
LEVELS = {1: Levels(passes=1, codegen=3), 2: Levels(passes=2, codegen=3)}
# With ``TierPolicy.t1_quick_codegen``, a T1 unit with no loop: code generation
# at -O0 (fast instruction selection, the fast register allocator), about 3x
# faster; the code keeps values on the stack between blocks, which a call pays
# once (a small T1 callee in a hot native loop: 1.5x slower) and a loop every
# iteration (3x slower, hence never for loops). README, Performance.
QUICK_T1 = Levels(passes=1, codegen=0)
OPERATOR_SITES = ARITHMETIC_OPS | ORDERING_OPS | EQUALITY_OPS
# Operand types T1 computes inline at an operator site (int and float in any mix);
# the interpreter's feedback records every other pair (int/int and float/float are
# its fast hits, not in the feedback).
INLINE_OPERANDS = {(left, right) for left in (int, float) for right in (int, float)}
# ... and + of two strings where native code joins them (lowering/strings.py), their
# ordering where it orders them (lowering/texts.py: both TypedCode.strings), and == / !=
# with a string on either side (native at every site: ``_inline_operands``).
STRING_PAIRS = {(str, str)}


def generic_share(code: CodeObject, typed: TypedCode) -> tuple[int, int]:
    """(Instructions T1 would hand to the interpreter, all instructions) as the
    profile saw them run: the generic pcs, and the inline operator sites whose
    operands were not numbers (their slow path is the generic path; mixed int and
    float operands stay inline)."""
    counts = execution_counts(code)
    profile = code.profile
    generic = sum(counts[pc] for pc in typed.generic
                  if not (code.instrs[pc][0] == Op.FOR_ITER and elements.steps_natively(code, pc, typed.tier)))
    for pc, (op, _) in enumerate(code.instrs):
        if pc not in typed.generic and pc not in typed.inlined and op in OPERATOR_SITES \
                and (typed.tier == 1 or pc in typed.slow_paths):   # (an inlined method: structs are its operands)
            generic += sum(n for operands, n in profile.feedback[pc].items()
                           if not _inline_operands(op, pc in typed.strings, operands))
        elif op == Op.INDEX and pc in typed.strings:   # (a string's character: anything else is a slow path)
            generic += counts[pc] - profile.feedback[pc].get((str, int), 0)
    # A builtin called through the runtime (a callback, like the generic path, but
    # with the builtin's own work to do in every tier): half a generic instruction.
    for pc, callee in typed.callees.items():
        if type(callee.function) is Builtin and callee.function.name != "range" and pc not in typed.native_pushes \
                and pc in typed.before and not runs_inline(callee.function, _arguments(typed, pc), typed.tier):
            generic += counts[pc] // 2
    # (an OSR unit: the loop's instructions only)
    return generic, sum(counts[pc] for pc in typed.before) if typed.region is not None else sum(counts)


def _inline_operands(op: int, string_site: bool, operands: tuple) -> bool:
    """Whether an operator site computes these operand types inline (no slow path)."""
    if operands in INLINE_OPERANDS:
        return True
    if op in EQUALITY_OPS:   # (a string against anything: native)
        return str in operands
    return string_site and operands in STRING_PAIRS


def _arguments(typed: TypedCode, pc: int) -> list:
    """The types of the arguments of the CALL at ``pc``."""
    stack = typed.before[pc][1]
    return list(stack[len(stack) - typed.code.instrs[pc][1]:])


def _has_loop(typed: TypedCode) -> bool:
    """Whether the unit's code has a back-edge (an OSR unit is a loop nest)."""
    return typed.region is not None or any(op == Op.JUMP_BACK for op, _ in typed.code.instrs)


def add_stage(ms: dict[str, float], stage: str, value: float) -> None:
    """Add ``value`` ms to a compile's ``stage`` (``engine.STAGES``) and to its total."""
    ms[stage] = round(ms.get(stage, 0.0) + value, 3)
    ms["total"] = round(sum(ms[name] for name in STAGES if name in ms), 3)


@contextmanager
def _young_garbage() -> Iterator[SimpleNamespace]:
    """Python's cyclic garbage collector off while a unit is lowered, then one
    collection of the youngest generation (its time in ``ms``). Lowering makes
    tens of thousands of llvmlite objects (instructions, constants, names) that
    refer to each other, all alive until the IR text is made and garbage right
    after: the collections their allocations triggered found nothing to free,
    promoted them all, and a full collection (every object of the session)
    landed in whichever compile crossed its threshold -- one T1 compile of
    nbody's took 63 ms or 137 ms by that alone. Collected once when dead, they
    never reach an older generation. A host that turned the collector off keeps
    it off (and the IR's objects wait for its next collection)."""
    enabled = gc.isenabled()
    result = SimpleNamespace(ms=0.0)
    gc.disable()
    try:
        yield result
    finally:
        if enabled:
            started = time.perf_counter()
            gc.collect(0)
            result.ms = (time.perf_counter() - started) * 1000
            gc.enable()


class Compiling:
    """(Part of ``Jit``.) Compile, install and show units.

    Uses the Jit's registry (``state_of``, ``units``, ``invalidate``,
    ``_retire_vm_callers``), ``runtime`` (the addresses lowering bakes in),
    ``stable_param_types``, ``call``, and the inference scratch state
    (``_inferring``, ``_assumed_returns``, ``_compiling``).
    """

    @serialized
    def compile(self, code: CodeObject, param_types: tuple[str, ...], tier: int = 2, forced: bool = False,
                trigger: str | None = None, background: bool = False) -> Unit | None:
        """Compile and install a unit; None if the code cannot run at that tier.

        Only a T1 failure makes the function "not compilable": whatever T2
        cannot do is what T1 is for. T1 compiles every opcode, but a function
        whose profile shows it would spend its time on T1's generic path stays
        at T0 (unless ``forced``), with the reason. ``trigger`` says why it is
        compiled, for the compile history (default: worked out here).

        ``background``: inference and lowering happen now, the LLVM stages on
        the compiler thread (``jit/background.py``); the unit returned is not
        installed yet (``state.pending``): ``install_ready`` does that at the
        function's next entry once it is ready.
        """
        state = self.state_of(code)
        if state.held or self.stepping:
            return None
        try:
            started = time.perf_counter()
            if tier == 1:
                if state.ran_slower is not None and not forced:   # (judged on its native run: no inference)
                    state.reason = state.ran_slower
                    return None
                typed = infer(code, param_types, self._lookup, self._return_type_of, tier=1,
                              **self.policy.unit_limits)
                infer_ms = (time.perf_counter() - started) * 1000
                slower = None if forced else tiering.t1_slower(*generic_share(code, typed), self.policy)
                if slower is not None:
                    state.reason = slower
                    return None
            elif param_types in state.t2_refused and not forced:
                return None   # (not compilable, or ran slower, for these types: judge_native_run)
            else:
                typed = self._infer(code, param_types)
                infer_ms = (time.perf_counter() - started) * 1000
                slower = None if forced else tiering.t1_slower(*generic_share(code, typed), self.policy, 2,
                                                               "T1" if state.tier == "T1" else "T0")
                if slower is not None:   # (not refused for good: looked at again as the profile grows)
                    state.t2_refusal = slower
                    state.reason = slower if state.tier == "T1" else state.reason
                    return None
                self._compile_callees(typed)
            job = self._lower(typed, tier, trigger or self._trigger(code, forced), infer_ms)
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
        self.cancel_pending(state, "replaced by a newer compile")
        if background:
            state.pending = job
            code.profile.hot_at = NEVER   # (until the job is ready: _wake)
            job.on_ready = partial(self._wake, state, code.profile, job)
            self.compiler.submit(job)
            return job.unit
        job.run()
        if job.error is not None:
            raise self._failed(job)
        return self._install(self._link(job))

    def _install(self, unit: Unit) -> Unit | None:
        """Make a linked whole-function unit the function's code (None: it was
        born retired, or retiring its VM callers retired it)."""
        code, tier, state = unit.code, unit.tier, self.state_of(unit.code)
        if not unit.valid:
            return None
        if tier == 2:   # (a T2 caller binds directly only to T2 units: rebuilding it for a T1 one gains nothing)
            self._retire_vm_callers(unit)
        if state.unit is not None:
            self.invalidate(state.unit, "replaced", still_correct=True)   # (a T1 unit re-specialized to T2)
        if not unit.valid:
            # Retiring those retired a unit it calls directly, so it too: mutual
            # recursion bound directly (its next build calls through the cell).
            return None
        installing = time.perf_counter()
        state.unit = unit
        self.arm_cell(state)
        state.units.append(unit)
        state.state = State.OPTIMIZED if tier == 2 else State.BASELINE
        unit.interpreted_from_t0 = tiering.short_method(code, self.policy.short_method)
        state.reason = state.t2_refusal if tier == 1 else unit.interpreted_from_t0
        code.profile.native = partial(self.call, unit)
        add_stage(unit.compiled.ms, "install", (time.perf_counter() - installing) * 1000)
        self._compiled_event(unit)
        self.events.add("tier-up", code.name, tier=f"T{tier}", detail={"calls": code.profile.calls})
        return unit

    @serialized
    def _wake(self, state: FunctionState, profile: Any, job: CompileJob) -> None:
        """(Compiler thread, ``job`` ready.) The function's next call goes to ``on_hot``,
        which installs the unit: one word written, which the interpreter polls at
        every call anyway. Under the lock, and only while the job is still the one
        pending, so it never races ``_on_hot`` deciding about the same job."""
        if state.pending is job:
            profile.hot_at = 0

    @serialized
    def install_ready(self, code: CodeObject) -> Unit | None:
        """At the function's entry (VM thread): install its background compile if
        it is ready and still sound. None when there is nothing to install (none
        pending, still compiling, or refused: then it may tier up again later)."""
        state = self.state_of(code)
        job = state.pending
        if job is None or job.state != READY:
            return None
        state.pending = None
        if job.error is not None:
            raise self._failed(job)
        why = job.cancelled or (state.held or ("a debugger step is under way" if self.stepping else None))
        unit = self._link(job, refused=why)
        installed = self._install(unit) if why is None else None
        if installed is None:
            code.profile.hot_at = code.profile.calls + self.policy.recheck_every
        return installed

    @serialized
    def cancel_pending(self, state: FunctionState, why: str, loops: bool = False) -> None:
        """The function's background compile (and its loops', with ``loops``) must
        not be installed (``why``): its assumptions broke, or something newer
        replaced it."""
        holders = [state, *(state.osr_sites.values() if loops else ())]
        for holder in holders:
            if holder.pending is not None:
                holder.pending.cancelled = why
                self.abandoned.append(holder.pending)   # (linked and released once ready: _sweep_abandoned)
                holder.pending = None

    def _sweep_abandoned(self) -> None:
        """Cancelled background compiles that are ready: into the history as
        retired (why), their machine code released with the other retired units'."""
        for job in [job for job in self.abandoned if job.state == READY]:
            self.abandoned.remove(job)
            if job.error is None:
                self._link(job, refused=job.cancelled)
            else:
                self._failed(job)

    def _failed(self, job: CompileJob) -> BaseException:
        """A compile that failed (its error, to raise): its unit is never installed,
        and whatever of it LLVM had linked is released with the retired units'."""
        self.retired.append(job.unit)
        return job.error

    def _compile_callees(self, typed: TypedCode) -> None:
        """Compile the functions a unit calls first (when their profile is stable),
        so the unit can call them natively instead of through the interpreter."""
        for pc, callee in typed.callees.items():
            if type(callee.function) not in (Function, Closures) or pc in typed.inlined:   # (an inlined method is not called)
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
                typed = infer(code, arg_types, self._lookup, self._return_type_of, constant_of=self._constant_global,
                              **self.policy.unit_limits)
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

    def _constant_global(self, name: str) -> Any:
        """The value of an immutable (let/const) global, else None: T2 may bake it in."""
        return self.vm.globals.get(name) if self.vm.global_kinds.get(name) in ("let", "const") else None

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
                            **({"cached": True} if unit.compiled.cached else {}),
                            **{f"{stage}_ms": ms for stage, ms in unit.compiled.ms.items()}})

    def _record(self, unit: Unit, typed: TypedCode, trigger: str | None) -> None:
        """Add the compile to the history (what it was; its state is derived later)."""
        code, region = typed.code, typed.region
        if trigger == "display":
            kind, loop_line = "display", None
        elif region is not None:
            kind, loop_line = "osr", code.lines[region.header]
            if trigger is None:
                trigger = f"OSR at iteration {code.profile.count(unit.typed_region_end)}"
                if region.entry_pc != region.header:   # (the loop nest around the hot loop)
                    trigger += f" of the loop at line {code.lines[region.entry_pc]}"
                previous = self.history.last(id(code), ("osr",))
                if previous is not None and previous.loop_line == loop_line and previous.retired is not None:
                    trigger += f" (#{previous.id} retired: {previous.retired})"
        else:
            kind, loop_line = "whole", None
        if region is not None:
            names = [*code.local_names, *region.promoted]
            slots = typed.before.get(region.entry_pc, ((), ()))[0]   # the types it was entered with
            # (null: a local of a block not entered yet, as often as a null value)
            types = tuple(f"{n}: {t}" for n, t in zip(names, slots) if t not in (Kind.UNSET, Kind.BOTTOM, Kind.NULL))
        else:
            types = tuple(f"{p}: {t}" for p, t in zip(code.params, typed.param_types))
        self.history.add(history.CompileRecord(unit.id, id(code), code.name, unit.tier, kind, loop_line,
                                               trigger or "compiled", types, unit.return_type,
                                               unit.compiled.ms, unit))

    def _build(self, typed: TypedCode, tier: int, trigger: str | None = None, infer_ms: float = 0.0) -> Unit:
        """Lower, optimize and link one unit, now (``trigger``: why, for the history;
        "display" for a unit built only to be shown; ``infer_ms``: the time its
        inference took, for the stage times)."""
        job = self._lower(typed, tier, trigger, infer_ms)
        job.run()
        if job.error is not None:
            raise self._failed(job)
        return self._link(job)

    def _lower(self, typed: TypedCode, tier: int, trigger: str | None, infer_ms: float) -> CompileJob:
        """Lower one unit to IR and reserve its id (its place in ``units``, not
        valid until ``_link``): what is left, the LLVM stages, is a job."""
        code = typed.code
        self.sweep_unreachable()
        self._sweep_abandoned()   # (before release_retired: what it retires is released at once)
        self.release_retired()
        unit_id = len(self.units)
        layout = CounterLayout.for_code(len(code.instrs), len(code.params))
        counters = (ctypes.c_int64 * layout.words)()
        self._direct_callees, self._vm_callees = set(), set()
        # An OSR loop's promoted globals live here across its calls (lowering/calls.py)
        home = (ctypes.c_int64 * (2 * len(typed.region.promoted)))() if typed.region is not None else None
        options = dict(cell_address=ctypes.addressof(self.state_of(code).cell),
                       promoted_home=ctypes.addressof(home) if home else 0)
        self_calls = sum(getattr(callee.function, "code", None) is code for callee in typed.callees.values())
        recursive = (tier == 2 and typed.region is None and self_calls
                     and len(code.instrs) * self_calls <= twins.MAX_TWINNED_WEIGHT)
        # Recursive inlining: a T2 function that calls itself calls its twin instead,
        # the same code (same guards, counters and exits) calling it back, which LLVM
        # inlines; every other level of the recursion is then inline (what gcc -O2
        # does to fib), and a deopt in the twin still finds its frame on the shadow stack.
        helpers_before = self.helpers.build_ms
        with _young_garbage() as collected:
            lowered = Lowering(typed, unit_id, tier, self.runtime, ctypes.addressof(counters), layout,
                               twin=recursive, **options).lower()
        lowered.build_ms += collected.ms   # (freeing the IR's objects is part of building it)
        helpers_ms = self.helpers.build_ms - helpers_before   # (the shared helpers it was the first to need)
        compiled = CompiledModule(lowered.ir_text, self._levels(typed, tier), lowered.build_ms - helpers_ms,
                                  twin_of(lowered) if recursive else None, lowered.imports, self.code_cache,
                                  (lowered.unit_name, lowered.entry_name))
        if helpers_ms:
            add_stage(compiled.ms, "helpers", helpers_ms)
        self.helpers.acquire(lowered.imports)   # (released with its machine code: release_retired)
        unit = Unit(unit_id, code, tier, typed.param_types, typed.return_type or Kind.NULL, lowered.guards,
                    compiled, counters, layout, lowered.sites, direct_callees=self._direct_callees,
                    vm_callees=self._vm_callees, exit_blocks=lowered.exit_blocks, home=home, valid=False,
                    exit_tails=lowered.exit_tails, stable_arrays=lowered.stable_arrays)
        unit.generic_sites = tuple(GenericSite(pc, code.lines[pc], why) for pc, why in sorted(typed.generic_reasons.items()))
        # (notes the views list per site)
        unit.inline_sites = inlining.sites(typed) + strings.sites(typed) + dicts.sites(typed) + value_call_sites(typed)
        unit.judge_at = self.policy.t1_judge_callbacks
        self.units.append(unit)
        return CompileJob(unit, [lowered.unit_name, lowered.entry_name], typed, trigger, infer_ms)

    def _levels(self, typed: TypedCode, tier: int) -> Levels:
        """What LLVM is asked for, for this unit (``LEVELS``, ``QUICK_T1``)."""
        if tier == 1 and self.policy.t1_quick_codegen and not _has_loop(typed):
            return QUICK_T1
        return LEVELS[tier]

    def judge_native_run(self, unit: Unit) -> None:
        """The cost rule ``compile`` applied to the profile, applied again to the
        unit's own native run (its trips through the generic path against the
        instructions it ran): a unit that runs slower than the tier below is
        retired -- its activations leave at their next safepoint, which
        ``invalidate`` asks for -- and not built again: a T1 unit's function
        stays at T0 (an OSR loop may still take its loops to T2), a T2 unit's
        types (or its OSR loop) stay below T2."""
        unit.judge_at *= 2
        if not unit.valid:
            return
        ran = sum(counts.unit_counts(self.units)[unit.id].flow)
        state = self.state_of(unit.code)
        below = "T1" if unit.tier == 2 and state.tier == "T1" and unit.region is None else "T0"
        slower = tiering.t1_slower(unit.callbacks, ran, self.policy, unit.tier, below, evidence=0)
        if slower is None:
            return
        slower = slower.replace("would be slower", "ran slower").replace("would take", "took")
        again = self._compile_again(unit, state)
        if again:
            slower = slower.replace("kept at T0: ", "") + "; to be compiled again: some of its sites had not run"
        self.events.add("invalidated", unit.code.name, tier=f"T{unit.tier}",
                        detail={"reason": slower, "unit": unit.id})
        self.invalidate(unit, "retired: it ran slower than the tier below", still_correct=True)
        if again:
            state.reason = slower
            return
        if unit.region is not None:
            state.osr_refused.add(unit.region.header)
        elif unit.tier == 2:
            state.t2_refused.add(unit.param_types)
            state.t2_refusal = slower
        else:
            state.ran_slower = slower
            if state.state not in tiering.STOPPED:
                state.state = State.INTERPRETED
        state.reason = slower

    @staticmethod
    def _compile_again(unit: Unit, state: Any) -> bool:
        """Whether a T2 unit that ran slower gets one more compile rather than a
        refusal for good: when some of its generic sites had not run when it was
        compiled (an OSR loop entered in its first iterations: a dict's update
        branch had only ever inserted), they have run since, at T0, and a compile
        from the profile as it is now makes them native. Once per loop or types."""
        key = unit.region.header if unit.region is not None else unit.param_types
        unprofiled = any(NOT_RUN in site.reason for site in unit.generic_sites)
        if unit.tier != 2 or not unprofiled or key in state.rejudged:
            return False
        state.rejudged.add(key)
        return True

    def _link(self, job: CompileJob, refused: str | None = None) -> Unit:
        """A job's unit, its machine code generated: given its entry, made valid
        unless a unit it calls directly was retired meanwhile (the debugger's hold
        runs on the UI thread; a background compile takes a while) or it was
        ``refused`` (why it is not installed), and added to the history."""
        linking = time.perf_counter()
        unit, typed, compiled = job.unit, job.typed, job.unit.compiled
        if compiled.generated:   # (else cancelled before the compiler thread took it)
            unit.entry = rt.ENTRY(compiled.addresses[job.symbols[1]])
        unit.assumptions = assumptions.collect(typed, unit.guards, [self.units[i] for i in sorted(unit.direct_callees)],
                                               unit.stable_arrays)
        unit.valid = refused is None and all(self.units[callee].valid for callee in unit.direct_callees)
        add_stage(compiled.ms, "infer", job.infer_ms)
        add_stage(compiled.ms, "install", (time.perf_counter() - linking) * 1000)
        if "queued" in job.times:   # (not a stage: how long it waited for the compiler thread)
            compiled.ms["waited"] = round(job.waited_ms, 3)
        self._record(unit, typed, job.trigger)
        if refused is not None:
            self.history.retire(unit.id, f"not installed: {refused}")
            self.retired.append(unit)
        elif typed.region is not None and job.trigger != "display" and unit.valid:
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
            if unit.region is not None and (unit.valid or not loops.get(unit.region.entry_pc, unit).valid):
                loops[unit.region.entry_pc] = unit
        if not loops:
            raise LookupError("top-level code runs natively only in OSR loops, and none of its loops got hot")
        return [loops[header] for header in sorted(loops)]

    def _display_only(self, unit: Unit) -> Unit:
        """A unit compiled to be shown never runs: marked retired, no caller
        bookkeeping or event ever concerns it, and its machine code is released
        with the retired units' (its views read its texts)."""
        unit.valid = False
        self.retired.append(unit)
        return unit

    def native_lines(self, unit: Unit, kind: str, raw: bool = False) -> list:
        """A unit's IR (optimized, or ``raw``) or assembly (``kind`` "asm") as
        ``texts.TextLine`` rows that say where they come from and what they are."""
        compiled = unit.compiled
        if kind == "asm":
            return listing.annotate_asm(texts.asm_lines(compiled.assembly), DEOPT_CALLBACK)
        return listing.annotate_ir(texts.ir_lines(compiled.ir_before if raw else compiled.ir_after), unit.exit_blocks,
                                   unit.exit_tails)
