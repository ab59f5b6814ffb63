"""Why T2 leaves a site generic, in words, per site: what the instruction does
there ("field access p.x") and why native code does not specialize it yet
("no native struct layout yet"). One row per opcode (or family) below; the
views show the text as it is ("generic: field access p.x — no native struct
layout yet"), and ``ruffdbg ir`` puts it in the listing's header.

Operands are named from the instructions that pushed them when those are
plain loads just before (``xs[i]``); otherwise by what the value is (``a
value``)."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import NOT_COMPILED, OPCODE_NAMES, Op

# Why a site is generic that had not run when its unit was compiled: there was no
# feedback to specialize it on (``Compiling._compile_again`` looks for these words:
# a compile made once the site has run may make it native).
NOT_RUN = "the site has not run"
# op -> (what the site does, with {a}, {b} the operands from the top down and {name}
# the instruction's own name operand; why native code leaves it to the interpreter)
WHY = {
    Op.INDEX: ("index {b}[{a}]", "not an array of one element kind or a dict with int or string keys"),
    Op.STORE_INDEX: ("element store {b}[{a}] := ...", "copy-on-write stays in the interpreter"),
    Op.MUT_INDEX: ("element update {b}[{a}]", "copy-on-write stays in the interpreter"),
    Op.MUT_LOCAL: ("container update of {name}", "copy-on-write stays in the interpreter"),
    Op.MUT_FIELD: ("field update {a}.{name}", "copy-on-write stays in the interpreter"),
    Op.STORE_FIELD: ("field store {a}.{name} := ...",
                     "only a scalar stored into a local's own struct at a monomorphic site is native"),
    Op.GET_FIELD: ("field access {a}.{name}", "not a monomorphic struct site"),
    Op.GET_FIELD_OR_NULL: ("field access {a}?.{name}", "only plain field loads (p.x) are native"),
    Op.CALL_METHOD: ("method call {a}.{name}(...)", "not a monomorphic struct site"),
    Op.BUILD_ARRAY: ("array literal", "allocation stays in the interpreter"),
    Op.BUILD_DICT: ("dict literal", "allocation stays in the interpreter"),
    Op.BUILD_STRING: ("string interpolation", "a part is not a Ruff value native code holds"),
    Op.NEW_STRUCT: ("struct literal {name}", "not a monomorphic literal site (jit/structs.why_literal_generic)"),
    Op.MAKE_STRUCT: ("struct definition", "types are defined by the interpreter"),
    Op.MAKE_FUNCTION: ("closure creation", "closures are made by the interpreter"),
    Op.NEW_CELL: ("captured variable {name}", "cells are made by the interpreter"),
    Op.LOAD_CELL: ("captured variable {name}", "the local does not hold its cell on every path to here"),
    Op.STORE_CELL: ("captured variable {name} := ...", "the local does not hold its cell on every path to here"),
    Op.MUT_CELL: ("captured variable {name}", "copy-on-write stays in the interpreter"),
    Op.MUT_FREE: ("captured variable {name}", "copy-on-write stays in the interpreter"),
    Op.STORE_GLOBAL: ("global {name} := ...", "globals are kept by the interpreter"),
    Op.DEFINE_GLOBAL: ("global {name} declared", "globals are kept by the interpreter"),
    Op.MUT_GLOBAL: ("global {name} updated", "globals are kept by the interpreter"),
    Op.LOAD_GLOBAL: ("global {name} read", "it holds {held}, not a plain function"),
    Op.THROW: ("throw", "errors are raised by the interpreter"),
    Op.GET_ITER: ("for loop over {a}", "only ranges and ints are counted loops"),
    Op.FOR_ITER: ("for loop step", "native code steps ranges, arrays and lists (at T2 a dict's keys and a "
                                   "string's characters too); generators step in the interpreter"),
    Op.CALL: ("call of {callee}", "{why_call}"),
}


def generic_reason(code: CodeObject, pc: int, held: str = "a value", callee: str = "a value",
                   why_call: str = "only global functions and builtins are called natively",
                   why: str | None = None) -> str:
    """The text for the site at ``pc`` (``held``: what a global read holds;
    ``callee``/``why_call``: a CALL's callee and why it is generic; ``why``: in
    place of the table's reason, when the site's profile tells more)."""
    op, arg = code.instrs[pc]
    what, why_row = WHY.get(op) or (NOT_COMPILED.get(op) or OPCODE_NAMES[op].lower(), "not specialized yet")
    why = why_row if why is None else why
    a, b = operand_name(code, pc, 1), operand_name(code, pc, 2)
    if op == Op.CALL_METHOD:   # (the receiver is below the arguments)
        a = operand_name(code, pc, arg[1] + 1)
    text = f"generic: {what} — {why}"
    return text.format(a=a, b=b, name=_name(code, op, arg), held=held, callee=callee, why_call=why_call)


def operand_name(code: CodeObject, pc: int, depth: int) -> str:
    """The value ``depth`` entries down the stack at ``pc``, named when a plain load
    just before pushed it (depth 1: at pc - 1, depth 2: at pc - 2, the other a load)."""
    at = pc - depth
    if at < 0 or any(code.instrs[p][0] not in _LOADS for p in range(at, pc)):
        return "a value"
    op, arg = code.instrs[at]
    if op == Op.LOAD_LOCAL or op == Op.MUT_LOCAL:
        return str(code.local_names[arg])
    if op == Op.LOAD_GLOBAL:
        return str(code.names[arg])
    if op == Op.LOAD_FREE:
        return str(code.free_names[arg])
    value = code.consts[arg]
    return repr(value) if isinstance(value, str) else str(value)


_LOADS = frozenset({Op.LOAD_LOCAL, Op.LOAD_GLOBAL, Op.LOAD_CONST, Op.LOAD_FREE, Op.MUT_LOCAL})


def _name(code: CodeObject, op: int, arg: Any) -> str:
    """The name an instruction's own operand gives (a local, a global, a field, a method)."""
    try:
        if op in (Op.MUT_LOCAL, Op.NEW_CELL, Op.LOAD_CELL, Op.STORE_CELL, Op.MUT_CELL):
            return str(code.local_names[arg])
        if op in (Op.LOAD_FREE, Op.STORE_FREE, Op.MUT_FREE):
            return str(code.free_names[arg])
        if op in (Op.STORE_GLOBAL, Op.MUT_GLOBAL, Op.LOAD_GLOBAL):
            return str(code.names[arg])
        if op == Op.DEFINE_GLOBAL:
            return str(code.names[arg][0])
        if op in (Op.GET_FIELD, Op.GET_FIELD_OR_NULL, Op.STORE_FIELD, Op.MUT_FIELD):
            return str(code.consts[arg])
        if op == Op.CALL_METHOD:
            return str(code.consts[arg[0]])
        if op == Op.NEW_STRUCT:
            return str(arg[0])
    except (IndexError, TypeError, KeyError):
        pass
    return ""
