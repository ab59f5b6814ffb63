"""On-stack replacement: a loop in an interpreted frame got hot, so its frame's
values (locals, then the scalar globals the loop keeps in registers, then a for
loop's range and position) go to native code through the transfer buffer, and
come back the same way when the loop is left or a guard fails."""

from __future__ import annotations

import itertools
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from ruffdbg.core.arrays import EMPTY, INT, RArray
from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.objects import Function
from ruffdbg.jit import runtime as rt
from ruffdbg.jit import assumptions, tiering
from ruffdbg.jit.background import READY
from ruffdbg.jit.deopt import as_interpreter_error
from ruffdbg.jit.compiling import generic_share
from ruffdbg.jit.inference import LoopRegion, NotCompilable, NotWorthCompiling, infer, value_type
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.types import RANGE, Kind
from ruffdbg.jit.units import Unit
from ruffdbg.jit.views import State
from ruffdbg.vm.step import handlers_at


@dataclass
class OsrSite:
    """One loop header of one function, as OSR sees it over the whole run.

    Its units are kept by *entry signature* (the type of every local and promoted
    global, the depth of the enclosing for loops' state on the stack), so any
    later activation reaching the loop with the same types enters the same code.
    ``backoff`` is how many back-edges the interpreter runs before it enters
    again after an entry that was not worth it (a short run, a guard failure)."""

    header: int
    end: int                             # the loop's last JUMP_BACK
    back_edges: tuple[int, ...]          # every JUMP_BACK to the header (``continue`` adds some)
    enclosing: int | None                # the header of the loop around this one, if any
    units: dict = field(default_factory=dict)   # signature -> Unit
    promoted: tuple[str, ...] | None = None     # the scalar globals kept in registers (None: not decided)
    backoff: int = 1
    compiles: int = 0
    entries: int = 0
    failed_speculations: int = 0         # since its unit was built (too many: rebuilt)
    bail_outs: int = 0                   # short native runs in a row a bounds/error/... guard ended
    pending: Any = None                  # its background compile (background.CompileJob), not entered yet


@dataclass
class Home:
    """A running OSR activation's promoted globals while it calls something: its
    unit's home words hold them (written before each call, read after it).
    ``out``: they were copied into the globals, which are now the truth, because
    Python code runs below the call."""

    names: tuple[str, ...]
    words: Any                           # the unit's ctypes home array
    out: bool = False
    values: list = field(default_factory=list)   # what was copied out (unchanged ones keep their words)


# An OSR entry costs tens of microseconds in Python (types, transfer buffer,
# ctypes). A native run shorter than this did not pay for its entry: the next
# entry waits for twice as many interpreted back-edges (up to the OSR mark).
# The thread's CPU time, not the clock's: on a loaded machine a run preempted
# midway looked worth its entry (tests/jit/test_osr.py's loop that keeps ending
# at once was entered 64 times instead of under 40 with the full suite beside it).
WORTH_NS = 200_000
# ... or one that ran this many iterations natively: entering costs about what the
# interpreter spends on a few iterations of a small loop (a function called often
# whose whole unit T2 holds back re-enters its loop at every call).
WORTH_ITERATIONS = 16
# OSR units one loop may compile (new types at entry, retired units) before it
# stays in the interpreter for good.
MAX_COMPILES = 8


class OsrEntry:
    """(Part of ``Jit``.) Compile and enter a hot loop, and keep entering it.

    The interpreter calls ``enter_loop`` when a back-edge counter reaches the OSR
    mark. After every entry the counter is *re-armed* (``CodeProfile.rearm``):
    it reaches the mark again after ``OsrSite.backoff`` more back-edges (one,
    when the last native run was worth its entry), so a loop that got hot
    enters native code again whenever it runs again, in any later activation,
    and after a pause or a step, at no cost to the interpreter's back-edge
    (still one increment and two compares). A loop left natively also re-arms
    the loop around it: a loop containing a hot loop is hot, and entering it
    runs both natively.

    Uses the Jit's ``ctx``, ``handles``, ``vm``, ``policy``, ``events``,
    ``pending``, ``native_depth``, ``osr_frames``, ``stepping`` and
    ``state_of``, ``_build``, ``_compile_callees``, ``_record_deopt``.
    """

    def enter_loop(self, frame: Any) -> tuple[str, Any] | None:
        """A loop in an interpreted frame got hot: run it natively from its header.

        Returns None (stay in the interpreter), ("return", value) when the
        function returned from inside the loop, or ("resume", pc) after the
        frame's locals and stack were updated in place (the loop was left, or
        a guard failed). Raises what the loop raised.
        """
        code, header = frame.code, frame.pc
        state = self.state_of(code)
        if not self.policy.enabled or state.state == State.BLACKLISTED or header in state.osr_refused:
            return None
        site = self._osr_site(code, header)
        if state.held or self.stepping:   # the debugger has it for now: look again soon
            self._rearm(code, site, self.policy.recheck_every)
            return None
        left = _trips_left(frame, header)
        if left is not None and left < min(WORTH_ITERATIONS, self.osr_at):
            # About to end (`while i < n` with i at n, say): compiling and entering it
            # would cost more than what is left to run (a function whose 1,000-trip loops
            # met the mark at their last back-edge compiled each for nothing: dict_cold).
            self._rearm(code, site, site.backoff)
            return None
        try:
            if len(frame.stack) % 2:
                raise NotCompilable("a loop entered with values on the stack", code.lines[header])
            spans = _stack_ranges(frame.stack)
            compiling = time.perf_counter_ns()
            outer, self.compiling = self.compiling, code
            try:
                unit = self._osr_unit(frame, site, _loop_kinds(spans))
                if unit is None:   # compiling in the background: look again a few back-edges on
                    self._rearm(code, site, self.policy.recheck_every)
                    return None
            finally:   # (compiling is not the loop's own time)
                self.compiling = outer
                self.vm.charge_outside(time.perf_counter_ns() - compiling)
        except NotCompilable as why:
            state.osr_refused.add(header)
            if isinstance(why, NotWorthCompiling):   # (it could compile: no "not-compilable" event)
                if state.unit is None and state.state not in tiering.STOPPED:
                    state.reason = why.reason   # the function's views say why its loop stays interpreted
                return None
            self.events.add("not-compilable", code.name, tier="T2", pc=header, line=code.lines[header],
                            detail={"reason": why.reason, "osr": True})
            return None
        if not unit.valid:
            code.profile.rewind(site.end)   # try again later
            return None
        if state.state in (State.INTERPRETED, State.DESPECIALIZED):
            state.state = State.OPTIMIZED
        if state.unit is None and not state.loop_hot and state.state not in tiering.STOPPED \
                and code.profile.hot_at > code.profile.calls + 1:
            # Its loop is hot: the function is compiled whole when it is next called.
            # (Once: if that compile is held back, the manager's own backoff decides
            # when to look again -- seed 8901 #1487 retried it at every call.)
            state.loop_hot = True
            code.profile.hot_at = code.profile.calls + 1
        site.entries += 1
        if site.entries & (site.entries - 1) == 0:   # the 1st, 2nd, 4th, 8th ... entry: events stay few
            self.events.add("osr", code.name, tier="T2", pc=header, line=code.lines[header],
                            detail={"iterations": code.profile.count(site.end), "entries": site.entries})
        return self._run_osr(unit, frame, site, spans)

    def _osr_site(self, code: CodeObject, header: int) -> OsrSite:
        sites = self.state_of(code).osr_sites
        site = sites.get(header)
        if site is None:
            loops = _loop_extents(code)
            end = loops[header][-1]
            around = [h for h, edges in loops.items() if h < header and edges[-1] > end]
            site = sites[header] = OsrSite(header, end, loops[header], max(around, default=None))
        return site

    def _rearm(self, code: CodeObject, site: OsrSite, after: int) -> None:
        """Make the loop reach the OSR mark again after ``after`` more back-edges."""
        for pc in site.back_edges:
            code.profile.rearm(pc, self.osr_at, after)

    @serialized
    def _osr_unit(self, frame: Any, site: OsrSite, loops: tuple) -> "Unit | None":
        """The site's unit for the frame's current types, compiled if there is none
        (None: it is compiling in the background; the loop goes on interpreted)."""
        code, header = frame.code, site.header
        if site.pending is not None:
            if site.pending.state != READY:
                return None
            self._osr_link(site)
        if site.promoted is None:
            site.promoted = self._promotable_globals(code, header, site.end)
        unit = site.units.get(self._signature(frame, site.promoted, loops))
        if unit is not None and unit.valid:
            return unit
        if site.compiles >= MAX_COMPILES:
            raise NotCompilable(f"a loop compiled {MAX_COMPILES} times for OSR", code.lines[header])
        site.compiles += 1
        started = time.perf_counter()
        for loop in self._nest(code, site):   # the outermost loop that compiles, entered here
            try:
                typed = self._typed_region(frame, site, loop, loops)
                break
            except NotCompilable:
                if loop is site:
                    raise
        infer_ms = (time.perf_counter() - started) * 1000
        region = typed.region
        promoted = site.promoted = region.promoted
        self._compile_callees(typed)
        job = self._lower(typed, 2, None, infer_ms)
        job.unit.typed_region_end, job.unit.region = site.end, region
        job.signature = self._signature(frame, promoted, loops)
        site.pending = job
        if self.policy.background:
            self.compiler.submit(job)
            return None
        job.run()
        return self._osr_link(site)

    def _osr_link(self, site: OsrSite) -> "Unit":
        """The site's compile, its machine code ready: the loop's unit for its entry
        signature -- unless it was cancelled meanwhile, or the debugger has the
        function now (then it is kept for the record, retired)."""
        job, site.pending = site.pending, None
        if job.error is not None:
            raise self._failed(job)
        state = self.state_of(job.unit.code)
        refused = job.cancelled or state.held or ("a debugger step is under way" if self.stepping else None)
        unit = self._link(job, refused)
        state.units.append(unit)
        if refused is None:
            site.units[job.signature] = unit
        return unit

    def _nest(self, code: CodeObject, site: OsrSite) -> list[OsrSite]:
        """The loops around ``site`` that may be compiled with it, outermost first,
        ``site`` last. A loop around a hot loop is hot too (its iterations run the
        hot one): compiling the outermost once spares the nest's other loops a
        compile each as they get hot in turn (nbody: three compiles, one per level)."""
        nest = [site]
        refused = self.state_of(code).osr_refused
        while nest[-1].enclosing is not None:
            nest.append(self._osr_site(code, nest[-1].enclosing))
        return [loop for loop in reversed(nest) if loop is site or loop.header not in refused]

    def _typed_region(self, frame: Any, site: OsrSite, loop: OsrSite, loops: tuple) -> Any:
        """``loop`` typed for an OSR entry at ``site``'s header with the frame's
        current types, or NotCompilable (NotWorthCompiling: T2 would be slower)."""
        code = frame.code
        # Which globals it may keep in registers is decided afresh for each unit
        # (the functions the loop calls may have changed since the last one).
        promoted = self._promotable_globals(code, loop.header, loop.end)
        values = list(frame.locals) + [self.vm.globals.get(name) for name in promoted]
        # A local holding null is null, not "unset": typing it unset let a later int
        # store make it an int slot, and the entry read null's bits as 0.
        # (an object -- array, string, struct ... -- is a tagged value: T2 leaves what it does generic)
        slot_types = tuple(Kind.NULL if value is None else _slot_type(value) for value in values)
        typed = self._infer_region(code, site, loop, promoted, slot_types, loops)
        if promoted and any(code.instrs[pc][0] != Op.FOR_ITER for pc in typed.generic):
            # The generic path hands the interpreter the frame's locals and stack, not
            # registers standing for globals: a loop that uses it keeps globals in the VM.
            # (But for a for loop's step and an inline op's slow path, which take their
            # operands from the stack: the globals go home around them, as around a
            # call, lowering/generic.py.)
            typed = self._infer_region(code, site, loop, (), slot_types[:code.nlocals], loops)
        # (The same rule as for whole functions: T2 must not be slower. The loop's own
        # iterations, all the OSR mark asked for, are the evidence.)
        slower = tiering.t1_slower(*generic_share(code, typed), self.policy, 2, evidence=0)
        if slower is not None:
            line = code.lines[loop.header]
            raise NotWorthCompiling(f"loop at line {line} {slower}", line)
        return typed

    def _infer_region(self, code: CodeObject, site: OsrSite, loop: OsrSite, promoted: tuple[str, ...],
                      slot_types: tuple, loops: tuple) -> Any:
        region = LoopRegion(loop.header, loop.end, promoted,
                            frozenset(n for n in promoted if self.vm.global_kinds.get(n) in ("let", "const")),
                            loops, -1 if loop is site else site.header)
        return infer(code, (), self._lookup, self._return_type_of, region, slot_types,
                     constant_of=self._constant_global, **self.policy.unit_limits)

    def _signature(self, frame: Any, promoted: tuple[str, ...], loops: tuple) -> tuple:
        """What an OSR unit is specialized on: the globals it keeps in registers, the
        type of every local and of those globals, and the for loops around it."""
        values = list(frame.locals) + [self.vm.globals.get(name) for name in promoted]
        return promoted, tuple(Kind.UNSET if value is None else _slot_type(value) for value in values), loops

    def _promotable_globals(self, code: CodeObject, header: int, end: int) -> tuple[str, ...]:
        """Globals the loop reads or writes that hold scalars, except those the functions
        it calls name. (Only a heuristic: code reached through values -- a dict, a
        struct method, a closure -- is not found by names. What makes promotion
        sound is that every call syncs the promoted globals: ``promoted_out``.)"""
        used = {code.names[arg] for op, arg in code.instrs[header:end + 1]
                if op in (Op.LOAD_GLOBAL, Op.STORE_GLOBAL) and isinstance(code.names[arg], str)}
        scalars = {name for name in used if _scalar_type(self.vm.globals.get(name, object())) is not None
                   and name in self.vm.globals}
        return tuple(sorted(scalars - self._names_seen_by_callees(used - scalars)))

    def _names_seen_by_callees(self, callee_names: set[str]) -> set[str]:
        seen: set[str] = set()
        pending = [self.vm.globals.get(name) for name in callee_names]
        visited = set()
        while pending:
            function = pending.pop()
            if type(function) is not Function or id(function) in visited:
                continue
            visited.add(id(function))
            for inner in function.code.walk():
                for name in inner.names:
                    if isinstance(name, str):
                        seen.add(name)
                        pending.append(self.vm.globals.get(name))
        return seen

    def _run_osr(self, unit: "Unit", frame: Any, site: OsrSite, spans: list) -> tuple[str, Any]:
        """Run the loop natively, then re-arm its counter (see the class)."""
        code = frame.code
        after = None       # back-edges before the next entry (None: leave the counter alone)
        started = time.thread_time_ns()
        iterations = self._native_back_edges(unit, site)
        try:
            outcome, guard = self._run_native_loop(unit, frame, spans)
            worth = time.thread_time_ns() - started >= WORTH_NS \
                or self._native_back_edges(unit, site) - iterations >= WORTH_ITERATIONS
            failed = guard is not None and guard.kind != "interrupt"
            if failed:   # a guard failed: back off
                site.backoff = min(2 * site.backoff, self.osr_at)
            if failed and guard.kind in tiering.SPECULATIVE:
                site.failed_speculations += 1
                if tiering.too_many(site.failed_speculations, self.policy):
                    # Its assumptions keep failing: build it again (from the types now).
                    site.failed_speculations = 0
                    self.invalidate(unit, "retired: its speculation kept failing", still_correct=True)
                    broken = assumptions.for_guard(unit.assumptions, guard)
                    self.events.add("invalidated", code.name, tier="T2", pc=site.header,
                                    line=code.lines[site.header],
                                    detail={"reason": "OSR loop's speculation kept failing", "unit": unit.id,
                                            **({"assumption": broken.text()} if broken else {})})
            elif worth:
                site.bail_outs = 0
                site.backoff = site.backoff if failed else 1
            elif failed or outcome[0] == "raise":
                # At once, at a guard no rebuild would help or raising an error for the
                # frame's handlers: what only the interpreter does, met again and again.
                site.backoff = min(2 * site.backoff, self.osr_at)
                site.bail_outs += 1
                if tiering.too_many(site.bail_outs, self.policy):
                    self._stop_entering(code, site, f"at its {guard.kind} guard (line {guard.line})" if failed
                                        else f"raising an error (line {code.lines[outcome[1] - 1]})")
            elif guard is None:   # a short run: enter less eagerly
                site.backoff = min(2 * site.backoff, self.osr_at)
            # (After an interrupt the interpreter handles it at the next back-edge,
            # then enters again: a paused loop resumes in native code.)
            after = 1 if guard is not None and guard.kind == "interrupt" else site.backoff
            if outcome[0] == "resume" and guard is None and site.enclosing is not None:
                # The loop was left natively: the loop around it is hot too.
                outer = self._osr_site(code, site.enclosing)
                if outer.header not in self.state_of(code).osr_refused:
                    self._rearm(code, outer, 1)
            return outcome
        finally:
            if unit.valid:   # (a retired unit rewound the counter: it must get hot again)
                self._rearm(code, site, after or site.backoff)

    def _stop_entering(self, code: CodeObject, site: OsrSite, where: str) -> None:
        """The loop's native runs keep ending at once at a guard that is no
        speculation (an index out of bounds caught by a ``try`` in the loop, say):
        each entry costs more than the iterations it runs, so it stays interpreted
        (at ``--threshold 1`` the backoff is capped at one back-edge: it would be
        entered, and left, at every iteration)."""
        line = code.lines[site.header]
        reason = (f"loop at line {line} kept at T0: its native runs ended {site.bail_outs} times in a row at "
                  f"once, {where}")
        state = self.state_of(code)
        state.osr_refused.add(site.header)
        if state.unit is None and state.state not in tiering.STOPPED:
            state.reason = reason
        self.events.add("blacklisted", code.name, tier="T2", pc=site.header, line=line,
                        detail={"reason": reason, "osr": True})

    @staticmethod
    def _native_back_edges(unit: "Unit", site: OsrSite) -> int:
        """How many times the unit's native code has taken the loop's back-edges."""
        return sum(unit.counters[unit.layout.taken(pc)] for pc in site.back_edges)

    def promoted_out(self) -> Home | None:
        """A callback from native code starts running Python code: the promoted globals
        of the innermost running OSR loop (spilled to its home before the call that
        led here) go into the globals, where any code reads and writes them. Returns
        what ``promoted_in`` needs (None: nothing to do, or an outer callback did it)."""
        homes = self.promoted_homes
        if not homes or homes[-1].out:
            return None
        home = homes[-1]
        home.out = True
        home.values = rt.box_values(home.words, len(home.names), self.handles)
        for name, value in zip(home.names, home.values):
            self.vm.globals[name] = value
        return home

    def promoted_in(self, home: Home | None) -> None:
        """Back to native code: the globals' current values go to the home, which
        the loop reloads (type-guarded) after its call."""
        if home is None:
            return
        words, globals_ = home.words, self.vm.globals
        for index, (name, before) in enumerate(zip(home.names, home.values)):
            value = globals_.get(name)
            if value is not before:   # (an unchanged object keeps its handle: no new one per call)
                words[2 * index], words[2 * index + 1] = rt.unbox(value, self.handles)
        home.out = False
        home.values = []

    def _run_native_loop(self, unit: "Unit", frame: Any, spans: list) -> tuple[tuple[str, Any], Any]:
        """Enter the unit; (the outcome for the interpreter, the guard that sent it back or None)."""
        handles = self.handles
        below, handles.floor = handles.floor, handles.mark()   # (every handle from here on is this run's)
        try:
            return self._enter_native_loop(unit, frame, spans, handles.floor)
        finally:
            handles.floor = below

    def _enter_native_loop(self, unit: "Unit", frame: Any, spans: list, entry_mark: int) -> tuple[tuple[str, Any], Any]:
        ctx, buffer = self.ctx.words, self.ctx.buffer
        promoted = unit.region.promoted
        ctx[rt.CTX_OSR_MARK] = entry_mark
        nslots = len(frame.locals) + len(promoted)
        for index, value in enumerate(itertools.chain(frame.locals, (self.vm.globals[name] for name in promoted))):
            buffer[2 * index], buffer[2 * index + 1] = rt.unbox(value, self.handles)
        # Native code has the locals now (the frame gets them back when it leaves): an
        # object the frame kept would look shared to copy-on-write, and `xs := push(xs, v)`
        # in the loop would copy the array.
        frame.locals[:] = [value if type(value) not in rt.CONTAINERS else None for value in frame.locals]
        at = 2 * nslots
        for span, (items, position) in zip(spans, zip(frame.stack[::2], frame.stack[1::2])):
            if span is None:   # the interpreter's [items, position], tagged
                for value in (items, position):
                    buffer[at], buffer[at + 1] = rt.unbox(value, self.handles)
                    at += 2
                continue
            for word in (span.start, span.stop, span.step, position):   # a range, its position
                buffer[at], buffer[at + 1] = rt.TAG_RANGE, word
                at += 2
        depth = ctx[rt.CTX_DEPTH] = self.vm.depth()   # (native activations below count: vm/framestack.py)
        # (the frame's closure cells, for native and generic LOAD_FREE / STORE_FREE)
        below, self.ctx.cells[depth] = self.ctx.cells[depth], id(frame.cells) if frame.cells else 0
        unit.from_interpreter += 1   # an OSR entry is not a call
        self.native_depth += 1
        self.osr_frames.append((frame, depth - 1))
        if promoted:
            self.promoted_homes.append(Home(promoted, unit.home))
        started = self.native_started(unit.code)
        try:
            unit.entry(self.ctx.args_pointer)
        finally:
            self.native_ended(unit.code, started, osr=True)
            self.ctx.cells[depth] = below
            self.native_depth -= 1
            self.osr_frames.pop()
            if promoted:
                self.promoted_homes.pop()
        try:
            return self._native_loop_outcome(unit, frame, nslots)
        finally:   # (the interpreter holds the loop's values now: release_from)
            if self.native_depth == 0:
                self.handles.clear()
            else:
                self.handles.release_from(entry_mark)

    def _native_loop_outcome(self, unit: "Unit", frame: Any, nslots: int) -> tuple[tuple[str, Any], Any]:
        """The frame's values and what happens next, after the unit's native run."""
        ctx, buffer = self.ctx.words, self.ctx.buffer
        promoted = unit.region.promoted
        status = ctx[rt.CTX_STATUS]
        if status in (rt.STATUS_OK, rt.STATUS_BOXED):   # returned from inside the loop (BOXED: a tagged result)
            result = rt.box(ctx[rt.CTX_RET_TAG], ctx[rt.CTX_RET_BITS], self.handles)
            restored = rt.box_values(buffer, nslots, self.handles)
            for name, value in zip(promoted, restored[len(frame.locals):]):
                self.vm.globals[name] = value
            return ("return", result), None
        nstack = ctx[rt.CTX_RET_TAG] if status == rt.STATUS_EXIT else 0
        restored = rt.box_values(buffer, nslots + nstack, self.handles)
        frame.locals[:] = restored[:len(frame.locals)]
        for name, value in zip(promoted, restored[len(frame.locals):nslots]):
            self.vm.globals[name] = value
        if status == rt.STATUS_EXIT:   # (an error inside a try left with the loop's stack too)
            frame.stack[:] = restored[nslots:]
        if self.pending_pc is not None:   # an instruction at that pc raised: the frame raises it
            pending, self.pending = self.pending, None
            at, self.pending_pc = self.pending_pc, None
            frame.handlers = list(handlers_at(frame.code, at))   # (the try blocks open there)
            return ("raise", at + 1, as_interpreter_error(pending)), None
        if status == rt.STATUS_ERROR:
            pending, self.pending = self.pending, None
            raise as_interpreter_error(pending)
        where = ctx[rt.CTX_RET_BITS]
        guard_number, pc = where >> 32, where & 0xFFFFFFFF
        frame.handlers = list(handlers_at(frame.code, pc))   # (it resumes inside the loop's try blocks, if any)
        guard = unit.guards[guard_number - 1] if guard_number else None
        if guard is not None and guard.kind != "interrupt":
            self._record_deopt(unit, guard, self._deopt_reason(unit, guard, restored, nslots))
        return ("resume", pc), guard


_TRIPS_LEFT = {Op.LESS: lambda a, b: b - a, Op.LESS_EQUAL: lambda a, b: b - a + 1,
               Op.GREATER: lambda a, b: a - b, Op.GREATER_EQUAL: lambda a, b: a - b + 1}


def _trips_left(frame: Any, header: int) -> int | None:
    """How many more iterations a loop whose header is ``a < b`` (or <=, >, >=) of
    int locals or constants, then a jump out, runs if its counter moves by one --
    an estimate (0 or less: it ends now); None for any other header."""
    code = frame.code
    if header + 3 >= len(code.instrs):
        return None
    (load_a, a), (load_b, b), (compare, _), (jump, _) = code.instrs[header:header + 4]
    if compare not in _TRIPS_LEFT or jump != Op.JUMP_IF_FALSE:
        return None
    values = []
    for load, arg in ((load_a, a), (load_b, b)):
        value = frame.locals[arg] if load == Op.LOAD_LOCAL else code.consts[arg] if load == Op.LOAD_CONST else None
        if type(value) is not int:
            return None
        values.append(value)
    return _TRIPS_LEFT[compare](*values)


def _loop_extents(code: CodeObject) -> dict[int, tuple[int, ...]]:
    """Each loop header's back-edges (JUMP_BACK pcs), in order."""
    loops: dict[int, list[int]] = {}
    for pc, (op, arg) in enumerate(code.instrs):
        if op == Op.JUMP_BACK:
            loops.setdefault(arg, []).append(pc)
    return {header: tuple(edges) for header, edges in loops.items()}


def _stack_ranges(stack: list) -> list[range | None]:
    """The items of each enclosing for loop (the stack at a loop header holds an
    (items, position) pair per loop): a range where they are one (native code
    counts it), else None (native code runs that loop's FOR_ITER on the
    interpreter's items and position, as tagged values)."""
    return [_as_range(items) if type(position) is int else None
            for items, position in zip(stack[::2], stack[1::2])]


def _loop_kinds(spans: list[range | None]) -> tuple:
    """The types of the enclosing for loops' stack entries, for inference."""
    return tuple(kind for span in spans for kind in ((RANGE, Kind.INT) if span is not None else (Kind.DYN, Kind.DYN)))


def _as_range(items: Any) -> range | None:
    """A for loop's items as a range, if they are one: what range(...) made (an
    array of ints in arithmetic progression) or what iterating an int made.
    (An inner loop's array is checked at every entry: first in constant time --
    the first, second and last items and the length -- then every item, at C
    speed but about 50 ns an item, so only arrays that pass the first test pay it.)"""
    if type(items) is range:
        return _in_words(items)
    if type(items) is RArray:
        if items.kind not in (INT, EMPTY):
            return None
        items = items.items   # (an array('q') of ints, or an empty list)
    elif type(items) is not list or any(type(items[at]) is not int for at in (0, 1, -1)[:len(items)]):
        return None
    if len(items) < 2:
        return _in_words(range(items[0], items[0] + 1)) if items else range(0)
    step = items[1] - items[0]
    if step == 0:
        return None
    span = range(items[0], items[-1] + step, step)
    if len(span) != len(items):
        return None
    if type(items) is list:
        every = set(map(type, items)) == {int} and items == list(span)
    else:
        every = items == array("q", span)
    return _in_words(span) if every else None


def _in_words(span: range) -> range | None:
    """``span`` with start, stop and step in i64 (native code gets them as words),
    or None: ``[MIN, -1, MAX - 1]`` is ``range(MIN, 2 * MAX - 1, MAX)``, whose stop is
    beyond i64; the same items end at ``MAX`` (a stop just past the last item)."""
    if all(_I64_MIN <= word <= _I64_MAX for word in (span.start, span.stop, span.step)):
        return span
    if not span:
        return range(0)
    last = span[-1]
    stop = last + 1 if span.step > 0 else last - 1
    if _I64_MIN <= stop <= _I64_MAX and _I64_MIN <= span.step <= _I64_MAX:
        return range(span.start, stop, span.step)
    return None   # the loop ends at the very edge of i64: it stays in the interpreter


_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def _slot_type(value: Any) -> str:
    """What an OSR unit keeps a frame's value as: a scalar in a register, or tagged."""
    return _scalar_type(value) or Kind.DYN


def _scalar_type(value: Any) -> str | None:
    """int, float or bool: what an OSR unit can keep in a register."""
    try:
        kind = value_type(value)
    except TypeError:
        return None
    return None if kind == Kind.NULL else kind
