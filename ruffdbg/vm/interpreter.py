"""Tier 0: the bytecode interpreter.

One flat loop runs every Ruff frame: a Ruff call pushes a ``Frame`` on
``VM.frames`` and switches the loop's cached locals to it, a return pops it.
So Ruff recursion here never uses Python recursion (a compiled function's
calls do, vm/functions.py, within a quarter of the limit), and any frame can be resumed
at any pc with given locals and stack (what deoptimization will need):
``VM.resume()`` simply continues from ``frames[-1]``.

Why the loop looks the way it does (it is the hot path):

* the current frame's code, locals and stack live in Python locals; the
  per-code part is one tuple (``profile.run_state``) unpacked per frame switch;
* the loop runs ``code.quick`` (compiler/peephole.py): the original program
  with superinstructions for the commonest groups (compare-and-branch on
  locals/constants, ``x := a + b``, ``f(n - 1)`` and the like), as ``(op, arg, next pc)``
  so fetching an instruction also advances the pc; every pc inside a fused
  group still holds its original instruction, so frames resume anywhere;
* opcodes are compared as plain ints in frequency order, with the int/int and
  float/float cases of arithmetic done inline and everything else delegated to
  ``core.values``; rare opcodes are ``op_<NAME>`` methods (vm/ops.py) reached
  through one table; ``type``, ``int`` and the like are locals too;
* CALL of a Ruff function and RETURN switch frames inline (no method call, no
  trip through the outer loop; a self-recursive one keeps the cached state);
  the clock is read only when control passes between different functions (see
  "Time profile" above ``_run``);
* profiling only bumps list slots (see ``profile.counters``: int and float
  stores, a call site's first callee, a first argument's first type are slots
  too, folded into the type dicts when read), except for the dicts' other keys;
* the interrupt word is polled only at loop back-edges and calls (the
  safepoints), so pause, Ctrl-C and time limits cost one test per iteration;
* breakpoints and steps cost nothing until used: the debugger patches TRAP
  entries into ``code.quick`` (vm/debugger.py), and TRAP is a rare opcode;
* a hot innermost loop or a hot small function made of simple groups runs as
  one generated Python function (vm/loops.py, entered from the back-edge's LOOP
  entry; vm/functions.py, from the frame switch, its calls plain Python calls):
  no dispatch per group, no frame per call; anything else comes back here at
  the exact pc (a function's activations as frames).

Copy-on-write for Ruff's value-semantics containers uses CPython reference
counts (vm/cow.py): a container about to be mutated is copied only if something
besides its variable refers to it (``MUT_*`` ops). Handlers therefore take care
not to leave containers behind in loop temporaries, which would force a copy.
"""

from __future__ import annotations

import builtins
import operator
import sys
import time
from typing import Any

from ruffdbg.compiler import peephole
from ruffdbg.compiler.opcodes import OPERATOR_METHODS, Op
from ruffdbg.core import values
from ruffdbg.core.arrays import ARRAY_TYPES, BOOL, RArray
from ruffdbg.vm.calls import MISSING as _MISSING, Calls
from ruffdbg.vm.control import INVALIDATED, STEPPING, Control
from ruffdbg.vm.cow import CopyOnWrite
from ruffdbg.vm.entry import EntryPoints
from ruffdbg.vm import functions, loops
from ruffdbg.vm.functions import Deopt
from ruffdbg.core.errors import RuffError
from ruffdbg.vm.frame import NO_HANDLERS, Frame
from ruffdbg.vm.ops import BINARY_SEMANTICS, RARE_OPS, RareOps
from ruffdbg.vm.generators import Yielded
from ruffdbg.vm.state import MAX_DEPTH, VMState
from ruffdbg.vm.timing import Timing
from ruffdbg.vm.framestack import FrameStack
from ruffdbg.vm.hooks import NOT_TAKEN
from ruffdbg.core.objects import Builtin, Function, StructValue
from ruffdbg.core.values import INT_MAX, INT_MIN, MAX_RESULT_LEN, check_length

# (INVALIDATED and STEPPING live in vm/control.py; the JIT and the Session import them from here.)
__all__ = ["VM", "MAX_DEPTH", "INLINE_OPS", "INVALIDATED", "STEPPING"]

# Opcodes the dispatch loop handles inline (every other one is an ``op_<NAME>`` method, vm/ops.py;
# the loop does CALL_METHOD's and GET_FIELD's inline-cache hits too, and calls the method otherwise).
INLINE_OPS = frozenset({
    Op.LOAD_LOCAL, Op.LOAD_CONST, Op.STORE_LOCAL, Op.ADD, Op.SUB, Op.MUL, Op.LESS, Op.JUMP_IF_FALSE,
    Op.JUMP_BACK, Op.JUMP, Op.LOAD_GLOBAL, Op.CALL, Op.RETURN, Op.INDEX, Op.FOR_ITER, Op.POP,
    Op.DIV, Op.MOD, Op.LESS_EQUAL, Op.GREATER, Op.GREATER_EQUAL, Op.EQUAL, Op.NOT_EQUAL,
})
# The ones without an inline fast path in the loop.
_GENERIC_BINARY = {op: BINARY_SEMANTICS[op] for op in (
    Op.DIV, Op.MOD, Op.LESS_EQUAL, Op.GREATER, Op.GREATER_EQUAL, Op.EQUAL, Op.NOT_EQUAL)}
_SLOW_ARITHMETIC = {op: BINARY_SEMANTICS[op] for op in (Op.ADD, Op.SUB, Op.MUL)}


# RARE_OPS as the loop reaches it: GET_FIELD and CALL_METHOD are tested after it
# (their cache hits are done inline), so the other rare ops pay no test for them.
_LOOP_RARE_OPS = [None if op in (Op.GET_FIELD, Op.CALL_METHOD) else handler for op, handler in enumerate(RARE_OPS)]
_new_object = object.__new__
DICT_STR = (dict, str)   # an INDEX site's feedback key for a dict read by a string


class VM(VMState, EntryPoints, Calls, Control, Timing, CopyOnWrite, RareOps, FrameStack):
    """Tier 0. This module has the dispatch loop; the VM's state is vm/state.py's, and the mixins
    add the entry points (vm/entry.py), the call set-up (vm/calls.py), the pause/interrupt protocol
    (vm/control.py), copy-on-write (vm/cow.py) and the rare opcodes' handlers
    (vm/ops.py)."""

    # ------------------------------------------------------------ the loop
    #
    # Time profile. The clock is read only when control passes between two
    # *different* functions (a call, a return, an unwind): the time since the
    # last reading (``mark``) is added to the self time of the function that
    # was running. A direct self-recursive call or return cannot change whose
    # self time is accruing, so it reads no clock. ``profile.active`` counts a
    # function's activations entered from a different function (recursion
    # counts once) and ``total_ns`` adds the time of the outermost one.
    # Time that is not the running function's is taken off the clock of the
    # context it happened in (vm/timing.py).

    def _loop(self, base: int) -> Any:  # noqa: C901 - the dispatch loop is one function on purpose
        # Why one long function: in CPython a call costs more than most
        # instructions do, and only a function's own locals are fast to read and
        # write. Splitting hot opcodes (or CALL/RETURN) into methods would add a
        # call per instruction and make the cached frame state (locs, stack, pc,
        # the run_state fields) attribute or argument traffic. So every hot
        # opcode is inline here; rare ones are one table call (vm/ops.py), and
        # everything that is not per-instruction lives outside (vm/control.py,
        # vm/cow.py, the call set-up above).
        frames = self.frames
        interrupt = self.interrupt
        G = self.globals
        max_depth = self.depth_limit   # (less the native activations below: vm/framestack.py)
        perf_ns = time.perf_counter_ns
        is_truthy = values.is_truthy
        int_min, int_max = INT_MIN, INT_MAX
        # Locals, not builtins: every handler tests types (a local is the cheapest read).
        type, int, float, str = builtins.type, builtins.int, builtins.float, builtins.str  # noqa: A001
        osr_at = self.hooks.osr_at if self.hooks is not None else -1
        # How deep a compiled function's calls may nest in Python (vm/functions.py).
        fast_room = sys.getrecursionlimit() // 4
        clock = self.clock
        # Opcodes as plain-int locals: the fastest thing Python can compare against.
        LOAD_LOCAL, LOAD_CONST, STORE_LOCAL, ADD, SUB, LESS = map(int, (
            Op.LOAD_LOCAL, Op.LOAD_CONST, Op.STORE_LOCAL, Op.ADD, Op.SUB, Op.LESS))
        JUMP_IF_FALSE, JUMP_BACK, JUMP, LOAD_GLOBAL, CALL, RETURN = map(int, (
            Op.JUMP_IF_FALSE, Op.JUMP_BACK, Op.JUMP, Op.LOAD_GLOBAL, Op.CALL, Op.RETURN))
        MUL, INDEX, FOR_ITER, POP = int(Op.MUL), int(Op.INDEX), int(Op.FOR_ITER), int(Op.POP)
        ARITHMETIC = frozenset((ADD, SUB, MUL))
        COMPARE_JUMP, ARITH_STORE, BINARY, LOAD_LOCAL2, CALL_GLOBAL, LOCAL_FIELD, LOCAL_METHOD = (
            peephole.COMPARE_JUMP, peephole.ARITH_STORE, peephole.BINARY, peephole.LOAD_LOCAL2, peephole.CALL_GLOBAL,
            peephole.LOCAL_FIELD, peephole.LOCAL_METHOD)
        CALL_METHOD, GET_FIELD = int(Op.CALL_METHOD), int(Op.GET_FIELD)
        rare_ops = _LOOP_RARE_OPS
        LOOP, loop_at = loops.LOOP, loops.LOOP_AT
        LOCAL_ARG, CONST_ARG, BINARY_CONST_ARG = peephole.LOCAL_ARG, peephole.CONST_ARG, peephole.BINARY_CONST_ARG

        profile = None
        mark = perf_ns()
        while True:
            # (Re)load the cached state of the frame on top: after an error was
            # caught, or a slow path pushed a frame. CALL and RETURN do this inline.
            frame = frames[-1]
            now = perf_ns()
            if profile is not None:
                profile.self_ns += now - mark
            mark = now
            (profile, quick, consts, names, counters, fast_hits, float_hits, feedback, fused_ints,
             fused_floats, stored_ints, stored_floats, callee_names, callee_calls, ics) = frame.code.profile.run_state
            locs = frame.locals
            stack = frame.stack
            pc = frame.pc
            try:
                while True:   # (left when a slow path pushed a frame: the outer loop reloads it)
                    while True:   # dispatch (left by `break` only for a call: the frame switch below)
                        op, arg, pc = quick[pc]  # pc: the next instruction's
                        # Most frequent first, as measured on the examples and benchmarks
                        # (a test costs about as much as a list bump); since simple loops
                        # run compiled (vm/loops.py), what stays here is mostly calls,
                        # returns and the branches around them. Fused instructions
                        # (peephole.py): operands are locals or a constant; only the
                        # int/int and float/float cases are done here.
                        if op == COMPARE_JUMP:
                            x, y, y_is_const, int_fn, float_fn, site, target = arg
                            a = locs[x]
                            b = y if y_is_const else locs[y]
                            if type(a) is int and type(b) is int:
                                fast_hits[site] += 1
                                if not int_fn(a, b):
                                    counters[site + 1] += 1
                                    pc = target
                                continue
                            if type(a) is float and type(b) is float:
                                float_hits[site] += 1
                                if not float_fn(a, b):
                                    counters[site + 1] += 1
                                    pc = target
                                continue
                            # Anything else: the original compare and jump do it.
                            stack.append(a)
                            stack.append(b)
                            a = b = None
                            pc = site
                        elif op == CALL_GLOBAL or op == CALL:
                            if op == CALL:
                                if interrupt[0]:
                                    frame.pc = pc - 1
                                    self._on_interrupt()
                                callee = stack[-arg - 1]
                                new_locals = stack[len(stack) - arg:]
                                del stack[len(stack) - arg - 1:]
                            else:
                                # LOAD_GLOBAL, simple arguments, CALL (peephole): the arguments are
                                # computed here, the call is CALL's. Anything unusual (an undefined
                                # name, a pending interrupt, an argument off its fast path) runs the
                                # rest of the group unfused from where it stands.
                                first, name, sources = arg
                                callee = G.get(name, _MISSING)
                                if callee is _MISSING:
                                    callee = self.builtins.get(name, _MISSING)
                                if callee is _MISSING or interrupt[0]:
                                    pc = first + 1
                                    stack.append(self._global(name))
                                    callee = None
                                    continue
                                new_locals = []
                                for kind, x, y, int_fn, float_fn, site in sources:
                                    if kind == LOCAL_ARG:
                                        new_locals.append(locs[x])
                                        continue
                                    if kind == CONST_ARG:
                                        new_locals.append(x)
                                        continue
                                    a = locs[x]
                                    b = y if kind == BINARY_CONST_ARG else locs[y]
                                    if type(a) is int and type(b) is int:
                                        r = int_fn(a, b)
                                        if int_min <= r and r <= int_max:
                                            new_locals.append(r)
                                            fast_hits[site] += 1
                                            continue
                                    elif type(a) is float and type(b) is float:
                                        new_locals.append(float_fn(a, b))
                                        float_hits[site] += 1
                                        continue
                                    stack.append(callee)   # as if unfused up to this argument's operator
                                    stack += new_locals
                                    stack.append(a)
                                    stack.append(b)
                                    a = b = callee = new_locals = None
                                    pc = site
                                    break
                                if new_locals is None:
                                    continue
                                arg = len(new_locals)
                            if type(callee) is Function:
                                break   # to the frame switch below
                            frame.pc = pc  # builtins check their own argument counts
                            if type(callee) is not Builtin:
                                self.call_other(callee, new_locals, feedback, pc - 1)   # (not callable: raises)
                            # A builtin: call_other's work, with the site's feedback (the callee's
                            # name) counted in the callee slots, as a Ruff function's is.
                            if callee_names[pc - 1] is callee.name:
                                callee_calls[pc - 1] += 1
                            else:
                                profile.count_callee(pc - 1, callee.name)
                            if (callee.reuses_first and new_locals and type(new_locals[0]) in ARRAY_TYPES
                                    and len(new_locals) in callee.arities):
                                self.drop_replaced(frame, pc, new_locals[0])   # (push: can't fail then)
                            stack.append(callee.fn(self, new_locals))
                            new_locals = callee = None
                        elif op == RETURN:
                            # arg is None, or a local (peephole's LOAD_LOCAL + RETURN)
                            result = stack.pop() if arg is None else locs[arg]
                            finished = frames.pop()
                            if finished.started_ns:  # entered from another function (not self-recursion)
                                now = perf_ns()
                                profile.self_ns += now - mark
                                mark = now
                                profile.active -= 1
                                if not profile.active:
                                    profile.total_ns += now - finished.started_ns
                                if len(frames) == base:
                                    return result
                                frame = frames[-1]
                                (profile, quick, consts, names, counters, fast_hits, float_hits, feedback, fused_ints,
                                 fused_floats, stored_ints, stored_floats, callee_names, callee_calls, ics) = frame.code.profile.run_state
                            else:   # back in a caller running the same code: its cached state is this one
                                frame = frames[-1]
                            finished = None
                            locs = frame.locals
                            stack = frame.stack
                            pc = frame.pc
                            stack.append(result)
                            result = None
                        elif op == ARITH_STORE:
                            x, y, y_is_const, int_fn, float_fn, site, slot = arg
                            a = locs[x]
                            b = y if y_is_const else locs[y]
                            if type(a) is int and type(b) is int:
                                r = int_fn(a, b)
                                if int_min <= r and r <= int_max:
                                    locs[slot] = r
                                    if fused_ints[site]:   # a fast hit at site and an int stored at site + 1
                                        fused_ints[site] += 1
                                    else:
                                        profile.first_count(fused_ints, site)
                                    continue
                            elif type(a) is float and type(b) is float:
                                locs[slot] = float_fn(a, b)
                                if fused_floats[site]:
                                    fused_floats[site] += 1
                                else:
                                    profile.first_count(fused_floats, site)
                                continue
                            elif type(a) is str and type(b) is str and x == slot and int_fn is operator.add:
                                # `s := s + t`, the string builder: drop the local's reference
                                # first, so CPython's `+=` appends in place when nothing else
                                # holds the string (amortized O(1) rather than a copy per step).
                                self._record(feedback, site, (str, str))
                                self._record(feedback, site + 1, str)
                                if len(a) + len(b) > MAX_RESULT_LEN:   # (the error is the ADD's: at its pc)
                                    pc = site + 1
                                    check_length(len(a) + len(b))
                                locs[slot] = None
                                a += b
                                locs[slot] = a
                                a = b = None
                                continue
                            stack.append(a)
                            stack.append(b)
                            a = b = None
                            pc = site
                        elif op == JUMP_BACK:
                            iterations = counters[pc - 1] + 1
                            counters[pc - 1] = iterations
                            if iterations == loop_at:   # a hot loop: maybe run it compiled from now on
                                loops.maybe_compile(self, frame.code, pc - 1)
                            pc = arg
                            if interrupt[0]:
                                frame.pc = pc
                                self._on_interrupt()
                            if iterations == osr_at:
                                # A hot loop: continue it in native code from its header (OSR).
                                # The JIT re-arms the count, so this fires again whenever the
                                # loop runs again (jit/osr.py): nothing more is paid here.
                                frame.pc = pc
                                outcome = self.hooks.enter_loop(frame)
                                if outcome is not None:
                                    if outcome[0] == "return":   # finish with the function's final RETURN
                                        stack.append(outcome[1])
                                        pc = len(frame.code.instrs) - 1
                                    elif outcome[0] == "raise":   # an instruction the loop ran raised
                                        pc = outcome[1]
                                        raise outcome[2]
                                    else:
                                        pc = outcome[1]
                                    outcome = None
                        elif op == BINARY:
                            x, y, y_is_const, int_fn, float_fn, site = arg
                            a = locs[x]
                            b = y if y_is_const else locs[y]
                            if type(a) is int and type(b) is int:
                                r = int_fn(a, b)
                                if int_min <= r and r <= int_max:  # (a bool from a compare passes)
                                    stack.append(r)
                                    fast_hits[site] += 1
                                    continue
                            elif type(a) is float and type(b) is float:
                                stack.append(float_fn(a, b))
                                float_hits[site] += 1
                                continue
                            stack.append(a)
                            stack.append(b)
                            a = b = None
                            pc = site
                        elif op == LOAD_LOCAL:
                            stack.append(locs[arg])
                        elif op == LOAD_GLOBAL:
                            # (no try/except KeyError: a builtin's name raised two, 0.4 us a load)
                            value = G.get(names[arg], _MISSING)
                            stack.append(self._global(names[arg]) if value is _MISSING else value)
                            value = None
                        elif op == LOAD_CONST:
                            stack.append(consts[arg])
                        elif op in ARITHMETIC:
                            b = stack.pop()
                            a = stack[-1]
                            if type(a) is int and type(b) is int:
                                r = a + b if op == ADD else a - b if op == SUB else a * b
                                if int_min <= r and r <= int_max:
                                    stack[-1] = r
                                    fast_hits[pc - 1] += 1
                                    continue
                            elif type(a) is float and type(b) is float:
                                stack[-1] = a + b if op == ADD else a - b if op == SUB else a * b
                                float_hits[pc - 1] += 1
                                continue
                            self._record(feedback, pc - 1, (type(a), type(b)))
                            if type(a) is str and type(b) is str and op == ADD:
                                # The string builder: with the stack's and the replaced
                                # variable's references gone, CPython's `+=` appends in place.
                                check_length(len(a) + len(b))
                                stack[-1] = None
                                self.drop_replaced(frame, pc, a)
                                a += b
                                stack[-1] = a
                                a = b = None
                                continue
                            if type(a) is StructValue:   # an operator overload: a call of a.op_add (...)
                                stack.pop()
                                callee, new_locals, arg = self._operator_method(a, OPERATOR_METHODS[op], frame, pc - 1), [a, b], 2
                                a = b = None
                                break   # to the frame switch below
                            stack[-1] = _SLOW_ARITHMETIC[op](a, b)
                            a = b = None
                        elif op == STORE_LOCAL:
                            value = stack.pop()
                            locs[arg] = value
                            kind = type(value)
                            value = None
                            if kind is int and stored_ints[pc - 1]:   # (the first goes to the dict)
                                stored_ints[pc - 1] += 1
                            elif kind is float and stored_floats[pc - 1]:
                                stored_floats[pc - 1] += 1
                            elif kind is int or kind is float:
                                profile.first_count(stored_ints if kind is int else stored_floats, pc - 1)
                            else:
                                seen = feedback[pc - 1]
                                seen[kind] = seen.get(kind, 0) + 1
                        elif op == LOAD_LOCAL2:
                            stack.append(locs[arg[0]])
                            stack.append(locs[arg[1]])
                        elif op == FOR_ITER:
                            position = stack[-1]
                            items = stack[-2]
                            bools = False
                            if type(items) is RArray:   # (the array stays on the stack: copy-on-write sees the loop hold it)
                                bools = items.kind == BOOL   # (its storage holds bytes)
                                items = items.items
                            if position < len(items):
                                stack[-1] = position + 1
                                stack.append(items[position] if not bools else items[position] == 1)
                                items = None
                            else:
                                items = None
                                del stack[-2:]
                                counters[pc - 1] += 1
                                pc = arg
                        elif op == JUMP_IF_FALSE:
                            value = stack.pop()
                            if value is False or (value is not True and not is_truthy(value)):
                                counters[pc - 1] += 1
                                pc = arg
                            value = None
                        elif op == INDEX:
                            index = stack.pop()
                            if type(stack[-1]) is RArray and type(index) is int:
                                seen = feedback[pc - 1]          # (an int key: the element kind)
                                kind = stack[-1].kind
                                seen[kind] = seen.get(kind, 0) + 1
                            elif type(stack[-1]) is list and type(index) is int:
                                fast_hits[pc - 1] += 1
                            elif type(stack[-1]) is dict and type(index) is str and index in stack[-1]:
                                seen = feedback[pc - 1]          # (a present str key: the lookup here)
                                seen[DICT_STR] = seen.get(DICT_STR, 0) + 1
                                stack[-1] = stack[-1][index]
                                continue
                            else:
                                self._record(feedback, pc - 1, (type(stack[-1]), type(index)))
                            stack[-1] = values.index_get(stack[-1], index)
                        elif op == POP:
                            del stack[-1]
                        elif op == LESS:
                            b = stack.pop()
                            a = stack[-1]
                            if type(a) is int and type(b) is int:
                                stack[-1] = a < b
                                fast_hits[pc - 1] += 1
                            elif type(a) is float and type(b) is float:
                                stack[-1] = a < b
                                float_hits[pc - 1] += 1
                            else:
                                self._record(feedback, pc - 1, (type(a), type(b)))
                                stack[-1] = values.less(a, b)
                                a = b = None
                        elif op == JUMP:
                            pc = arg
                        elif op in _GENERIC_BINARY:
                            b = stack.pop()
                            a = stack[-1]
                            if type(a) is type(b) and (type(a) is int or type(a) is float):
                                if type(a) is int:
                                    fast_hits[pc - 1] += 1
                                else:
                                    float_hits[pc - 1] += 1
                            else:
                                self._record(feedback, pc - 1, (type(a), type(b)))
                                if type(a) is StructValue and op in OPERATOR_METHODS:
                                    stack.pop()
                                    callee, new_locals, arg = self._operator_method(a, OPERATOR_METHODS[op], frame, pc - 1), [a, b], 2
                                    a = b = None
                                    break   # to the frame switch below
                            stack[-1] = _GENERIC_BINARY[op](a, b)
                            a = b = None
                        elif op == LOCAL_FIELD:
                            # LOAD_LOCAL + GET_FIELD (peephole): a hit of the field site's inline
                            # cache on a struct with the field; anything else runs the GET_FIELD.
                            value = locs[arg[0]]
                            cache = ics[arg[1]]
                            if type(value) is StructValue and value.type is cache.shape and cache.slot >= 0:
                                cache.hits += 1
                                stack.append(value.slots[cache.slot])
                            else:
                                stack.append(value)
                                pc = arg[1]
                            value = None
                        else:
                            handler = rare_ops[op]   # (None: GET_FIELD and CALL_METHOD, whose hits are done here)
                            if handler is not None:
                                pc = handler(self, arg, frame, stack, pc)
                                if pc < 0:  # a frame was pushed (a method or an operator overload)
                                    callee = None
                                    break
                            elif op == LOCAL_METHOD:
                                # (peephole): a cache hit is CALL_METHOD's call; else the CALL_METHOD runs.
                                callee = locs[arg[0]]
                                new_locals = [callee]
                                for is_const, x in arg[1]:
                                    new_locals.append(x if is_const else locs[x])
                                cache = ics[arg[2]]
                                if type(callee) is StructValue and callee.type is cache.shape and cache.target:
                                    cache.hits += 1
                                    callee = cache.target
                                    arg = len(new_locals)
                                    break   # to the frame switch below
                                stack += new_locals
                                pc = arg[2]
                                callee = new_locals = None
                            elif op == LOOP:
                                # A compiled loop's back-edge (vm/loops.py): the JUMP_BACK's count,
                                # then the loop runs compiled until it exits or needs the loop here;
                                # with a safepoint's work to do, the plain JUMP_BACK runs instead.
                                iterations = counters[pc - 1] + 1
                                if iterations == osr_at or interrupt[0]:
                                    pc = arg[1]
                                else:
                                    counters[pc - 1] = iterations
                                    pc = arg[0](locs, stack, interrupt, osr_at)
                            elif op == GET_FIELD:
                                # A hit of the site's inline cache, as LOCAL_FIELD's; the rest is the op's.
                                value = stack[-1]
                                cache = ics[pc - 1]
                                if type(value) is StructValue and value.type is cache.shape and cache.slot >= 0:
                                    cache.hits += 1
                                    stack[-1] = value.slots[cache.slot]
                                else:
                                    self.op_GET_FIELD(arg, frame, stack, pc)
                                value = None
                            else:   # CALL_METHOD
                                # A hit of the site's inline cache on a struct whose method is a
                                # Ruff function (cached by shape: a shape fixes its methods) is
                                # a call of that function with the receiver as `self`; the rest
                                # (misses, builtin structs, arrays' iterator methods) is the op's.
                                callee = stack[-arg[1] - 1]
                                cache = ics[pc - 1]
                                if type(callee) is StructValue and callee.type is cache.shape and cache.target:
                                    cache.hits += 1
                                    callee = cache.target
                                    arg = arg[1] + 1
                                    new_locals = stack[len(stack) - arg:]
                                    del stack[len(stack) - arg:]
                                else:
                                    callee = None
                                    pc = self._call_method(frame, consts[arg[0]], arg[1], stack, pc)
                                    if pc < 0:   # a frame was pushed
                                        break
                                    continue
                                break   # to the frame switch below
                    # The frame switch (the hottest slow thing), the inline copy of _new_frame
                    # (+ call_function's tiering, _push's timing): keep them in step. Dispatch
                    # breaks to here with `callee` (a Ruff function) and its `arg` arguments in
                    # `new_locals` (a call, a method call, an overload), or callee None when a
                    # slow path pushed a frame itself: the outer loop reloads the top frame.
                    if callee is None:
                        break
                    fcode = callee.code
                    if op == CALL_GLOBAL or op == CALL:   # (a method or operator site's feedback: its cache)
                        if callee_names[pc - 1] is fcode.name:   # call-site feedback: callee names
                            callee_calls[pc - 1] += 1
                        else:
                            profile.count_callee(pc - 1, fcode.name, fcode)
                    fprofile = fcode.profile
                    if fprofile is None or arg != fprofile.arity or len(frames) >= max_depth:
                        fprofile = self._check_call(fcode, arg)
                    fprofile.calls += 1
                    if arg:
                        # argument types: the first one's usual type in a slot of its own
                        kind = type(new_locals[0])
                        if kind is fprofile.arg0_kind:
                            fprofile.arg0_count += 1
                        else:
                            fprofile.count_arg0(kind)
                        if arg > 1:
                            for i in range(1, arg):
                                seen = fprofile.raw_arg_types[i]
                                kind = type(new_locals[i])
                                seen[kind] = seen.get(kind, 0) + 1
                    # Tiering: a hot function goes to the JIT; native code runs
                    # the whole call unless its entry refuses the argument types.
                    if fprofile.calls >= fprofile.hot_at:
                        self.hooks.on_hot(fcode)
                    frame.pc = pc
                    if fprofile.native is not None:
                        result = fprofile.native(new_locals, callee)
                        if result is not NOT_TAKEN:
                            stack.append(result)
                            result = new_locals = None
                            continue
                        result = None
                    fast = fprofile.fast
                    if fast is not None:
                        # A compiled function (vm/functions.py): the call runs as a Python
                        # call, timed as the frame switch and RETURN time it; anything
                        # off its fast path comes back as the frames it stands for.
                        if fast.vm is self and not interrupt[0]:
                            room = max_depth - len(frames) - 1
                            if room > fast_room:
                                room = fast_room
                            if fprofile is profile:
                                started = 0
                            else:
                                started = now = perf_ns()
                                profile.self_ns += now - mark
                                mark = now
                                fprofile.active += 1
                            self.fast_running = fcode
                            clock[0] = mark
                            try:
                                result = fast.run(callee, room, *new_locals)
                            except Deopt as deopt:
                                self.fast_running = None
                                fast.bailed()
                                deopt.frames[-1].started_ns = started
                                frames.extend(reversed(deopt.frames))
                                profile = frames[-1].code.profile   # (the time since the mark is its own)
                                mark = clock[0]
                                callee = fast = None
                                break   # the outer loop loads the innermost frame
                            self.fast_running = None
                            mark = clock[0]
                            if started:
                                now = perf_ns()
                                fprofile.self_ns += now - mark
                                mark = now
                                fprofile.active -= 1
                                if not fprofile.active:
                                    fprofile.total_ns += now - started
                            stack.append(result)
                            result = new_locals = fast = None
                            continue
                        fast = None
                    elif fprofile.calls >= fprofile.fast_at:
                        functions.maybe_compile(self, fcode)
                    if fprofile.padding:
                        new_locals += fprofile.padding
                    frame = _new_object(Frame)
                    frame.code = fcode
                    frame.function = callee
                    frame.locals = locs = new_locals
                    frame.stack = stack = []
                    frame.pc = pc = 0
                    frame.cells = callee.cells
                    frame.handlers = NO_HANDLERS
                    frames.append(frame)
                    # (callee and new_locals may stay set: neither is a container)
                    if fprofile is profile:
                        # Self-recursion: the same code, so the same cached state; no clock.
                        frame.started_ns = 0
                        continue
                    now = perf_ns()
                    profile.self_ns += now - mark
                    mark = now
                    fprofile.active += 1
                    frame.started_ns = now
                    (profile, quick, consts, names, counters, fast_hits, float_hits, feedback, fused_ints,
                     fused_floats, stored_ints, stored_floats, callee_names, callee_calls, ics) = fprofile.run_state
                    continue
            except RuffError as error:
                frame.pc = pc
                self._unwind(error, base)
            except RecursionError:
                frame.pc = pc
                self.fast_running = None
                self._unwind(RuffError("Stack overflow"), base)
            except Yielded:   # a generator's frame leaves the loop: its time so far is its own
                profile.self_ns += perf_ns() - mark
                raise
