"""The JIT: decides what to compile, owns native units, handles deopts.

The interpreter asks ``on_hot(code)`` when a function's call count reaches its
``hot_at`` mark, and calls ``profile.native(args)`` when a function has native
code (the ``vm.hooks.TierHooks`` protocol). ``Jit`` is a façade over its parts,
each a mixin in its own module sharing the state set up here and the one lock
(``lock.serialized``):

- ``units.UnitRegistry``: function states, units, the globals table, invalidation;
- ``compiling.Compiling``: inference, lowering, LLVM, installing; display-only units;
- ``deopt.NativeBoundary``: calling native code, its deopt/call callbacks, deopt policy;
- ``osr.OsrEntry``: entering a hot loop natively;
- ``reclaim.Reclaiming``: retiring the units of functions nothing can call any more;
- ``compaction.Compacting``: compacting the units the compile history let go;
- here: the tier decisions carried out (decided by ``tiering``), the user's
  controls, the debugger's hold/stepping, and ``info`` for views (``views``).
"""

from __future__ import annotations

import ctypes
import threading
import time
from functools import partial
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.events import EventLog
from ruffdbg.jit import counts
from ruffdbg.jit import runtime as rt
from ruffdbg.jit import tiering
from ruffdbg.jit.background import COMPILING, QUEUED, CompilerThread
from ruffdbg.jit.compaction import Compacting
from ruffdbg.jit.compiling import Compiling
from ruffdbg.jit.deopt import NativeBoundary
from ruffdbg.jit.helpers import SharedHelpers
from ruffdbg.jit.history import History
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.lowering import RuntimeAddresses
from ruffdbg.jit.osr import OsrEntry
from ruffdbg.jit.policy import NEVER, TierPolicy
from ruffdbg.jit.reclaim import Reclaiming
from ruffdbg.jit.types import Kind
from ruffdbg.jit.units import FunctionState, Unit, UnitRegistry
from ruffdbg.jit.views import CompileStats, GuardStats, JitInfo, State
from ruffdbg.profile import report
from ruffdbg.profile.ics import caches_for
from ruffdbg.profile.report import ruff_type


class Jit(UnitRegistry, Compiling, NativeBoundary, OsrEntry, Reclaiming, Compacting):
    def __init__(self, vm: Any, policy: TierPolicy, events: EventLog):
        self.vm = vm
        self.policy = policy
        self.events = events
        self.ctx = rt.NativeContext(vm.max_depth)
        self.handles = rt.Handles(self.ctx.words)
        self.units: list[Unit] = []
        self.retired: list[Unit] = []                    # invalidated, machine code not yet released
        self.history = History()                         # every compile, bounded (jit/history.py)
        self.states: dict[int, FunctionState] = {}     # id(code) -> state
        self.global_slots: dict[str, int] = {}
        self.struct_words: dict[str, Any] = {}   # struct name -> ctypes word: id() of its current shape
        self.helpers = SharedHelpers()                   # the native helpers units share (jit/helpers.py)
        self._handle_put = self.handles.put      # (one bound method: native struct literals call it)
        self._push_in_place = self.push_in_place   # (one bound method: native pushes call it)
        self.pending: BaseException | None = None
        self.pending_pc: int | None = None   # where an OSR loop's generic op raised ``pending``
        self.native_depth = 0                            # nesting of native entries (Python-side)
        self._inferring: set = set()
        self._compiling: set = set()
        self._direct_callees: set = set()
        self._vm_callees: set = set()
        self.osr_frames: list = []   # (frame, stack level) of frames whose loop runs natively
        self.standing_in: dict[int, str] = {}   # id of a frame an op callback runs for a native one -> its tier
        self.promoted_homes: list = []   # osr.Home of each running OSR loop that keeps globals in registers
        self.stepping = False        # a debugger step runs: everything stays in the interpreter
        # What the sampling profiler (vm/sampler.py) cannot see from the frames: the
        # function being compiled, and the callbacks native code is in (timing depth, unit id).
        self.compiling: CodeObject | None = None
        self.runtime_marks: list[tuple[int, int]] = []
        self.python_before: tuple[int, CodeObject, int] | None = None   # what native code last waited on, till when
        self._lock = threading.RLock()
        # Background compilation (jit/background.py): off, every compile runs on the
        # VM thread as it happens (the default: see TierPolicy.background).
        self.compiler = CompilerThread()
        self.abandoned: list = []   # cancelled background compiles, released once ready
        self.code_cache: Any = None   # jit.codecache.CodeCache machine code is kept in (None: not kept)
        self._init_reclaiming()      # what nothing can call any more (jit/reclaim.py)
        self._assumed_returns: dict = {}
        self._deopt_callback = rt.DEOPT_CALLBACK(self._on_deopt)
        self._call_callback = rt.CALL_CALLBACK(self._on_call)
        self._op_callback = rt.OP_CALLBACK(self._on_op)
        self.runtime = RuntimeAddresses(
            deopt=ctypes.cast(self._deopt_callback, ctypes.c_void_p).value,
            call=ctypes.cast(self._call_callback, ctypes.c_void_p).value,
            op=ctypes.cast(self._op_callback, ctypes.c_void_p).value,
            ctx=self.ctx.address,
            shadow=ctypes.addressof(self.ctx.shadow),
            cells=ctypes.addressof(self.ctx.cells),
            buffer=ctypes.addressof(self.ctx.buffer),
            max_depth=vm.max_depth,
            function_ids=self.handles.function_id,
            constant_ids=self.handles.constant_id,
            global_word=self.global_word,
            native_target=self.native_target,
            call_cell=self.call_cell,
            struct_word=self.struct_word,
            handle_put=self._handle_put,
            push_in_place=self._push_in_place,
            handles=self.handles,
            constants=self.handles.constants,
            helpers=self.helpers,
        )

    def push_in_place(self, array: Any, value: Any, where: int) -> None:
        """A native push's slow path for an array its frame owns (called from native
        code under the GIL, ``lowering/arrays.py``): what the interpreter's push does
        to an array nothing else holds -- append, the element kind changing as it
        must (a first push into an empty array, a string into ints), logged at the
        site (``where``: unit id << 32 | pc) -- then room for the next pushes."""
        self.vm.push_in_place(array, value, site=where & 0xFFFFFFFF, code=self.units[where >> 32].code)
        rt.make_room(array.items)

    # ------------------------------------------------------------ bookkeeping

    @property
    def osr_at(self) -> int:
        return self.policy.osr_at

    def adopt(self, code: CodeObject) -> None:
        """A new code object: arm its hotness check, and note what it is nested in."""
        if code.profile is not None and code.profile.native is None:
            code.profile.hot_at = self.policy.first_check
        self.note_parents(code)

    def set_interrupt(self, value: int) -> None:
        self.ctx.words[rt.CTX_INTERRUPT] = value

    def tier_of(self, code: CodeObject) -> str:
        """The highest tier ``code`` has valid native code in ("T0" without)."""
        return self.state_of(code).tier

    def tier_running(self, frame: Any) -> str:
        """The tier an interpreter frame stands for: a native activation's, while the
        interpreter runs one of its generic ops in it (T1's op callback); else T0."""
        return self.standing_in.get(id(frame), "T0")

    def unit_counts(self) -> tuple[list[Unit], dict[int, counts.UnitCounts]]:
        """Every unit and its derived counts, now (one pass over each unit's code:
        a view asking about many functions takes this once, see ``info``)."""
        units = list(self.units)
        return units, counts.unit_counts(units)

    def info(self, code: CodeObject, snapshot: tuple | None = None) -> JitInfo:
        """What views show about ``code``'s native code; its counts (``native``) are
        the interpreter's kinds of counts, to add to the profile's. ``snapshot``:
        a ``unit_counts()`` taken for several functions."""
        state = self.state_of(code)
        units, derived = snapshot or self.unit_counts()
        unit = state.unit if state.unit is not None else (state.units[-1] if state.units else None)
        if unit is not None and unit.id not in derived:   # (installed by the VM thread since the snapshot)
            units, derived = self.unit_counts()
        guards = [GuardStats(g.id, g.kind, g.pc, g.line, g.detail, *passed_failed)
                  for g, passed_failed in zip(unit.guards, counts.guard_counts(unit, derived[unit.id]))] \
            if unit is not None else []
        native = counts.native_counts(code, units, derived)
        return JitInfo(
            tier=state.tier, state=state.state, reason=state.reason, compiling=self.compiling_state(code),
            native=native,
            deopts=state.deopts, despecializations=state.despecializations,
            compiles=[CompileStats(f"T{u.tier}", u.compiled.ms, u.param_types, u.valid,
                                                  u.compiled.cached) for u in state.units],
            guards=guards, generic_sites=unit.generic_sites if unit is not None else (),
        )

    def compiling_state(self, code: CodeObject) -> str | None:
        """"T2 queued" / "T2 compiling" while a background compile of ``code`` (the
        whole function, or one of its loops: "T2 loop compiling") is under way."""
        jobs = [(self.state_of(code).pending, "")] + [(site.pending, " loop")
                                                       for site in self.state_of(code).osr_sites.values()]
        for job, what in jobs:
            if job is not None and job.state in (QUEUED, COMPILING):
                return f"T{job.unit.tier}{what} {job.state}"
        return None

    def wait_compiles(self) -> None:
        """Until every background compile submitted so far is ready (not installed:
        that happens at the function's next entry)."""
        self.compiler.wait()

    # ----------------------------------------------------- user's controls

    @serialized
    def force_compile(self, code: CodeObject) -> str:
        """Compile now: T2 from the profile's dominant types if it can, else T1."""
        if self.state_of(code).held:
            return f"{code.name}: not compiled, {self.state_of(code).held}"
        types = self.stable_param_types(code) or self._dominant_types(code)
        unit = self.compile(code, types, tier=2, forced=True) if types is not None else None
        unit = unit or self.compile(code, (Kind.DYN,) * len(code.params), tier=1, forced=True)
        return f"{code.name}: {'compiled at T' + str(unit.tier) if unit else self.state_of(code).reason}"

    def _dominant_types(self, code: CodeObject, least_share: float = 0.0) -> tuple[str, ...] | None:
        return None if code.profile is None else tiering.dominant_types(code.profile.arg_types, ruff_type, least_share)

    @serialized
    def force_deopt(self, code: CodeObject) -> str:
        """Drop the function's native code; it runs in the interpreter until hot again."""
        state = self.state_of(code)
        self.cancel_pending(state, "deoptimized on request")
        if state.unit is None:
            return f"{code.name} has no native code"
        unit_id = state.unit.id
        for unit in self.runnable(state):   # (its earlier whole-function units, kept for heavy callers, too)
            if unit.region is None:
                self.invalidate(unit, "deoptimized on request")
        state.state, state.reason = State.INTERPRETED, "deoptimized on request"
        code.profile.hot_at = code.profile.calls + self.policy.recheck_every
        self.events.add("invalidated", code.name, tier="T0", detail={"reason": "deoptimized on request", "unit": unit_id})
        return f"{code.name}: native code dropped"

    @serialized
    def reset_profile(self, code: CodeObject) -> str:
        code.profile.reset_types()
        code.profile.ics[:] = caches_for(code)   # its inline caches start uninitialized again
        return f"{code.name}: type profile reset"

    @serialized
    def unblacklist(self, code: CodeObject) -> str:
        state = self.state_of(code)
        if state.state not in tiering.STOPPED:
            return f"{code.name} is not blacklisted"
        state.state, state.reason = (State.BASELINE if state.unit is not None else State.INTERPRETED), None
        state.despecializations = state.bail_outs = 0
        state.t2_refused.clear()
        code.profile.hot_at = code.profile.calls + 1
        return f"{code.name}: may tier up again"

    # ------------------------------------------------------------ debugging

    @serialized
    def hold(self, code: CodeObject, reason: str) -> None:
        """Keep ``code`` in the interpreter (a breakpoint is in it): drop its native
        code, and every unit calling it natively, until ``release``."""
        state = self.state_of(code)
        state.held = reason
        self.cancel_pending(state, reason, loops=True)
        runnable = self.runnable(state)
        dropped = [unit.id for unit in runnable if unit.valid]
        for unit in runnable:
            self.invalidate(unit, reason)
        if dropped:
            state.state, state.reason = State.INTERPRETED, reason
            self.events.add("invalidated", code.name, tier="T0", detail={
                "reason": reason, **({"unit": dropped[0]} if len(dropped) == 1 else {"units": dropped})})

    @serialized
    def release(self, code: CodeObject) -> None:
        state = self.state_of(code)
        if state.held:
            state.held = None
            if state.state == State.INTERPRETED:
                state.reason = None
            if code.profile is not None:
                code.profile.hot_at = code.profile.calls + self.policy.recheck_every

    @serialized
    def set_stepping(self, on: bool) -> None:
        """While a step runs no native code is entered: the interpreter has the traps.
        (Units stay valid; their entries come back when the step ends.)"""
        self.stepping = on
        for state in self.states.values():
            if state.unit is not None and state.unit.valid:
                state.unit.code.profile.native = None if on or state.unit.interpreted_from_t0 \
                    else partial(self.call, state.unit)

    def set_threshold(self, value: int) -> None:
        self.policy.t2_calls = self.policy.osr_backedges = value
        self.policy.recheck_every = max(1, min(value, 64))

    # ------------------------------------------------------------- decisions

    def on_hot(self, code: CodeObject) -> None:
        """The function reached its call-count mark: pick its tier (``_on_hot``).
        Compiling is nobody's self time: it is taken off the running clock."""
        started = time.perf_counter_ns()
        outer, self.compiling = self.compiling, code
        try:
            self._on_hot(code)
        finally:
            self.compiling = outer
            self.vm.charge_outside(time.perf_counter_ns() - started)

    @serialized
    def _on_hot(self, code: CodeObject) -> None:
        """A stable profile gets T2 (falling back to T1 when T2 cannot compile it);
        an unstable one gets T1 and is looked at again later, so it can still
        specialize once its types settle.
        """
        profile = code.profile
        state = self.state_of(code)
        if state.pending is not None:   # a background compile: install it once ready
            unit = self.install_ready(code)
            if unit is not None:
                profile.hot_at = NEVER if unit.tier == 2 else profile.calls + self.policy.recheck_every
            elif state.pending is not None:
                profile.hot_at = NEVER   # (still compiling: the compiler thread calls back)
            return
        if state.unit is None and tiering.short_method(code, self.policy.short_method) is not None:
            # Interpreted when the interpreter calls it: compiled only for a native
            # caller that needs it (CompilingUnits._compile_callees).
            state.reason = tiering.short_method(code, self.policy.short_method)
            profile.hot_at = NEVER
            return
        current = state.unit.tier if state.unit is not None and state.unit.valid else 0
        guessed = self._dominant_types(code, self.policy.speculate_share)
        types = tiering.speculated_types(self.stable_param_types(code), guessed, state.loop_hot)
        plan = tiering.hot_gate(state.state, bool(state.held), self.stepping, self.policy) \
            or tiering.hot_choice(types, state.t2_refused, current)
        if plan.stop:
            profile.hot_at = NEVER
            return
        if plan.later:
            profile.hot_at = profile.calls + self.policy.recheck_every
            return
        unit = self.compile(code, plan.t2_types, tier=2, background=self.policy.background) \
            if plan.t2_types is not None else None
        if unit is not None:
            if unit.valid:   # (else compiling in the background: hot_at is the job's to set)
                profile.hot_at = NEVER
            return
        # Why it stays at T1, from the profile before T1 compiles (which clears it);
        # a T2 refusal says why itself.
        why_not_t2 = tiering.why_not_t2(report.argument_profiles(code, self.policy.stability), self.policy.stability,
                                        profile.calls + self.policy.recheck_every) \
            if plan.t2_types is None and state.t2_refusal is None else None
        if plan.t1 and self.compile(code, (Kind.DYN,) * len(code.params), tier=1) is not None:
            for seen in profile.arg_types:   # look at the types afresh: they may settle later
                seen.clear()
        elif plan.t1 and state.state not in tiering.STOPPED:
            # T1 would be (or ran) slower: look again, less and less often (each look
            # costs an inference; an OSR unit of its loop leaves the state OPTIMIZED).
            profile.hot_at = max(profile.hot_at, 2 * profile.calls)
            return
        if state.state == State.BASELINE and why_not_t2 is not None:
            state.reason = why_not_t2
        if state.state not in tiering.STOPPED:
            profile.hot_at = profile.calls + self.policy.recheck_every
            if plan.t2_types is not None:   # T2 was tried and held back (each try costs an inference):
                profile.hot_at = max(profile.hot_at, 2 * profile.calls)   # look again less and less often

    def stable_param_types(self, code: CodeObject) -> tuple[str, ...] | None:
        """The dominant type of each parameter, if every one is stable; else None.
        (The same records, judged by the same rule, as every view shows.)"""
        return tiering.stable_types(report.argument_profiles(code, self.policy.stability))
