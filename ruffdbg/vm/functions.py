"""Tier 0's compiled functions: a hot small function run as one Python function.

A call in the dispatch loop costs its frame switch: a ``Frame`` made and pushed,
the loop's cached per-code state swapped, the callee's instructions dispatched
one group at a time, then the RETURN's switch back. A model of fib's path with
frames as the loop has them and nothing counted or checked still ran at 15-19x
CPython, so the cost is the frame switch itself. Like ``vm/loops.py`` does for a
hot innermost loop, a hot function whose groups are all *simple* (locals,
constants, globals, int/float arithmetic and comparisons, branches forward) and
whose only calls are of itself is written out as Python source once -- each
group exactly the dispatch loop's fast path for it, bumping the very same
profile slots -- and compiled. Its self-calls are plain Python calls of that
function: no frame, no dispatch; the operand stack lives in Python locals
(``s0``, ``s1`` ...: its depth at each pc is known when writing), and so do the
Ruff locals (``l0`` ...).

The dispatch loop's frame switch calls it (``CompiledFunction.run``) where it
would push the callee's frame. Anything off the fast path -- other operand
types, an overflow, a redefined or tiered-up callee, a safepoint's work (the
interrupt word: pause, Ctrl-C, a step), the depth limit, the JIT's ``hot_at``
mark, a debugger trap armed in the code -- *deoptimizes*: the activation that
meets it raises ``Deopt`` with its frame as the dispatch loop would have it at
that group's first pc (before doing any of it), each compiled caller adds its
own frame (at the pc after its call, its stack below the call) on the way out,
and the dispatch loop pushes them all and runs on from the innermost. So slow
paths, errors (message, line, Ruff stack), ``Stack overflow`` at the depth
limit, tier-up and pauses are exactly the dispatch loop's.

Counts stay exact the way a compiled loop's do: every group bumps what its
dispatch-loop twin bumps, and a self-call bumps what the frame switch bumps
(the site's callee slot, ``calls``, the first argument's type slot, the other
arguments' type dicts). A slot whose first count has not happened yet is the
dispatch loop's (the group deoptimizes). A function whose compiled form keeps
deoptimizing goes back to the dispatch loop for good (``MAX_BAILS``).

Python recursion: each Ruff activation of a compiled function is one Python
frame. The VM's thread has a high recursion limit (harness.py); an entry never
goes deeper than a quarter of the current limit (``room``), past which it
deoptimizes and the dispatch loop goes on with frames.
"""

from __future__ import annotations

import operator
import time
from typing import Any, Callable

from ruffdbg.compiler import peephole
from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.objects import Function
from ruffdbg.core.values import INT_MAX, INT_MIN, is_truthy, values_equal
from ruffdbg.profile.counters import FAST_AT
from ruffdbg.vm.frame import NO_HANDLERS, Frame
from ruffdbg.vm.loops import _DIVISIONS, LOOP, _apply

NEVER = 1 << 62
MAX_GROUPS = 200    # groups written (branches duplicate their tails) before giving up
MAX_BAILS = 64      # deopts before a function may go back to the dispatch loop for good ...
MISS_RATE = 16      # ... if they were more than one per this many calls
_ARITHMETIC = {int(Op.ADD), int(Op.SUB), int(Op.MUL)}
_STACK_BINARY = {int(op) for op in peephole.FUSABLE}   # + - * and the comparisons
_INT_ARITHMETIC = (operator.add, operator.sub, operator.mul)   # (results to range-check)
_new_object = object.__new__


class Unsupported(Exception):
    """The function has a group the compiled form does not do: it stays in the dispatch loop."""


class NotYet(Exception):
    """A debugger trap is armed in the function, or a call site has not run yet: not now."""


class Deopt(Exception):
    """A compiled activation leaves for the dispatch loop: ``frames`` are the
    activations between the dispatch loop and the one that left, innermost first."""

    def __init__(self, frame: Frame):
        super().__init__()
        self.frames = [frame]


def frame_of(function: Function, pc: int, locs: list, stack: list) -> Frame:
    """The frame a compiled activation stands for (``started_ns`` 0: a self-call's;
    the dispatch loop sets the outermost one's)."""
    frame = _new_object(Frame)
    frame.code = function.code
    frame.function = function
    frame.locals = locs
    frame.stack = stack
    frame.pc = pc
    frame.cells = function.cells
    frame.handlers = NO_HANDLERS
    frame.started_ns = 0
    return frame


class CompiledFunction:
    """One compiled function: ``run(function, room, *args)`` returns its result or
    raises ``Deopt`` (``room``: calls it may still nest)."""

    __slots__ = ("vm", "code", "run", "bails", "since")

    def __init__(self, vm: Any, code: CodeObject, run: Callable):
        self.vm = vm
        self.code = code
        self.run = run
        self.bails = 0
        self.since = code.profile.calls

    def bailed(self) -> None:
        """A deopt reached the dispatch loop: one that is not rare (one per
        ``MISS_RATE`` calls) sends the function back to the dispatch loop for good."""
        self.bails += 1
        profile = self.code.profile
        if self.bails >= MAX_BAILS and self.bails * MISS_RATE > profile.calls - self.since:
            profile.fast = profile.fast_code = None


def maybe_compile(vm: Any, code: CodeObject) -> None:
    """``code`` got hot in the dispatch loop: compile it once (never again if a group
    is not one the compiled form does); installed unless the debugger holds it."""
    profile = code.profile
    profile.fast_at = NEVER
    if profile.fast_code is not None:
        return
    try:
        writer = _Writer(vm, code)
        source = writer.source()
    except NotYet:   # (tried again later, less and less often)
        profile.fast_at = 2 * profile.calls + FAST_AT
        return
    except Unsupported:
        return
    namespace = writer.namespace
    exec(compile(source, f"<ruff function {code.name}>", "exec"), namespace)
    compiled = CompiledFunction(vm, code, namespace["run"])
    namespace["ME"] = compiled
    profile.fast_code = compiled
    if not profile.loops_held:
        profile.fast = compiled


def hold(code: CodeObject) -> None:
    """The debugger arms traps in ``code``: its compiled form stops being entered
    (a running activation leaves at its next call); see ``vm/loops.py``'s ``hold``."""
    if code.profile is not None:
        code.profile.fast = None


def release(code: CodeObject) -> None:
    """No trap is armed in ``code`` any more: its compiled form runs again."""
    if code.profile is not None:
        code.profile.fast = code.profile.fast_code


# ------------------------------------------------------------ the compiler


class _Writer:
    """Python source for ``code``: each path from the entry to a RETURN written out
    (a branch's taken path first, inside its ``if``; both end in a return or a
    raise, so the path not taken simply follows)."""

    def __init__(self, vm: Any, code: CodeObject):
        self.code = code
        profile = code.profile
        self.profile = profile
        if code.is_script or profile is None or profile.run_state is None:
            raise Unsupported("not a prepared function")
        self.quick = peephole.quick_of(code)
        self.namespace: dict[str, Any] = {
            "counters": profile.counters, "fast_hits": profile._fast_hits, "float_hits": profile._float_hits,
            "feedback": profile.raw_feedback, "fused_ints": profile.fused_ints, "fused_floats": profile.fused_floats,
            "stored_ints": profile.stored_ints, "stored_floats": profile.stored_floats,
            "callee_names": profile.callee_names, "callee_calls": profile.callee_calls,
            "arg_types": profile.raw_arg_types, "P": profile, "CODE": code, "NAME": code.name,
            "Function": Function, "Deopt": Deopt, "frame_of": frame_of, "is_truthy": is_truthy,
            "values_equal": values_equal, "INT_MIN": INT_MIN, "INT_MAX": INT_MAX,
            "G": vm.globals, "interrupt": vm.interrupt, "VM": vm, "clock": vm.clock, "perf_ns": time.perf_counter_ns,
        }
        self.groups = 0
        self.nlocals = len(code.local_names)
        self.arity = len(code.params)
        if self.arity and profile.arg0_kind is None:
            raise NotYet("no argument type seen")

    def source(self) -> str:
        params = ", ".join(f"l{i}" for i in range(self.arity))
        lines = [f"def run(func, room{', ' if params else ''}{params}):"]
        lines += [f"    l{i} = None" for i in range(self.arity, self.nlocals)]
        lines += _indent(self._path(0, 0))
        return "\n".join(lines) + "\n"

    # -------------------------------------------------------------- helpers

    def _const(self, value: Any) -> str:
        if type(value) is int or type(value) is str or value is None or type(value) is bool:
            return repr(value)
        name = f"K{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _state(self, depth: int) -> str:
        """The frame's locals and stack as Python source (for a deopt)."""
        locs = "[" + ", ".join(f"l{i}" for i in range(self.nlocals)) + "]"
        stack = "[" + ", ".join(f"s{i}" for i in range(depth)) + "]"
        return f"{locs}, {stack}"

    def _bail(self, pc: int, depth: int) -> list[str]:
        return [f"raise Deopt(frame_of(func, {pc}, {self._state(depth)}))"]

    def _ready(self, slots: str, index: int) -> bool:
        """Has ``slots[index]`` had its first count (else the dispatch loop's)?"""
        return bool(getattr(self.profile, slots)[index])

    def _typed(self, a: str, b: str, b_const: Any, is_const: bool, int_case: list[str],
               float_case: list[str] | None, bail: list[str]) -> list[str]:
        """int/int, float/float (None: not here), else bail; a constant operand
        decides one test when writing."""
        if is_const and type(b_const) is int:
            cases = [(f"type({a}) is int", int_case)]
        elif is_const and type(b_const) is float:
            cases = [(f"type({a}) is float", float_case)]
        elif is_const:   # (a string's + and the like: always the dispatch loop's)
            return bail
        else:
            cases = [(f"type({a}) is int and type({b}) is int", int_case),
                     (f"type({a}) is float and type({b}) is float", float_case)]
        lines: list[str] = []
        for test, body in cases:
            if body is None:
                continue
            lines.append(("if " if not lines else "elif ") + test + ":")
            lines += _indent(body)
        if not lines:
            return bail
        return lines + ["else:"] + _indent(bail)

    # -------------------------------------------------------------- paths

    def _path(self, pc: int, depth: int) -> list[str]:
        """The source from ``pc`` (the operand stack ``depth`` deep) to a return."""
        lines: list[str] = []
        quick = self.quick
        while True:
            self.groups += 1
            if self.groups > MAX_GROUPS:
                raise Unsupported("too long")
            op, arg, following = quick[pc]
            if op >= peephole.STAND_IN and op != LOOP:
                raise NotYet("a trap")
            bail = self._bail(pc, depth)
            if op == peephole.COMPARE_JUMP:
                x, y, is_const, int_fn, float_fn, site, target = arg
                a, b = f"l{x}", (self._const(y) if is_const else f"l{y}")
                lines += self._typed(a, b, y, is_const,
                                     ["fast_hits[%d] += 1" % site, f"t = {_apply(int_fn, a, b)}"],
                                     ["float_hits[%d] += 1" % site, f"t = {_apply(float_fn, a, b)}"], bail)
                lines += ["if not t:", f"    counters[{site + 1}] += 1"] + _indent(self._branch(pc, target, depth))
            elif op == peephole.ARITH_STORE:
                x, y, is_const, int_fn, float_fn, site, slot = arg
                a, b = f"l{x}", (self._const(y) if is_const else f"l{y}")
                int_case = float_case = None
                if self._ready("fused_ints", site):
                    int_case = [f"r = {_apply(int_fn, a, b)}", "if INT_MIN <= r <= INT_MAX:",
                                f"    l{slot} = r", f"    fused_ints[{site}] += 1", "else:"] + _indent(bail)
                if self._ready("fused_floats", site):
                    float_case = [f"l{slot} = {_apply(float_fn, a, b)}", f"fused_floats[{site}] += 1"]
                lines += self._typed(a, b, y, is_const, int_case, float_case, bail)
            elif op == peephole.BINARY:
                x, y, is_const, int_fn, float_fn, site = arg
                a, b = f"l{x}", (self._const(y) if is_const else f"l{y}")
                lines += self._typed(a, b, y, is_const, self._int_push(_apply(int_fn, a, b), depth, site, bail),
                                     [f"s{depth} = {_apply(float_fn, a, b)}", f"float_hits[{site}] += 1"], bail)
                depth += 1
            elif op == peephole.LOAD_LOCAL2:
                lines += [f"s{depth} = l{arg[0]}", f"s{depth + 1} = l{arg[1]}"]
                depth += 2
            elif op == Op.LOAD_LOCAL:
                lines.append(f"s{depth} = l{arg}")
                depth += 1
            elif op == Op.LOAD_CONST:
                lines.append(f"s{depth} = {self._const(self.code.consts[arg])}")
                depth += 1
            elif op == Op.POP:
                depth -= 1
            elif op == Op.LOAD_GLOBAL:
                lines += [f"s{depth} = G.get({self._const(self.code.names[arg])}, G)", f"if s{depth} is G:"]
                lines += _indent(bail)   # (a builtin, a constant, an undefined name: the dispatch loop's)
                depth += 1
            elif op == Op.STORE_LOCAL:
                lines += self._store(pc, arg, depth, bail)
                depth -= 1
            elif op == Op.JUMP_IF_FALSE:
                depth -= 1
                lines += [f"if s{depth} is False or (s{depth} is not True and not is_truthy(s{depth})):",
                          f"    counters[{pc}] += 1"] + _indent(self._branch(pc, arg, depth))
            elif op == Op.JUMP:
                if arg <= pc:
                    raise Unsupported("a jump back")
                following = arg
            elif op in _STACK_BINARY:
                lines += self._stack_binary(pc, op, depth, bail)
                depth -= 1
            elif op in _DIVISIONS:
                lines += self._division(pc, op, depth, bail)
                depth -= 1
            elif op == Op.RETURN:
                return lines + [f"return {'s%d' % (depth - 1) if arg is None else 'l%d' % arg}"]
            elif op == peephole.CALL_GLOBAL:
                lines += self._call_global(pc, arg, following, depth, bail)
                depth += 1
            elif op == Op.CALL:
                depth -= arg + 1
                lines += self._call(pc, f"s{depth}", [f"s{depth + 1 + i}" for i in range(arg)], [], following, depth,
                                    bail)
                depth += 1
            else:
                raise Unsupported(f"opcode {op}")
            pc = following

    def _branch(self, pc: int, target: int, depth: int) -> list[str]:
        if target <= pc:
            raise Unsupported("a jump back")
        return self._path(target, depth)

    def _int_push(self, expression: str, depth: int, site: int, bail: list[str]) -> list[str]:
        return [f"s{depth} = {expression}", f"if INT_MIN <= s{depth} <= INT_MAX:",
                f"    fast_hits[{site}] += 1", "else:"] + _indent(bail)

    def _stack_binary(self, pc: int, op: int, depth: int, bail: list[str]) -> list[str]:
        int_fn, float_fn = peephole.FUSABLE[Op(op)]
        a, b = f"s{depth - 2}", f"s{depth - 1}"
        int_case = [f"r = {_apply(int_fn, a, b)}"]
        if op in _ARITHMETIC:
            int_case += ["if not (INT_MIN <= r <= INT_MAX):"] + _indent(bail)
        int_case += [f"fast_hits[{pc}] += 1", f"{a} = r"]
        return self._typed(a, b, None, False, int_case,
                           [f"float_hits[{pc}] += 1", f"{a} = {_apply(float_fn, a, b)}"], bail)

    def _division(self, pc: int, op: int, depth: int, bail: list[str]) -> list[str]:
        """``/`` and ``%`` by a divisor that cannot make them fail (an int above 0, a
        float not 0): the interpreter's own function, with its fast or float hit
        (as in vm/loops.py); any other divisor is the dispatch loop's."""
        fn = self._const(_DIVISIONS[op])
        a, b = f"s{depth - 2}", f"s{depth - 1}"
        return [f"if type({a}) is int and type({b}) is int and {b} > 0:",
                f"    fast_hits[{pc}] += 1", f"    {a} = {fn}({a}, {b})",
                f"elif type({a}) is float and type({b}) is float and {b} != 0.0:",
                f"    float_hits[{pc}] += 1", f"    {a} = {fn}({a}, {b})",
                "else:"] + _indent(bail)

    def _store(self, pc: int, slot: int, depth: int, bail: list[str]) -> list[str]:
        value = f"s{depth - 1}"
        lines = [f"t = type({value})"]
        for kind, slots in (("int", "stored_ints"), ("float", "stored_floats")):
            count = [f"{slots}[{pc}] += 1"] if self._ready(slots, pc) else bail
            lines += [f"{'if' if len(lines) == 1 else 'elif'} t is {kind}:"] + _indent(count)
        return lines + ["else:", f"    seen = feedback[{pc}]", "    seen[t] = seen.get(t, 0) + 1",
                        f"l{slot} = {value}"]

    # -------------------------------------------------------------- calls

    def _call_global(self, pc: int, arg: tuple, following: int, depth: int, bail: list[str]) -> list[str]:
        """LOAD_GLOBAL, simple arguments, CALL (peephole): the arguments computed
        first (each int/int or float/float, as its site's profile has it so far:
        nothing may be counted before the last check), then CALL's call."""
        _first, name, sources = arg
        # (a subscript is cheaper than .get; a missing name is the dispatch loop's)
        lines = ["try:", f"    c = G[{self._const(name)}]", "except KeyError:"] + _indent(bail)
        args, bumps = [], []
        checks: list[str] = []
        first_kind = None   # the first argument's type when the fast path fixes it ("int", "float")
        for index, (kind, x, y, int_fn, float_fn, site) in enumerate(sources):
            if kind == peephole.LOCAL_ARG:
                args.append(f"l{x}")
                continue
            if kind == peephole.CONST_ARG:
                args.append(self._const(x))
                continue
            is_const = kind == peephole.BINARY_CONST_ARG
            a, b = f"l{x}", (self._const(y) if is_const else f"l{y}")
            value = f"a{index}"
            args.append(value)
            if is_const and type(y) is not int and type(y) is not float:
                checks += bail   # (the dispatch loop's, always)
                continue
            floats = type(y) is float if is_const else self.profile._float_hits[site] > self.profile._fast_hits[site]
            if floats:
                test = f"type({a}) is float" + ("" if is_const else f" and type({b}) is float")
                checks += [f"if not ({test}):"] + _indent(bail) + [f"{value} = {_apply(float_fn, a, b)}"]
                bumps.append(f"float_hits[{site}] += 1")
                first_kind = "float" if index == 0 and float_fn in _INT_ARITHMETIC else first_kind
            else:
                test = f"type({a}) is int" + ("" if is_const else f" and type({b}) is int")
                checks += [f"if not ({test}):"] + _indent(bail) + [f"{value} = {_apply(int_fn, a, b)}"]
                if int_fn in _INT_ARITHMETIC:
                    checks += [f"if not (INT_MIN <= {value} <= INT_MAX):"] + _indent(bail)
                bumps.append(f"fast_hits[{site}] += 1")
                first_kind = "int" if index == 0 and int_fn in _INT_ARITHMETIC else first_kind
        return lines + self._call(following - 1, "c", args, checks, following, depth, bail, bumps, first_kind)

    def _call(self, call_pc: int, callee: str, args: list[str], checks: list[str], following: int, depth: int,
              bail: list[str], bumps: list[str] = (), first_kind: str | None = None) -> list[str]:
        """A call of a Ruff function as the dispatch loop's frame switch does it:
        first every check (the interrupt word, the depth, the callee, the JIT's
        mark, the site's and the first argument's type slots), then every count,
        then the call. The site's callee so far decides the kind: this very
        function (nothing timed: its self time goes on), or another compiled one
        (timed as a call and a return between different functions are)."""
        name = self.profile.callee_names[call_pc]
        if name is None:
            raise NotYet("a call site that has not run")
        if name == self.code.name:
            return self._self_call(call_pc, callee, args, checks, following, depth, bail, bumps, first_kind)
        target = self.namespace["G"].get(name)
        if type(target) is not Function or target.code.is_script:
            raise Unsupported("a call of something else than a Ruff function")
        if target.code.profile is not None and target.code.profile.fast_at == NEVER \
                and target.code.profile.fast_code is None:
            raise Unsupported("a call of a function that is never compiled")
        lines = [f"if interrupt[0] or not room or type({callee}) is not Function:"] + _indent(bail)
        lines += [f"c2 = {callee}.code", "p2 = c2.profile", "f2 = p2.fast if p2 is not None else None",
                  f"if f2 is None or f2.vm is not VM or c2.name != {name!r} or p2.native is not None "
                  f"or p2.arity != {len(args)} or p2.calls >= p2.hot_at - 1:"] + _indent(bail)
        lines += checks
        if args:
            lines += [f"if {_kind(args[0], first_kind)} is not p2.arg0_kind:"] + _indent(bail)
        lines += self._counts(call_pc, args, bumps, "p2", "p2.raw_arg_types")
        # Timing (vm/interpreter.py "Time profile"): the clock is VM.clock while compiled code runs.
        lines += ["now = perf_ns()", "P.self_ns += now - clock[0]", "clock[0] = now", "p2.active += 1",
                  "VM.fast_running = c2"]
        call = f"f2.run({callee}, room - 1{''.join(', ' + a for a in args)})"
        return lines + [
            "try:", f"    s{depth} = {call}", "except Deopt as deopt:", "    deopt.frames[-1].started_ns = now",
            f"    deopt.frames.append(frame_of(func, {following}, {self._state(depth)}))", "    raise",
            "t = perf_ns()", "p2.self_ns += t - clock[0]", "clock[0] = t", "p2.active -= 1",
            "if not p2.active:", "    p2.total_ns += t - now", "VM.fast_running = CODE"]

    def _self_call(self, call_pc: int, callee: str, args: list[str], checks: list[str], following: int, depth: int,
                   bail: list[str], bumps: list[str], first_kind: str | None) -> list[str]:
        if len(args) != self.arity:
            raise Unsupported("a call with the wrong number of arguments")
        # (``func``: the running function; a global function's calls of itself find it there)
        lines = [f"if interrupt[0] or not room or ({callee} is not func and (type({callee}) is not Function "
                 f"or {callee}.code is not CODE)) or P.fast is not ME or P.native is not None or P.calls >= P.hot_at - 1:"] + _indent(bail)
        lines += checks
        if args:
            lines += [f"if {_kind(args[0], first_kind)} is not P.arg0_kind:"] + _indent(bail)
        lines += self._counts(call_pc, args, bumps, "P", "arg_types")
        call = f"run({callee}, room - 1{''.join(', ' + a for a in args)})"
        return lines + ["try:", f"    s{depth} = {call}", "except Deopt as deopt:",
                        f"    deopt.frames.append(frame_of(func, {following}, {self._state(depth)}))", "    raise"]

    @staticmethod
    def _counts(call_pc: int, args: list[str], bumps: list[str], profile: str, arg_types: str) -> list[str]:
        """What the frame switch counts: the site's callee, the call, the argument types."""
        lines = list(bumps) + [f"callee_calls[{call_pc}] += 1", f"{profile}.calls += 1"]
        if args:
            lines.append(f"{profile}.arg0_count += 1")
        for index in range(1, len(args)):
            lines += [f"seen = {arg_types}[{index}]", f"t = type({args[index]})", "seen[t] = seen.get(t, 0) + 1"]
        return lines


def _kind(value: str, known: str | None) -> str:
    """The type of an argument as Python source: known when writing, or asked."""
    return known if known is not None else f"type({value})"


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]
