"""Static types for native code: which bytecode a unit can run, and as what.

Given the types its parameters are speculated to have (from the profile),
an abstract interpretation over the bytecode gives every local and every
operand-stack slot one of ``int float bool null`` at every pc, plus the
function's return type. Speculation happens only at three places, each with
a guard in the native code: parameters (checked at entry), call results
(checked after the call), and globals holding the called function (checked
before the call). Everything else follows from the operand types.

A value T2 cannot type (an array, a string, a struct, a parameter profiled
as one) is ``dyn`` -- a (tag, bits) pair dispatched on at run time -- and what
T2 cannot do with it runs through T1's tagged or generic path, the site saying
why (``generic_transfer``, ``generic_reasons``). Tier 1 (baseline) speculates
on nothing: every parameter, local and call result is ``dyn``.

What neither tier can do raises ``NotCompilable`` with the feature and its
line, like LuaJIT's trace aborts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import (
    ARITHMETIC_OPS, EQUALITY_OPS, JUMP_OPS, NOT_COMPILED, ORDERING_OPS, Op, stack_pops,
)
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.jit import strings
from ruffdbg.jit.runtime import MAX_PARAMS
from ruffdbg.jit.types import NUMBERS, RANGE, RANGE_ARGS, Callee, FunctionValue, Kind, StackOnly, StackType
from ruffdbg.profile.report import ruff_type


class NotCompilable(Exception):
    def __init__(self, feature: str, line: int):
        super().__init__(f"NYI: {feature} at line {line}")
        self.feature = feature
        self.line = line
        self.reason = f"NYI: {feature} at line {line}"


class NotWorthCompiling(NotCompilable):
    """Native code could run it, but slower than the tier it is in (``reason`` says why)."""

    def __init__(self, reason: str, line: int):
        super().__init__(reason, line)
        self.reason = reason


class TooLarge(NotCompilable):
    """More than one unit may have (``TierPolicy.max_unit_instructions``, ``max_unit_weight``):
    ``size`` says of what."""

    def __init__(self, size: str, limit: int, line: int):
        super().__init__(size, line)
        self.reason = f"too large to compile: {size} at line {line} (the limit is {limit:,})"


# What builtins return, where it is always the same scalar type (RUFF_SEMANTICS:
# math builtins always return float). Anything else comes back tagged.
BUILTIN_RESULTS = {
    **dict.fromkeys(("sqrt", "floor", "ceil", "round", "abs", "pow", "min", "max", "to_float", "parse_float",
                     "performance_now", "now"), Kind.FLOAT),
    **dict.fromkeys(("len", "to_int", "parse_int", "has_key"), Kind.INT),   # has_key: 1/0, as the reference
    "print": Kind.NULL,
    # (contains is not here: a bool on arrays and dicts, 1/0 on strings.)
    **dict.fromkeys(("starts_with", "ends_with", "to_bool"), Kind.BOOL),
}


@dataclass(frozen=True)
class LoopRegion:
    """An OSR unit's scope: the loop [header, end], entered at the header of the
    loop that got hot, ``entry`` (the header itself, or a loop nested in it: the
    outermost loop around a hot loop is compiled once, rather than each loop of
    the nest in turn as it gets hot); the globals it keeps in registers.

    ``promoted`` globals become extra slots after the frame's locals (slot
    ``nlocals + i``): read from the globals at entry, written back at every exit.
    """

    header: int
    end: int                                   # the loop's last JUMP_BACK
    promoted: tuple[str, ...] = ()
    immutable: frozenset = frozenset()         # promoted globals declared let/const
    stack: tuple = ()                          # (RANGE, Kind.INT) per for loop the entry is in (its own too)
    entry: int = -1                            # where native code starts (-1: the header)

    @property
    def entry_pc(self) -> int:
        return self.header if self.entry < 0 else self.entry

    def contains(self, pc: int) -> bool:
        return self.header <= pc <= self.end


@dataclass
class TypedCode:
    """The result: types before each reachable pc, and what the unit returns."""

    code: CodeObject
    param_types: tuple[str, ...]
    region: LoopRegion | None = None
    tier: int = 2
    # pc -> (slot types, stack types) before it runs
    before: dict[int, tuple[tuple[StackType, ...], tuple[StackType, ...]]] = field(default_factory=dict)
    return_type: str | None = None
    callees: dict[int, Callee] = field(default_factory=dict)   # CALL pc -> callee
    # CALL pcs whose callee is a value (a local, a dict value, a field ...) whose feedback
    # saw one plain function: called natively behind a ``callee`` check (T2: a guard; T1:
    # another value takes the generic path)
    value_callees: dict[int, Callee] = field(default_factory=dict)
    always_fails: set[int] = field(default_factory=set)        # pcs that raise whatever happens
    exits: set[int] = field(default_factory=set)               # OSR: pcs outside the loop it jumps to
    generic: set[int] = field(default_factory=set)             # pcs the interpreter runs (op callback)
    # T2: why each generic pc is left generic ("generic: field access p.x — ..."), by pc
    generic_reasons: dict[int, str] = field(default_factory=dict)
    # T2: INDEX / STORE_INDEX pc -> the element kind it loads / stores natively (jit/elements.py)
    element_loads: dict[int, int] = field(default_factory=dict)
    element_stores: dict[int, int] = field(default_factory=dict)
    # T2: INDEX pcs that read a dict natively, an int or string key (jit/dicts.py, lowering/dicts.py)
    dict_loads: set[int] = field(default_factory=set)
    # T2: STORE_INDEX pcs that store a scalar into a dict natively (jit/dicts.py, lowering/dicts.py)
    dict_stores: set[int] = field(default_factory=set)
    # T2: GET_FIELD pc -> (shape, slot) of a monomorphic field site it loads natively (jit/structs.py)
    field_loads: dict[int, tuple[Any, int]] = field(default_factory=dict)
    # T2: STORE_FIELD pc -> (shape, slot) of a monomorphic field store of a scalar into a
    # struct a MUT_LOCAL just made the frame's own, stored natively (jit/structs.store_site)
    field_stores: dict[int, tuple[Any, int]] = field(default_factory=dict)
    # T2: CALL_METHOD / operator pc -> the shape of a monomorphic site whose method it calls
    # natively (its Callee in ``callees``, the receiver its first argument)
    method_calls: dict[int, Any] = field(default_factory=dict)
    # T2: those of them whose method's body runs inline (jit/inlining.py: pc -> its InlinePlan),
    # and why each other one is called instead (pc -> the reason, for the views)
    inlined: dict[int, Any] = field(default_factory=dict)
    not_inlined: dict[int, str] = field(default_factory=dict)
    # T2: NEW_STRUCT pc -> (shape, slot of each given field) of a monomorphic struct literal
    # it builds natively (jit/structs.literal_site; lowering/structs.py)
    struct_literals: dict[int, tuple[Any, tuple[int, ...]]] = field(default_factory=dict)
    # T2: LOAD_CELL / LOAD_FREE / STORE_CELL / STORE_FREE pcs that read or write their
    # captured variable natively (lowering/cells.py)
    captured: set[int] = field(default_factory=set)
    # T2: CALL pcs of ``x := push(x, v)`` that append natively while ``x`` has room
    native_pushes: set[int] = field(default_factory=set)
    # T2: LOAD_GLOBAL pc -> the value of the immutable (let/const) scalar global it reads,
    # a constant in the code (watched: a REPL redeclaring the global retires the unit)
    global_constants: dict[int, Any] = field(default_factory=dict)
    constant_of: Callable[[str], Any] | None = field(default=None, repr=False, compare=False)
    # T2: inline ops on a tagged operand whose failing checks take the generic path
    # (as every T1 inline op does) instead of deopting: a tagged value may be a string
    slow_paths: set[int] = field(default_factory=set)
    # T1 and T2: string sites native code runs (lowering/strings.py, texts.py): an ADD with a
    # tagged operand (two strs are joined natively), an interpolation (BUILD_STRING), an
    # INDEX reading a str's character, an ordering or equality of strings, T1's len(v)
    strings: set[int] = field(default_factory=set)
    # pc -> the type on top of the stack when it falls through to pc + 1, before any
    # merge there: at a join before[pc + 1] is the merged type, not what pc pushed
    falls_through: dict[int, StackType | None] = field(default_factory=dict)
    # T1: whether its calls of global Ruff functions are native (see MAX_NATIVE_CALL_SITES)
    native_calls: bool = field(init=False)

    def __post_init__(self) -> None:
        self.native_calls = sum(op == Op.CALL for op, _ in self.code.instrs) <= MAX_NATIVE_CALL_SITES

    @property
    def reachable(self) -> list[int]:
        return sorted(self.before)

    def pushed(self, pc: int) -> StackType | None:
        """The type on top of the stack after ``pc`` (what it pushed); None when
        nothing follows (the path after it is never taken)."""
        return self.falls_through.get(pc)


ReturnTypeOf = Callable[[Function, tuple[str, ...]], "str | None"]


def value_type(value: Any) -> str:
    kind = type(value)
    if kind is bool:
        return Kind.BOOL
    if kind is int:
        return Kind.INT
    if kind is float:
        return Kind.FLOAT
    if value is None:
        return Kind.NULL
    raise TypeError


def arithmetic_type(left: str, right: str) -> str | None:
    """int op int is int, any float makes float; None: the op always fails."""
    if left in NUMBERS and right in NUMBERS:
        return Kind.INT if left == right == Kind.INT else Kind.FLOAT
    return None


def unit_size(code: CodeObject, region: LoopRegion | None = None) -> int:
    """The bytecode instructions a unit of ``code`` (or of its loop ``region``) compiles."""
    return len(code.instrs) if region is None else region.end - region.header + 1


def unit_weight(code: CodeObject, region: LoopRegion | None = None) -> int:
    """Its instructions times its frame's locals: what its IR, and LLVM's time on
    it, grow with (every deopt exit writes the whole frame)."""
    return unit_size(code, region) * code.nlocals


def infer(code: CodeObject, param_types: tuple[str, ...], lookup: Callable[[str], Any],
          return_type_of: ReturnTypeOf, region: LoopRegion | None = None,
          slot_types: tuple[str, ...] | None = None, tier: int = 2,
          constant_of: Callable[[str], Any] | None = None, max_instructions: int | None = None,
          max_weight: int | None = None) -> TypedCode:
    """Abstract interpretation to a fixpoint over the reachable blocks.

    For OSR, ``region`` limits it to one loop entered at its entry with the
    frame's current ``slot_types`` (locals, then promoted globals).
    ``constant_of(name)``: the value of an immutable global (else None).
    ``max_instructions``: raise TooLarge for a function (or loop) with more;
    ``max_weight``: likewise for more instructions times locals (what its deopt
    exits write: ``TierPolicy.max_unit_weight``).
    """
    if len(code.params) > MAX_PARAMS:
        raise NotCompilable(f"more than {MAX_PARAMS} parameters", code.first_line)
    size = unit_size(code, region)
    line = code.first_line if region is None else code.lines[region.header]
    if max_instructions is not None and size > max_instructions:
        raise TooLarge(f"{size} instructions", max_instructions, line)
    if max_weight is not None and unit_weight(code, region) > max_weight:
        raise TooLarge(f"{size} instructions x {code.nlocals} locals", max_weight, line)
    typed = TypedCode(code, param_types, region, tier, constant_of=constant_of)
    if region is None:
        start = (0, tuple(list(param_types) + [Kind.UNSET] * (code.nlocals - len(param_types))), ())
    else:
        start = (region.entry_pc, tuple(slot_types), region.stack)
    work = [start]
    returns: set[str] = set()
    while work:
        pc, slots, stack = work.pop()
        seen = typed.before.get(pc)
        if seen is not None:
            merged = _merge(seen, (slots, stack), code, pc, typed.tier)
            if merged == seen:
                continue
            slots, stack = merged
        typed.before[pc] = (slots, stack)
        for successor in _step(typed, pc, list(slots), list(stack), lookup, return_type_of, returns):
            if region is not None and not region.contains(successor[0]):
                # Leaving the loop with only enclosing for loops' state on the stack
                # (what it was entered with, untouched) hands that back as it is.
                if successor[2] and successor[2] != region.stack[:len(successor[2])]:
                    raise NotCompilable("leaving a loop with values on the stack", code.lines[pc])
                typed.exits.add(successor[0])
                continue
            work.append(successor)
    returns.discard(Kind.BOTTOM)
    typed.return_type = (Kind.DYN if len(returns) > 1 else returns.pop()) if returns else None
    return typed


def _merge(old, new, code: CodeObject, pc: int, tier: int = 2):
    """Join two states at a block entry: where the types differ the value becomes
    ``dyn`` (tagged), and the jumps into the block convert to it."""
    old_slots, old_stack = old
    new_slots, new_stack = new
    if len(old_stack) != len(new_stack):
        raise NotCompilable("a stack of different depths at a join", code.lines[pc])
    stack = []
    for a, b in zip(old_stack, new_stack):
        if a != b and all(isinstance(x, (FunctionValue, Kind)) for x in (a, b)):
            stack.append(Kind.DYN)   # a function value becomes a tagged one
            continue
        if a != b and (isinstance(a, StackOnly) or isinstance(b, StackOnly)):
            raise NotCompilable("a function value that differs between branches", code.lines[pc])
        stack.append(a if a == b else Kind.DYN)
    slots = []
    for a, b in zip(old_slots, new_slots):
        if a == b or b == Kind.UNSET:
            slots.append(a)
        elif a == Kind.UNSET:
            slots.append(b)
        else:
            slots.append(Kind.DYN)
    return tuple(slots), tuple(stack)


class Step:
    """One instruction being run on types: its operands and the state it changes.

    A transfer function changes ``slots`` and ``stack`` in place and returns the
    successors as (pc, slots, stack) triples, or None to fall through to the next
    pc with the state it left."""

    __slots__ = ("typed", "code", "pc", "op", "arg", "line", "slots", "stack", "lookup", "return_type_of", "returns")

    def __init__(self, typed: TypedCode, pc: int, slots: list, stack: list, lookup: Callable[[str], Any],
                 return_type_of: ReturnTypeOf, returns: set[str]):
        self.typed, self.code, self.pc = typed, typed.code, pc
        self.op, self.arg = typed.code.instrs[pc]
        self.line = typed.code.lines[pc]
        self.slots, self.stack = slots, stack
        self.lookup, self.return_type_of, self.returns = lookup, return_type_of, returns

    def state(self, pc: int, stack: list | None = None) -> tuple:
        return (pc, tuple(self.slots), tuple(self.stack if stack is None else stack))

    def fails(self) -> list:
        """The instruction raises whatever happens: native code hands it to the interpreter."""
        self.typed.always_fails.add(self.pc)
        return []


def _step(typed: TypedCode, pc: int, slots: list, stack: list, lookup: Callable[[str], Any],
          return_type_of: ReturnTypeOf, returns: set[str]):
    """Run one instruction on types; return the (pc, slots, stack) successors."""
    step = Step(typed, pc, slots, stack, lookup, return_type_of, returns)
    if step.op not in (Op.CALL, Op.GET_ITER, Op.FOR_ITER):
        _tag_function_operands(step)
    transfer = transfer_table(typed.tier).get(step.op)
    if transfer is None:
        raise NotCompilable(f"opcode {step.op}", step.line)
    successors = transfer(step)
    if successors is None:
        assert step.op not in JUMP_OPS
        successors = [step.state(pc + 1)]
    # (the last step of a pc is the one on its final, most general state)
    typed.falls_through[pc] = next((after[-1] for target, _, after in successors if target == pc + 1 and after), None)
    return successors


# ------------------------------------------------------- transfer functions
# One per opcode (or operator family), on the types of the operands; the
# table below maps each opcode to its function, per tier.


def _tag_function_operands(s: Step) -> None:
    """A function value an instruction other than CALL consumes is a tagged value."""
    pops = stack_pops(s.op, s.arg, s.code)
    for depth in range(len(s.stack) - pops, len(s.stack)):
        if isinstance(s.stack[depth], FunctionValue):
            s.stack[depth] = Kind.DYN


def refuse(s: Step):
    raise NotCompilable(NOT_COMPILED[s.op], s.line)


def _load_local(s: Step):
    if s.slots[s.arg] == Kind.UNSET:
        raise NotCompilable(f"local {s.code.local_names[s.arg]} read before it is set", s.line)
    s.stack.append(s.slots[s.arg])


def _store_local(s: Step):
    kind = s.stack.pop()
    if isinstance(kind, StackOnly):   # a function or a range, held only on the operand stack in T2
        raise NotCompilable(f"a {'function' if isinstance(kind, FunctionValue) else 'range'} held in a local",
                            s.line)
    s.slots[s.arg] = kind


def _store_local_tagged(s: Step):
    s.slots[s.arg] = Kind.DYN   # T1 keeps every local tagged
    s.stack.pop()


def _load_const(s: Step):
    value = s.code.consts[s.arg]
    try:
        s.stack.append(value_type(value))
    except TypeError:
        if type(value) is not str:
            raise NotCompilable(f"{ruff_type(type(value))} constants", s.line) from None
        s.stack.append(Kind.DYN)   # a string: passed along as a tagged constant


def _load_global(s: Step):
    slot = _promoted_slot(s.typed, s.arg)
    if slot is not None:
        s.stack.append(s.slots[slot])
    else:
        s.stack.append(FunctionValue(_callee(s.code.names[s.arg], s.lookup, s.line)))


def _call_site(s: Step):
    """Pop a CALL's callee and arguments; None when it is a counted ``range`` loop."""
    stack, argc = s.stack, s.arg
    args = tuple(stack[len(stack) - argc:])
    del stack[len(stack) - argc:]
    callee = stack.pop()
    if not isinstance(callee, FunctionValue) or any(isinstance(a, StackOnly) for a in args):
        raise NotCompilable("calling a computed value", s.line)
    s.typed.callees[s.pc] = callee.callee
    if _is_range_loop(s.typed, s.pc, callee.callee.function, args):
        stack.append(RANGE_ARGS)   # `for v in range(...)`: a counted loop, no array is built
        return None
    return callee.callee, args


def _call(s: Step):
    """T2: builtins' known result types, and functions' inferred ones (speculated)."""
    site = _call_site(s)
    if site is None:
        return None
    callee, args = site
    function = callee.function
    result = BUILTIN_RESULTS.get(function.name) if type(function) is Builtin else s.return_type_of(function, args)
    if result == Kind.BOTTOM:   # a recursive call whose type is not known yet: ignore this path
        return []
    s.typed.callees[s.pc] = callee
    s.stack.append(Kind.DYN if result is None else result)   # unknown: whatever comes back, tagged


def _call_tagged(s: Step):
    """T1: whatever comes back, tagged."""
    if _call_site(s) is not None:
        s.stack.append(Kind.DYN)


def _arithmetic(s: Step):
    stack = s.stack
    if Kind.DYN in stack[-2:]:
        _slow_path(s)
        if s.op == Op.ADD and Kind.DYN == stack[-2] == stack[-1] and strings.may_join(s.code, s.pc):
            s.typed.strings.add(s.pc)   # (two strs are joined natively)
        del stack[-2:]
        stack.append(Kind.DYN)
        return None
    right, left = stack.pop(), stack.pop()
    result = arithmetic_type(left, right)
    if result is None:
        return s.fails()
    stack.append(result)


def _ordering(s: Step):
    stack = s.stack
    if Kind.DYN in stack[-2:]:
        _slow_path(s)
        if strings.may_order(s.code, s.pc):
            s.typed.strings.add(s.pc)   # (two strs are ordered natively: lowering/texts.py)
        del stack[-2:]
        stack.append(Kind.BOOL)
        return None
    right, left = stack.pop(), stack.pop()
    if not (left == right and left in NUMBERS):
        if not (left in NUMBERS and right in NUMBERS):
            return s.fails()
        # (int vs float: compared as doubles, exactness guarded)
    stack.append(Kind.BOOL)


def _equality(s: Step):
    if Kind.DYN in s.stack[-2:]:
        _slow_path(s)
        if strings.saw_strings(s.code, s.pc):
            s.typed.strings.add(s.pc)   # (for the views: strings are compared natively)
    del s.stack[-2:]
    s.stack.append(Kind.BOOL)


def _not(s: Step):
    if s.stack[-1] == Kind.DYN and s.typed.tier == 2:   # (a struct's op_not may return anything)
        return _slow_path(s)
    operand = s.stack.pop()
    if operand not in (Kind.DYN, Kind.BOOL):
        return s.fails()
    s.stack.append(Kind.BOOL)


def _neg(s: Step):
    if s.stack[-1] == Kind.DYN:
        _slow_path(s)
    operand = s.stack.pop()
    if operand not in (Kind.DYN, Kind.INT, Kind.FLOAT):
        return s.fails()
    s.stack.append(operand)


def _get_iter(s: Step):
    iterable = s.stack.pop()
    if iterable not in (Kind.INT, Kind.DYN, RANGE_ARGS):
        raise NotCompilable(f"for loops over a {iterable if isinstance(iterable, str) else 'value'}", s.line)
    s.stack.extend([RANGE, Kind.INT])   # T0 keeps [items, position]; native code keeps a range


def _for_iter(s: Step):
    if s.stack[-2:] != [RANGE, Kind.INT]:
        raise NotCompilable("for loops over a value native code cannot count", s.line)
    return [s.state(s.arg, s.stack[:-2]), s.state(s.pc + 1, s.stack + [Kind.INT])]


def _to_bool(s: Step):
    if s.stack[-1] == Kind.DYN:
        _slow_path(s)
    s.stack[-1] = Kind.BOOL


def _pop(s: Step):
    s.stack.pop()


def _dup(s: Step):
    s.stack.append(s.stack[-1])


def _branch(s: Step):
    if s.stack[-1] == Kind.DYN:
        _slow_path(s)
    s.stack.pop()
    return [s.state(s.arg), s.state(s.pc + 1)]


def _jump(s: Step):
    return [s.state(s.arg)]


def _return(s: Step):
    s.returns.add(s.stack.pop())
    return []


def _return_tagged(s: Step):
    s.stack.pop()
    s.returns.add(Kind.DYN)
    return []


def _fail(s: Step):
    return s.fails()


def _transfer_table() -> dict:
    """Opcode -> transfer function, derived from the opcode table: every opcode native
    code has no inline lowering for (``NOT_COMPILED``) refuses here, with its reason
    (the base of T1's and T2's tables: ``generic_transfer``)."""
    table = {op: _arithmetic for op in ARITHMETIC_OPS}
    table.update({op: _ordering for op in ORDERING_OPS})
    table.update({op: _equality for op in EQUALITY_OPS})
    table.update({
        Op.LOAD_LOCAL: _load_local, Op.STORE_LOCAL: _store_local, Op.LOAD_CONST: _load_const,
        Op.LOAD_GLOBAL: _load_global, Op.CALL: _call,
        Op.NOT: _not, Op.NEG: _neg, Op.TO_BOOL: _to_bool, Op.GET_ITER: _get_iter, Op.FOR_ITER: _for_iter,
        Op.POP: _pop, Op.DUP: _dup, Op.JUMP_IF_FALSE: _branch, Op.JUMP_IF_TRUE: _branch,
        Op.JUMP: _jump, Op.JUMP_BACK: _jump, Op.RETURN: _return, Op.FAIL: _fail,
    })
    table.update({op: refuse for op in NOT_COMPILED})
    return table


def _shuffle(s: Step):
    """DUP2, ROT3, SWAP: native code moves the entries."""
    stack = s.stack
    if s.op == Op.DUP2:
        stack.extend(stack[-2:])
    elif s.op == Op.ROT3:
        stack.insert(-2, stack.pop())
    else:
        stack[-1], stack[-2] = stack[-2], stack[-1]


def _slow_path(s: Step) -> None:
    """T2: this inline op has a tagged operand: where its checks fail, the generic
    path runs it (a string, a struct ...) instead of a deopt (which would only come
    back to the same op, and count as a bail-out every time)."""
    if s.typed.tier == 2:
        s.typed.slow_paths.add(s.pc)


# A native call site is a few hundred bytes of IR (entry, sampling, the VM
# fallback, counting); LLVM's time grows faster than linearly with a function's
# size, so a function with more call sites than this calls through the generic
# path (a function of 4,100 calls took minutes to compile otherwise).
MAX_NATIVE_CALL_SITES = 200






def _is_range_loop(typed: TypedCode, pc: int, function: Any, args: tuple) -> bool:
    code = typed.code
    return (type(function) is Builtin and function.name == "range" and 1 <= len(args) <= 3
            and all(a in (Kind.INT, Kind.DYN) for a in args) and pc + 1 < len(code.instrs)
            and code.instrs[pc + 1][0] == Op.GET_ITER)


def _promoted_slot(typed: TypedCode, name_index: int) -> int | None:
    """The slot of a global an OSR region keeps in a register, if it is one."""
    region = typed.region
    if region is None or not isinstance(typed.code.names[name_index], str):
        return None
    name = typed.code.names[name_index]
    return typed.code.nlocals + region.promoted.index(name) if name in region.promoted else None


def _callee(name: str, lookup: Callable[[str], Any], line: int) -> Callee:
    """A global read natively must hold a function (a closure too: the call hands its
    cells over) or a builtin, guarded to stay the same."""
    value = lookup(name)
    if type(value) is Function or type(value) is Builtin:
        return Callee(name, value)
    raise NotCompilable(f"reading global {name}", line)


TRANSFER: dict[int, dict] = {}   # tier -> its table (built on first use: see transfer_table)


def transfer_table(tier: int) -> dict:
    """Opcode -> transfer function for ``tier``: the base table above, turned into
    T1's or T2's by ``generic_transfer`` (which builds on this module's functions)."""
    if not TRANSFER:
        from ruffdbg.jit import generic_transfer
        TRANSFER.update({1: generic_transfer.t1_table(_transfer_table()),
                         2: generic_transfer.t2_table(_transfer_table())})
    return TRANSFER[tier]
