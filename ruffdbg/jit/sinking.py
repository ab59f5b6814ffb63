"""Allocation sinking for T2: locals that hold a struct only as its fields.

A local is *virtual* in a unit when every value stored into it there is a struct
native code makes (an inlined method returning a struct literal, ``op_add``'s
``Vec { ... }``; or a struct literal at a monomorphic site) of one shape, with a
scalar of one kind in each field, and every read of it there is a field load: a
monomorphic ``GET_FIELD`` right after it, or an argument of an inlined call
whose body only loads that parameter's fields. Such a local lives as its fields
(one native value each), and no struct is built for it: ``acc := acc + step``
then allocates nothing. It is *materialized* -- a real struct built from the
fields -- only where something outside native code needs the frame: a deopt or
an OSR loop's exit (the frame written out), the generic path of any instruction
(its callback writes the frame), an inlined call's re-execution. Structs have
value semantics (copy-on-write, ``vm/cow.py``), so a struct built there is the
value the interpreter would hold: nothing can tell it from the one the
interpreter would have made earlier.

An OSR loop entered with a struct in such a local checks it there (its shape,
each field's kind) and reads its fields; when it does not match, the loop exits
before running anything, with the frame as it came in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruffdbg.compiler.opcodes import CONTROL_OPS, OPCODES, ArgKind, Op
from ruffdbg.core.objects import StructType
from ruffdbg.jit import structs
from ruffdbg.jit.types import SCALARS, Kind


@dataclass(frozen=True)
class VirtualStruct:
    """The type of a struct kept as its fields (a slot or operand-stack type of the
    lowering, never inference's): its shape and each field's kind, in slot order."""

    shape: StructType
    kinds: tuple[str, ...]

    def __str__(self) -> str:
        return f"virtual {self.shape.shape_name}"


_POISON = object()   # a local that cannot be virtual
_COPIES = frozenset((Op.DUP, Op.DUP2, Op.ROT3, Op.SWAP))


def virtual_locals(typed: Any) -> dict[int, VirtualStruct]:
    """local index -> its VirtualStruct, for the locals of a T2 unit built from
    ``typed`` (a ``TypedCode``) that can live as their fields."""
    if typed.tier != 2 or not (typed.inlined or typed.struct_literals):
        return {}
    code = typed.code
    targets = {arg for op, arg in code.instrs if op in CONTROL_OPS}
    readers = _field_readers(typed)
    found: dict[int, Any] = {}
    for pc in typed.before:
        op, local = code.instrs[pc]
        if OPCODES[op].arg != ArgKind.LOCAL:
            continue
        if op == Op.STORE_LOCAL:
            made = _made_by(typed, pc - 1) if pc not in targets and pc - 1 in typed.before else None
            if made is None or found.get(local, made) != made:
                found[local] = _POISON
            elif local not in found:
                found[local] = made
        elif op != Op.LOAD_LOCAL or not _reads_fields(typed, pc, readers, found.get(local), targets):
            found[local] = _POISON
    # (second pass: a read seen before the local's first store in pc order is judged again)
    for pc in typed.before:
        op, local = code.instrs[pc]
        if op == Op.LOAD_LOCAL and found.get(local, _POISON) is not _POISON \
                and not _reads_fields(typed, pc, readers, found[local], targets):
            found[local] = _POISON
    if typed.region is not None:   # (read in the loop, never stored there: unpacked on entry)
        for local, kind in _read_only(typed, readers).items():
            found.setdefault(local, kind)
    return {local: kind for local, kind in found.items()
            if kind is not _POISON and _allowed_slot(typed, local)}


def _read_only(typed: Any, readers: dict[int, tuple]) -> dict[int, VirtualStruct]:
    """An OSR loop's locals it only reads, each read an inlined body's field loads of
    one shape that between them load every field as a scalar of one kind."""
    code, reads = typed.code, {}
    for pc in typed.before:
        op, local = code.instrs[pc]
        if OPCODES[op].arg == ArgKind.LOCAL:
            reads.setdefault(local, []).append(pc if op == Op.LOAD_LOCAL and pc in readers else None)
    found = {}
    for local, pcs in reads.items():
        if None in pcs:
            continue
        shapes = {readers[pc][0] for pc in pcs}
        kinds: dict[int, set] = {}
        for pc in pcs:
            for slot, kind in readers[pc][1]:
                kinds.setdefault(slot, set()).add(kind)
        shape = shapes.pop() if len(shapes) == 1 else None
        if shape is None or sorted(kinds) != list(range(len(shape.field_names))) \
                or any(len(each) != 1 or next(iter(each)) not in SCALARS for each in kinds.values()):
            continue
        found[local] = VirtualStruct(shape, tuple(next(iter(kinds[slot])) for slot in range(len(shape.field_names))))
    return found


def _allowed_slot(typed: Any, local: int) -> bool:
    """A parameter of a whole function comes in as a struct: it stays one. Every
    state of the local must be a tagged value (or not set yet)."""
    if typed.region is None and local < len(typed.code.params):
        return False
    return all(slots[local] in (Kind.DYN, Kind.UNSET) for slots, _ in typed.before.values())


def _made_by(typed: Any, pc: int) -> VirtualStruct | None:
    """The struct the instruction at ``pc`` makes, if native code can keep it as fields."""
    plan = typed.inlined.get(pc)
    if plan is not None:
        return None if plan.returned is None else VirtualStruct(*plan.returned)
    site = typed.struct_literals.get(pc)
    if site is None:
        return None
    shape, given = site
    stack = typed.before[pc][1]
    kinds = dict(zip(given, stack[len(stack) - len(given):]))
    if sorted(kinds) != list(range(len(shape.field_names))) or any(kind not in SCALARS for kind in kinds.values()):
        return None
    return VirtualStruct(shape, tuple(kinds[slot] for slot in range(len(shape.field_names))))


def _field_readers(typed: Any) -> dict[int, tuple]:
    """pc of an instruction pushing an argument of an inlined call -> the shape the
    inlined body reads that parameter's fields as (it does nothing else with it),
    and the (slot, kind) of each field load."""
    readers = {}
    for site, plan in typed.inlined.items():
        argc = len(plan.method.code.params)
        for param, shape in plan.read_fields:
            pusher = structs.receiver_pushed_by(typed.code, site, argc - param)
            if pusher is not None and not any(typed.code.instrs[at][0] in _COPIES for at in range(pusher, site)):
                loads = tuple((load.slot, load.kind) for load in plan.fields.values() if load.param == param)
                readers[pusher] = (shape, loads)   # (a value DUP copies is read by something else too)
    return readers


def _reads_fields(typed: Any, pc: int, readers: dict[int, tuple], virtual: Any, targets: set[int]) -> bool:
    """Whether the LOAD_LOCAL at ``pc`` feeds only field loads of the local's shape."""
    if virtual is None:   # (not stored yet in pc order: judged in the second pass)
        return True
    if virtual is _POISON:
        return False
    if pc in readers and readers[pc][0] is virtual.shape:
        return True
    field = typed.field_loads.get(pc + 1)   # (a GET_FIELD right after, in the same block)
    return field is not None and field[0] is virtual.shape and pc + 1 not in targets
