"""Superinstructions for tier 0 (what CPython calls LOAD_FAST__LOAD_FAST & co).

A Python-level dispatch loop pays roughly the same fixed cost for every
instruction it decodes, so the cheapest instruction is the one it never
decodes. This pass finds short, very common instruction groups and gives each
a *fused* form that does the whole group in one dispatch:

    LOAD_LOCAL a; LOAD_LOCAL b|LOAD_CONST c; <compare>; JUMP_IF_FALSE t   -> COMPARE_JUMP
    LOAD_LOCAL a; LOAD_LOCAL b|LOAD_CONST c; ADD|SUB|MUL; STORE_LOCAL d   -> ARITH_STORE
    LOAD_LOCAL a; LOAD_LOCAL b|LOAD_CONST c; <arith or compare>           -> BINARY
    LOAD_LOCAL a; LOAD_LOCAL b                                            -> LOAD_LOCAL2
    LOAD_LOCAL a; RETURN                                                  -> (RETURN, a)
    LOAD_LOCAL a; GET_FIELD f                                             -> LOCAL_FIELD
    LOAD_LOCAL r; <local or constant>...; CALL_METHOD m, n                -> LOCAL_METHOD
    LOAD_GLOBAL f; <argument>...; CALL n                                  -> CALL_GLOBAL

where an <argument> of CALL_GLOBAL is a LOAD_LOCAL, a LOAD_CONST, or LOAD_LOCAL a;
LOAD_LOCAL b|LOAD_CONST c; ADD|SUB|MUL (``f(x)``, ``f(a, 1)``, ``f(n - 1)``).
LOCAL_FIELD (``self.x``, ``p.x``) does only an inline-cache hit on a struct whose
field has a slot, and LOCAL_METHOD (``v.len()``, ``p.dot(q)``, ``self.step(1)``)
only a hit of the method site's cache; anything else runs the original
GET_FIELD, or pushes the receiver and the arguments and runs the CALL_METHOD.

The original instruction list is never changed: the disassembler, the line
table and the JIT read ``code.instrs``. The fused program is ``code.quick``,
the same length as ``instrs``, pc for pc, of ``(op, arg, next pc)``:

* a group's fused instruction sits at the group's first pc and continues at
  the pc after the group;
* every other pc of the group keeps its original instruction, so a frame can
  be resumed at *any* original pc (deoptimization will do that): it simply
  runs the rest of the group unfused;
* groups never contain a jump target except at their first pc, and never span
  two source lines, so the fused form is only ever entered at its start.

A fused instruction only does the fast cases (int/int without overflow,
float/float) and records the same feedback the original instructions would
(at their pcs). Anything else -- other types, overflow, operator overloads --
pushes the operands and continues with the original operator instruction, so
slow paths, errors and their pc/line are exactly those of the unfused code.
"""

from __future__ import annotations

import operator
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.values import values_equal
from ruffdbg.compiler.opcodes import JUMP_OPS, OPCODE_NAMES, Op

# Fused opcodes are numbered after the real ones; they exist only in ``code.quick``.
QUICK_OPCODES = ["COMPARE_JUMP", "ARITH_STORE", "BINARY", "LOAD_LOCAL2", "CALL_GLOBAL", "LOCAL_FIELD", "LOCAL_METHOD"]
_FIRST_QUICK = len(OPCODE_NAMES)
COMPARE_JUMP, ARITH_STORE, BINARY, LOAD_LOCAL2, CALL_GLOBAL, LOCAL_FIELD, LOCAL_METHOD = range(_FIRST_QUICK, _FIRST_QUICK + len(QUICK_OPCODES))
QUICK_NAMES = dict(zip(range(_FIRST_QUICK, _FIRST_QUICK + len(QUICK_OPCODES)), QUICK_OPCODES))
# Numbers from STAND_IN on are left to entries that stand in for another entry of
# ``quick`` and keep that entry's index at ``arg[1]``: the debugger's TRAP
# (vm/debugger.py), which replaces the entry at a breakpoint or step location and
# moves the original to the end of ``quick``. Listings look through them.
STAND_IN = _FIRST_QUICK + len(QUICK_OPCODES)


def _not_equal(a: Any, b: Any) -> bool:
    return not values_equal(a, b)


# operator -> (function for int/int, function for float/float): exactly what the
# unfused instruction computes for those operand types. (Ruff's float == has a
# tolerance, so it is not Python's.)
FUSABLE = {
    Op.ADD: (operator.add, operator.add),
    Op.SUB: (operator.sub, operator.sub),
    Op.MUL: (operator.mul, operator.mul),
    Op.LESS: (operator.lt, operator.lt),
    Op.LESS_EQUAL: (operator.le, operator.le),
    Op.GREATER: (operator.gt, operator.gt),
    Op.GREATER_EQUAL: (operator.ge, operator.ge),
    Op.EQUAL: (operator.eq, values_equal),
    Op.NOT_EQUAL: (operator.ne, _not_equal),
}
FUSED_ARITHMETIC = {Op.ADD, Op.SUB, Op.MUL}   # (DIV and MOD have error cases: never fused)
FUSED_COMPARISONS = set(FUSABLE) - FUSED_ARITHMETIC
# CALL_GLOBAL's kinds of argument: (kind, x, y, int_fn, float_fn, operator pc) each.
LOCAL_ARG, CONST_ARG, BINARY_LOCAL_ARG, BINARY_CONST_ARG = range(4)
MAX_CALL_ARGS = 3


def quicken(code: CodeObject) -> list:
    """The fused program for ``code`` (see the module docstring)."""
    instrs = code.instrs
    size = len(instrs)
    targets = {arg for op, arg in instrs if op in JUMP_OPS}
    lines = code.lines

    def fusable(pc: int, length: int) -> bool:
        """pc..pc+length-1 exist, are on one line, and only pc may be jumped to."""
        if pc + length > size:
            return False
        line = lines[pc] if lines else None
        return all(pc + k not in targets and (not lines or lines[pc + k] == line) for k in range(1, length))

    def op_at(pc: int) -> int | None:
        return instrs[pc][0] if pc < size else None

    # Each quick instruction is (op, arg, next pc), so the loop's fetch sets the
    # next pc too; a fused instruction's next pc is the end of its group.
    quick = [(op, arg, pc + 1) for pc, (op, arg) in enumerate(instrs)]
    pc = 0
    while pc < size:
        op, arg = instrs[pc]
        length = 1
        method = _method_call(code, pc, op_at, fusable) if op == Op.LOAD_LOCAL else None
        if method is not None:
            quick[pc], length = method
        elif op == Op.LOAD_LOCAL and _method_call(code, pc + 1, op_at, fusable) is not None:
            pass   # (`t + v.dot(w)`: the receiver starts a method call's group, not this one's)
        elif op == Op.LOAD_LOCAL and op_at(pc + 1) in (Op.LOAD_LOCAL, Op.LOAD_CONST):
            second_op, second_arg = instrs[pc + 1]
            is_const = second_op == Op.LOAD_CONST
            b = code.consts[second_arg] if is_const else second_arg
            operator_op = op_at(pc + 2)
            site = pc + 2
            if operator_op in FUSABLE and fusable(pc, 3):
                int_fn, float_fn = FUSABLE[operator_op]
                after = op_at(pc + 3)
                if operator_op in FUSED_COMPARISONS and after == Op.JUMP_IF_FALSE and fusable(pc, 4):
                    quick[pc] = (COMPARE_JUMP, (arg, b, is_const, int_fn, float_fn, site, instrs[pc + 3][1]), pc + 4)
                    length = 4
                elif operator_op in FUSED_ARITHMETIC and after == Op.STORE_LOCAL and fusable(pc, 4):
                    quick[pc] = (ARITH_STORE, (arg, b, is_const, int_fn, float_fn, site, instrs[pc + 3][1]), pc + 4)
                    length = 4
                else:
                    quick[pc] = (BINARY, (arg, b, is_const, int_fn, float_fn, site), pc + 3)
                    length = 3
            elif not is_const and fusable(pc, 2):
                quick[pc] = (LOAD_LOCAL2, (arg, second_arg), pc + 2)
                length = 2
        elif op == Op.LOAD_GLOBAL:
            call = _global_call(code, pc, op_at, fusable)
            if call is not None:
                quick[pc], length = call
        elif op == Op.LOAD_LOCAL and op_at(pc + 1) == Op.RETURN and fusable(pc, 2):
            quick[pc] = (int(Op.RETURN), arg, pc + 2)  # RETURN with an operand returns that local
            length = 2
        elif op == Op.LOAD_LOCAL and op_at(pc + 1) == Op.GET_FIELD and fusable(pc, 2):
            quick[pc] = (LOCAL_FIELD, (arg, pc + 1), pc + 2)   # (the local, the GET_FIELD's pc: its cache)
            length = 2
        pc += length
    return quick


def _method_call(code: CodeObject, pc: int, op_at, fusable) -> tuple[tuple, int] | None:
    """(LOCAL_METHOD entry, group length) for a method call on the local loaded at
    ``pc`` whose arguments are locals or constants, else None. The entry's
    arguments are (receiver slot, ((is constant, local or value), ...), the
    CALL_METHOD's pc)."""
    instrs = code.instrs
    if op_at(pc) != Op.LOAD_LOCAL:
        return None
    sources = []
    at = pc + 1
    while op_at(at) in (Op.LOAD_LOCAL, Op.LOAD_CONST) and len(sources) < MAX_CALL_ARGS:
        is_const = op_at(at) == Op.LOAD_CONST
        sources.append((is_const, code.consts[instrs[at][1]] if is_const else instrs[at][1]))
        at += 1
    if op_at(at) != Op.CALL_METHOD or instrs[at][1][1] != len(sources) or not fusable(pc, at - pc + 1):
        return None
    return (LOCAL_METHOD, (instrs[pc][1], tuple(sources), at), at + 1), at - pc + 1


def _global_call(code: CodeObject, pc: int, op_at, fusable) -> tuple[tuple, int] | None:
    """(CALL_GLOBAL entry, group length) for a call of the global loaded at ``pc``
    whose arguments are all simple (see the module docstring), else None."""
    instrs = code.instrs
    sources = []
    at = pc + 1
    while len(sources) < MAX_CALL_ARGS:
        op = op_at(at)
        if op == Op.LOAD_LOCAL and op_at(at + 1) in (Op.LOAD_LOCAL, Op.LOAD_CONST) \
                and op_at(at + 2) in FUSED_ARITHMETIC:
            is_const = op_at(at + 1) == Op.LOAD_CONST
            y = code.consts[instrs[at + 1][1]] if is_const else instrs[at + 1][1]
            int_fn, float_fn = FUSABLE[op_at(at + 2)]
            kind = BINARY_CONST_ARG if is_const else BINARY_LOCAL_ARG
            sources.append((kind, instrs[at][1], y, int_fn, float_fn, at + 2))
            at += 3
        elif op == Op.LOAD_LOCAL:
            sources.append((LOCAL_ARG, instrs[at][1], None, None, None, at))
            at += 1
        elif op == Op.LOAD_CONST:
            sources.append((CONST_ARG, code.consts[instrs[at][1]], None, None, None, at))
            at += 1
        else:
            break
    if op_at(at) != Op.CALL or instrs[at][1] != len(sources) or not fusable(pc, at - pc + 1):
        return None
    return (CALL_GLOBAL, (pc, code.names[instrs[pc][1]], tuple(sources)), at + 1), at - pc + 1


def quick_of(code: CodeObject) -> list:
    """``code.quick``, filled in by ``quicken`` if it is missing (or stale: shorter
    than ``instrs``; the debugger's traps only ever append). The one place that
    sets the field: the compiler, the VM and the debugger all come through here."""
    quick = code.quick
    if quick is None or len(quick) < len(code.instrs):
        quick = code.quick = quicken(code)
    return quick


def optimize(code: CodeObject) -> CodeObject:
    """Fill in ``quick`` for ``code`` and every code object nested in it."""
    for each in code.walk():
        quick_of(each)
    return code


def describe_quick(code: CodeObject, pc: int) -> str:
    """The fused instruction at ``pc`` as text ('' if none), for listings and tests."""
    quick = code.quick
    if quick is None:
        return ""
    op, arg, next_pc = quick[pc]
    if op >= STAND_IN:
        op, arg, next_pc = quick[arg[1]]   # what a trap stands in for
    if next_pc == pc + 1:
        return ""
    if op == Op.RETURN:
        return f"RETURN_LOCAL {arg}"
    if op == CALL_GLOBAL:
        return f"CALL_GLOBAL {arg[1]},{len(arg[2])}"
    if op == LOCAL_FIELD:
        return f"LOCAL_FIELD {arg[0]},{code.consts[code.instrs[arg[1]][1]]}"
    if op == LOCAL_METHOD:
        return f"LOCAL_METHOD {arg[0]},{code.consts[code.instrs[arg[2]][1][0]]}"
    return f"{QUICK_NAMES[op]} {arg[0]},{arg[1]}"
