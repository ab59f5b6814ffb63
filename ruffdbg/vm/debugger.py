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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ruffdbg.compiler import peephole
from ruffdbg.compiler.bytecode import CodeObject

STEP_MODES = ("into", "over", "out")
# The debugger's opcode, only ever found in ``code.quick``: the first number the
# quick program leaves to stand-in entries (after the superinstructions), so it
# collides with no opcode. The interpreter runs it as ``op_TRAP``.
TRAP = peephole.STAND_IN
TRAP_NAME = "TRAP"


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
    depth: int    # its depth (len(vm.frames))
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
        frames = self.vm.frames
        top = frames[-1]
        # A trap where the caller goes on (mid-line, after its call) stops the step
        # as soon as this frame returns, as gdb's ``finish`` does. A caller running
        # native code gets there too: it deopts when a call it made returns from
        # the interpreter while a step is under way.
        resume_at = (frames[-2].code, frames[-2].pc) if len(frames) > 1 else None
        self.step = StepRequest(mode, top, len(frames), top.code.lines[top.pc], resume_at)
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

    # -------------------------------------------------------------- the trap

    def on_trap(self, frame: Any, pc: int) -> None:
        """The interpreter reached a trap (VM thread): stop here, or go on."""
        code = frame.code
        line = code.lines[pc]
        step = self.step
        depth = len(self.vm.frames)
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
        if self.step is not None:
            wanted.update(self._stops(code))
            if self.step.resume_at is not None and self.step.resume_at[0] is code:
                wanted.add(self.step.resume_at[1])
        armed = self._armed.get(code, set())
        peephole.quick_of(code)
        for pc in wanted - armed:
            self._arm(code, pc)
        for pc in armed - wanted:
            code.quick[pc] = code.quick[self._trampolines[code, pc]]
        if wanted:
            self._armed[code] = wanted
        else:
            self._armed.pop(code, None)

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
