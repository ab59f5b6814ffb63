"""Tier 0's compiled loops: an innermost loop run as one Python function.

A Python-level dispatch loop pays a fixed cost per instruction it decodes
(fetch, unpack, a chain of opcode tests), and a model of the loop with no
counting and no type checks at all still ran loop1m at 8x CPython: the cost is
the dispatch itself. So a hot innermost loop made only of *simple* groups of
``code.quick`` (locals, globals, constants, int/float arithmetic, division
and comparisons, branches, array reads, ``for`` over arrays and ranges) is
turned into Python source once -- each group written out as exactly the fast path the dispatch
loop runs for it, bumping the very same profile slots -- and compiled. Its
back-edge (the JUMP_BACK) then becomes a LOOP entry in ``code.quick`` that
does the JUMP_BACK's work and calls the function, which runs iterations until
the loop exits, or something needs the interpreter:

* a group off its fast path (other types, overflow, a key's first count, an
  index out of bounds): the function returns that group's first pc *before*
  doing any of it, and the dispatch loop runs the group from there -- so the
  slow paths, errors and their pc/line are those of the plain program;
* a safepoint's work at a back-edge (the interrupt word set: pause, Ctrl-C,
  slow motion, a step; the OSR mark reached): it returns the back-edge's pc
  before counting it, and the plain JUMP_BACK counts it and does the work;
* every ``FLUSH_EVERY`` iterations, so the counts it keeps in Python locals
  reach the profile (see ``_Writer``) and the LOOP entry is looked at again;
* the debugger arming a trap in the code: it first takes the LOOP entries out
  (``hold``), so the next return lands on the plain JUMP_BACK (or the trap);
  breakpoints and steps stop at their instruction (a breakpoint set from
  another thread while the loop runs: within ``FLUSH_EVERY`` iterations).

Counts stay exact because nothing is counted per block: every group bumps
what its dispatch-loop twin bumps (taken branches and back-edges by pc, fast
and float hits, the store and fused slots, the type dicts), so execution
counts, line heat and type profiles are derived exactly as before. A loop
whose groups leave their fast path too often (``MAX_BAILS``, ``MISS_RATE``)
is compiled again from the profile as it is then (a path that had not run yet
is a fast path by then), ``RECOMPILES`` times at most; then it gets its plain
JUMP_BACK back for good.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

from ruffdbg.compiler import peephole
from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.core import values
from ruffdbg.core.arrays import BOOL, RArray
from ruffdbg.core.values import INT_MAX, INT_MIN, is_truthy, values_equal
from ruffdbg.vm.calls import MISSING as _MISSING

LOOP = peephole.STAND_IN + 1   # (TRAP is STAND_IN: vm/debugger.py) arg: (the function, the trampoline)
# Back-edges taken before a loop is compiled: writing and compiling one costs
# 0.1-1 ms, an iteration saves 0.2-0.3 us, so a cold loop is not worth it.
LOOP_AT = 1000
FLUSH_EVERY = 1024  # back-edges after which a compiled loop returns, its counts added to the profile
MAX_BAILS = 64      # fast-path misses before a loop may be compiled again (see CompiledLoop.bail)
MISS_RATE = 16      # ... if they were more than one per this many iterations
RECOMPILES = 2      # times a loop is compiled again before it stays in the dispatch loop
_SYMBOLS = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.lt: "<", operator.le: "<=",
            operator.gt: ">", operator.ge: ">=", operator.eq: "==", operator.ne: "!="}
_INT_ARITHMETIC = (operator.add, operator.sub, operator.mul)   # (results to range-check)
_ARITHMETIC = {int(Op.ADD), int(Op.SUB), int(Op.MUL)}
_DIVISIONS = {int(Op.DIV): values.div, int(Op.MOD): values.mod}   # (the loop's own functions)
_COMPARES = {int(op): fns for op, fns in peephole.FUSABLE.items() if op in peephole.FUSED_COMPARISONS}


class Unsupported(Exception):
    """The loop has a group the compiled form does not do: it stays in the dispatch loop."""


class Trapped(Exception):
    """A debugger trap is armed inside the loop: not now."""


class CompiledLoop:
    """One compiled loop: its LOOP entry and the JUMP_BACK entry it replaced."""

    __slots__ = ("vm", "code", "back_edge", "entry", "plain", "bails", "since", "generation")

    def __init__(self, vm: Any, code: CodeObject, back_edge: int, plain: tuple, run: Callable, trampoline: int):
        self.vm = vm
        self.code = code
        self.back_edge = back_edge
        self.plain = plain
        self.entry = (LOOP, (run, trampoline), back_edge + 1)
        self.bails = 0
        self.since = code.profile.count(back_edge)   # back-edges before it ran
        self.generation = 0                          # times compiled again before this one

    def bail(self, pc: int) -> int:
        """A group left its fast path at ``pc``: the dispatch loop runs it from there.
        Misses that are not rare (one per ``MISS_RATE`` iterations) replace the loop."""
        self.bails += 1
        if self.bails >= MAX_BAILS and self.bails * MISS_RATE > self.code.profile.count(self.back_edge) - self.since:
            self._replace()
        return pc

    def _replace(self) -> None:
        """Compile the loop again from the profile as it is now (a path that kept
        missing because it had not run yet is a fast path now), ``RECOMPILES``
        times at most; after that the loop is the dispatch loop's for good."""
        profile = self.code.profile
        self.uninstall()
        profile.loops[self.back_edge] = None
        if self.generation >= RECOMPILES:
            return
        try:
            loop = _compile(self.vm, self.code, self.back_edge, self.plain)
        except (Unsupported, Trapped):
            return
        loop.generation = self.generation + 1
        profile.loops[self.back_edge] = loop
        if not profile.loops_held:
            loop.install()

    def install(self) -> None:
        self.code.quick[self.back_edge] = self.entry

    def uninstall(self) -> None:
        quick = self.code.quick
        if quick[self.back_edge] is self.entry:
            quick[self.back_edge] = self.plain


def maybe_compile(vm: Any, code: CodeObject, back_edge: int) -> None:
    """The loop closed by the JUMP_BACK at ``back_edge`` got hot: compile and
    install it, unless it was tried already, the debugger holds the code, or a
    group is not one the compiled form does (then never again)."""
    profile = code.profile
    if back_edge in profile.loops or profile.loops_held:
        return
    try:
        loop = _compile(vm, code, back_edge, code.quick[back_edge])
    except Trapped:
        return   # (not marked: should its count come round to LOOP_AT again, it is tried again)
    except Unsupported:
        profile.loops[back_edge] = None
        return
    profile.loops[back_edge] = loop
    loop.install()


def hold(code: CodeObject) -> None:
    """The debugger is about to arm traps in ``code``: every LOOP entry goes (a
    running loop returns at its next back-edge), and none is installed until
    ``release``; so a trap's trampoline copy is never a LOOP entry."""
    profile = code.profile
    if profile is None or profile.loops_held:   # (not run yet: nothing compiled; a trap in a
        return                                  # loop keeps it from being compiled, see _groups)
    profile.loops_held = True
    quick = code.quick
    for loop in profile.loops.values():
        if loop is not None and quick[loop.back_edge] is loop.entry:
            quick[loop.back_edge] = loop.plain


def release(code: CodeObject) -> None:
    """No trap is armed in ``code`` any more: its compiled loops run again."""
    profile = code.profile
    if profile is None or not profile.loops_held:
        return
    profile.loops_held = False
    for loop in profile.loops.values():
        if loop is not None and code.quick[loop.back_edge] is loop.plain:
            loop.install()


# ------------------------------------------------------------ the compiler


def _compile(vm: Any, code: CodeObject, back_edge: int, plain: tuple) -> CompiledLoop:
    """``plain``: the JUMP_BACK entry at ``back_edge`` (the LOOP entry may be there)."""
    quick = code.quick
    op, header, _ = plain
    if op != Op.JUMP_BACK:
        raise Unsupported("not a plain back-edge")
    writer = _Writer(vm, code, header, back_edge)
    source = writer.source()
    namespace = writer.namespace
    # The trampoline: the plain JUMP_BACK's copy, which the LOOP entry runs when a
    # safepoint has work to do (its entry carries its own next pc).
    exec(compile(source, f"<ruff loop {code.name}:{back_edge}>", "exec"), namespace)
    quick.append(plain)
    loop = CompiledLoop(vm, code, back_edge, plain, namespace["run"], len(quick) - 1)
    namespace["bail"] = loop.bail
    return loop


class _Writer:
    """Python source for the loop ``header..back_edge`` of ``code``, a group of
    ``code.quick`` at a time (each the dispatch loop's fast path for it).

    Why the function looks the way it does (it is the hot path now): the frame's
    locals the loop uses live in Python locals (``l3`` is ``locs[3]``), written
    back at the exit; every count the groups bump is a Python local too (``c0``
    ...), added to its profile slot at the exit. There is one exit, after the
    ``while``: every way out sets ``out`` (a bail: ``~pc``) and breaks. The
    function returns every ``FLUSH_EVERY`` iterations at least, so what views
    read while it runs is never more than that many iterations old; a pause, a
    step or a breakpoint sees it all, since they stop only outside it.
    """

    def __init__(self, vm: Any, code: CodeObject, header: int, back_edge: int):
        self.code = code
        self.header = header
        self.back_edge = back_edge
        profile = code.profile
        self.profile = profile
        self.namespace: dict[str, Any] = {
            "counters": profile.counters, "fast_hits": profile._fast_hits, "float_hits": profile._float_hits,
            "feedback": profile.raw_feedback, "fused_ints": profile.fused_ints, "fused_floats": profile.fused_floats,
            "stored_ints": profile.stored_ints, "stored_floats": profile.stored_floats,
            "RArray": RArray, "BOOL": BOOL, "is_truthy": is_truthy, "values_equal": values_equal,
            "INT_MIN": INT_MIN, "INT_MAX": INT_MAX,
            "vm": vm, "G": vm.globals, "KINDS": vm.global_kinds, "MISSING": _MISSING,
        }
        self.bumps: dict[tuple[str, int], str] = {}    # (profile list, index) -> its counting local
        self.ready: list[tuple[str, int]] = []        # first-count slots the code counts in (nonzero)
        self.used: set[int] = set()                   # local slots read or written
        self.stored: set[int] = set()                 # local slots written
        self.uses_hooks = False                       # a global is stored (the JIT hears of it)
        self.uses_globals = False                     # the VM's globals are read or written
        self.groups = self._groups()
        starts = {pc for pc, _entry in self.groups}
        targets = sorted(set(self._internal_targets()))
        if any(target not in starts for target in targets):
            raise Unsupported("a jump into a group")
        self.blocks = [header] + [t for t in targets if t != header]

    def _groups(self) -> list[tuple[int, tuple]]:
        groups = []
        pc = self.header
        quick = self.code.quick
        while pc <= self.back_edge:
            entry = quick[pc]
            if entry[0] == LOOP:
                raise Unsupported("a loop inside")
            if entry[0] >= peephole.STAND_IN:
                raise Trapped()
            groups.append((pc, entry))
            pc = entry[2]
        if pc != self.back_edge + 1:
            raise Unsupported("a group runs past the back-edge")
        return groups

    def _internal_targets(self) -> list[int]:
        found = []
        for _pc, (op, arg, _next) in self.groups:
            target = _target(op, arg)
            if target is not None and self.header < target <= self.back_edge:
                found.append(target)
        return found

    # -------------------------------------------------------------- source

    def source(self) -> str:
        single = len(self.blocks) == 1
        indent = "        " if single else "            "
        block_of = {pc: index for index, pc in enumerate(self.blocks)}
        body = []
        for pc, (op, arg, _following) in self.groups:
            if pc in block_of and not single:
                index = block_of[pc]
                if index:   # falling into the next block
                    body.append(f"            block = {index}")
                body.append(f"        if block == {index}:")
            body += [indent + line for line in self._group(pc, op, arg, block_of)]
        counts = sorted(self.bumps.items(), key=lambda item: item[1])
        lines = ["def run(locs, stack, interrupt, osr_at):"]
        if self.ready:   # a first count since compiling (profile reset): the dispatch loop's
            lines += ["    if not (" + " and ".join(f"{name}[{index}]" for name, index in self.ready) + "):",
                      f"        return bail({self.header})"]
        if self.uses_globals:   # (another VM running this code: its globals are not these)
            lines += ["    if interrupt is not vm.interrupt:", f"        return {self.header}"]
        lines += [f"    l{slot} = locs[{slot}]" for slot in sorted(self.used)]
        if self.uses_hooks:
            lines.append("    hooks = vm.hooks")
        lines += [f"    {local} = 0" for _key, local in counts]
        # Back-edges before returning: the next OSR mark or FLUSH_EVERY, whichever is first.
        lines += [f"    limit = {FLUSH_EVERY}", f"    if osr_at > counters[{self.back_edge}]:",
                  f"        limit = min(limit, osr_at - counters[{self.back_edge}] - 1)",
                  "    k = 0"]
        if not single:
            lines.append("    block = 0")
        lines.append("    while True:")
        lines += body
        lines += [f"    locs[{slot}] = l{slot}" for slot in sorted(self.stored)]
        lines += [f"    {name}[{index}] += {local}" for (name, index), local in counts]
        lines += [f"    counters[{self.back_edge}] += k", "    if out < 0:", "        return bail(~out)",
                  "    return out"]
        return "\n".join(lines) + "\n"

    def _bump(self, name: str, index: int) -> str:
        key = (name, index)
        if key not in self.bumps:
            self.bumps[key] = f"c{len(self.bumps)}"
        return f"{self.bumps[key]} += 1"

    def _is_ready(self, name: str, index: int) -> bool:
        """Has the first-count slot ``name[index]`` had its first count (the dispatch
        loop gives it that: a path that has not run yet stays the dispatch loop's)?"""
        if not getattr(self.profile, name)[index]:
            return False
        if (name, index) not in self.ready:
            self.ready.append((name, index))
        return True

    @staticmethod
    def _exit(pc: int) -> list[str]:
        return [f"out = {pc}", "break"]

    @staticmethod
    def _bail(pc: int) -> list[str]:
        return [f"out = {~pc}", "break"]

    def _jump(self, target: int, block_of: dict[int, int]) -> list[str]:
        """Go to ``target``: out of the loop, or to a block of it."""
        if target == self.header:
            raise Unsupported("a branch back to the header")
        if target in block_of:
            return [f"block = {block_of[target]}", "continue"]
        return self._exit(target)

    def _const(self, value: Any) -> str:
        if type(value) is int or type(value) is str:
            return repr(value)
        name = f"K{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _local(self, slot: int, stored: bool = False) -> str:
        self.used.add(slot)
        if stored:
            self.stored.add(slot)
        return f"l{slot}"

    def _group(self, pc: int, op: int, arg: Any, block_of: dict[int, int]) -> list[str]:
        bail = self._bail(pc)
        if op == peephole.COMPARE_JUMP:
            x, y, is_const, int_fn, float_fn, site, target = arg
            a, b = self._operands(x, y, is_const)
            taken = [self._bump("counters", site + 1)] + self._jump(target, block_of)
            return self._typed(
                y, is_const,
                [self._bump("fast_hits", site), f"if not ({_apply(int_fn, a, b)}):"] + _indent(taken),
                [self._bump("float_hits", site), f"if not ({_apply(float_fn, a, b)}):"] + _indent(taken),
                bail, a, b)
        if op == peephole.ARITH_STORE:
            x, y, is_const, int_fn, float_fn, site, slot = arg
            a, b = self._operands(x, y, is_const)
            target = self._local(slot, stored=True)
            int_case = float_case = bail
            if self._is_ready("fused_ints", site):
                int_case = [f"r = {_apply(int_fn, a, b)}", "if INT_MIN <= r <= INT_MAX:",
                            f"    {target} = r", "    " + self._bump("fused_ints", site), "else:"] + _indent(bail)
            if self._is_ready("fused_floats", site):
                float_case = [f"{target} = {_apply(float_fn, a, b)}", self._bump("fused_floats", site)]
            return self._typed(y, is_const, int_case, float_case, bail, a, b)
        if op == peephole.BINARY:
            x, y, is_const, int_fn, float_fn, site = arg
            a, b = self._operands(x, y, is_const)
            return self._typed(
                y, is_const,
                self._push_int(_apply(int_fn, a, b), int_fn in _INT_ARITHMETIC, site, bail, "stack.append(r)"),
                [f"stack.append({_apply(float_fn, a, b)})", self._bump("float_hits", site)], bail, a, b)
        if op == peephole.LOAD_LOCAL2:
            return [f"stack.append({self._local(arg[0])})", f"stack.append({self._local(arg[1])})"]
        if op == Op.LOAD_LOCAL:
            return [f"stack.append({self._local(arg)})"]
        if op == Op.LOAD_CONST:
            return [f"stack.append({self._const(self.code.consts[arg])})"]
        if op == Op.POP:
            return ["del stack[-1]"]
        if op == Op.STORE_LOCAL:
            return self._store(pc, arg, bail)
        if op == Op.JUMP_IF_FALSE:
            return ["v = stack.pop()", "if v is False or (v is not True and not is_truthy(v)):",
                    "    " + self._bump("counters", pc)] + _indent(self._jump(arg, block_of))
        if op == Op.JUMP:
            return self._jump(arg, block_of)
        if op in _ARITHMETIC or op in _COMPARES:
            return self._stack_binary(pc, op, bail)
        if op in _DIVISIONS:
            return self._division(pc, op, bail)
        if op == Op.INDEX:
            return self._index(pc, bail)
        if op == Op.FOR_ITER:
            return self._for_iter(pc, arg, bail, block_of)
        if op == Op.JUMP_BACK and arg == self.header:
            return self._back_edge(pc)
        if op == Op.LOAD_GLOBAL:
            return self._load_global(pc, self.code.names[arg])
        if op == Op.STORE_GLOBAL:
            return self._store_global(pc, self.code.names[arg])
        if op == Op.RETURN:
            return self._exit(pc)   # (the dispatch loop returns: it switches frames)
        raise Unsupported(f"opcode {op}")

    def _operands(self, x: int, y: Any, is_const: bool) -> tuple[str, str]:
        """The source of a fused group's operands: a local, and a local or a constant."""
        return self._local(x), self._const(y) if is_const else self._local(y)

    @staticmethod
    def _typed(y: Any, is_const: bool, int_case: list[str], float_case: list[str], bail: list[str],
               a: str = "a", b: str = "b") -> list[str]:
        """int/int, float/float, else bail; a constant operand decides one test at compile time."""
        if is_const and type(y) is int:
            cases = [(f"type({a}) is int", int_case)]
        elif is_const and type(y) is float:
            cases = [(f"type({a}) is float", float_case)]
        elif is_const:
            raise Unsupported("a constant operand that is not a number")
        else:
            cases = [(f"type({a}) is int and type({b}) is int", int_case),
                     (f"type({a}) is float and type({b}) is float", float_case)]
        lines = []
        for index, (test, body) in enumerate(cases):
            lines.append(("if " if index == 0 else "elif ") + test + ":")
            lines += _indent(body)
        return lines + ["else:"] + _indent(bail)

    def _push_int(self, expression: str, checked: bool, site: int, bail: list[str], push: str) -> list[str]:
        """An int result: pushed with its fast hit, or (out of range) the group's slow path."""
        if not checked:   # a comparison: a bool
            return [f"r = {expression}", push, self._bump("fast_hits", site)]
        return [f"r = {expression}", "if INT_MIN <= r <= INT_MAX:", "    " + push,
                "    " + self._bump("fast_hits", site), "else:"] + _indent(bail)

    def _stack_binary(self, pc: int, op: int, bail: list[str]) -> list[str]:
        int_fn, float_fn = peephole.FUSABLE[Op(op)]
        int_case = self._push_int(_apply(int_fn, "a", "b"), op in _ARITHMETIC, pc, bail, "del stack[-1]; stack[-1] = r")
        return ["b = stack[-1]", "a = stack[-2]"] + self._typed(
            None, False, int_case,
            [f"del stack[-1]; stack[-1] = {_apply(float_fn, 'a', 'b')}", self._bump("float_hits", pc)], bail)

    def _division(self, pc: int, op: int, bail: list[str]) -> list[str]:
        """``/`` and ``%`` by a divisor that cannot make them fail (an int above 0, a
        float not 0): the interpreter's own function, with its fast or float hit."""
        fn = self._const(_DIVISIONS[op])
        return ["b = stack[-1]", "a = stack[-2]",
                "if type(a) is int and type(b) is int and b > 0:",
                f"    del stack[-1]; stack[-1] = {fn}(a, b)", "    " + self._bump("fast_hits", pc),
                "elif type(a) is float and type(b) is float and b != 0.0:",
                f"    del stack[-1]; stack[-1] = {fn}(a, b)", "    " + self._bump("float_hits", pc),
                "else:"] + _indent(bail)

    def _store(self, pc: int, slot: int, bail: list[str]) -> list[str]:
        cases = []
        for kind, name in (("int", "stored_ints"), ("float", "stored_floats")):
            count = [self._bump(name, pc)] if self._is_ready(name, pc) else bail
            cases += [f"{'if' if not cases else 'elif'} t is {kind}:"] + _indent(count)
        return ["v = stack[-1]", "t = type(v)"] + cases + [
            "else:", f"    seen = feedback[{pc}]", "    seen[t] = seen.get(t, 0) + 1",
            "del stack[-1]", f"{self._local(slot, stored=True)} = v"]

    def _load_global(self, pc: int, name: str) -> list[str]:
        """A global of the program (a builtin's name, an undefined one: the dispatch loop's)."""
        self.uses_globals = True
        return [f"v = G.get({self._const(name)}, MISSING)", "if v is MISSING:"] + _indent(self._bail(pc)) + [
            "stack.append(v)"]

    def _store_global(self, pc: int, name: str) -> list[str]:
        """A ``mut`` global's store, the JIT told as STORE_GLOBAL tells it (a let or
        const binding, listed in the kinds: the dispatch loop raises the error)."""
        key = self._const(name)
        self.uses_hooks = self.uses_globals = True
        return [f"if {key} in KINDS:"] + _indent(self._bail(pc)) + [
            f"v = G[{key}] = stack.pop()", "if hooks is not None:", f"    hooks.global_changed({key}, v)"]

    def _index(self, pc: int, bail: list[str]) -> list[str]:
        """An array read in bounds (the dispatch loop's INDEX and its feedback)."""
        return [
            "i = stack[-1]", "o = stack[-2]",
            "if type(i) is int and type(o) is RArray and -len(o.items) <= i < len(o.items):",
            f"    seen = feedback[{pc}]", "    seen[o.kind] = seen.get(o.kind, 0) + 1",
            "    del stack[-1]; stack[-1] = o.items[i] if o.kind != BOOL else o.items[i] == 1",   # (bools: bytes)
            "elif type(i) is int and type(o) is list and -len(o) <= i < len(o):",
            "    " + self._bump("fast_hits", pc), "    del stack[-1]; stack[-1] = o[i]",
            "else:"] + _indent(bail)

    def _for_iter(self, pc: int, target: int, bail: list[str], block_of: dict[int, int]) -> list[str]:
        """``for`` over an array or a range (a generator's items run Ruff code: not here)."""
        return [
            "items = stack[-2]", "t = type(items)", "bools = False",
            "if t is RArray:", "    bools = items.kind == BOOL", "    items = items.items",   # (bools: bytes)
            "elif t is not list and t is not range:"] + _indent(bail) + [
            "position = stack[-1]",
            "if position < len(items):", "    stack[-1] = position + 1",
            "    stack.append(items[position] if not bools else items[position] == 1)",
            "else:", "    del stack[-2:]", "    " + self._bump("counters", pc),
        ] + _indent(self._jump(target, block_of))

    def _back_edge(self, pc: int) -> list[str]:
        """A JUMP_BACK to the header: counted here, unless a safepoint has work, the
        OSR mark is next or it is time to flush (then the LOOP entry or the plain
        JUMP_BACK counts it and does the work)."""
        if pc != self.back_edge:   # (its own count, its own OSR mark: the dispatch loop's)
            raise Unsupported("a second back-edge")
        lines = ["if k == limit or interrupt[0]:", f"    out = {pc}", "    break", "k += 1"]
        if len(self.blocks) > 1:
            lines += ["block = 0", "continue"]
        return lines




def _target(op: int, arg: Any) -> int | None:
    if op == peephole.COMPARE_JUMP:
        return arg[6]
    if op in (Op.JUMP_IF_FALSE, Op.JUMP, Op.FOR_ITER):
        return arg
    return None


def _apply(fn: Callable, a: str, b: str) -> str:
    """``fn(a, b)`` as Python source (an operator, or Ruff's float equality)."""
    if fn in _SYMBOLS:
        return f"{a} {_SYMBOLS[fn]} {b}"
    if fn is values_equal:
        return f"values_equal({a}, {b})"
    if fn is peephole._not_equal:
        return f"not values_equal({a}, {b})"
    raise Unsupported("an operator function")


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]
