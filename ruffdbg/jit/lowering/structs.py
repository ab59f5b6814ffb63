"""T2's native field loads: ``p.x`` at a site whose inline cache is monomorphic
(``jit/structs.py`` decides which), read straight from the struct's slots.

A tagged struct is an object handle; the object table (``runtime.CTX_OBJECTS``)
gives its Python object's address. Native code checks that it is a
``StructValue`` whose ``type`` is the very shape the site saw (the ``shape``
guard: the type word, then the shape word against the shape's address, an
import bound at link time -- the guard's record keeps the shape alive, so no
other object can take its address while the code exists), then loads the
field's object from its fixed slot: ``slots.ob_item[k]`` (a shape fixes every
field's slot and a value's slots list is never resized).

The field's value comes out as a tagged value without boxing anything: an int
(CPython 3.11's digits: at most two 30-bit digits, so any int below 2**60 in
magnitude), a float (``ob_fval``), ``True``/``False`` or null. Anything else --
a string, an array, another struct, a bigger int -- takes the generic path: the
interpreter's GET_FIELD makes the handle. Native code runs without the GIL and
takes no reference: it only reads, while the struct (held by its handle) holds
the field's object.

Field stores stay generic: a store drops the old value's reference and boxes a
scalar into a new object, and both need the GIL, which native code does not hold."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.core.objects import StructType, StructValue
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import I64, I64P
from ruffdbg.jit.types import Kind
from ruffdbg.profile.ics import site_text

I32P = ir.IntType(32).as_pointer()


class StructFields:
    """(Part of ``Lowering``.) GET_FIELD at the sites ``typed.field_loads`` names;
    the method calls and operator overloads ``typed.method_calls`` names."""

    def op_GET_FIELD(self, pc: int, op: int, arg: Any) -> None:
        shape, slot = self.typed.field_loads[pc]
        b = self.builder
        receiver, _ = self.stack[-1]
        obj = self.shape_checked(pc, shape, receiver, site_text(self.code, pc))
        slots = self._field(obj, rt.STRUCT_SLOTS)
        item = b.load(b.gep(b.inttoptr(self._field(slots, rt.ITEMS_DATA), I64P), [ir.Constant(I64, slot)]))
        stack = self.slow_path_begin(pc)
        value = self._scalar_of(pc, item)
        del self.stack[-1:]
        self.push(value, Kind.DYN)
        self.slow_path_end(pc, stack, 1, Kind.DYN)

    def op_CALL_METHOD(self, pc: int, op: int, arg: Any) -> None:
        self.native_method(pc, arg[1] + 1)

    def native_method(self, pc: int, argc: int) -> None:
        """A method (or operator overload) of the shape the site saw, called natively
        as a global function is (``op_CALL``), with the receiver -- ``argc`` entries
        down, behind a shape guard -- as its first argument."""
        receiver, _ = self.stack[-argc]
        self.shape_checked(pc, self.typed.method_calls[pc], receiver, site_text(self.code, pc))
        self.op_CALL(pc, op=-1, argc=argc, method=self.typed.callees[pc])

    def shape_checked(self, pc: int, shape: StructType, receiver: ir.Value, site: str) -> ir.Value:
        """The address of the tagged ``receiver``'s object, behind a ``shape`` guard:
        it is a ``StructValue`` of exactly ``shape`` (else a deopt to the interpreter)."""
        b = self.builder
        guard = self.new_guard("shape", pc, f"{site}: {shape.shape_name}")
        guard.shape = shape
        other = self.shared_exit(guard)   # (three checks in order: each load needs the one before)
        self.exit_if(b.icmp_unsigned("!=", b.extract_value(receiver, 0), ir.Constant(I64, rt.TAG_OBJECT)), other)
        table = b.inttoptr(b.load(self.ctx_word(rt.CTX_OBJECTS)), I64P)
        obj = b.load(b.gep(table, [b.extract_value(receiver, 1)]))
        self.exit_if(b.icmp_unsigned("!=", self._field(obj, rt.OB_TYPE),
                                     self._address_of("StructValue", StructValue)), other)
        name = f"shape.{shape.name}.{shape.shape}"
        self.exit_if(b.icmp_unsigned("!=", self._field(obj, rt.STRUCT_TYPE), self._address_of(name, shape)), other)
        return obj

    def _scalar_of(self, pc: int, item: ir.Value) -> ir.Value:
        """The object at address ``item`` as a tagged scalar; anything else branches to
        the slow path (the interpreter's GET_FIELD)."""
        b = self.builder
        blocks = {name: self.function.append_basic_block(f"field_{name}_pc{pc}")
                  for name in ("int", "not_int", "float", "not_float", "bool", "not_bool", "null", "done")}
        type_word = self._field(item, rt.OB_TYPE)
        b.cbranch(b.icmp_unsigned("==", type_word, self._address_of("int", int)), blocks["int"], blocks["not_int"])
        b.position_at_end(blocks["not_int"])
        b.cbranch(b.icmp_unsigned("==", type_word, self._address_of("float", float)),
                  blocks["float"], blocks["not_float"])
        b.position_at_end(blocks["not_float"])
        b.cbranch(b.icmp_unsigned("==", type_word, self._address_of("bool", bool)), blocks["bool"], blocks["not_bool"])
        b.position_at_end(blocks["not_bool"])
        b.cbranch(b.icmp_unsigned("==", item, self._address_of("none", None)), blocks["null"], self.slow_path)
        incoming = []
        b.position_at_end(blocks["float"])
        incoming.append((self.make_dyn(ir.Constant(I64, rt.TAG_FLOAT), self._field(item, rt.FLOAT_VALUE)), b.block))
        b.branch(blocks["done"])
        b.position_at_end(blocks["bool"])
        is_true = b.zext(b.icmp_unsigned("==", item, self._address_of("true", True)), I64)
        incoming.append((self.make_dyn(ir.Constant(I64, rt.TAG_BOOL), is_true), b.block))
        b.branch(blocks["done"])
        b.position_at_end(blocks["null"])
        incoming.append((self.make_dyn(ir.Constant(I64, rt.TAG_NULL), ir.Constant(I64, 0)), b.block))
        b.branch(blocks["done"])
        b.position_at_end(blocks["int"])
        incoming.append((self.make_dyn(ir.Constant(I64, rt.TAG_INT), self._small_int(pc, item)), b.block))
        b.branch(blocks["done"])
        b.position_at_end(blocks["done"])
        return self.phi(*incoming)

    def _small_int(self, pc: int, item: ir.Value) -> ir.Value:
        """The value of the int object at ``item`` (at most two digits; a bigger one
        branches to the slow path). Digits past ``|ob_size|`` are never read."""
        b = self.builder
        size = self._field(item, rt.LONG_SIZE)
        negative = b.icmp_signed("<", size, ir.Constant(I64, 0))
        magnitude = b.select(negative, b.neg(size), size)
        one, two, digits = (self.function.append_basic_block(f"int_{name}_pc{pc}") for name in ("one", "two", "done"))
        entry = b.block
        switch = b.switch(magnitude, self.slow_path)
        switch.add_case(ir.Constant(I64, 0), digits)
        switch.add_case(ir.Constant(I64, 1), one)
        switch.add_case(ir.Constant(I64, 2), two)
        b.position_at_end(one)
        low = self._digit(item, 0)
        b.branch(digits)
        b.position_at_end(two)
        both = b.or_(self._digit(item, 0), b.shl(self._digit(item, 1), ir.Constant(I64, rt.LONG_SHIFT)))
        b.branch(digits)
        b.position_at_end(digits)
        value = self.phi((ir.Constant(I64, 0), entry), (low, one), (both, two))
        return b.select(negative, b.neg(value), value)

    def _digit(self, item: ir.Value, index: int) -> ir.Value:
        b = self.builder
        address = b.add(item, ir.Constant(I64, rt.LONG_DIGITS + 4 * index))
        return b.zext(b.load(b.inttoptr(address, I32P)), I64)
