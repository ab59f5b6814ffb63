"""Static types for native code: which bytecode a unit can run, and as what.

Given the types its parameters are speculated to have (from the profile),
an abstract interpretation over the bytecode gives every local and every
operand-stack slot one of ``int float bool null`` at every pc, plus the
function's return type. Speculation happens only at three places, each with
a guard in the native code: parameters (checked at entry), call results
(checked after the call), and globals holding the called function (checked
before the call). Everything else follows from the operand types.

Tier 1 (baseline) speculates on nothing: parameters, locals and call results
are ``dyn`` -- a (tag, bits) pair dispatched on at run time -- and what native
code cannot do with a value's actual tag becomes a *bail-out* to the
interpreter at that pc.

Anything native code cannot do yet raises ``NotCompilable`` with the feature
and its line, like LuaJIT's trace aborts ("NYI: string constant at line 12").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ruffdbg.jit.runtime import MAX_PARAMS
from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, BLOCK_ENDS, EQUALITY_OPS, JUMP_OPS, NOT_COMPILED, ORDERING_OPS, Op
from ruffdbg.profile.report import ruff_type
from ruffdbg.core.objects import Builtin, Function

SCALARS = ("int", "float", "bool", "null")
class NotCompilable(Exception):
    def __init__(self, feature: str, line: int):
        super().__init__(f"NYI: {feature} at line {line}")
        self.feature = feature
        self.line = line
        self.reason = f"NYI: {feature} at line {line}"


@dataclass(frozen=True)
class Callee:
    """A function a CALL site calls: the global it comes from and the Function or Builtin."""

    global_name: str
    function: Any

# What builtins return, where it is always the same scalar type (RUFF_SEMANTICS:
# math builtins always return float). Anything else comes back tagged.
BUILTIN_RESULTS = {
    "sqrt": "float", "floor": "float", "ceil": "float", "round": "float", "abs": "float", "pow": "float",
    "min": "float", "max": "float", "to_float": "float", "parse_float": "float", "performance_now": "float",
    "now": "float", "len": "int", "to_int": "int", "parse_int": "int", "print": "null",
    "has_key": "bool", "contains": "bool", "starts_with": "bool", "ends_with": "bool", "to_bool": "bool",
}


@dataclass(frozen=True)
class LoopRegion:
    """An OSR unit's scope: the loop [header, end]; the globals it keeps in registers.

    ``promoted`` globals become extra slots after the frame's locals (slot
    ``nlocals + i``): read from the globals at entry, written back at every exit.
    """

    header: int
    end: int                                   # the loop's last JUMP_BACK
    promoted: tuple[str, ...] = ()
    immutable: frozenset = frozenset()         # promoted globals declared let/const
    stack: tuple = ()                          # a for loop's header has (RANGE, "int") on the stack

    def contains(self, pc: int) -> bool:
        return self.header <= pc <= self.end


@dataclass
class TypedCode:
    """The result: types before each reachable pc, and what the unit returns."""

    code: CodeObject
    param_types: tuple[str, ...]
    region: LoopRegion | None = None
    tier: int = 2
    before: dict[int, tuple[tuple[str, ...], tuple[Any, ...]]] = field(default_factory=dict)  # pc -> (slots, stack)
    return_type: str | None = None
    callees: dict[int, Callee] = field(default_factory=dict)   # CALL pc -> callee
    always_fails: set[int] = field(default_factory=set)        # pcs that raise whatever happens
    exits: set[int] = field(default_factory=set)               # OSR: pcs outside the loop it jumps to

    @property
    def reachable(self) -> list[int]:
        return sorted(self.before)


# A stack entry is a type name, or ("fn", Callee) for a function about to be called.
ReturnTypeOf = Callable[[Function, tuple[str, ...]], "str | None"]


def value_type(value: Any) -> str:
    kind = type(value)
    if kind is bool:
        return "bool"
    if kind is int:
        return "int"
    if kind is float:
        return "float"
    if value is None:
        return "null"
    raise TypeError


def arithmetic_type(left: str, right: str) -> str | None:
    """int op int is int, any float makes float; None: the op always fails."""
    if left in ("int", "float") and right in ("int", "float"):
        return "int" if left == right == "int" else "float"
    return None


def infer(code: CodeObject, param_types: tuple[str, ...], lookup: Callable[[str], Any],
          return_type_of: ReturnTypeOf, region: LoopRegion | None = None,
          slot_types: tuple[str, ...] | None = None, tier: int = 2) -> TypedCode:
    """Abstract interpretation to a fixpoint over the reachable blocks.

    For OSR, ``region`` limits it to one loop entered at its header with the
    frame's current ``slot_types`` (locals, then promoted globals).
    """
    if len(code.params) > MAX_PARAMS:
        raise NotCompilable(f"more than {MAX_PARAMS} parameters", code.first_line)
    typed = TypedCode(code, param_types, region, tier)
    if region is None:
        start = (0, tuple(list(param_types) + ["unset"] * (code.nlocals - len(param_types))), ())
    else:
        start = (region.header, tuple(slot_types), region.stack)
    work = [start]
    returns: set[str] = set()
    while work:
        pc, slots, stack = work.pop()
        seen = typed.before.get(pc)
        if seen is not None:
            merged = _merge(seen, (slots, stack), code, pc)
            if merged == seen:
                continue
            slots, stack = merged
        typed.before[pc] = (slots, stack)
        for successor in _step(typed, pc, list(slots), list(stack), lookup, return_type_of, returns):
            if region is not None and not region.contains(successor[0]):
                if successor[2]:
                    raise NotCompilable("leaving a loop with values on the stack", code.lines[pc])
                typed.exits.add(successor[0])
                continue
            work.append(successor)
    returns.discard("bottom")
    typed.return_type = ("dyn" if len(returns) > 1 else returns.pop()) if returns else None
    return typed


def _merge(old, new, code: CodeObject, pc: int):
    """Join two states at a block entry: where the types differ the value becomes
    ``dyn`` (tagged), and the jumps into the block convert to it."""
    old_slots, old_stack = old
    new_slots, new_stack = new
    if len(old_stack) != len(new_stack):
        raise NotCompilable("a stack of different depths at a join", code.lines[pc])
    stack = []
    for a, b in zip(old_stack, new_stack):
        if a != b and (isinstance(a, tuple) or isinstance(b, tuple)):
            raise NotCompilable("a function value that differs between branches", code.lines[pc])
        stack.append(a if a == b else "dyn")
    slots = []
    for a, b in zip(old_slots, new_slots):
        if a == b or b == "unset":
            slots.append(a)
        elif a == "unset":
            slots.append(b)
        else:
            slots.append("dyn")
    return tuple(slots), tuple(stack)


def _step(typed: TypedCode, pc: int, slots: list, stack: list, lookup: Callable[[str], Any],
          return_type_of: ReturnTypeOf, returns: set[str]):
    """Run one instruction on types; return the (pc, slots, stack) successors."""
    code = typed.code
    op, arg = code.instrs[pc]
    line = code.lines[pc]
    following = pc + 1
    if op in NOT_COMPILED and not (op == Op.STORE_GLOBAL and _promoted_slot(typed, arg) is not None):
        raise NotCompilable(NOT_COMPILED[op], line)
    if op == Op.LOAD_LOCAL:
        if slots[arg] == "unset":
            raise NotCompilable(f"local {code.local_names[arg]} read before it is set", line)
        stack.append(slots[arg])
    elif op == Op.STORE_LOCAL:
        slots[arg] = "dyn" if typed.tier == 1 else stack.pop()   # T1 keeps every local tagged
        if typed.tier == 1:
            stack.pop()
    elif op == Op.LOAD_CONST:
        try:
            stack.append(value_type(code.consts[arg]))
        except TypeError:
            if type(code.consts[arg]) is not str:
                raise NotCompilable(f"{ruff_type(type(code.consts[arg]))} constants", line) from None
            stack.append("dyn")   # a string: passed along as a tagged constant
    elif op == Op.LOAD_GLOBAL and _promoted_slot(typed, arg) is not None:
        stack.append(slots[_promoted_slot(typed, arg)])
    elif op == Op.STORE_GLOBAL and _promoted_slot(typed, arg) is not None:
        if code.names[arg] in typed.region.immutable:
            typed.always_fails.add(pc)
            return []
        slots[_promoted_slot(typed, arg)] = stack.pop()
    elif op == Op.LOAD_GLOBAL:
        stack.append(("fn", _callee(code.names[arg], lookup, line)))
    elif op == Op.CALL:
        args = tuple(stack[len(stack) - arg:])
        del stack[len(stack) - arg:]
        callee = stack.pop()
        if not isinstance(callee, tuple) or any(isinstance(a, tuple) for a in args):
            raise NotCompilable("calling a computed value", line)
        function = callee[1].function
        typed.callees[pc] = callee[1]
        if _is_range_loop(typed, pc, function, args):
            stack.append(RANGE_ARGS)   # `for v in range(...)`: a counted loop, no array is built
            return [(following, tuple(slots), tuple(stack))]
        if typed.tier == 1:
            stack.append("dyn")
            return [(following, tuple(slots), tuple(stack))]
        result = BUILTIN_RESULTS.get(function.name) if type(function) is Builtin else return_type_of(function, args)
        if result == "bottom":   # a recursive call whose type is not known yet: ignore this path
            return []
        typed.callees[pc] = callee[1]
        stack.append("dyn" if result is None else result)   # unknown: whatever comes back, tagged
    elif "dyn" in stack[-2:] and op in ARITHMETIC_OPS:
        del stack[-2:]
        stack.append("dyn")
    elif "dyn" in stack[-2:] and (op in ORDERING_OPS or op in EQUALITY_OPS):
        del stack[-2:]
        stack.append("bool")
    elif op in ARITHMETIC_OPS:
        right, left = stack.pop(), stack.pop()
        result = arithmetic_type(left, right)
        if result is None:
            typed.always_fails.add(pc)
            return []
        stack.append(result)
    elif op in ORDERING_OPS:
        right, left = stack.pop(), stack.pop()
        if not (left == right and left in ("int", "float")):
            if left in ("int", "float") and right in ("int", "float"):
                stack.append("bool")   # int vs float: compared as doubles (exactness guarded)
                return [(following, tuple(slots), tuple(stack))]
            typed.always_fails.add(pc)
            return []
        stack.append("bool")
    elif op in EQUALITY_OPS:
        right, left = stack.pop(), stack.pop()
        stack.append("bool")
    elif op in (Op.NOT, Op.NEG) and stack[-1] == "dyn":
        stack[-1] = "bool" if op == Op.NOT else "dyn"
    elif op == Op.NOT:
        if stack.pop() != "bool":
            typed.always_fails.add(pc)
            return []
        stack.append("bool")
    elif op == Op.NEG:
        operand = stack.pop()
        if operand not in ("int", "float"):
            typed.always_fails.add(pc)
            return []
        stack.append(operand)
    elif op == Op.GET_ITER:
        iterable = stack.pop()
        if iterable not in ("int", "dyn", RANGE_ARGS):
            raise NotCompilable(f"for loops over a {iterable if isinstance(iterable, str) else 'value'}", line)
        stack.extend([RANGE, "int"])   # T0 keeps [items, position]; native code keeps a range
    elif op == Op.FOR_ITER:
        if stack[-2:] != [RANGE, "int"]:
            raise NotCompilable("for loops over a value native code cannot count", line)
        return [(arg, tuple(slots), tuple(stack[:-2])), (following, tuple(slots), tuple(stack + ["int"]))]
    elif op == Op.TO_BOOL:
        stack.pop()
        stack.append("bool")
    elif op == Op.POP:
        stack.pop()
    elif op == Op.DUP:
        stack.append(stack[-1])
    elif op in (Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE):
        stack.pop()
        return [(arg, tuple(slots), tuple(stack)), (following, tuple(slots), tuple(stack))]
    elif op in (Op.JUMP, Op.JUMP_BACK):
        return [(arg, tuple(slots), tuple(stack))]
    elif op == Op.RETURN:
        returns.add("dyn" if typed.tier == 1 else stack.pop())
        if typed.tier == 1:
            stack.pop()
        return []
    elif op == Op.FAIL:
        typed.always_fails.add(pc)
        return []
    else:
        raise NotCompilable(f"opcode {op}", line)
    assert op not in JUMP_OPS
    return [(following, tuple(slots), tuple(stack))]


RANGE_ARGS = ("range-args",)   # the arguments of range(...) about to be iterated
RANGE = ("range",)              # a loop's items: start, stop, step, count


def _is_range_loop(typed: TypedCode, pc: int, function: Any, args: tuple) -> bool:
    code = typed.code
    return (type(function) is Builtin and function.name == "range" and 1 <= len(args) <= 3
            and all(a in ("int", "dyn") for a in args) and pc + 1 < len(code.instrs)
            and code.instrs[pc + 1][0] == Op.GET_ITER)


def _promoted_slot(typed: TypedCode, name_index: int) -> int | None:
    """The slot of a global an OSR region keeps in a register, if it is one."""
    region = typed.region
    if region is None or not isinstance(typed.code.names[name_index], str):
        return None
    name = typed.code.names[name_index]
    return typed.code.nlocals + region.promoted.index(name) if name in region.promoted else None


def _callee(name: str, lookup: Callable[[str], Any], line: int) -> Callee:
    """A global read natively must hold a plain function or a builtin (guarded to stay the same)."""
    value = lookup(name)
    if (type(value) is Function and not value.cells) or type(value) is Builtin:
        return Callee(name, value)
    if type(value) is Function:
        raise NotCompilable(f"call to closure {name}", line)
    raise NotCompilable(f"reading global {name}", line)
