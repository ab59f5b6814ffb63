"""Breakpoints and stepping, by patching traps into the interpreter's program.

The interpreter runs ``code.quick`` (compiler/peephole.py). A *trap* replaces
the entry at a location with ``(TRAP, (pc, trampoline), pc + 1)``; the original
entry is appended at index ``trampoline``, and since every quick entry carries
its own next pc, running it from there is exactly running it in place. So an
armed trap costs nothing anywhere else, and a program with no breakpoints pays
nothing at all: the TRAP opcode lives with the rare ones, off the hot path.

Traps go at *stop points*: the first instruction of each source line run, and
every loop header (so a breakpoint on a ``for`` line hits on each iteration).
A breakpoint arms the stop points of its line; a step arms every stop point of
every function until it ends, and decides at each one whether to stop.

Native code has no traps, so it is kept out of the way honestly: a breakpoint
in a compiled function drops its native code and holds it in the interpreter
(``Jit.hold``) while the breakpoint stays; while a step runs, no native code is
entered (``Jit.set_stepping``), and native frames already running leave at
their next safepoint (the STEPPING interrupt), so the step stops in the
interpreter at the next line those frames reach.

*JIT breakpoints* stop at a moment of the JIT instead of a line: a deopt, a
tier-up, a despecialization, a blacklisting, an invalidation (events the JIT
logs on its cold paths: ``EventLog.stops`` calls ``on_event`` for the kinds
with a breakpoint, one dict lookup per event), or a runtime error being raised
(``on_error``, from the VM's unwinding). Nothing stops inside the JIT (it may
hold its lock): a deopt arms a one-shot trap at the pc the interpreter resumes
at, so the program stops exactly where the deopt exit handed the frame over;
the other events request the interrupt, so it stops at the next safepoint
(native code polls it at entry and back-edges and leaves for the interpreter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ruffdbg.compiler import peephole
from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.vm import functions, loops

STEP_MODES = ("into", "over", "out")
# The debugger's opcode, only ever found in ``code.quick``: the first number the
# quick program leaves to stand-in entries (after the superinstructions), so it
# collides with no opcode. The interpreter runs it as ``op_TRAP``.
TRAP = peephole.STAND_IN
TRAP_NAME = "TRAP"

# The moments a JIT breakpoint can stop at: the user's words -> the event kind.
JIT_BREAK_KINDS = {
    "deopt": "deopt", "tier-up": "tier-up",
    "despecialized": "despecialized", "despecialization": "despecialized",
    "blacklisted": "blacklisted", "blacklisting": "blacklisted",
    "invalidated": "invalidated", "invalidation": "invalidated",
    "error": "error", "ic": "ic", "elements": "elements",
}
JIT_BREAK_NAMES = tuple(dict.fromkeys(JIT_BREAK_KINDS.values()))   # each kind once, in that order
ERROR = "error"   # a runtime error being raised (not an event of the log: it stops before unwinding)


@dataclass(frozen=True)
class JitBreak:
    kind: str                # an event kind of JIT_BREAK_KINDS' values
    function: str | None     # only this function's events; None: any

    def describe(self) -> str:
        return self.kind + (f" in {self.function}" if self.function else "")


def stop_reason(event: Any) -> str:
    """Why a JIT breakpoint stopped, in a line ("deopt in f at line 3: x: expected int, got float")."""
    where = f" at line {event.line}" if event.line is not None else ""
    tier = f" ({event.tier})" if event.tier else ""
    detail = event.detail
    guard = f" guard #{detail['guard']} {detail.get('guard_kind', '')}".rstrip() if "guard" in detail else ""
    why = detail.get("reason") or detail.get("types") or ""
    if event.kind in ("ic", "elements"):
        why = f"{detail.get('site')}: {detail.get('old')} -> {detail.get('new')} by {detail.get('shape')}"
    return f"{event.kind} in {event.function}{tier}{where}{guard}{': ' + str(why) if why else ''}"


def stop_points(code: CodeObject) -> dict[int, list[int]]:
    """Source line -> the pcs where running that line can begin."""
    points: dict[int, list[int]] = {}
    for pc, line in enumerate(code.lines):
        if pc == 0 or line != code.lines[pc - 1] or pc in code.loops:
            points.setdefault(line, []).append(pc)
    return points


@dataclass
class StepRequest:
    mode: str     # into: stop at the next line anywhere; over: not in deeper calls; out: in a caller
    frame: Any    # the frame the step started in
    depth: int    # its depth (vm.depth(): native activations below count)
    line: int     # the line it was stopped at
    resume_at: tuple[CodeObject, int] | None = None   # where its caller goes on once it returns

    def done(self, frame: Any, depth: int, line: int) -> bool:
        """At the start of a line: is this where the step ends? (Returning to the
        caller always ends it: see ``resume_at``.)"""
        if self.mode == "into":
            return frame is not self.frame or line != self.line
        if self.mode == "over":
            return frame is self.frame and line != self.line
        return False


class Debugger:
    def __init__(self, vm: Any, codes: Callable[[], list[CodeObject]]):
        self.vm = vm
        self.codes = codes                              # every code object the session loaded
        # State is keyed by the code objects themselves (they hash by identity).
        self.breakpoints: dict[CodeObject, set[int]] = {}        # code -> pcs with a breakpoint
        self.step: StepRequest | None = None
        self._armed: dict[CodeObject, set[int]] = {}             # code -> pcs with a trap
        self._trampolines: dict[tuple[CodeObject, int], int] = {}  # (code, pc) -> index in quick
        self._stop_pcs: dict[CodeObject, set[int]] = {}          # code -> its stop points
        self.jit_breaks: dict[str, set[str | None]] = {}         # event kind -> functions (None: any)
        self.fired: Any = None        # the event a JIT breakpoint is stopping at (until it stops)
        self._once: dict[CodeObject, int] = {}   # code -> the pc a deopt resumes at (a one-shot trap)

    # ------------------------------------------------------------- breakpoints

    def set_breakpoint(self, code: CodeObject, line: int) -> bool:
        """Break wherever ``line`` begins in ``code``; False if no code starts there."""
        pcs = stop_points(code).get(line)
        if not pcs:
            return False
        self.breakpoints.setdefault(code, set()).update(pcs)
        self._sync(code)
        return True

    def clear_breakpoint(self, code: CodeObject, line: int) -> None:
        pcs = self.breakpoints.get(code, set())
        pcs.difference_update(stop_points(code).get(line, []))
        if not pcs:
            self.breakpoints.pop(code, None)
        self._sync(code)

    def has_breakpoints(self, code: CodeObject) -> bool:
        return bool(self.breakpoints.get(code))

    # ----------------------------------------------------------------- stepping

    def start_step(self, mode: str) -> None:
        """Step from where the program is held (call, then ``vm.resume()``)."""
        if mode not in STEP_MODES:
            raise ValueError(f"step mode must be one of {', '.join(STEP_MODES)}")
        frames = self.vm.ruff_frames()
        top = frames[-1]
        # A trap where the caller goes on (mid-line, after its call) stops the step
        # as soon as this frame returns, as gdb's ``finish`` does. A caller running
        # native code gets there too: it deopts when a call it made returns from
        # the interpreter while a step is under way.
        resume_at = (frames[-2].code, frames[-2].pc) if len(frames) > 1 else None
        self.step = StepRequest(mode, top, self.vm.depth(), top.code.lines[top.pc], resume_at)
        for code in self.codes():
            self._sync(code)
        if self.vm.hooks is not None:
            self.vm.hooks.set_stepping(True)

    def end_step(self) -> None:
        self.step = None
        for code in list(self._armed):
            self._sync(code)
        if self.vm.hooks is not None:
            self.vm.hooks.set_stepping(False)

    # ------------------------------------------------------- JIT breakpoints

    def set_jit_break(self, kind: str, function: str | None = None) -> JitBreak:
        """Stop at every ``kind`` event (of ``function``); KeyError for an unknown kind."""
        kind = JIT_BREAK_KINDS[kind]
        self.jit_breaks.setdefault(kind, set()).add(function)
        self._sync_stops()
        return JitBreak(kind, function)

    def clear_jit_breaks(self, kind: str | None = None, function: str | None = None) -> list[JitBreak]:
        """Clear the JIT breakpoints of ``kind`` (all kinds: None) and ``function``
        (all: None); the ones cleared. KeyError for an unknown kind."""
        kinds = [JIT_BREAK_KINDS[kind]] if kind is not None else list(self.jit_breaks)
        cleared = [each for each in self.jit_break_list()
                   if each.kind in kinds and (function is None or each.function == function)]
        for each in cleared:
            functions = self.jit_breaks[each.kind]
            functions.discard(each.function)
            if not functions:
                del self.jit_breaks[each.kind]
        self._sync_stops()
        return cleared

    def jit_break_list(self) -> list[JitBreak]:
        return [JitBreak(kind, function) for kind, functions in self.jit_breaks.items()
                for function in sorted(functions, key=lambda name: name or "")]

    def _sync_stops(self) -> None:
        stops = self.vm.events.stops if self.vm.events is not None else {}
        for kind in set(JIT_BREAK_KINDS.values()) - {ERROR}:
            if kind in self.jit_breaks:
                stops[kind] = self.on_event
            else:
                stops.pop(kind, None)
        self.vm.break_on_error = ERROR in self.jit_breaks

    def _wants(self, kind: str, function: str) -> bool:
        functions = self.jit_breaks.get(kind)
        return bool(functions) and (None in functions or function in functions)

    def on_event(self, event: Any) -> None:
        """An event with a JIT breakpoint of its kind was logged (any thread; cold).

        A deopt stops exactly where the interpreter resumes (a one-shot trap at
        its pc); a tier-up at the function's first instruction, once its native
        entry has seen the interrupt and handed the call to the interpreter (or at
        the next safepoint, whichever comes first); an inline cache's or an array's
        transition right after its site's instruction (or at the next safepoint, when native
        code ran it); the others at the next safepoint."""
        if self.fired is not None or not self._wants(event.kind, event.function):
            return
        self.fired = event
        pc = event.pc if event.kind == "deopt" else 0 if event.kind == "tier-up" else None
        if event.kind in ("ic", "elements"):
            pc = event.pc + 1
        if pc is not None and self._arm_once(event.function, pc) and event.kind == "deopt":
            return
        self.vm.request_jit_break()

    def take_fired(self) -> tuple[str, Any] | None:
        """The stop a JIT breakpoint asked for, (reason, event), or None; consumed."""
        event, self.fired = self.fired, None
        if self._once:
            self._disarm_once()
        return (stop_reason(event), event) if event is not None else None

    def drop_fired(self) -> None:
        """The run ended before a JIT breakpoint's stop came: forget it, so the next
        run does not stop for an event of this one."""
        if self.take_fired() is not None:
            self.vm.cancel_jit_break()

    def on_error(self, frame: Any, message: str) -> None:
        """A runtime error is being raised in ``frame`` (VM thread): stop before it unwinds."""
        if self._wants(ERROR, frame.code.name):
            self.vm.hold(f"error in {frame.code.name}: {message}")

    def _arm_once(self, function: str, pc: int) -> bool:
        """A one-shot trap at ``pc`` of the code named ``function`` (where a deopt resumes)."""
        codes = [code for code in self.codes() if code.name == function and pc < len(code.instrs)]
        for code in codes:
            self._once[code] = pc
            self._sync(code)
        return bool(codes)

    def _disarm_once(self) -> None:
        once, self._once = self._once, {}
        for code in once:
            self._sync(code)

    # -------------------------------------------------------------- the trap

    def on_trap(self, frame: Any, pc: int) -> None:
        """The interpreter reached a trap (VM thread): stop here, or go on."""
        code = frame.code
        line = code.lines[pc]
        step = self.step
        depth = self.vm.depth()
        if self._once.get(code) == pc and self.fired is not None:
            fired = self.take_fired()
            self.vm.cancel_jit_break()
            self.vm.hold(*fired)
            return
        if pc in self.breakpoints.get(code, ()):
            reason = f"breakpoint at line {line}"
            if self.vm.events is not None:
                self.vm.events.add("breakpoint", code.name, pc=pc, line=line)
        elif step is not None and (depth < step.depth or (pc in self._stops(code) and step.done(frame, depth, line))):
            reason = f"step {step.mode}"
        else:
            return
        if self.step is not None:
            self.end_step()
        self.vm.hold(reason)

    # ------------------------------------------------------- patching traps

    def _sync(self, code: CodeObject) -> None:
        """Arm exactly the traps ``code`` needs now: its breakpoints, and every
        stop point while a step runs."""
        wanted = set(self.breakpoints.get(code, ()))
        if code in self._once:
            wanted.add(self._once[code])
        if self.step is not None:
            wanted.update(self._stops(code))
            if self.step.resume_at is not None and self.step.resume_at[0] is code:
                wanted.add(self.step.resume_at[1])
        armed = self._armed.get(code, set())
        peephole.quick_of(code)
        if wanted:   # compiled loops and functions run past traps: out first, so no trampoline copies one
            loops.hold(code)
            functions.hold(code)
        for pc in wanted - armed:
            self._arm(code, pc)
        for pc in armed - wanted:
            code.quick[pc] = code.quick[self._trampolines[code, pc]]
        if wanted:
            self._armed[code] = wanted
        else:
            self._armed.pop(code, None)
            loops.release(code)
            functions.release(code)

    def _stops(self, code: CodeObject) -> set[int]:
        stops = self._stop_pcs.get(code)
        if stops is None:
            stops = self._stop_pcs[code] = {pc for pcs in stop_points(code).values() for pc in pcs}
        return stops

    def _arm(self, code: CodeObject, pc: int) -> None:
        quick = code.quick
        key = (code, pc)
        if key not in self._trampolines:
            quick.append(quick[pc])   # first the copy, then the trap: another thread may be running it
            self._trampolines[key] = len(quick) - 1
        quick[pc] = (TRAP, (pc, self._trampolines[key]), pc + 1)
