"""Strings in native code (T1 and T2): ``a + b`` of two strs and interpolation
(``"x${i}"``, BUILD_STRING), without a trip through the interpreter.

Both take the GIL just around the C API calls that make the string, as a struct
literal does (``lowering/structs.py``), and give the new string a handle with a
native put (``lowering/handles.py``): no Python code runs.

- **Concatenation.** Two tagged objects or string constants whose objects are
  exact ``str``s, whose lengths add up to at most the interpreter's limit
  (``values.MAX_RESULT_LEN``: past it the interpreter raises), are joined by
  ``PyUnicode_Concat``. ``s := s + t`` -- the ADD's left operand is the local
  the next instruction stores into, which holds the same handle -- extends the
  string *in place* when the frame owns it exactly as T2's MUT_LOCAL checks an
  array (``arrays._branch_if_owned``: a handle made since the frame was entered,
  held by no other value of the frame, CPython's count 1): ``PyUnicode_Append``
  is handed the object table's own reference (the slot in ``Handles._objects``),
  resizes the string where it can (CPython's rules: not interned, not hashed)
  and puts the result back in that slot; the handle stays, its address in the
  object table is updated. That is what the interpreter does for ``s := s + t``
  (``VM.drop_replaced``, then CPython's ``+=``), so a string builder loop is
  amortized linear in every tier.
- **Interpolation.** The parts are written into CPython's string writer
  (``_PyUnicodeWriter``, a buffer on the native stack): a str as it is, an int
  in decimal (formatted natively), a bool as ``true``/``false``, null as
  ``null``, a float by ``values.format_float`` itself (Ruff's float text -- Rust's
  Display -- is Python code; calling it is the only exact way), a string
  constant's ASCII text straight from the module.

Anything else -- a number added to a string, an array in an interpolation, a
string past the length limit, any Python error on the way (cleared; a
KeyboardInterrupt delivered again) -- takes the slow path, the interpreter's
own op, which computes the result or raises its exact error. Out of memory is
not checked inside ``PyUnicode_Append`` (the slot would be left empty: the
process could not go on anyway)."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.compiler.opcodes import Op
from ruffdbg.core import values
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import DYN, I8, I32, I64, I64P, NOT_READ
from ruffdbg.jit.types import Kind

OK, UNSUPPORTED, FAILED = 0, 1, -1   # what a part's writer returns (FAILED: a Python error is set)


class NativeStrings:
    """(Part of ``Lowering``.) ``concatenated`` (ADD of two strs) and ``op_BUILD_STRING``."""

    # ------------------------------------------------------------ a + b

    def concatenated(self, pc: int, left_entry: tuple, right_entry: tuple) -> ir.Value:
        """``left + right`` of two strs as a tagged value; anything else branches to
        the open slow path (the interpreter's ADD). Only ``s := s + t`` is written
        out at the site (its in-place append needs the frame); every other site
        calls the module's one joining helper, so a function of many ``+`` builds
        one copy of that code, not one per site."""
        b = self.builder
        target = self._builder_target(pc)
        if target is None:
            (left, left_kind), (right, right_kind) = left_entry, right_entry
            joined = b.call(self._concat_function(), [self.to_dyn(left, left_kind), self.to_dyn(right, right_kind)])
            self._slow_unless(b.icmp_signed("!=", b.extract_value(joined, 0), ir.Constant(I64, NOT_READ)), pc,
                              "concatenated")
            return joined
        left_tag, left_obj, right_obj = self._two_strs(pc, left_entry, right_entry)
        fresh = self.function.append_basic_block(f"concat_new_pc{pc}")
        done = self.function.append_basic_block(f"concatenated_pc{pc}")
        owned = self.function.append_basic_block(f"concat_in_place_pc{pc}")
        local = b.load(self.slot(target, Kind.DYN))
        left_bits = self.bits_of(*left_entry)
        same = b.and_(b.icmp_unsigned("==", left_tag, ir.Constant(I64, rt.TAG_OBJECT)),
                      b.icmp_unsigned("==", b.extract_value(local, 1), left_bits))
        self._branch_if_owned(local, target, owned, fresh, also=len(self.stack) - 2, condition=same)
        b.position_at_end(owned)   # s := s + t: in place while the frame owns s's string
        gil = self._c_api("PyGILState_Ensure")
        objects = self._address_of("handle_objects", self.runtime.handles._objects)
        slot = b.add(self._field(objects, rt.ITEMS_DATA), b.mul(left_bits, ir.Constant(I64, 8)))
        self._c_api("PyUnicode_Append", slot, right_obj)   # (the table's reference in, the result's out)
        extended = self.alias.tag(b.load(b.inttoptr(slot, I64P)), "object")
        table = b.inttoptr(self.alias.tag(b.load(self.ctx_word(rt.CTX_OBJECTS)), "ctx"), I64P)
        self.alias.tag(b.store(extended, b.gep(table, [left_bits])), "table")
        self._c_api("PyGILState_Release", gil)
        in_place = (self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), left_bits), b.block)
        b.branch(done)
        b.position_at_end(fresh)
        new = (self._joined(pc, left_obj, right_obj), b.block)
        b.branch(done)
        b.position_at_end(done)
        return self.phi(in_place, new)

    def _two_strs(self, pc: int, left_entry: tuple, right_entry: tuple) -> tuple[ir.Value, ir.Value, ir.Value]:
        """(left's tag, left's object, right's object) when both are strs whose joined
        length the interpreter allows; otherwise a branch to the slow path."""
        b = self.builder
        (left, left_kind), (right, right_kind) = left_entry, right_entry
        left_tag, right_tag = self.tag_of(left, left_kind), self.tag_of(right, right_kind)
        texts = b.and_(self.tag_is(left_tag, rt.TAG_OBJECT, rt.TAG_CONSTANT),
                       self.tag_is(right_tag, rt.TAG_OBJECT, rt.TAG_CONSTANT))
        self._slow_unless(texts, pc, "concat_tags")
        left_obj = self._object_or_constant(left_tag, self.bits_of(left, left_kind))
        right_obj = self._object_or_constant(right_tag, self.bits_of(right, right_kind))
        text = self._address_of("str", str)
        both = b.and_(b.icmp_unsigned("==", self._field(left_obj, rt.OB_TYPE), text),
                      b.icmp_unsigned("==", self._field(right_obj, rt.OB_TYPE), text))
        self._slow_unless(both, pc, "concat_strs")
        total = b.add(self._field(left_obj, rt.VAR_SIZE), self._field(right_obj, rt.VAR_SIZE))
        self._slow_unless(b.icmp_signed("<=", total, ir.Constant(I64, values.MAX_RESULT_LEN)), pc, "concat_length")
        return left_tag, left_obj, right_obj

    def _joined(self, pc: int, left_obj: ir.Value, right_obj: ir.Value) -> ir.Value:
        """A new str of the two (``PyUnicode_Concat``) with its handle, as a tagged value."""
        b = self.builder
        gil = self._c_api("PyGILState_Ensure")
        joined = self._c_api("PyUnicode_Concat", left_obj, right_obj)
        self._unless_made(pc, joined, gil)
        handle = self.put_handle(joined)
        self._unless_put(pc, handle, gil, made_object=joined)
        self._c_api("Py_DecRef", joined)   # (the handle table holds it now)
        self._c_api("PyGILState_Release", gil)
        return self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), handle)

    def _concat_function(self) -> ir.Function:
        """The shared ``left + right`` of two strs: (left, right) -> the new string,
        tag NOT_READ when the slow path must do the ADD (the same checks and the same
        string as at a site: ``_two_strs``, ``_joined``, with its slow path a return)."""
        return self.shared_function("str_concat", ir.FunctionType(DYN, [DYN, DYN]), self._emit_concat)

    def _emit_concat(self, function: ir.Function) -> None:
        b, saved = self.builder, self.slow_path
        self.slow_path = generic = function.append_basic_block("generic")
        try:
            left, right = function.args
            _, left_obj, right_obj = self._two_strs(0, (left, Kind.DYN), (right, Kind.DYN))
            b.ret(self._joined(0, left_obj, right_obj))
            b.position_at_end(generic)
            b.ret(self.make_dyn(ir.Constant(I64, NOT_READ), ir.Constant(I64, 0)))
        finally:
            self.slow_path = saved

    def _builder_target(self, pc: int) -> int | None:
        """The local ``s`` of ``s := s + t`` at the ADD at ``pc`` (the next instruction
        stores into it; that it holds the left operand is checked at run time)."""
        following = pc + 1
        if following >= len(self.code.instrs) or self.code.instrs[following][0] != Op.STORE_LOCAL:
            return None
        target = self.code.instrs[following][1]
        if target >= len(self.state_slots) or self.state_slots[target] != Kind.DYN:
            return None
        return target

    def _slow_unless(self, condition: ir.Value, pc: int, name: str) -> None:
        go_on = self.function.append_basic_block(f"{name}_pc{pc}")
        self.builder.cbranch(condition, go_on, self.slow_path).set_weights([1000, 1])
        self.builder.position_at_end(go_on)

    def _unless_made(self, pc: int, made: ir.Value, gil: ir.Value) -> None:
        """A C API call that makes an object returned NULL (a Python error is set):
        clear it (a KeyboardInterrupt delivered again), release the GIL and take the
        slow path."""
        b = self.builder
        failed = self.function.append_basic_block(f"string_failed_pc{pc}")
        go_on = self.function.append_basic_block(f"string_made_pc{pc}")
        b.cbranch(b.icmp_unsigned("==", made, ir.Constant(I64, 0)), failed, go_on).set_weights([1, 1000])
        b.position_at_end(failed)
        self._clear_error()
        self._c_api("PyGILState_Release", gil)
        b.branch(self.slow_path)
        b.position_at_end(go_on)

    def _clear_error(self) -> None:
        b = self.builder
        interrupt = self._c_api("PyErr_ExceptionMatches", self._address_of("KeyboardInterrupt", KeyboardInterrupt))
        self._c_api("PyErr_Clear")
        with b.if_then(b.icmp_unsigned("!=", interrupt, ir.Constant(I32, 0))):
            self._c_api("PyErr_SetInterrupt")

    # ------------------------------------------------------------ interpolation

    def op_BUILD_STRING(self, pc: int, op: int, arg: Any) -> None:
        """``"item ${i};"``: the parts written into CPython's string writer with the GIL
        held, the string given a handle; a part of another type (an array, a
        struct, a function ...) takes the slow path, the interpreter's BUILD_STRING."""
        b = self.builder
        parts = self.stack[len(self.stack) - arg:] if arg else []
        stack = self.slow_path_begin(pc)
        gil = self._c_api("PyGILState_Ensure")
        writer = b.ptrtoint(self._writer(), I64)
        self._c_api("_PyUnicodeWriter_Init", writer)
        failed = self.function.append_basic_block(f"interpolation_failed_pc{pc}")
        here = b.block
        b.position_at_end(failed)
        status = b.phi(I32, name=f"part_status_pc{pc}")   # (each failing part adds its status)
        b.position_at_end(here)
        for value, kind in parts:
            constant = self.string_constants.get(id(value))
            if constant is not None and constant.isascii():
                if constant:   # ("": nothing to write)
                    written = self._c_api("_PyUnicodeWriter_WriteASCIIString", writer, self._ascii(constant),
                                          ir.Constant(I64, len(constant)))
                    self._part_failed_if(written, failed, status)
                continue
            if kind == Kind.INT:   # (a part of a static type: its own writer, no dispatch)
                written = b.call(self._int_writer(), [writer, value])
            elif kind == Kind.FLOAT:
                written = b.call(self._float_writer(), [writer, b.bitcast(value, I64)])
            elif kind in (Kind.BOOL, Kind.NULL):
                written = self._write_word(writer, value, kind)
            else:
                written = b.call(self._part_writer(), [writer, self.tag_of(value, kind), self.bits_of(value, kind)])
            self._part_failed_if(written, failed, status)
        text = self._c_api("_PyUnicodeWriter_Finish", writer)
        self._unless_made(pc, text, gil)
        handle = self.put_handle(text)
        self._unless_put(pc, handle, gil, made_object=text)
        self._c_api("Py_DecRef", text)   # (the handle table holds it now)
        self._c_api("PyGILState_Release", gil)
        made = b.block
        # a part native code does not write, or a Python error: the writer dropped, the slow path
        b.position_at_end(failed)
        self._c_api("_PyUnicodeWriter_Dealloc", writer)
        with b.if_then(b.icmp_signed("<", status, ir.Constant(I32, 0))):
            self._clear_error()
        self._c_api("PyGILState_Release", gil)
        b.branch(self.slow_path)
        b.position_at_end(made)
        del self.stack[len(self.stack) - arg:]
        self.push(self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), handle), Kind.DYN)
        if self.in_a_loop(pc):
            self._sweep_if_due(pc, poll_at=pc + 1)   # (the strings a loop makes and drops die young)
        self.slow_path_end(pc, stack, arg, Kind.DYN)

    def _part_failed_if(self, written: ir.Value, failed: ir.Block, status: ir.PhiInstr) -> None:
        b = self.builder
        go_on = self.function.append_basic_block("part_written")
        b.cbranch(b.icmp_signed("!=", written, ir.Constant(I32, OK)), failed, go_on).set_weights([1, 1000])
        status.add_incoming(written, b.block)
        b.position_at_end(go_on)

    def in_a_loop(self, pc: int) -> bool:
        """Whether ``pc`` lies in a loop of the code (between a back-edge's target and it)."""
        return any(op == Op.JUMP_BACK and target <= pc <= end for end, (op, target) in enumerate(self.code.instrs))

    def _writer(self) -> ir.Value:
        """The unit function's string writer: WRITER_WORDS words on its native stack (one
        interpolation at a time uses it)."""
        if getattr(self, "_writer_buffer", None) is None or self._writer_buffer.parent.parent is not self.function:
            with self.builder.goto_entry_block():
                self._writer_buffer = self.builder.alloca(ir.ArrayType(I64, rt.WRITER_WORDS), name="string_writer")
        return self._writer_buffer

    def _ascii(self, text: str) -> ir.Value:
        """The address of ``text``'s ASCII bytes, a constant of the module."""
        data = text.encode("ascii")
        key = f"{self.unit_name}_text_{len(self.module.globals)}"
        constant = ir.GlobalVariable(self.module, ir.ArrayType(I8, len(data)), key)
        constant.global_constant = True
        constant.linkage = "private"
        constant.initializer = ir.Constant(ir.ArrayType(I8, len(data)), bytearray(data))
        return constant.ptrtoint(I64)

    def _part_writer(self) -> ir.Function:
        """The shared function writing one tagged part into a string writer (the GIL
        held): OK, UNSUPPORTED (not a str, int, float, bool or null) or FAILED."""
        return self.shared_function("write_part", ir.FunctionType(I32, [I64, I64, I64]), self._emit_part_writer)

    def _emit_part_writer(self, function: ir.Function) -> None:
        b = self.builder
        writer, tag, bits = function.args
        names = ("int", "float", "bool", "null", "object", "a_str", "other")
        blocks = {name: function.append_basic_block(name) for name in names}
        switch = b.switch(tag, blocks["other"])
        for name, each in (("int", rt.TAG_INT), ("float", rt.TAG_FLOAT), ("bool", rt.TAG_BOOL),
                           ("null", rt.TAG_NULL), ("object", rt.TAG_OBJECT), ("object", rt.TAG_CONSTANT)):
            switch.add_case(ir.Constant(I64, each), blocks[name])
        b.position_at_end(blocks["other"])
        b.ret(ir.Constant(I32, UNSUPPORTED))
        b.position_at_end(blocks["int"])
        b.ret(b.call(self._int_writer(), [writer, bits]))
        b.position_at_end(blocks["float"])
        b.ret(b.call(self._float_writer(), [writer, bits]))
        b.position_at_end(blocks["bool"])
        b.ret(self._write_word(writer, b.icmp_unsigned("!=", bits, ir.Constant(I64, 0)), Kind.BOOL))
        b.position_at_end(blocks["null"])
        b.ret(self._write_word(writer, None, Kind.NULL))
        b.position_at_end(blocks["object"])
        obj = self._object_or_constant(tag, bits)
        b.cbranch(b.icmp_unsigned("==", self._field(obj, rt.OB_TYPE), self._address_of("str", str)),
                  blocks["a_str"], blocks["other"])
        b.position_at_end(blocks["a_str"])
        b.ret(self._c_api("_PyUnicodeWriter_WriteStr", writer, obj))

    def _write_word(self, writer: ir.Value, value: ir.Value | None, kind: str) -> ir.Value:
        """Write ``true``/``false`` (``value`` an i1) or ``null``."""
        b = self.builder
        if kind == Kind.NULL:
            return self._c_api("_PyUnicodeWriter_WriteASCIIString", writer, self._ascii("null"), ir.Constant(I64, 4))
        text = b.select(value, self._ascii("true"), self._ascii("false"))
        return self._c_api("_PyUnicodeWriter_WriteASCIIString", writer, text,
                           b.select(value, ir.Constant(I64, 4), ir.Constant(I64, 5)))

    def _float_writer(self) -> ir.Function:
        """The shared function writing a float (its bits) as Ruff prints it: by
        ``values.format_float`` itself, called through the C API (Rust's Display
        for f64 -- shortest round trip, no exponent -- has no exact C equivalent)."""
        return self.shared_function("write_float", ir.FunctionType(I32, [I64, I64]), self._emit_float_writer)

    def _emit_float_writer(self, function: ir.Function) -> None:
        b = self.builder
        writer, bits = function.args
        formatted, failed = (function.append_basic_block(name) for name in ("formatted", "failed"))
        number = self._c_api("PyFloat_FromDouble", b.bitcast(bits, ir.DoubleType()))
        shown = self._c_api("PyObject_CallOneArg", self._address_of("format_float", values.format_float), number)
        self._c_api("Py_DecRef", number)
        b.cbranch(b.icmp_unsigned("==", shown, ir.Constant(I64, 0)), failed, formatted)
        b.position_at_end(failed)
        b.ret(ir.Constant(I32, FAILED))
        b.position_at_end(formatted)
        written = self._c_api("_PyUnicodeWriter_WriteStr", writer, shown)
        self._c_api("Py_DecRef", shown)
        b.ret(written)

    def _int_writer(self) -> ir.Function:
        """The shared function writing an i64 in decimal (what ``to_string`` of an
        int prints): its digits into a buffer on the stack, from the end, then
        ``_PyUnicodeWriter_WriteASCIIString``."""
        return self.shared_function("write_int", ir.FunctionType(I32, [I64, I64]), self._emit_int_writer)

    def _emit_int_writer(self, function: ir.Function) -> None:
        b = self.builder
        writer, value = function.args
        entry = b.block
        digit, sign, done = (function.append_basic_block(name) for name in ("digit", "sign", "done"))
        size = 24   # (20 digits and a sign at most)
        buffer = b.alloca(ir.ArrayType(I8, size), name="digits")
        negative = b.icmp_signed("<", value, ir.Constant(I64, 0))
        magnitude = b.select(negative, b.sub(ir.Constant(I64, 0), value), value)   # (as unsigned: INT_MIN too)
        b.branch(digit)
        b.position_at_end(digit)
        position = b.phi(I64, name="position")
        rest = b.phi(I64, name="rest")
        position.add_incoming(ir.Constant(I64, size), entry)
        rest.add_incoming(magnitude, entry)
        at = b.sub(position, ir.Constant(I64, 1))
        ten = ir.Constant(I64, 10)
        character = b.trunc(b.add(b.urem(rest, ten), ir.Constant(I64, ord("0"))), I8)
        b.store(character, b.gep(buffer, [ir.Constant(I64, 0), at]))
        following = b.udiv(rest, ten)
        position.add_incoming(at, digit)
        rest.add_incoming(following, digit)
        b.cbranch(b.icmp_unsigned("!=", following, ir.Constant(I64, 0)), digit, sign)
        b.position_at_end(sign)
        minus = b.sub(at, ir.Constant(I64, 1))   # (at least 4: 19 digits at most; unused unless negative)
        b.store(ir.Constant(I8, ord("-")), b.gep(buffer, [ir.Constant(I64, 0), minus]))
        start = b.select(negative, minus, at)
        b.branch(done)
        b.position_at_end(done)
        text = b.ptrtoint(b.gep(buffer, [ir.Constant(I64, 0), start]), I64)
        b.ret(self._c_api("_PyUnicodeWriter_WriteASCIIString", writer, text, b.sub(ir.Constant(I64, size), start)))
