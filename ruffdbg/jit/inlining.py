"""Which struct method calls T2 inlines, and how (``lowering/inlined.py`` emits them).

A call of a method (``v.dot(w)``) or an operator method (``a + b`` reaching
``op_add``) at a site T2 calls natively (``structs.method_site``: monomorphic on
one shape, which fixes the method) is inlined when the method's body, up to its
first RETURN, is a straight line of instructions without effects: its
parameters read (LOAD_LOCAL), constants, field loads at monomorphic sites,
arithmetic whose sites saw only numbers, ``-x`` and struct literals at
monomorphic sites. Such a body changes nothing a program could see (it writes
no local, global, field or element, calls nothing, prints nothing), so when any
of its checks fails -- a field holding another type, an argument of another
shape, an overflow, a struct declared again, the stack limit -- the whole call
is *re-executed from its site* by the interpreter (the site's generic path: the
interpreter runs the CALL_METHOD or operator instruction on the caller's
operands, which are still on the stack), exactly as if native code had not
started it. No frame of the method needs materializing: nothing of the inlined
run survives a failed check. An error the method raises is raised by that run,
in the method's own frame, with the Ruff stack the interpreter gives it.

The types come from the method's own profile: a field load feeding an
arithmetic site that saw only ints is loaded as an int (checked: another type
re-executes the call), only floats as a float, anything else as a tagged scalar.
The call's result has the body's type (a ``dot`` of ints is an int; a struct is
a tagged value), so the caller's arithmetic on it is unboxed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, OPCODE_NAMES, Op
from ruffdbg.core.objects import Function, StructType
from ruffdbg.jit import structs
from ruffdbg.jit.inference import arithmetic_type, value_type
from ruffdbg.jit.types import NUMBERS, SCALARS, Kind
from ruffdbg.jit.views import InlineSite
from ruffdbg.profile.ics import site_text

MAX_BODY = 32   # instructions up to the RETURN: a bigger body is called (its code is shared)

# Operand pairs an arithmetic site may have seen for its method to be inlined (an
# int/int or float/float pair is a fast hit, not in the feedback).
_NUMBER_PAIRS = {(left, right) for left in (int, float) for right in (int, float)}


@dataclass(frozen=True)
class FieldLoad:
    """A field load of an inlined body: which parameter it reads, the shape its site
    saw, the field's slot, and the kind it is loaded as (int, float or dyn)."""

    param: int
    shape: StructType
    slot: int
    kind: str


@dataclass(frozen=True)
class InlinePlan:
    """What a call site inlines: ``method`` of ``shape`` (the receiver's, guarded at
    the site), its body's pcs ``0 .. end`` (``end``: the first RETURN), the field
    loads and struct literals in it by pc, and the kind of its result.

    For allocation sinking (``jit/sinking.py``): ``returned``, the shape and field
    kinds (in slot order) of the struct literal it returns when it returns one
    whose every field is a scalar; ``read_fields``, each parameter whose only use
    is field loads, with the shape its loads saw."""

    method: Function
    shape: StructType
    end: int
    fields: dict[int, FieldLoad]
    literals: dict[int, tuple[StructType, tuple[int, ...]]]
    result: str
    returned: tuple[StructType, tuple[str, ...]] | None = None
    read_fields: tuple[tuple[int, StructType], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.shape.name}.{self.method.code.name}"


class _NotInlined(Exception):
    """Why a method is not inlined (its message)."""


def plan_for(shape: StructType, method: Function, args: tuple[Any, ...]) -> InlinePlan | str:
    """The plan for inlining ``method`` (the method ``shape`` has at a native call
    site) called with arguments of kinds ``args`` (the receiver first), or why not."""
    code = method.code
    try:
        end = _body_end(code)
        fields: dict[int, FieldLoad] = {}
        literals: dict[int, tuple[StructType, tuple[int, ...]]] = {}
        stack: list[tuple[str, int | None]] = []   # (kind, the pc of the field load that pushed it, if one did)
        returned = None
        for pc in range(end):
            if pc == end - 1 and code.instrs[pc][0] == Op.NEW_STRUCT:
                returned = [kind for kind, _ in stack[len(stack) - len(code.instrs[pc][1][1]):]]
            _step(code, pc, shape, args, stack, fields, literals)
        (result, _), = stack[-1:] or [(Kind.NULL, None)]
        return InlinePlan(method, shape, end, fields, literals, result,
                          _scalar_literal(literals.get(end - 1), returned), _read_fields(code, end, shape, fields))
    except _NotInlined as why:
        return f"{shape.name}.{code.name} not inlined: {why}"


def _scalar_literal(site: tuple | None, kinds: list | None) -> tuple[StructType, tuple[str, ...]] | None:
    """(shape, field kinds in slot order) of a returned literal giving every field a scalar."""
    if site is None or kinds is None or any(kind not in SCALARS for kind in kinds):
        return None
    shape, given = site
    if sorted(given) != list(range(len(shape.field_names))):
        return None
    by_slot = dict(zip(given, kinds))
    return shape, tuple(by_slot[slot] for slot in range(len(shape.field_names)))


def _read_fields(code: CodeObject, end: int, shape: StructType,
                 fields: dict[int, FieldLoad]) -> tuple[tuple[int, StructType], ...]:
    """The parameters every read of which is a field load (all of one shape)."""
    found = []
    for param in range(len(code.params)):
        reads = [pc for pc in range(end) if code.instrs[pc][0] == Op.LOAD_LOCAL and code.instrs[pc][1] == param]
        shapes = {fields[pc + 1].shape for pc in reads if pc + 1 in fields}
        if reads and len(shapes) == 1 and all(pc + 1 in fields for pc in reads):
            found.append((param, shapes.pop()))
    return tuple(found)


def _body_end(code: CodeObject) -> int:
    """The pc of the first RETURN: the body inlined is the straight line before it."""
    for pc, (op, _) in enumerate(code.instrs[:MAX_BODY + 1]):
        if op == Op.RETURN:
            return pc
    raise _NotInlined(f"its body is longer than {MAX_BODY} instructions")


def _step(code: CodeObject, pc: int, shape: StructType, args: tuple, stack: list,
          fields: dict[int, FieldLoad], literals: dict) -> None:
    """Run one instruction of the body on kinds (raising _NotInlined on any other)."""
    op, arg = code.instrs[pc]
    if op == Op.LOAD_LOCAL and arg < len(code.params):
        stack.append((args[arg], ("param", arg)))
    elif op == Op.LOAD_CONST:
        try:
            stack.append((value_type(code.consts[arg]), None))
        except TypeError:
            raise _NotInlined(f"pc {pc}: a constant native code does not hold") from None
    elif op == Op.GET_FIELD:
        fields[pc] = _field_load(code, pc, shape, stack.pop())
        stack.append((Kind.DYN, pc))
    elif op in ARITHMETIC_OPS:
        stack[-2:] = [(_arithmetic(code, pc, stack[-2:], fields), None)]
    elif op == Op.NEG:
        kind, _ = stack.pop()
        stack.append((kind if kind in NUMBERS else Kind.DYN, None))
    elif op == Op.NEW_STRUCT:
        site = structs.literal_site(code, pc)
        if site is None:
            raise _NotInlined(f"pc {pc}: {structs.why_literal_generic(code, pc)}")
        literals[pc] = site
        del stack[len(stack) - len(arg[1]):]
        stack.append((Kind.DYN, None))
    else:
        raise _NotInlined(f"pc {pc}: {OPCODE_NAMES[op]} (inlined bodies read parameters, fields and constants, "
                          "compute and build structs)")


def _field_load(code: CodeObject, pc: int, shape: StructType, receiver: tuple) -> FieldLoad:
    kind, source = receiver
    if not (isinstance(source, tuple) and kind == Kind.DYN):
        raise _NotInlined(f"pc {pc}: a field of something other than a parameter holding a struct")
    site = structs.field_site(code, pc)
    if site is None:
        raise _NotInlined(f"pc {pc}: {structs.why_generic(code, pc)}")
    param = source[1]
    if param == 0 and site[0] is not shape:   # (the receiver's shape is the call site's)
        raise _NotInlined(f"pc {pc}: the method's own site saw {site[0].shape_name}")
    return FieldLoad(param, site[0], site[1], Kind.DYN)


def _arithmetic(code: CodeObject, pc: int, operands: list, fields: dict[int, FieldLoad]) -> str:
    """The kind of an arithmetic result; the field loads it reads get their kind from
    what the site saw (only ints: int; only floats: float; a mix: tagged)."""
    profile = code.profile
    ints, floats = profile.fast_hits[pc], profile.float_hits[pc]
    others = profile.feedback[pc]
    if any(pair not in _NUMBER_PAIRS for pair in others):
        raise _NotInlined(f"pc {pc}: the {OPCODE_NAMES[code.instrs[pc][0]]} saw operands other than numbers")
    if not (ints or floats or others):
        raise _NotInlined(f"pc {pc}: the {OPCODE_NAMES[code.instrs[pc][0]]} has not run")
    seen = Kind.INT if ints and not floats and not others else Kind.FLOAT if floats and not ints and not others \
        else Kind.DYN
    kinds = []
    for kind, source in operands:
        if isinstance(source, int) and seen != Kind.DYN:   # a field load: loaded as the site saw it
            load = fields[source]
            fields[source] = FieldLoad(load.param, load.shape, load.slot, seen)
            kind = seen
        kinds.append(kind)
    if Kind.DYN in kinds:
        return Kind.DYN
    result = arithmetic_type(*kinds)
    if result is None:
        raise _NotInlined(f"pc {pc}: {kinds[0]} {OPCODE_NAMES[code.instrs[pc][0]]} {kinds[1]} always raises")
    return result


def sites(typed: Any) -> tuple[InlineSite, ...]:
    """What the views say of each method call site of a unit built from ``typed``
    (a ``TypedCode``): inlined, or called and why."""
    code = typed.code
    texts = {pc: f"inlined: {site_text(code, pc)} runs {plan.name}'s body here (a failing check runs the call "
                 "in the interpreter)" for pc, plan in typed.inlined.items()}
    texts.update({pc: f"called, not inlined: {site_text(code, pc)} — {why}" for pc, why in typed.not_inlined.items()})
    return tuple(InlineSite(pc, code.lines[pc], text) for pc, text in sorted(texts.items()))
