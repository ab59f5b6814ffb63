"""Virtual structs (``jit/sinking.py`` decides which locals): a struct kept as its
fields, one native value each, and built only where it leaves native code.

A local of type ``VirtualStruct`` lives in one alloca per field plus a *set*
bit (a local merged from a path where it was not set yet is null there, as a
tagged slot starts out null). On the operand stack a virtual struct is the
tuple of its fields' values. Field loads and inlined bodies read the fields;
``_pairs`` (every value handed to the VM: exits, the generic path, calls
through the VM) and ``_slot_values`` (the frame written out) build the struct
(``materialized``), under the GIL, with a function of this module per shape."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.core.objects import StructValue
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import I1, I64, I64P, LLVM_TYPES
from ruffdbg.jit.sinking import VirtualStruct, virtual_locals
from ruffdbg.jit.types import Kind


class VirtualStructs:
    """(Part of ``Lowering``.) Locals and stack values of type ``VirtualStruct``."""

    def _find_virtual_locals(self) -> None:
        self.virtual = virtual_locals(self.typed)
        self.virtual_vars: dict[tuple[int, int], ir.AllocaInstr] = {}

    def virtualized(self, slots: list) -> list:
        """A state's slot types with the virtual locals' ``dyn`` as their VirtualStruct."""
        return [self.virtual.get(index, kind) if kind == Kind.DYN else kind for index, kind in enumerate(slots)]

    def _virtual_var(self, local: int, field: int, kind: Any) -> ir.AllocaInstr:
        """Field ``field``'s alloca of virtual local ``local`` (-1: its set bit, false at entry)."""
        key = (local, field)
        if key not in self.virtual_vars:
            with self.builder.goto_entry_block():
                self.builder.position_at_start(self.function.entry_basic_block)
                name = f"{self.slot_name(local)}_{'set' if field < 0 else field}"
                self.virtual_vars[key] = self.builder.alloca(I1 if field < 0 else LLVM_TYPES[kind], name=name)
                if field < 0:
                    self.builder.store(ir.Constant(I1, 0), self.virtual_vars[key])
        return self.virtual_vars[key]

    def store_virtual(self, local: int, fields: tuple, kind: VirtualStruct) -> None:
        for index, (value, field_kind) in enumerate(zip(fields, kind.kinds)):
            self.builder.store(value, self._virtual_var(local, index, field_kind))
        self.builder.store(ir.Constant(I1, 1), self._virtual_var(local, -1, None))

    def load_virtual(self, local: int, kind: VirtualStruct) -> tuple:
        return tuple(self.builder.load(self._virtual_var(local, index, field_kind))
                     for index, field_kind in enumerate(kind.kinds))

    def push_virtual_local(self, pc: int, local: int, kind: VirtualStruct) -> None:
        """LOAD_LOCAL of a virtual local: its fields; where it is not set (null, on a
        path merged with one that set it) the interpreter reads it (a deopt)."""
        b = self.builder
        guard = self.new_guard("unset-local", pc, f"{self.slot_name(local)} is set")
        self.deopt_if(b.not_(b.load(self._virtual_var(local, -1, None))), guard)
        self.push(self.load_virtual(local, kind), kind)

    def virtual_slot_value(self, local: int, kind: VirtualStruct) -> ir.Value:
        """The local as a tagged value for the frame written out: built, or null if not set."""
        b = self.builder
        is_set = b.load(self._virtual_var(local, -1, None))
        null = self.make_dyn(ir.Constant(I64, rt.TAG_NULL), ir.Constant(I64, 0))
        here = b.block
        build, done = (self.function.append_basic_block(f"{self.slot_name(local)}_{name}") for name in ("build", "built"))
        b.cbranch(is_set, build, done)
        b.position_at_end(build)
        built = self.materialized(self.load_virtual(local, kind), kind)
        built_end = b.block
        b.branch(done)
        b.position_at_end(done)
        return self.phi((null, here), (built, built_end))

    def materialized(self, fields: tuple, kind: VirtualStruct) -> ir.Value:
        """A new struct with these fields, as a tagged value (its handle)."""
        b = self.builder
        bits = [self.to_bits(value, field_kind) for value, field_kind in zip(fields, kind.kinds)]
        handle = b.call(self._struct_maker(kind), bits)
        return self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), handle)

    def _struct_maker(self, kind: VirtualStruct) -> ir.Function:
        """This module's function building a struct of ``kind`` from its fields' bits
        (cold: only exits and the generic path need one): under the GIL, as a
        literal builds one (``structs.built_struct``), but a ``Handles.put`` that
        raises (a KeyboardInterrupt from a signal handler) is cleared and tried
        again, the interrupt delivered once the handle is made: an exit cannot
        take a slow path."""
        shape = kind.shape
        name = f"{self.unit_name}_make_{shape.name}_{shape.shape}_{'_'.join(kind.kinds)}"
        existing = self.module.globals.get(name)
        if existing is not None:
            return existing
        function = ir.Function(self.module, ir.FunctionType(I64, [I64] * len(kind.kinds)), name=name)
        function.linkage = "internal"
        function.attributes.add("cold")
        function.attributes.add("noinline")
        saved = self.builder
        self.builder = b = ir.IRBuilder(function.append_basic_block("entry"))
        try:
            gil = self._c_api("PyGILState_Ensure")
            items = [self._boxed(self.from_bits(bits, field_kind), field_kind)
                     for bits, field_kind in zip(function.args, kind.kinds)]
            slots = self._c_api("PyList_New", ir.Constant(I64, len(items)))
            base = self._field(slots, rt.ITEMS_DATA)
            for index, item in enumerate(items):
                self._store_word(b.add(base, ir.Constant(I64, 8 * index)), item)
            shape_address = self._address_of(f"shape.{shape.name}.{shape.shape}", shape)
            struct = self._c_api("PyType_GenericAlloc", self._address_of("StructValue", StructValue), ir.Constant(I64, 0))
            self._incref(shape_address)
            self._store_word(b.add(struct, ir.Constant(I64, rt.STRUCT_TYPE)), shape_address)
            self._store_word(b.add(struct, ir.Constant(I64, rt.STRUCT_SLOTS)), slots)
            b.ret(self._put_until_made(struct, gil))
        finally:
            self.builder = saved
        return function

    def _put_until_made(self, struct: ir.Value, gil: ir.Value) -> ir.Value:
        b = self.builder
        start = b.block
        put, failed, made = (b.function.append_basic_block(name) for name in ("put", "put_failed", "made"))
        b.branch(put)
        b.position_at_end(put)
        interrupted = b.phi(ir.IntType(32))
        interrupted.add_incoming(ir.Constant(ir.IntType(32), 0), start)
        handle = self.put_handle(struct)
        b.cbranch(b.icmp_signed("<", handle, ir.Constant(I64, 0)), failed, made)
        b.position_at_end(failed)
        matched = self._c_api("PyErr_ExceptionMatches", self._address_of("KeyboardInterrupt", KeyboardInterrupt))
        self._c_api("PyErr_Clear")
        interrupted.add_incoming(b.or_(interrupted, matched), failed)
        b.branch(put)
        b.position_at_end(made)
        self._c_api("Py_DecRef", struct)   # (the handle table holds it now)
        with b.if_then(b.icmp_unsigned("!=", interrupted, ir.Constant(ir.IntType(32), 0))):
            self._c_api("PyErr_SetInterrupt")
        self._c_api("PyGILState_Release", gil)
        return handle

    def unpacked(self, pc: int, value: ir.Value, kind: VirtualStruct) -> tuple:
        """The fields of the tagged ``value``, a struct of ``kind.shape`` whose fields
        have ``kind.kinds``; anything else branches to the open slow path."""
        b = self.builder
        obj = self.struct_or_slow_path(pc, kind.shape, value)
        items = b.inttoptr(self._field(self._field(obj, rt.STRUCT_SLOTS), rt.ITEMS_DATA), I64P)
        return tuple(self._item_as(pc, b.load(b.gep(items, [ir.Constant(I64, slot)])), field_kind)
                     for slot, field_kind in enumerate(kind.kinds))

    def _item_as(self, pc: int, item: ir.Value, kind: str) -> ir.Value:
        """The object at ``item`` as a scalar of ``kind`` (another type: the slow path)."""
        b = self.builder
        if kind == Kind.NULL:
            self._to_slow_path_if(b.icmp_unsigned("!=", item, self._address_of("none", None)), pc)
            return ir.Constant(I64, 0)
        python_type = {Kind.INT: int, Kind.FLOAT: float, Kind.BOOL: bool}[kind]
        self._to_slow_path_if(b.icmp_unsigned("!=", self._field(item, rt.OB_TYPE),
                                              self._address_of(python_type.__name__, python_type)), pc)
        if kind == Kind.INT:
            return self._small_int(pc, item)
        if kind == Kind.FLOAT:
            return b.bitcast(self._field(item, rt.FLOAT_VALUE), ir.DoubleType())
        return b.icmp_unsigned("==", item, self._address_of("true", True))

    def checked_virtual(self, pc: int, value: ir.Value, kind: VirtualStruct, guard: Any, stack: list) -> tuple:
        """``unpacked``, a failing check deopting for ``guard`` with ``stack`` instead."""
        b = self.builder
        outer, self.slow_path = self.slow_path, self.function.append_basic_block(f"not_{kind.shape.name}_pc{pc}")
        fail = self.slow_path
        try:
            fields = self.unpacked(pc, value, kind)
        finally:
            self.slow_path = outer
        here = b.block
        b.position_at_end(fail)
        self.deopt_always(guard, stack)
        b.position_at_end(here)
        return fields

    def enter_virtual_locals(self) -> None:
        """OSR entry: each virtual local came in as a struct (in its tagged slot):
        checked to be one of its shape and field kinds -- else the loop exits at
        once, the frame as it came -- and kept as its fields from here on."""
        for local, kind in sorted(self.virtual.items()):
            if self.state_slots[local] != Kind.DYN:
                continue
            name = self.slot_name(local)
            guard = self.new_guard("virtual-struct", self.region.entry_pc,
                                   f"{name} holds a {kind.shape.shape_name} of {', '.join(kind.kinds)} fields")
            value = self.builder.load(self.slot(local, Kind.DYN))
            self.store_virtual(local, self.checked_virtual(self.region.entry_pc, value, kind, guard, self.stack), kind)
        self.state_slots = self.virtualized(self.state_slots)
