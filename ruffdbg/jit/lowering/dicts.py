"""T2's native dict reads: ``d[k]`` at a site whose feedback saw only dicts with
int or string keys (``jit/dicts.py`` decides which), looked up with the CPython
C API while native code holds the GIL -- just around the lookup, as a native
struct literal holds it around its allocation (``lowering/structs.py``).

Ruff keys a dict as ``core.values._dict_key`` does: a string as is, an int as
its decimal text. So native code checks, without the GIL, that the receiver is
a tagged object whose type word is ``dict`` and that the key is an int, a
tagged ``str`` object, or a string constant; then takes the GIL and finds the
key's object (the int's text: ``PyLong_FromLongLong`` then ``PyObject_Str``, a
new reference dropped after the lookup; a string object's own address; a
constant's from ``Handles.constants``, read under the GIL since it may grow),
looks it up (``PyDict_GetItemWithError``: a borrowed reference, held by the dict
while the GIL is), and turns the value into a tagged one: an int
(``PyLong_AsLongLong``), a float's ``ob_fval``, ``True``/``False`` and null
unboxed; any other object through a handle (``Handles.put``, called as
``op_NEW_STRUCT`` calls it: the table takes its own reference). Then it
releases the GIL. A receiver that is not a dict, a key of another type (a bool,
a float: the interpreter raises "Cannot index dict with bool"), a missing key
("Missing map key"), or a Python error on the way (cleared) takes the generic
path -- the interpreter's INDEX, which raises the exact error. No guard, so no
deopt and no deopt loop: a site whose dict became an array only goes slower.

The lookup is one function per module (``<unit>_dict_get``: receiver and key as
tagged values in, a tagged value out, tag -1 for "take the generic path"),
which LLVM inlines or calls. It first tries the GIL-free read (``jit/dicts.py``):
an int key's cached text or a hashed str, looked up in a str-only keys table,
a scalar value unboxed -- no GIL, no allocation; anything else goes on to the
path above. In a loop, a read whose value got a handle checks
right after it whether a handle sweep is due (as a literal does), so a loop
reading nested containers keeps its handle table bounded."""

from __future__ import annotations

import ctypes
from typing import Any

from llvmlite import ir

from ruffdbg.jit import dicts
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import DYN, I32, I64, I64P, NOT_READ
from ruffdbg.jit.types import Kind


class DictReads:
    """(Part of ``Lowering``.) INDEX at the sites ``typed.dict_loads`` names."""

    def op_INDEX(self, pc: int, op: int, arg: Any) -> None:
        if pc not in self.typed.dict_loads:
            super().op_INDEX(pc, op, arg)
            return
        if pc in self.typed.strings:   # (a site that never ran: a dict's value or a string's character)
            self.index_by_helper(pc, self._dict_or_char_getter(), "dict_or_char_read")
            return
        self.index_by_helper(pc, self._dict_getter(), "dict_read")

    def _dict_or_char_getter(self) -> ir.Function:
        """The shared ``c[k]`` at a site that never ran: the dict getter when ``c`` is
        a dict, else the string character getter (``lowering/texts.py``), whose slow
        path takes anything else."""
        return self.shared_function("dict_or_char", ir.FunctionType(DYN, [DYN, DYN]), self._emit_dict_or_char)

    def _emit_dict_or_char(self, function: ir.Function) -> None:
        b = self.builder
        container, key = function.args
        an_object, a_dict, other = (function.append_basic_block(name) for name in ("an_object", "a_dict", "other"))
        b.cbranch(b.icmp_unsigned("==", b.extract_value(container, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                  an_object, other)
        b.position_at_end(an_object)
        table = self._object_address(b.extract_value(container, 1))
        b.cbranch(b.icmp_unsigned("==", self._field(table, rt.OB_TYPE), self._address_of("dict", dict)),
                  a_dict, other)
        b.position_at_end(a_dict)
        b.ret(b.call(self._dict_getter(), [container, key]))
        b.position_at_end(other)
        b.ret(b.call(self._char_getter(), [container, key]))

    def op_STORE_INDEX(self, pc: int, op: int, arg: Any) -> None:
        """``d[k] := v`` at a site ``typed.dict_stores`` names: ``v`` a scalar or a
        tagged value (stored natively when it is a scalar or a str at run time), ``d``
        made this frame's own by the MUT_* before (copy-on-write, as for arrays).
        Stored natively under the GIL (``PyDict_SetItem``); a receiver that is not a
        dict, a key of another type, another value or a failure takes the
        interpreter's store."""
        if pc not in self.typed.dict_stores:
            super().op_STORE_INDEX(pc, op, arg)
            return
        b = self.builder
        (value, value_kind), (container, container_kind), (key, key_kind) = self.stack[-3:]
        status = b.call(self._dict_setter(), [self.to_dyn(container, container_kind), self.to_dyn(key, key_kind),
                                              self.to_dyn(value, value_kind)])
        stored, slow, done = (self.function.append_basic_block(f"{name}_pc{pc}")
                              for name in ("dict_stored", "dict_store_generic", "dict_store_done"))
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, NOT_READ)), slow, stored).set_weights([1, 1000])
        b.position_at_end(slow)
        self._unless_done(self._call_op(pc), pc, rt.STATUS_OK)   # (the interpreter's STORE_INDEX)
        b.branch(done)
        b.position_at_end(stored)
        b.branch(done)
        b.position_at_end(done)
        del self.stack[-3:]

    def _dict_setter(self) -> ir.Function:
        """The shared ``d[k] := v`` (v a null, bool, int, float or str): (receiver,
        key, value) -> 0, or NOT_READ when the generic path must store it."""
        return self.shared_function("dict_set", ir.FunctionType(I64, [DYN, DYN, DYN]), self._emit_dict_setter)

    def _emit_dict_setter(self, function: ir.Function) -> None:
        boxer = self._tagged_boxer()
        b = self.builder
        receiver, key, value = function.args
        blocks = {"entry": b.block, **{name: function.append_basic_block(name) for name in (
            "a_dict", "int_key", "object_key", "str_object", "constant_key", "lookup", "failed", "generic")}}
        self._storable(value, blocks["generic"])
        table, gil, key_object, owned = self._dict_and_key(function, receiver, key, blocks, blocks["generic"])
        boxed = self._boxed_value(value, boxer, gil, owned, key_object, blocks["generic"])   # (a new reference)
        result = self._c_api("PyDict_SetItem", table, key_object, boxed)   # (takes its own references)
        self._c_api("Py_DecRef", boxed)
        with b.if_then(owned):
            self._c_api("Py_DecRef", key_object)
        ok = function.append_basic_block("stored")
        b.cbranch(b.icmp_signed("!=", result, ir.Constant(I32, 0)), blocks["failed"], ok)
        b.position_at_end(ok)
        self._c_api("PyGILState_Release", gil)
        b.ret(ir.Constant(I64, 0))
        b.position_at_end(blocks["failed"])
        self._c_api("PyErr_Clear")
        self._release_to(gil, blocks["generic"])
        b.position_at_end(blocks["generic"])
        b.ret(ir.Constant(I64, NOT_READ))

    def _boxed_value(self, value: ir.Value, boxer: ir.Function, gil: ir.Value, owned: ir.Value,
                     key_object: ir.Value, generic: ir.Block) -> ir.Value:
        """The stored value as a new reference (the GIL held): a string constant's
        object from ``Handles.constants`` (read under the GIL: the list may grow),
        anything else through the boxer. A constant that is not a str releases what
        the store holds and goes to ``generic``."""
        b = self.builder
        tag, bits = b.extract_value(value, 0), b.extract_value(value, 1)
        if self.runtime.constants is None:   # (no table of constants: never in a Jit's code)
            return b.call(boxer, [tag, bits])
        new = b.function.append_basic_block
        constant, not_str, a_str, other, done = (new(f"value_{name}") for name in (
            "constant", "constant_not_str", "constant_str", "boxed", "made"))
        b.cbranch(b.icmp_unsigned("==", tag, ir.Constant(I64, rt.TAG_CONSTANT)), constant, other)
        b.position_at_end(constant)
        items = b.inttoptr(self._field(self._address_of("constants", self.runtime.constants), rt.ITEMS_DATA), I64P)
        item = self.alias.tag(b.load(b.gep(items, [bits])), "object")
        b.cbranch(b.icmp_unsigned("==", self._field(item, rt.OB_TYPE), self._address_of("str", str)), a_str, not_str)
        b.position_at_end(not_str)
        with b.if_then(owned):
            self._c_api("Py_DecRef", key_object)
        self._release_to(gil, generic)
        b.position_at_end(a_str)
        self._incref(item)
        b.branch(done)
        b.position_at_end(other)
        boxed = b.call(boxer, [tag, bits])
        b.branch(done)
        b.position_at_end(done)
        return self.phi((item, a_str), (boxed, other))

    def _storable(self, value: ir.Value, generic: ir.Block) -> None:
        """Go on only with a value a native store may box: a scalar, or a str (which
        never changes: storing it shares nothing a frame could mutate in place) --
        an object or a string constant. Any other object -- maybe this frame's own
        array -- goes to ``generic``."""
        b = self.builder
        tag = b.extract_value(value, 0)
        an_object, a_str, scalar = (b.function.append_basic_block(name) for name in (
            "value_object", "value_str", "value_storable"))
        b.cbranch(b.icmp_unsigned("<", tag, ir.Constant(I64, rt.TAG_OBJECT)), scalar, an_object)
        b.position_at_end(an_object)
        if self.runtime.constants is not None:   # (a constant: its type checked under the GIL, _boxed_value)
            b.cbranch(b.icmp_unsigned("==", tag, ir.Constant(I64, rt.TAG_CONSTANT)), scalar,
                      b.function.append_basic_block("value_not_constant"))
            b.position_at_end(b.function.blocks[-1])
        b.cbranch(b.icmp_unsigned("==", tag, ir.Constant(I64, rt.TAG_OBJECT)), a_str, generic)
        b.position_at_end(a_str)
        string = self._object_address(b.extract_value(value, 1))
        b.cbranch(b.icmp_unsigned("==", self._field(string, rt.OB_TYPE), self._address_of("str", str)),
                  scalar, generic)
        b.position_at_end(scalar)

    def t1_has_key(self, pc: int) -> None:
        """T1's ``has_key(d, k)``: T2's lookup (1 or 0), but a receiver that is not a
        dict or a failure takes the slow path, the interpreter's CALL (which raises;
        the callee goes to it as a tagged function), instead of an exit."""
        b = self.builder
        self.stack[-3] = (self.function_dyn(self.stack[-3][1]), Kind.DYN)
        stack = self.slow_path_begin(pc)
        found = b.call(self._dict_getter(has=True), [self.to_dyn(*self.stack[-2]), self.to_dyn(*self.stack[-1])])
        answered = self.function.append_basic_block(f"has_key_pc{pc}")
        b.cbranch(b.icmp_signed("==", b.extract_value(found, 0), ir.Constant(I64, NOT_READ)),
                  self.slow_path, answered).set_weights([1, 1000])
        b.position_at_end(answered)
        del self.stack[-3:]
        self.push(b.extract_value(found, 1), Kind.INT)
        self.slow_path_end(pc, stack, 3, Kind.DYN)

    def native_has_key(self, pc: int, receiver: tuple, key: tuple) -> ir.Value:
        """``has_key(d, k)`` (one of T2's native builtins, ``lowering/builtins.py``): 1
        or 0, an int, as the interpreter's. A key of any other type is simply not
        there (0); a receiver that is not a dict (the interpreter raises) or a Python
        error on the way leaves through a ``has_key-operand`` exit."""
        b = self.builder
        found = b.call(self._dict_getter(has=True), [self.to_dyn(*receiver), self.to_dyn(*key)])
        guard = self.new_guard("has_key-operand", pc, "has_key() of a value that is not a dict")
        self.deopt_if(b.icmp_signed("==", b.extract_value(found, 0), ir.Constant(I64, NOT_READ)), guard)
        return b.extract_value(found, 1)

    def _dict_getter(self, has: bool = False) -> ir.Function:
        """The shared ``d[k]`` (see the module's text): (receiver, key) -> value,
        tag NOT_READ when the generic path must read it. ``has``: ``has_key(d, k)``'s
        (TAG_INT, 1 or 0) instead of the value."""
        return self.shared_function(f"dict_{'has' if has else 'get'}", ir.FunctionType(DYN, [DYN, DYN]),
                                    lambda function: self._emit_dict_getter(function, has))

    def _emit_dict_getter(self, function: ir.Function, has: bool) -> None:
        receiver, key = function.args
        b = self.builder
        blocks = {"entry": b.block, **{name: function.append_basic_block(name) for name in (
            "a_dict", "int_key", "object_key", "str_object", "constant_key", "lookup", "found",
            "not_found", "int", "not_int", "int_overflowed", "float", "not_float", "bool", "not_bool", "null",
            "object", "put_failed", "interrupted", "generic", "no_key")}}
        # a key of another type: d[k] raises (the generic path), has_key says 0
        no_key = blocks["no_key"] if has else blocks["generic"]

        def returns(tag: int | ir.Value, bits: ir.Value) -> None:
            tag = ir.Constant(I64, tag) if isinstance(tag, int) else tag
            b.ret(b.insert_value(b.insert_value(ir.Constant(DYN, None), tag, 0), bits, 1))

        def release_and_generic(gil: ir.Value) -> None:
            self._c_api("PyGILState_Release", gil)
            b.branch(blocks["generic"])

        # first without the GIL; what that cannot read starts again at "with_gil"
        with_gil = function.append_basic_block("with_gil")
        self._read_without_gil(receiver, key, has, returns, with_gil, blocks["generic"])
        b.position_at_end(with_gil)
        table, gil, key_object, owned = self._dict_and_key(function, receiver, key, blocks, no_key)
        value = self._c_api("PyDict_GetItemWithError", table, key_object)
        with b.if_then(owned):
            self._c_api("Py_DecRef", key_object)
        b.cbranch(b.icmp_unsigned("==", value, ir.Constant(I64, 0)), blocks["not_found"], blocks["found"])
        b.position_at_end(blocks["not_found"])
        if has:
            failed = b.icmp_unsigned("!=", self._c_api("PyErr_Occurred"), ir.Constant(I64, 0))
            self._c_api("PyErr_Clear")
            self._c_api("PyGILState_Release", gil)
            with b.if_then(failed):
                returns(NOT_READ, ir.Constant(I64, 0))
            returns(rt.TAG_INT, ir.Constant(I64, 0))
            b.position_at_end(blocks["found"])
            self._c_api("PyGILState_Release", gil)
            returns(rt.TAG_INT, ir.Constant(I64, 1))
            self._finish_getter(blocks, returns, has)
            return
        self._c_api("PyErr_Clear")   # (a missing key sets none; the interpreter raises the Ruff error)
        release_and_generic(gil)
        # the value: scalars unboxed, anything else a handle
        b.position_at_end(blocks["found"])
        type_word = self._field(value, rt.OB_TYPE)
        for name, python_type, otherwise in (("int", int, "not_int"), ("float", float, "not_float"),
                                             ("bool", bool, "not_bool")):
            b.cbranch(b.icmp_unsigned("==", type_word, self._address_of(name, python_type)),
                      blocks[name], blocks[otherwise])
            b.position_at_end(blocks[otherwise])
        b.cbranch(b.icmp_unsigned("==", value, self._address_of("none", None)), blocks["null"], blocks["object"])
        b.position_at_end(blocks["int"])
        as_int = self._c_api("PyLong_AsLongLong", value)
        fits = function.append_basic_block("int_fits")
        maybe = b.icmp_signed("==", as_int, ir.Constant(I64, -1))
        check = function.append_basic_block("int_check")
        b.cbranch(maybe, check, fits)
        b.position_at_end(check)
        b.cbranch(b.icmp_unsigned("!=", self._c_api("PyErr_Occurred"), ir.Constant(I64, 0)),
                  blocks["int_overflowed"], fits)
        b.position_at_end(blocks["int_overflowed"])
        self._c_api("PyErr_Clear")
        release_and_generic(gil)
        b.position_at_end(fits)
        self._c_api("PyGILState_Release", gil)
        returns(rt.TAG_INT, as_int)
        b.position_at_end(blocks["float"])
        bits = self._field(value, rt.FLOAT_VALUE)
        self._c_api("PyGILState_Release", gil)
        returns(rt.TAG_FLOAT, bits)
        b.position_at_end(blocks["bool"])
        is_true = b.zext(b.icmp_unsigned("==", value, self._address_of("true", True)), I64)
        self._c_api("PyGILState_Release", gil)
        returns(rt.TAG_BOOL, is_true)
        b.position_at_end(blocks["null"])
        self._c_api("PyGILState_Release", gil)
        returns(rt.TAG_NULL, ir.Constant(I64, 0))
        # another object: its handle (Handles.put; the table takes its own reference)
        b.position_at_end(blocks["object"])
        handle = self.put_handle(value)
        put = function.append_basic_block("put")
        b.cbranch(b.icmp_signed("<", handle, ir.Constant(I64, 0)), blocks["put_failed"], put)
        b.position_at_end(put)
        self._c_api("PyGILState_Release", gil)
        returns(rt.TAG_OBJECT, handle)
        # Handles.put raised (a signal handler): clear it, deliver a KeyboardInterrupt again
        b.position_at_end(blocks["put_failed"])
        interrupt = self._c_api("PyErr_ExceptionMatches", self._address_of("KeyboardInterrupt", KeyboardInterrupt))
        self._c_api("PyErr_Clear")
        cleared = function.append_basic_block("put_cleared")
        b.cbranch(b.icmp_unsigned("!=", interrupt, ir.Constant(I32, 0)), blocks["interrupted"], cleared)
        b.position_at_end(blocks["interrupted"])
        self._c_api("PyErr_SetInterrupt")
        b.branch(cleared)
        b.position_at_end(cleared)
        release_and_generic(gil)
        self._finish_getter(blocks, returns, has)

    def _read_without_gil(self, receiver: ir.Value, key: ir.Value, has: bool, returns, with_gil: ir.Block,
                          generic: ir.Block) -> None:
        """The GIL-free read (``jit/dicts.py``): a dict whose keys table holds only
        strs, a key whose text is hashed (an int's cached text, a str whose hash is
        set), a scalar value (or, for ``has``, found or not). Anything else branches
        to ``with_gil``; a missing key (``d[k]``) to ``generic``, whose interpreter
        raises. The lookup only reads: nothing here allocates or counts a reference."""
        b = self.builder
        new = b.function.append_basic_block
        a_dict, int_key, int_cached, str_key, str_hashed, lookup, str_table, found = (new(f"nogil_{name}") for name in (
            "a_dict", "int_key", "int_cached", "str_key", "str_hashed", "lookup", "str_table", "found"))
        b.cbranch(b.icmp_unsigned("==", b.extract_value(receiver, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                  a_dict, with_gil)
        b.position_at_end(a_dict)
        table = self._object_address(b.extract_value(receiver, 1))
        key_tag, key_bits = b.extract_value(key, 0), b.extract_value(key, 1)
        kinds = new("nogil_key_kind")
        b.cbranch(b.icmp_unsigned("==", self._field(table, rt.OB_TYPE), self._address_of("dict", dict)), kinds, with_gil)
        b.position_at_end(kinds)
        switch = b.switch(key_tag, with_gil)
        switch.add_case(ir.Constant(I64, rt.TAG_INT), int_key)
        switch.add_case(ir.Constant(I64, rt.TAG_OBJECT), str_key)
        b.position_at_end(int_key)   # an int below KEY_TEXTS whose text is made already
        b.cbranch(b.icmp_unsigned("<", key_bits, ir.Constant(I64, dicts.KEY_TEXTS)), int_cached, with_gil)
        b.position_at_end(int_cached)
        text = b.load(self._key_text(key_bits))
        b.cbranch(b.icmp_unsigned("!=", text, ir.Constant(I64, 0)), lookup, with_gil)
        b.position_at_end(str_key)   # a str whose hash CPython cached
        string = self._object_address(key_bits)
        b.cbranch(b.icmp_unsigned("==", self._field(string, rt.OB_TYPE), self._address_of("str", str)),
                  str_hashed, with_gil)
        b.position_at_end(str_hashed)
        b.cbranch(b.icmp_signed("!=", self._field(string, dicts.STR_HASH), ir.Constant(I64, -1)), lookup, with_gil)
        b.position_at_end(lookup)
        key_object = self.phi((text, int_cached), (string, str_hashed))
        keys = self._field(table, dicts.DICT_KEYS)
        kind = b.load(b.inttoptr(b.add(keys, ir.Constant(I64, dicts.KEYS_KIND)), ir.IntType(8).as_pointer()))
        b.cbranch(b.icmp_unsigned("!=", kind, ir.Constant(ir.IntType(8), 0)), str_table, with_gil)
        b.position_at_end(str_table)
        value = self._c_api("PyDict_GetItemWithError", table, key_object)   # (sets no error: see above)
        missing = new("nogil_missing")
        b.cbranch(b.icmp_unsigned("==", value, ir.Constant(I64, 0)), missing, found)
        b.position_at_end(missing)
        if has:
            returns(rt.TAG_INT, ir.Constant(I64, 0))
            b.position_at_end(found)
            returns(rt.TAG_INT, ir.Constant(I64, 1))
            return
        b.branch(generic)
        b.position_at_end(found)
        type_word = self._field(value, rt.OB_TYPE)
        for name, python_type in (("int", int), ("float", float), ("bool", bool)):
            this, other = new(f"nogil_{name}"), new(f"nogil_not_{name}")
            b.cbranch(b.icmp_unsigned("==", type_word, self._address_of(name, python_type)), this, other)
            b.position_at_end(this)
            if python_type is int:
                returns(rt.TAG_INT, self._small_int(0, value, too_big=with_gil))
            elif python_type is float:
                returns(rt.TAG_FLOAT, self._field(value, rt.FLOAT_VALUE))
            else:
                returns(rt.TAG_BOOL, b.zext(b.icmp_unsigned("==", value, self._address_of("true", True)), I64))
            b.position_at_end(other)
        null = new("nogil_null")
        b.cbranch(b.icmp_unsigned("==", value, self._address_of("none", None)), null, with_gil)
        b.position_at_end(null)
        returns(rt.TAG_NULL, ir.Constant(I64, 0))

    def _key_text(self, index: ir.Value) -> ir.Value:
        """A pointer to ``dicts.key_texts[index]`` (the text of the int key ``index``, or 0)."""
        address = self.imports.memory("rd.key_texts", ctypes.addressof(dicts.key_texts))
        return self.builder.gep(self.imports.word(address, 0), [index])

    def _dict_and_key(self, function: ir.Function, receiver: ir.Value, key: ir.Value, blocks: dict,
                      no_key: ir.Block) -> tuple[ir.Value, ir.Value, ir.Value, ir.Value]:
        """Check (without the GIL) that ``receiver`` is a dict and ``key`` an int, a str
        object or a string constant, take the GIL and find the key's object. The
        builder ends in ``blocks["lookup"]`` with the GIL held: (the dict's address,
        the GIL's state, the key's object, whether that is a new reference). A
        receiver of another type goes to ``blocks["generic"]``, a key of another type
        to ``no_key`` (without the GIL); a failure to ``blocks["generic"]``."""
        b = self.builder
        # Without the GIL: the receiver is a dict, the key an int, a str object or a constant.
        b.cbranch(b.icmp_unsigned("!=", b.extract_value(receiver, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                  blocks["generic"], blocks["a_dict"])
        b.position_at_end(blocks["a_dict"])
        table = self._object_address(b.extract_value(receiver, 1))
        is_dict = b.icmp_unsigned("==", self._field(table, rt.OB_TYPE), self._address_of("dict", dict))
        choose = function.append_basic_block("key_kind")
        b.cbranch(is_dict, choose, blocks["generic"])
        b.position_at_end(choose)
        key_tag, key_bits = b.extract_value(key, 0), b.extract_value(key, 1)
        switch = b.switch(key_tag, no_key)
        switch.add_case(ir.Constant(I64, rt.TAG_INT), blocks["int_key"])
        switch.add_case(ir.Constant(I64, rt.TAG_OBJECT), blocks["object_key"])
        if self.runtime.constants is not None:
            switch.add_case(ir.Constant(I64, rt.TAG_CONSTANT), blocks["constant_key"])
        incoming = []   # (gil, key object, whether it is a new reference, block)
        # an int: its decimal text -- below KEY_TEXTS, made once, hashed and kept in
        # dicts.key_texts (which owns it) for the GIL-free reads; otherwise a new str
        b.position_at_end(blocks["int_key"])
        gil = self._c_api("PyGILState_Ensure")
        kept = b.icmp_unsigned("<", key_bits, ir.Constant(I64, dicts.KEY_TEXTS))
        cached, make = function.append_basic_block("int_text_cached"), function.append_basic_block("int_text_make")
        b.cbranch(kept, cached, make)
        b.position_at_end(cached)
        text = b.load(self._key_text(key_bits))
        hit = function.append_basic_block("int_text_hit")
        b.cbranch(b.icmp_unsigned("!=", text, ir.Constant(I64, 0)), hit, make)
        b.position_at_end(hit)
        incoming.append((gil, text, ir.Constant(ir.IntType(1), 0), b.block))
        b.branch(blocks["lookup"])
        b.position_at_end(make)
        number = self._c_api("PyLong_FromLongLong", key_bits)
        text = self._c_api("PyObject_Str", number)
        self._c_api("Py_DecRef", number)
        made = function.append_basic_block("int_text_made")
        failed = function.append_basic_block("int_text_failed")
        b.cbranch(b.icmp_unsigned("==", text, ir.Constant(I64, 0)), failed, made)
        b.position_at_end(failed)
        self._c_api("PyErr_Clear")
        self._release_to(gil, blocks["generic"])
        b.position_at_end(made)
        keep, own = function.append_basic_block("int_text_keep"), function.append_basic_block("int_text_own")
        b.cbranch(kept, keep, own)
        b.position_at_end(keep)
        self._c_api("PyObject_Hash", text)   # (cached in the str before a GIL-free read can see it)
        b.store(text, self._key_text(key_bits))
        incoming.append((gil, text, ir.Constant(ir.IntType(1), 0), b.block))
        b.branch(blocks["lookup"])
        b.position_at_end(own)
        incoming.append((gil, text, ir.Constant(ir.IntType(1), 1), b.block))
        b.branch(blocks["lookup"])
        # a string object (a handle): its own address
        b.position_at_end(blocks["object_key"])
        string = self._object_address(key_bits)
        b.cbranch(b.icmp_unsigned("==", self._field(string, rt.OB_TYPE), self._address_of("str", str)),
                  blocks["str_object"], no_key)
        b.position_at_end(blocks["str_object"])
        gil = self._c_api("PyGILState_Ensure")
        incoming.append((gil, string, ir.Constant(ir.IntType(1), 0), b.block))
        b.branch(blocks["lookup"])
        # a string constant: Handles.constants[bits] (a list that grows: read under the GIL)
        b.position_at_end(blocks["constant_key"])
        if self.runtime.constants is not None:
            gil = self._c_api("PyGILState_Ensure")
            items = b.inttoptr(self._field(self._address_of("constants", self.runtime.constants), rt.ITEMS_DATA), I64P)
            constant = self.alias.tag(b.load(b.gep(items, [key_bits])), "object")
            a_str = function.append_basic_block("constant_str")
            not_str = function.append_basic_block("constant_not_str")
            b.cbranch(b.icmp_unsigned("==", self._field(constant, rt.OB_TYPE), self._address_of("str", str)),
                      a_str, not_str)
            b.position_at_end(not_str)
            self._c_api("PyGILState_Release", gil)
            b.branch(no_key)
            b.position_at_end(a_str)
            incoming.append((gil, constant, ir.Constant(ir.IntType(1), 0), b.block))
            b.branch(blocks["lookup"])
        else:
            b.branch(blocks["generic"])   # (no table of constants: never in a Jit's code)
        # the lookup (the GIL held): a borrowed reference, or 0
        b.position_at_end(blocks["lookup"])
        gil = self.phi(*((g, block) for g, _, _, block in incoming))
        key_object = self.phi(*((k, block) for _, k, _, block in incoming))
        owned = self.phi(*((o, block) for _, _, o, block in incoming))
        return table, gil, key_object, owned

    def _release_to(self, gil: ir.Value, block: ir.Block) -> None:
        self._c_api("PyGILState_Release", gil)
        self.builder.branch(block)

    def _finish_getter(self, blocks: dict, returns, has: bool) -> None:
        """The getter's two last exits; the blocks it did not use are dropped."""
        b = self.builder
        b.position_at_end(blocks["generic"])
        returns(NOT_READ, ir.Constant(I64, 0))
        b.position_at_end(blocks["no_key"])
        if has:
            returns(rt.TAG_INT, ir.Constant(I64, 0))
        else:
            b.unreachable()
        for block in list(b.function.blocks):
            if not block.is_terminated:   # (has_key's: the value's blocks)
                b.position_at_end(block)
                b.unreachable()
