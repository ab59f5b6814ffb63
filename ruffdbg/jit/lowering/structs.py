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

Field stores of a scalar into a struct a MUT_LOCAL just made the frame's own
(``p.x := v``) are native too (``op_STORE_FIELD``): the same check of the shape,
without the GIL (another shape takes the generic path), then, with the GIL held
just around it, the value boxed, swapped into its slot and the old one dropped.

Struct literals (``Vec { x: a, y: b }``) at a monomorphic site are built here,
native code taking the GIL (PyGILState_Ensure/Release) just around the
allocation (``op_NEW_STRUCT``), as a field store takes it around the swap."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.objects import StructType, StructValue
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import F64, I32, I64, I64P
from ruffdbg.jit.sinking import VirtualStruct
from ruffdbg.jit.types import Kind
from ruffdbg.profile.ics import site_text

I32P = ir.IntType(32).as_pointer()


class StructFields:
    """(Part of ``Lowering``.) GET_FIELD and STORE_FIELD at the sites ``typed.field_loads``
    and ``typed.field_stores`` name;
    the method calls and operator overloads ``typed.method_calls`` names."""

    def op_GET_FIELD(self, pc: int, op: int, arg: Any) -> None:
        shape, slot = self.typed.field_loads[pc]
        b = self.builder
        receiver, kind = self.stack[-1]
        if isinstance(kind, VirtualStruct):   # (a struct kept as its fields: jit/sinking.py)
            self.stack[-1] = (self.to_dyn(receiver[slot], kind.kinds[slot]), Kind.DYN)
            return
        obj = self.shape_checked(pc, shape, receiver, site_text(self.code, pc))
        slots = self._field(obj, rt.STRUCT_SLOTS)
        item = b.load(b.gep(b.inttoptr(self._field(slots, rt.ITEMS_DATA), I64P), [ir.Constant(I64, slot)]))
        stack = self.slow_path_begin(pc)
        value = self._scalar_of(pc, item)
        del self.stack[-1:]
        self.push(value, Kind.DYN)
        self.slow_path_end(pc, stack, 1, Kind.DYN)

    def op_STORE_FIELD(self, pc: int, op: int, arg: Any) -> None:
        """``p.x := v`` at a site ``typed.field_stores`` names: ``v`` a scalar (int,
        float, bool, null; a tagged value that is anything else at run time takes the
        slow path: storing an object shares it), ``p`` made this frame's own by the MUT_LOCAL just before
        (copy-on-write: a shared struct was copied there). Without the GIL: the
        receiver is a ``StructValue`` of the site's shape (else the slow path, the
        interpreter's STORE_FIELD, which stores into any shape or raises). Then, with
        the GIL held just around it: the value boxed (a new reference, as a literal's
        field is), swapped into ``slots.ob_item[k]`` (the list takes that reference),
        the old value's reference dropped (``Py_DecRef``: it may free the old
        object, never the struct, which its handle holds)."""
        shape, slot = self.typed.field_stores[pc]
        b = self.builder
        (value, kind), (receiver, _) = self.stack[-2:]
        stored, slow, done = (self.function.append_basic_block(f"{name}_pc{pc}")
                              for name in ("field_store", "field_store_generic", "field_stored"))
        a_struct, this_shape = (self.function.append_basic_block(f"{name}_pc{pc}")
                                for name in ("field_store_object", "field_store_struct"))
        b.cbranch(b.icmp_unsigned("!=", b.extract_value(receiver, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                  slow, a_struct).set_weights([1, 1000])
        b.position_at_end(a_struct)
        if kind == Kind.DYN:   # (a tagged value: only null, bool, int and float are stored natively)
            scalar = self.function.append_basic_block(f"field_store_scalar_pc{pc}")
            b.cbranch(b.icmp_unsigned(">=", b.extract_value(value, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                      slow, scalar).set_weights([1, 1000])
            b.position_at_end(scalar)
        obj = self._object_address(b.extract_value(receiver, 1))
        b.cbranch(b.icmp_unsigned("!=", self._field(obj, rt.OB_TYPE), self._address_of("StructValue", StructValue)),
                  slow, this_shape).set_weights([1, 1000])
        b.position_at_end(this_shape)
        shape_address = self._address_of(f"shape.{shape.name}.{shape.shape}", shape)
        b.cbranch(b.icmp_unsigned("!=", self._field(obj, rt.STRUCT_TYPE), shape_address),
                  slow, stored).set_weights([1, 1000])
        b.position_at_end(stored)
        slots = self._field(obj, rt.STRUCT_SLOTS)
        self.store_boxed(b.add(self._field(slots, rt.ITEMS_DATA), ir.Constant(I64, 8 * slot)), value, kind)
        b.branch(done)
        b.position_at_end(slow)
        self._unless_done(self._call_op(pc), pc, rt.STATUS_OK)   # (the interpreter's STORE_FIELD)
        b.branch(done)
        b.position_at_end(done)
        del self.stack[-2:]

    def op_NEW_STRUCT(self, pc: int, op: int, arg: Any) -> None:
        """A struct literal at a site ``typed.struct_literals`` names, built natively.

        A ``declared-shape`` guard first: the struct's name still builds the shape the
        site saw (a declaration run again makes a new shape: the VM keeps the word it
        reads current, ``Jit.struct_declared``). Then, unless a field's value is one
        native code does not box (a function, a string constant: their objects are in
        Python lists; the generic path, the interpreter's NEW_STRUCT, builds those),
        it takes the GIL and:
        boxes each field (a new int or float object; a new reference to ``True``,
        ``False``, ``None``, a tagged object, or a default the literal leaves out),
        makes the slots list (``PyList_New``; the list takes those references), the
        ``StructValue`` (``PyType_GenericAlloc``, then its ``type`` and ``slots``:
        what ``StructValue.__init__`` would set), and its handle (``Handles.put``,
        called through ``PyObject_CallOneArg``: the table's list then holds the
        struct, so this code drops its own reference), and releases the GIL. The
        handle lives until a sweep finds no frame holds it: a literal in a loop sweeps
        right after it when one is due (``CTX_SWEEP``: ``runtime.SWEEP_NATIVE``
        handles made), a loop calling natively before its calls
        (``calls._poll_before_calls``) or at its back-edge's poll (``ops.op_JUMP_BACK``)."""
        shape, given = self.typed.struct_literals[pc]
        count = len(given)
        values = self.stack[len(self.stack) - count:] if count else []
        site = site_text(self.code, pc)
        guard = self.new_guard("declared-shape", pc, f"{site}: {shape.shape_name}")
        guard.shape = shape
        self.deopt_if(self.redeclared(shape), guard)
        virtual = self.stored_virtual(pc)
        if virtual is not None:   # (kept as its fields: nothing is built)
            fields = dict(zip(given, (value for value, _ in values)))
            del self.stack[len(self.stack) - count:]
            self.push(tuple(fields[slot] for slot in range(len(virtual.kinds))), virtual)
            return
        stack = self.slow_path_begin(pc)
        handle = self.built_struct(pc, shape, given, values)
        del self.stack[len(self.stack) - count:]
        self.push(self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), handle), Kind.DYN)
        if self.in_loop(pc):
            self._sweep_if_due(pc, poll_at=pc + 1)   # (in a loop: the structs it built and dropped die young)
        self.slow_path_end(pc, stack, count, Kind.DYN)

    def stored_virtual(self, pc: int) -> VirtualStruct | None:
        """The VirtualStruct of the local the instruction after ``pc`` stores what
        ``pc`` makes into, if that local is kept as its fields (jit/sinking.py)."""
        following = pc + 1
        if following not in self.typed.before or following in self.jump_targets:
            return None
        op, local = self.code.instrs[following]
        return self.virtual.get(local) if op == Op.STORE_LOCAL else None

    def in_loop(self, pc: int) -> bool:
        return any(header <= pc <= end for header, end in self.ownership.loop_ends.items())

    def redeclared(self, shape: StructType) -> ir.Value:
        """Whether the struct's name builds another shape now than ``shape`` (a
        declaration run again makes a new shape: the VM keeps the word read here
        current, ``Jit.struct_declared``)."""
        word = self.imports.memory(f"rd.struct.{shape.name}", self.runtime.struct_word(shape.name), 1)
        declared = self.alias.tag(self.builder.load(self.address(word)), "global")
        return self.builder.icmp_unsigned("!=", declared, self._address_of(f"shape.{shape.name}.{shape.shape}", shape))

    def built_struct(self, pc: int, shape: StructType, given: tuple[int, ...], values: list) -> ir.Value:
        """The handle of a new struct of ``shape``, the ``values`` in the slots
        ``given`` (the others the shape's defaults); a value native code does not
        box, or a failing ``Handles.put``, branches to the slow path (open)."""
        b = self.builder
        for value, kind in values:
            if kind == Kind.DYN:   # (tags 0..4: null, bool, int, float, object)
                tag = b.extract_value(value, 0)
                self._to_slow_path_if(b.icmp_unsigned(">", tag, ir.Constant(I64, rt.TAG_OBJECT)), pc)
        shape_address = self._address_of(f"shape.{shape.name}.{shape.shape}", shape)
        gil = self._c_api("PyGILState_Ensure")
        objects = {slot: self._boxed(value, kind) for slot, (value, kind) in zip(given, values)}
        for slot, default in enumerate(shape.blank):
            if slot not in objects:   # (the shape's default, shared as the interpreter shares it)
                objects[slot] = self._address_of(f"default.{shape.name}.{shape.shape}.{slot}", default)
                self._incref(objects[slot])
        slots = self._c_api("PyList_New", ir.Constant(I64, len(shape.field_names)))
        items = self._field(slots, rt.ITEMS_DATA)
        for slot in range(len(shape.field_names)):
            self._store_word(b.add(items, ir.Constant(I64, 8 * slot)), objects[slot])
        struct = self._c_api("PyType_GenericAlloc", self._address_of("StructValue", StructValue), ir.Constant(I64, 0))
        self._incref(shape_address)
        self._store_word(b.add(struct, ir.Constant(I64, rt.STRUCT_TYPE)), shape_address)
        self._store_word(b.add(struct, ir.Constant(I64, rt.STRUCT_SLOTS)), slots)
        handle = self.put_handle(struct)
        self._unless_put(pc, handle, gil, made_object=struct)
        self._c_api("Py_DecRef", struct)   # (the handle table holds it now)
        self._c_api("PyGILState_Release", gil)
        return handle

    def _unless_put(self, pc: int, handle: ir.Value, gil: ir.Value, made_object: ir.Value | None = None) -> None:
        """A put's slow path is ``Handles.put``, Python code: a signal handler may raise
        in it (Ctrl-C outside the harness, which only sets the interrupt word). Then the object
        native code made (``made_object``: a literal's struct, which frees its
        slots) is dropped, the error cleared -- a KeyboardInterrupt delivered again
        at the next check (``PyErr_SetInterrupt``) -- and the generic path does the
        op: the interrupt is raised in the interpreter."""
        b = self.builder
        failed = self.function.append_basic_block(f"put_failed_pc{pc}")
        made = self.function.append_basic_block(f"put_pc{pc}")
        b.cbranch(b.icmp_signed("<", handle, ir.Constant(I64, 0)), failed, made).set_weights([1, 1000])
        b.position_at_end(failed)
        if made_object is not None:
            self._c_api("Py_DecRef", made_object)
        interrupt = self._c_api("PyErr_ExceptionMatches", self._address_of("KeyboardInterrupt", KeyboardInterrupt))
        self._c_api("PyErr_Clear")
        with b.if_then(b.icmp_unsigned("!=", interrupt, ir.Constant(I32, 0))):
            self._c_api("PyErr_SetInterrupt")
        self._c_api("PyGILState_Release", gil)
        b.branch(self.slow_path)
        b.position_at_end(made)

    def _to_slow_path_if(self, condition: ir.Value, pc: int) -> None:
        go_on = self.function.append_basic_block(f"literal_pc{pc}")
        self.builder.cbranch(condition, self.slow_path, go_on)
        self.builder.position_at_end(go_on)

    def _c_api(self, name: str, *arguments: ir.Value) -> ir.Value:
        """Call the C API function ``name`` (``runtime.C_API``: the GIL must be held,
        but for PyGILState_Ensure)."""
        result, parameters = rt.C_API[name]
        types = {"i64": I64, "i32": I32, "f64": F64, "void": ir.VoidType()}
        function = self.imports.function(f"rd.capi.{name}", rt.C_API_ADDRESSES[name],
                                         ir.FunctionType(types[result], [types[p] for p in parameters]))
        return self.builder.call(function, list(arguments))

    def _incref(self, address: ir.Value) -> None:
        """Py_INCREF (the GIL is held): one more reference to the object at ``address``."""
        b = self.builder
        pointer = b.inttoptr(address, I64P)
        self.alias.tag(b.store(b.add(self.alias.tag(b.load(pointer), "object"), ir.Constant(I64, 1)), pointer),
                       "object")

    def _store_word(self, address: ir.Value, value: ir.Value) -> None:
        self.alias.tag(self.builder.store(value, self.builder.inttoptr(address, I64P)), "object")

    def store_boxed(self, address: ir.Value, value: ir.Value, kind: str) -> None:
        """With the GIL held just around it: ``value`` boxed into a new reference,
        swapped into the object word at ``address`` (its container takes that
        reference), the old value's reference dropped (``Py_DecRef``: it may free the
        old object, never the container, which a handle or a closure holds)."""
        b = self.builder
        gil = self._c_api("PyGILState_Ensure")
        boxed = self._boxed(value, kind)
        word = b.inttoptr(address, I64P)
        old = self.alias.tag(b.load(word), "object")
        self.alias.tag(b.store(boxed, word), "object")
        self._c_api("Py_DecRef", old)
        self._c_api("PyGILState_Release", gil)

    def _boxed(self, value: ir.Value, kind: str) -> ir.Value:
        """A new reference to a Python object for a field's value (the GIL is held)."""
        b = self.builder
        if kind == Kind.INT:
            return self._c_api("PyLong_FromLongLong", value)
        if kind == Kind.FLOAT:
            return self._c_api("PyFloat_FromDouble", value)
        if kind in (Kind.BOOL, Kind.NULL):
            address = self._address_of("none", None) if kind == Kind.NULL else \
                b.select(value, self._address_of("true", True), self._address_of("false", False))
            self._incref(address)
            return address
        return b.call(self._tagged_boxer(), [b.extract_value(value, 0), b.extract_value(value, 1)])

    def _tagged_boxer(self) -> ir.Function:
        """The shared function boxing a tagged value (null, bool, int, float or
        object: the literal checked the tag) into a new reference."""
        return self.shared_function("box_tagged", ir.FunctionType(I64, [I64, I64]), self._emit_tagged_boxer)

    def _emit_tagged_boxer(self, function: ir.Function) -> None:
        b = self.builder
        tag, bits = function.args
        blocks = {name: function.append_basic_block(name) for name in ("int", "float", "bool", "null", "object")}
        switch = b.switch(tag, blocks["object"])
        for name, each in (("int", rt.TAG_INT), ("float", rt.TAG_FLOAT), ("bool", rt.TAG_BOOL), ("null", rt.TAG_NULL)):
            switch.add_case(ir.Constant(I64, each), blocks[name])
        b.position_at_end(blocks["int"])
        b.ret(self._c_api("PyLong_FromLongLong", bits))
        b.position_at_end(blocks["float"])
        b.ret(self._c_api("PyFloat_FromDouble", b.bitcast(bits, F64)))
        for name in ("bool", "null", "object"):
            b.position_at_end(blocks[name])
            if name == "bool":
                address = b.select(b.trunc(bits, ir.IntType(1)), self._address_of("true", True),
                                   self._address_of("false", False))
            else:
                address = self._address_of("none", None) if name == "null" else self._object_address(bits)
            self._incref(address)
            b.ret(address)

    def op_CALL_METHOD(self, pc: int, op: int, arg: Any) -> None:
        self.native_method(pc, arg[1] + 1)

    def native_method(self, pc: int, argc: int) -> None:
        """A method (or operator overload) of the shape the site saw, called natively
        as a global function is (``op_CALL``), with the receiver -- ``argc`` entries
        down, behind a shape guard -- as its first argument; or inlined
        (``lowering/inlined.py``)."""
        if pc in self.typed.inlined:
            self.inline_method(pc, argc)
            return
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

    def _scalar_of(self, pc: int, item: ir.Value, objects: bool = False) -> ir.Value:
        """The object at address ``item`` as a tagged scalar; anything else branches to
        the slow path (the interpreter's GET_FIELD) -- or, with ``objects``, gets a
        handle (``_handle_of``: an element of an array of kind any), and only an int
        too big for two digits (or a failing ``Handles.put``) takes the slow path."""
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
        incoming = []
        if objects:
            an_object = self.function.append_basic_block(f"element_object_pc{pc}")
            b.cbranch(b.icmp_unsigned("==", item, self._address_of("none", None)), blocks["null"], an_object)
            b.position_at_end(an_object)
            incoming.append((self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), self._handle_of(pc, item)), b.block))
            b.branch(blocks["done"])
        else:
            b.cbranch(b.icmp_unsigned("==", item, self._address_of("none", None)), blocks["null"], self.slow_path)
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

    def _handle_of(self, pc: int, item: ir.Value) -> ir.Value:
        """A handle for the object at ``item`` (a borrowed reference its container
        holds), made with the GIL held just around ``Handles.put`` (the table takes
        its own reference), as ``op_NEW_STRUCT`` makes its struct's. A raising
        ``put`` is cleared (a KeyboardInterrupt delivered again) and the slow path
        reads the element."""
        b = self.builder
        gil = self._c_api("PyGILState_Ensure")
        handle = self.put_handle(item)
        self._unless_put(pc, handle, gil)
        self._c_api("PyGILState_Release", gil)
        return handle

    def _small_int(self, pc: int, item: ir.Value, too_big: ir.Block | None = None) -> ir.Value:
        """The value of the int object at ``item`` (at most two digits; a bigger one
        branches to ``too_big``, by default the slow path). Digits past ``|ob_size|``
        are never read. (Also in a module helper, a dict getter: blocks go to the
        builder's function.)"""
        b = self.builder
        size = self._field(item, rt.LONG_SIZE)
        negative = b.icmp_signed("<", size, ir.Constant(I64, 0))
        magnitude = b.select(negative, b.neg(size), size)
        one, two, digits = (b.function.append_basic_block(f"int_{name}_pc{pc}") for name in ("one", "two", "done"))
        entry = b.block
        switch = b.switch(magnitude, too_big or self.slow_path)
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
