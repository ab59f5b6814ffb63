"""What T2 knows about struct shapes (``core.objects.StructType``) from the
interpreter's inline caches (``profile/ics.py``): which field sites it loads
natively, and the words its guards, deopts and declined sites use.

A GET_FIELD site is loaded natively when its cache is monomorphic on a struct
shape that has the field: native code checks the receiver is a ``StructValue``
of exactly that shape (a ``shape`` guard: speculative, so failing ones
despecialize like a type guard) and reads the field's object from its fixed
slot (``lowering/structs.py``). A struct literal whose cache saw one shape,
naming each of its fields once, is built natively behind a ``declared-shape``
guard (``literal_site``). A field store (STORE_FIELD) at a monomorphic site,
into a struct the MUT_LOCAL just before made the frame's own, stores a scalar
natively (``store_site``; another shape takes the generic path, no guard).
Every other site stays generic and says why,
naming the cache's state and the shapes it saw."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import BLOCK_ENDS, CONTROL_OPS, OPCODES, OPERATOR_METHODS, Op, stack_pops
from ruffdbg.core.objects import Function, StructType, StructValue
from ruffdbg.core.values import type_name
from ruffdbg.jit import tiering
from ruffdbg.profile.ics import MONO, UNINIT


def mono_shape(code: CodeObject, pc: int) -> StructType | None:
    """The one struct shape the inline cache at ``pc`` saw, if it saw only that."""
    cache = code.profile.ics[pc] if code.profile is not None else None
    if cache is None or cache.state != MONO:
        return None
    (shape,) = cache.by_shape()
    return shape if type(shape) is StructType else None


def field_site(code: CodeObject, pc: int) -> tuple[StructType, int] | None:
    """(shape, slot) of a field site loaded natively: monomorphic on a shape with the field."""
    shape = mono_shape(code, pc)
    if shape is None:
        return None
    slot = shape.slot.get(code.consts[code.instrs[pc][1]])
    return None if slot is None else (shape, slot)


def receiver_pushed_by(code: CodeObject, pc: int, depth: int = 1) -> int | None:
    """The pc of the instruction that pushed the value ``depth`` entries down the stack
    at ``pc`` (1: on top), found by walking back through straight-line code (DUP and
    SWAP followed); None past a jump, a jump target or a block's start. ``p.x := v``
    is ``MUT_LOCAL p; STORE_FIELD x``, ``p.x += v`` is ``MUT_LOCAL p; DUP;
    GET_FIELD x; v; ADD; SWAP; STORE_FIELD x``: both find the MUT_LOCAL."""
    targets = {arg for op, arg in code.instrs if op in CONTROL_OPS or op == Op.SETUP_TRY}
    at = pc
    while at > 0:
        if at in targets:
            return None
        at -= 1
        op, arg = code.instrs[at]
        if op in CONTROL_OPS or op in BLOCK_ENDS or op == Op.SETUP_TRY:
            return None
        pushes = OPCODES[op].pushes
        if op == Op.SWAP:
            if depth <= 2:
                depth = 3 - depth
            continue
        if op == Op.DUP:
            if depth <= 2:
                depth = 1
            else:
                depth -= 1
            continue
        if op in (Op.DUP2, Op.ROT3):
            if depth <= pushes:
                return None
        elif depth <= pushes:
            return at
        depth += stack_pops(op, arg, code) - pushes
    return None


def store_site(code: CodeObject, pc: int) -> tuple[StructType, int] | None:
    """(shape, slot) of a field store (STORE_FIELD) T2 stores natively: monomorphic on
    a shape with the field, into a struct a MUT_LOCAL just made the frame's own
    (``p.x := v``, ``p.x += v``; a nested ``a.b.x := v`` stays generic)."""
    site = field_site(code, pc)
    pusher = receiver_pushed_by(code, pc) if site is not None else None
    if pusher is None or code.instrs[pusher][0] != Op.MUT_LOCAL:
        return None
    return site


def why_store_generic(code: CodeObject, pc: int) -> str:
    """Why a field store stays generic: its cache, or where its receiver came from."""
    if field_site(code, pc) is None:
        return why_generic(code, pc, "native field stores")
    pusher = receiver_pushed_by(code, pc)
    if pusher is not None and code.instrs[pusher][0] == Op.MUT_FIELD:
        return "a nested store (a.b.x := v): the inner struct is made the frame's own by the interpreter"
    return "the receiver is not a local made the frame's own just before (copy-on-write)"


def method_site(code: CodeObject, pc: int) -> tuple[StructType, Function] | None:
    """(shape, method) of a method call (CALL_METHOD) or an operator overload (``a + b``
    reaching ``op_add``) T2 calls natively: its cache is monomorphic on a shape whose
    method is a Ruff function with no captured variables (the shape fixes it: a
    declaration's methods never change, a redeclared struct is a new shape) and has
    native code (a call from native code into the interpreter costs more than the
    interpreter's own call) or is the method being compiled (a recursion). An
    operator site must have seen nothing but structs on its left."""
    shape = mono_shape(code, pc)
    if shape is None:
        return None
    op, arg = code.instrs[pc]
    if op == Op.CALL_METHOD:
        method = shape.methods.get(code.consts[arg[0]])
    else:
        profile = code.profile
        if profile.fast_hits[pc] or profile.float_hits[pc] or any(
                type(key) is not tuple or key[0] is not StructValue for key in profile.feedback[pc]):
            return None
        method = shape.methods.get(OPERATOR_METHODS.get(op, ""))
    if type(method) is not Function or method.cells or (method.code is not code and (
            method.code.profile is None or method.code.profile.native is None
            and not (tiering.short_method(method.code) and tiering.inline_body(method.code)))):
        return None   # (a short method all inline is compiled for its caller, _compile_callees)
    return shape, method


def literal_site(code: CodeObject, pc: int) -> tuple[StructType, tuple[int, ...]] | None:
    """(shape, the slot of each field the literal gives, in its order) of a struct
    literal T2 builds natively: its cache saw one shape, which has every field the
    literal names, each named once (a field given twice, or one the shape lacks,
    stays with the interpreter, which builds or raises as it always does)."""
    shape = mono_shape(code, pc)
    if shape is None:
        return None
    names = code.instrs[pc][1][1]
    if len(set(names)) != len(names) or any(name not in shape.slot for name in names):
        return None
    return shape, tuple(shape.slot[name] for name in names)


def why_literal_generic(code: CodeObject, pc: int) -> str:
    """Why a struct literal stays generic: its cache, or its fields."""
    cache = code.profile.ics[pc] if code.profile is not None else None
    if cache is None or cache.state == UNINIT:
        return "the site has not run (its inline cache is uninitialized)"
    seen = [name for name, _count in cache.snapshot()[1]]
    if cache.state != MONO:
        state = cache.state if cache.state != "poly" else f"poly({len(seen)})"
        return f"{state} {' '.join(seen[:4])}{' ...' if len(seen) > 4 else ''}: native struct literals need one shape"
    names = code.instrs[pc][1][1]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        return f"mono {seen[0]}: the field {twice[0]} is given twice (the interpreter builds it)"
    shape = mono_shape(code, pc)
    missing = next((name for name in names if name not in shape.slot), None)
    return f"mono {seen[0]}: {shape.name} has no field {missing} (the interpreter raises)"


def literal_deopt_reason(site: str, expected: StructType, declared: Any) -> str:
    """``Vec {x, y}: expected Vec#1, got Vec#2`` (the struct was declared again)."""
    got = declared.shape_name if type(declared) is StructType else "no declaration"
    return f"{site}: expected {expected.shape_name}, got {got}"


def why_generic(code: CodeObject, pc: int, native: str = "native field loads") -> str:
    """Why a field or method site stays generic, from its inline cache:
    ``poly(2) Point#1 Vec#1: native field loads need one shape``."""
    cache = code.profile.ics[pc] if code.profile is not None else None
    if cache is None or cache.state == UNINIT:
        return "the site has not run (its inline cache is uninitialized)"
    seen = [name for name, _count in cache.snapshot()[1]]
    if cache.state == MONO:
        op, arg = code.instrs[pc]
        if seen and mono_shape(code, pc) is None:
            return f"mono {seen[0]}: {native} need a struct"
        if op in OPERATOR_METHODS or op == Op.CALL_METHOD:
            return f"mono {seen[0]}: {_why_not_called(code, pc, mono_shape(code, pc))}"
        return f"mono {seen[0]}: the shape has no field {code.consts[arg]}"
    state = cache.state if cache.state != "poly" else f"poly({len(seen)})"
    return f"{state} {' '.join(seen[:4])}{' ...' if len(seen) > 4 else ''}: {native} need one shape"


def _why_not_called(code: CodeObject, pc: int, shape: StructType) -> str:
    op, arg = code.instrs[pc]
    name = code.consts[arg[0]] if op == Op.CALL_METHOD else OPERATOR_METHODS[op]
    method = shape.methods.get(name)
    profile = code.profile
    if op != Op.CALL_METHOD and (profile.fast_hits[pc] or profile.float_hits[pc] or any(
            type(key) is not tuple or key[0] is not StructValue for key in profile.feedback[pc])):
        return "the site saw other operands too"
    if type(method) is not Function:
        return f"{shape.name} has no method {name}" if method is None else f"{name} is a builtin method"
    if method.cells:
        return f"{shape.name}.{name} captures variables"
    return f"{shape.name}.{name} has no native code (a call into the interpreter from native code costs more)"


def receiver_depth(code: CodeObject, pc: int) -> int:
    """How far down the operand stack the receiver of the site at ``pc`` is (1: on top)."""
    op, arg = code.instrs[pc]
    if op == Op.CALL_METHOD:
        return arg[1] + 1
    if op in (Op.GET_FIELD, Op.GET_FIELD_OR_NULL, Op.MUT_FIELD):
        return 1
    return 2   # an operator's left operand


def shape_name(value: Any) -> str:
    """A value as a shape guard names it: ``Point#1``, or its Ruff type."""
    return value.type.shape_name if type(value) is StructValue else type_name(value)


def deopt_reason(site: str, expected: StructType, receiver: Any) -> str:
    """``p.x: expected Point#1, got Vec#1``."""
    return f"{site}: expected {expected.shape_name}, got {shape_name(receiver)}"

