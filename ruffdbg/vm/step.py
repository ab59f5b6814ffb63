"""Running one instruction, and resuming a frame with an error pending: the
interpreter's entries for a baseline tier that compiles every opcode by calling
the interpreter's own implementation for the ones it has no inline code for.

``execute_one(vm, frame)`` runs the instruction at ``frame.pc`` of a frame that
is *not* on the VM's stack (native code stands for it; the JIT boxed its locals
and operand stack into the frame) with exactly the code the dispatch loop runs:
the rare ops through ``ops.RARE_OPS``, the loop's inline ops through the same
``core.values`` functions its slow paths call, calls through the VM's call
set-up. A call (of a Ruff function, a method, an operator overload) runs to
completion in a nested interpreter loop, so when ``execute_one`` returns the
frame is at its next pc. It raises ``RuffError`` (the error value and Ruff stack
already recorded, since the frame is still visible then) for a Ruff error;
``run_frame_raising`` then hands that error to the frame's ``try`` handlers.

The handlers open at a pc are static (``try`` is structured: SETUP_TRY and
POP_TRY nest, ``break``/``continue`` close the tries they leave, stack depths
come from the opcode table), so native code does not track them:
``handlers_at(code, pc)`` computes them once per code object.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import BLOCK_ENDS, JUMP_OPS, OPERATOR_METHODS, Op, jump_effect, stack_effect
from ruffdbg.core import values
from ruffdbg.core.arrays import RArray
from ruffdbg.core.errors import RuffError, RuffRuntimeError
from ruffdbg.core.objects import Function, StructValue
from ruffdbg.vm.calls import MISSING
from ruffdbg.vm.frame import Frame
from ruffdbg.vm.ops import BINARY_SEMANTICS, RARE_OPS


def execute_one(vm: Any, frame: Frame, op: int | None = None) -> int:
    """Run the instruction at ``frame.pc`` (or ``op`` without an operand in its
    place, e.g. TO_BOOL for a branch's truthiness); leave ``frame.pc`` at the
    next pc (a jump's target if it jumped) and return it.

    The native activations below this frame are the caller's to stand there, as
    a gap (``vm.frames_hidden``): counted toward the depth, built only if the
    stack shows (an error's trace), so the common case does not build them."""
    pc = frame.pc
    if op is None:
        op, arg = frame.code.instrs[pc]
    else:
        arg = None
    stack = frame.stack
    frames = vm.frames
    base = len(frames)
    frame.pc = pc + 1           # as the loop leaves it: errors point at this instruction
    frames.append(frame)
    try:
        following = _dispatch(vm, frame, op, arg, stack, pc + 1)
        if following < 0:       # a method, an operator overload: run its frame if one was
            if len(frames) > base + 1:   # pushed (native code ran it otherwise: its result is pushed)
                stack.append(_run_pushed(vm, frames.pop()))
            following = frame.pc
        frame.pc = following
        return following
    except RuffError as error:
        frame.pc = pc + 1
        _locate(vm, error)
        raise
    except RuffRuntimeError as error:   # uncaught in a function it called: catchable here
        frame.pc = pc + 1
        raise RuffError(error.message, value=error.value, entries=error.stack) from None
    except RecursionError:
        frame.pc = pc + 1
        error = RuffError("Stack overflow")
        _locate(vm, error)
        raise error from None
    finally:
        del frames[base:]


def _locate(vm: Any, error: RuffError) -> None:
    """Record the error's value and Ruff stack while the frames are still there."""
    if error.entries is None:
        vm.error_raised(error.message)
        error.value = vm.error_value(error)
        error.entries = vm.stack_entries()


def _run_pushed(vm: Any, pushed: Frame) -> Any:
    """Run a frame a rare op pushed (``_push`` counted it active if it timed it)."""
    if pushed.started_ns:
        pushed.code.profile.active -= 1   # (``_enter`` counts it again)
    return vm._enter(pushed)


def _dispatch(vm: Any, frame: Frame, op: int, arg: Any, stack: list, following: int) -> int:
    handler = RARE_OPS[op]
    if handler is not None:
        return handler(vm, arg, frame, stack, following)
    if op in BINARY_SEMANTICS:
        b = stack.pop()
        a = stack[-1]
        if type(a) is StructValue and op in OPERATOR_METHODS:
            stack.pop()
            vm._call_pushed(vm._operator_method(a, OPERATOR_METHODS[op], frame, following - 1), [a, b], stack)
            return -1
        stack[-1] = BINARY_SEMANTICS[op](a, b)
        return following
    if op == Op.LOAD_GLOBAL:
        name = frame.code.names[arg]
        value = vm.globals.get(name, MISSING)   # (a builtin: no KeyError raised, see the dispatch loop)
        stack.append(vm._global(name) if value is MISSING else value)
        return following
    if op == Op.INDEX:
        index = stack.pop()
        if type(stack[-1]) is RArray and type(index) is int:   # the kind feedback, as the loop counts it
            seen, kind = frame.code.profile.raw_feedback[following - 1], stack[-1].kind
            seen[kind] = seen.get(kind, 0) + 1
        stack[-1] = values.index_get(stack[-1], index)
        return following
    if op == Op.CALL:
        return _call(vm, frame, arg, stack, following)
    if op == Op.FOR_ITER:
        position = stack[-1]
        if position < len(stack[-2]):
            stack[-1] = position + 1
            stack.append(stack[-2][position])
            return following
        del stack[-2:]
        frame.code.profile.counters[following - 1] += 1
        return arg
    if op == Op.LOAD_LOCAL:
        stack.append(frame.locals[arg])
        return following
    if op == Op.STORE_LOCAL:
        frame.locals[arg] = stack.pop()
        return following
    if op == Op.LOAD_CONST:
        stack.append(frame.code.consts[arg])
        return following
    if op == Op.POP:
        del stack[-1]
        return following
    raise AssertionError(f"execute_one: {Op(op).name} is control flow, run by the caller")


def _call(vm: Any, frame: Frame, argc: int, stack: list, following: int) -> int:
    """CALL as the loop does it, the callee run to completion."""
    if vm.interrupt[0]:
        vm._on_interrupt()
    callee = stack[-argc - 1]
    args = stack[len(stack) - argc:]
    del stack[len(stack) - argc - 1:]
    if type(callee) is Function:
        frame.code.profile.count_callee(following - 1, callee.code.name, callee.code)
        stack.append(vm.call_function(callee, args))
        return following
    stack.append(vm.call_other(callee, args, frame.code.profile.raw_feedback, following - 1))
    return following


def run_frame_raising(vm: Any, frame: Frame, error: RuffError) -> Any:
    """Resume ``frame`` (not on the stack; ``frame.pc`` just past the instruction
    that failed) with ``error`` pending: its ``try`` handlers open there (static)
    catch it, and the frame runs to its end; else the error escapes
    (``RuffRuntimeError``, with the Ruff stack recorded where it happened)."""
    frame.handlers = list(handlers_at(frame.code, frame.pc - 1))
    frames = vm.frames
    base = len(frames)
    frame.started_ns = time.perf_counter_ns()
    frame.code.profile.active += 1
    frames.append(frame)
    try:
        vm._unwind(error, base)
        return vm._run(base)
    finally:
        while len(frames) > base:
            vm._leave(frames.pop(), time.perf_counter_ns())


# (Weak: a code the session forgot goes, its table with it.)
_HANDLERS: weakref.WeakKeyDictionary[CodeObject, list] = weakref.WeakKeyDictionary()


def handlers_at(code: CodeObject, pc: int) -> tuple:
    """The ``(handler pc, stack depth)`` of the ``try`` blocks open before ``pc``
    runs, innermost last (what ``frame.handlers`` holds there)."""
    table = _HANDLERS.get(code)
    if table is None:
        table = _HANDLERS[code] = _handler_table(code)
    return table[pc] or ()


def _handler_table(code: CodeObject) -> list:
    table: list = [None] * len(code.instrs)
    work = [(0, 0, ())]
    while work:
        pc, depth, open_ = work.pop()
        if pc >= len(code.instrs) or table[pc] is not None:
            continue
        table[pc] = open_
        op, arg = code.instrs[pc]
        after = open_
        if op == Op.SETUP_TRY:
            work.append((arg, depth + jump_effect(op, arg, code), open_))
            after = open_ + ((arg, depth),)
        elif op == Op.POP_TRY:
            after = open_[:-1]
        elif op in JUMP_OPS:
            work.append((arg, depth + jump_effect(op, arg, code), open_))
        if op not in BLOCK_ENDS:
            work.append((pc + 1, depth + stack_effect(op, arg, code), after))
    return table


# Instructions that read or write the frame's locals (the rest see only the stack).
USES_LOCALS = frozenset({Op.LOAD_LOCAL, Op.STORE_LOCAL, Op.LOAD_CELL, Op.STORE_CELL, Op.NEW_CELL,
                         Op.MAKE_FUNCTION, Op.MUT_LOCAL, Op.MUT_CELL})
