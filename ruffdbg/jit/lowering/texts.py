"""Reading strings in native code (T1 and T2): ``s[i]``, ``len(s)`` at T1 (T2's
is a native builtin already), ``==``/``!=`` and ``< <= > >=`` of strings, without
a trip through the interpreter (issue 11 item 3).

A string is a tagged object or a string constant whose object is an exact,
compact ``str`` (``jit/textlayout.py``: its code points right after its header,
1, 2 or 4 bytes each). None of these makes anything but ``s[i]`` of a code point
past Latin-1, so they run without the GIL -- a str never changes:

- **``s[i]``** (``rd_helper_str_char``): an int index, negative from the end as in
  Ruff, inside the length; the code point read by the str's kind. Below 256 the
  result is the permanent constant ``chr(c)`` (constant handle ``c``: nothing
  made); any other takes the GIL for ``PyUnicode_FromOrdinal`` and a native put.
- **``==``/``!=``** (``rd_helper_str_equal``): a string is never equal to a value of
  another type, so one string operand is enough to answer; two are the same
  object, or have the same kind, length and bytes (``memcmp``; CPython's own
  ``==`` relies on the kind being canonical). Two string constants are equal
  exactly when their handles are (one handle per distinct constant).
- **ordering** (``rd_helper_str_order``): by code point, as Python and Rust
  compare: ``memcmp`` of the common prefix when both are one byte per code point,
  a loop over code points otherwise, then the lengths.

Anything else -- another type where only a string or an int will do, an index
out of range, a non-compact str, a Python error making a character (cleared) --
takes the slow path, the interpreter's own op, which answers or raises its
exact error ("Index out of bounds: 9" at its line, in every tier). No guard, so
nothing deopts."""

from __future__ import annotations

from typing import Any, Callable

from llvmlite import ir

from ruffdbg.jit import runtime as rt
from ruffdbg.jit import textlayout as tl
from ruffdbg.jit.lowering.common import DYN, I8P, I32, I64, NOT_READ, REACH_COUNTED
from ruffdbg.jit.types import Kind

UNKNOWN = 2       # str_equal / str_order: not two values native code compares; the slow path does
I32P, I16P = I32.as_pointer(), ir.IntType(16).as_pointer()


class NativeTexts:
    """(Part of ``Lowering``.) INDEX and CALL ``len`` at string sites (``TypedCode.strings``),
    and the string compares ``tagged._dyn_compare`` calls."""

    # ------------------------------------------------------------ sites

    def op_INDEX(self, pc: int, op: int, arg: Any) -> None:
        if pc not in self.typed.strings or pc in self.typed.dict_loads:   # (both: lowering/dicts.py)
            super().op_INDEX(pc, op, arg)
            return
        self.index_by_helper(pc, self._char_getter(), "char_read")

    def t1_length(self, pc: int) -> None:
        """T1's ``len(v)``: the length of a string, array or dict read natively
        (``arrays._native_length``); anything else takes the slow path, the
        interpreter's CALL (the callee goes to it as a tagged function)."""
        callee_kind = self.stack[-2][1]
        self.stack[-2] = (self.function_dyn(callee_kind), Kind.DYN)
        stack = self.slow_path_begin(pc)
        length = self._native_length(pc, self.to_dyn(*self.stack[-1]), self.slow_path)
        del self.stack[-2:]
        self.push(length, Kind.INT)
        self.slow_path_end(pc, stack, 2, Kind.DYN)

    def strings_equal(self, pc: int, left: tuple, right: tuple) -> ir.Value:
        """``left == right`` (i1) where one of the tagged (tag, bits) pairs is an object
        or a constant; values native code does not compare take the slow path."""
        b = self.builder
        constants = b.and_(self.tag_is(left[0], rt.TAG_CONSTANT), self.tag_is(right[0], rt.TAG_CONSTANT))
        both, call, done = (self.function.append_basic_block(f"{name}_pc{pc}")
                            for name in ("constants_equal", "strings_equal", "strings_compared"))
        b.cbranch(constants, both, call)
        b.position_at_end(both)
        same = b.icmp_unsigned("==", left[1], right[1])   # (one handle per distinct constant)
        b.branch(done)
        b.position_at_end(call)
        answer = b.call(self._text_function("str_equal", self._emit_equal), [*left, *right])
        with self.guards_reached(REACH_COUNTED):
            self.deopt_if(b.icmp_signed("==", answer, ir.Constant(I32, UNKNOWN)),
                          self.new_guard("tag", pc, "== on values native code cannot compare"))
        equal = b.icmp_signed("==", answer, ir.Constant(I32, 1))
        end = b.block
        b.branch(done)
        b.position_at_end(done)
        return self.phi((same, both), (equal, end))

    def strings_ordered(self, pc: int, symbol: str, left: tuple, right: tuple) -> ir.Value:
        """``left <symbol> right`` (i1) of two strings; anything else takes the slow path."""
        b = self.builder
        order = b.call(self._text_function("str_order", self._emit_order), [*left, *right])
        with self.guards_reached(REACH_COUNTED):
            self.deopt_if(b.icmp_signed("==", order, ir.Constant(I32, UNKNOWN)),
                          self.new_guard("tag", pc, "ordering of values that are not two numbers or two strings"))
        return b.icmp_signed(symbol, order, ir.Constant(I32, 0))

    # ------------------------------------------------------------ the module's functions

    def _text_function(self, suffix: str, emit: Callable) -> ir.Function:
        """``rd_helper_<suffix>(left tag, left bits, right tag, right bits) -> i32``."""
        return self.shared_function(suffix, ir.FunctionType(I32, [I64] * 4), emit)

    def _str_address(self, tag: ir.Value, bits: ir.Value) -> ir.Value:
        """The address of the exact ``str`` a tagged value is, else 0."""
        b = self.builder
        is_object = self.tag_is(tag, rt.TAG_OBJECT, rt.TAG_CONSTANT)
        here, found, done = b.block, *(self.function.append_basic_block(name) for name in ("object", "str_or_not"))
        b.cbranch(is_object, found, done)
        b.position_at_end(found)
        obj = self._object_or_constant(tag, bits)
        a_str = b.select(b.icmp_unsigned("==", self._field(obj, rt.OB_TYPE), self._address_of("str", str)),
                         obj, ir.Constant(I64, 0))
        found_end = b.block
        b.branch(done)
        b.position_at_end(done)
        return self.phi((ir.Constant(I64, 0), here), (a_str, found_end))

    def _text(self, obj: ir.Value) -> tuple[ir.Value, ir.Value, ir.Value, ir.Value]:
        """(compact and ready, kind, data address, length) of the str at ``obj``."""
        b = self.builder
        state = b.zext(self.alias.tag(b.load(b.inttoptr(b.add(obj, ir.Constant(I64, tl.STR_STATE)), I8P)),
                                      "object"), I64)
        bits = lambda mask: b.and_(state, ir.Constant(I64, mask))   # noqa: E731
        compact = b.icmp_unsigned("==", bits(tl.STR_COMPACT_READY), ir.Constant(I64, tl.STR_COMPACT_READY))
        kind = b.and_(b.lshr(state, ir.Constant(I64, tl.STR_KIND_SHIFT)), ir.Constant(I64, tl.STR_KIND_MASK))
        ascii = b.icmp_unsigned("!=", bits(tl.STR_ASCII_BITS & ~tl.STR_COMPACT_READY), ir.Constant(I64, 0))
        offset = b.select(ascii, ir.Constant(I64, tl.STR_ASCII_DATA), ir.Constant(I64, tl.STR_COMPACT_DATA))
        return compact, kind, b.add(obj, offset), self._field(obj, rt.VAR_SIZE)

    def _code_point(self, data: ir.Value, kind: ir.Value, at: ir.Value) -> ir.Value:
        """Code point ``at`` of a str's text (``kind`` bytes each), as an i64."""
        b = self.builder
        done = self.function.append_basic_block("code_point")
        loads = []
        switch = b.switch(kind, done)
        here = b.block
        for width, pointer in ((1, I8P), (2, I16P), (4, I32P)):
            block = self.function.append_basic_block(f"code_unit{width}")
            switch.add_case(ir.Constant(I64, width), block)
            b.position_at_end(block)
            unit = self.alias.tag(b.load(b.gep(b.inttoptr(data, pointer), [at])), "element")
            loads.append((b.zext(unit, I64), block))
            b.branch(done)
        b.position_at_end(done)
        return self.phi((ir.Constant(I64, 0), here), *loads)   # (no other kind in a compact str)

    def _emit_equal(self, function: ir.Function) -> None:
        b = self.builder
        left_tag, left_bits, right_tag, right_bits = function.args
        left, right = self._str_address(left_tag, left_bits), self._str_address(right_tag, right_bits)
        zero, answer = ir.Constant(I64, 0), lambda value: b.ret(ir.Constant(I32, value))   # noqa: E731
        texts, one_text, not_one = (function.append_basic_block(name) for name in ("texts", "one_text", "no_text"))
        is_left, is_right = b.icmp_unsigned("!=", left, zero), b.icmp_unsigned("!=", right, zero)
        b.cbranch(b.and_(is_left, is_right), texts, one_text)
        b.position_at_end(one_text)   # a string is never equal to another type's value
        b.cbranch(b.or_(is_left, is_right), not_one, *self._returning(function, UNKNOWN))
        b.position_at_end(not_one)
        answer(0)
        b.position_at_end(texts)
        (left_ok, left_kind, left_data, left_length), (right_ok, right_kind, right_data, right_length) = \
            self._text(left), self._text(right)
        compared, plain = (function.append_basic_block(name) for name in ("compared", "plain"))
        with_same = b.icmp_unsigned("==", left, right)
        b.cbranch(b.or_(with_same, b.not_(b.and_(left_ok, right_ok))), compared, plain)
        b.position_at_end(compared)
        answer_same = b.select(with_same, ir.Constant(I32, 1), ir.Constant(I32, UNKNOWN))
        b.ret(answer_same)
        b.position_at_end(plain)
        alike = b.and_(b.icmp_unsigned("==", left_kind, right_kind), b.icmp_unsigned("==", left_length, right_length))
        size = b.select(alike, b.mul(left_length, left_kind), zero)
        differ = b.call(self._memcmp(), [b.inttoptr(left_data, I8P), b.inttoptr(right_data, I8P), size])
        b.ret(b.zext(b.and_(alike, b.icmp_signed("==", differ, ir.Constant(I32, 0))), I32))

    def _returning(self, function: ir.Function, value: int) -> tuple[ir.Block]:
        """A block of ``function`` that returns ``value``."""
        block = function.append_basic_block(f"return_{value}")
        ir.IRBuilder(block).ret(ir.Constant(I32, value))
        return (block,)

    def _emit_order(self, function: ir.Function) -> None:
        b = self.builder
        left_tag, left_bits, right_tag, right_bits = function.args
        left, right = self._str_address(left_tag, left_bits), self._str_address(right_tag, right_bits)
        zero = ir.Constant(I64, 0)
        texts = function.append_basic_block("texts")
        both = b.and_(b.icmp_unsigned("!=", left, zero), b.icmp_unsigned("!=", right, zero))
        b.cbranch(both, texts, *self._returning(function, UNKNOWN))
        b.position_at_end(texts)
        (left_ok, left_kind, left_data, left_length), (right_ok, right_kind, right_data, right_length) = \
            self._text(left), self._text(right)
        readable = function.append_basic_block("readable")
        b.cbranch(b.and_(left_ok, right_ok), readable, *self._returning(function, UNKNOWN))
        b.position_at_end(readable)
        common = b.select(b.icmp_unsigned("<", left_length, right_length), left_length, right_length)
        bytes_, points, prefix_same = (function.append_basic_block(name) for name in ("bytes", "points", "prefix_same"))
        one_byte = b.and_(b.icmp_unsigned("==", left_kind, ir.Constant(I64, 1)),
                          b.icmp_unsigned("==", right_kind, ir.Constant(I64, 1)))
        b.cbranch(one_byte, bytes_, points)
        b.position_at_end(bytes_)   # (unsigned bytes: code point order for Latin-1)
        differ = b.call(self._memcmp(), [b.inttoptr(left_data, I8P), b.inttoptr(right_data, I8P), common])
        differ_at = function.append_basic_block("bytes_differ")
        b.cbranch(b.icmp_signed("==", differ, ir.Constant(I32, 0)), prefix_same, differ_at)
        b.position_at_end(differ_at)
        b.ret(b.select(b.icmp_signed("<", differ, ir.Constant(I32, 0)), ir.Constant(I32, -1), ir.Constant(I32, 1)))
        b.position_at_end(points)
        self._first_difference(function, (left_kind, left_data), (right_kind, right_data), common, prefix_same)
        b.position_at_end(prefix_same)   # the shorter one first
        shorter = b.icmp_unsigned("<", left_length, right_length)
        b.ret(b.select(shorter, ir.Constant(I32, -1), b.zext(b.icmp_unsigned(">", left_length, right_length), I32)))

    def _first_difference(self, function: ir.Function, left: tuple, right: tuple, common: ir.Value,
                          prefix_same: ir.Block) -> None:
        """Compare code points ``0 .. common - 1`` of two texts of any kinds: return -1
        or 1 at the first that differs, else go on at ``prefix_same``."""
        b = self.builder
        entry, loop, step, differ = b.block, *(function.append_basic_block(name)
                                               for name in ("point", "next_point", "points_differ"))
        b.branch(loop)
        b.position_at_end(loop)
        at = b.phi(I64, name="at")
        at.add_incoming(ir.Constant(I64, 0), entry)
        inside = function.append_basic_block("point_inside")
        b.cbranch(b.icmp_unsigned("<", at, common), inside, prefix_same)
        b.position_at_end(inside)
        mine, theirs = (self._code_point(data, kind, at) for kind, data in (left, right))
        b.cbranch(b.icmp_unsigned("==", mine, theirs), step, differ)
        b.position_at_end(step)
        at.add_incoming(b.add(at, ir.Constant(I64, 1)), step)
        b.branch(loop)
        b.position_at_end(differ)
        b.ret(b.select(b.icmp_unsigned("<", mine, theirs), ir.Constant(I32, -1), ir.Constant(I32, 1)))

    def _memcmp(self) -> ir.Function:
        return self.imports.function("rd.memcmp", tl.MEMCMP, ir.FunctionType(I32, [I8P, I8P, I64]))

    def _char_getter(self) -> ir.Function:
        """``rd_helper_str_char(container, index) -> tagged``: ``s[i]`` of a str and an int,
        tag NOT_READ when the slow path must read it."""
        return self.shared_function("str_char", ir.FunctionType(DYN, [DYN, DYN]), self._emit_char)

    def _emit_char(self, function: ir.Function) -> None:
        b = self.builder
        container, index = function.args
        generic = function.append_basic_block("generic")
        text = self._str_address(b.extract_value(container, 0), b.extract_value(container, 1))
        usable = b.and_(b.icmp_unsigned("!=", text, ir.Constant(I64, 0)),
                        b.icmp_unsigned("==", b.extract_value(index, 0), ir.Constant(I64, rt.TAG_INT)))
        a_text, readable, inside = (function.append_basic_block(name) for name in ("a_text", "readable", "inside"))
        b.cbranch(usable, a_text, generic)
        b.position_at_end(a_text)
        compact, kind, data, length = self._text(text)
        b.cbranch(compact, readable, generic)
        b.position_at_end(readable)
        wanted = b.extract_value(index, 1)
        at = b.select(b.icmp_signed("<", wanted, ir.Constant(I64, 0)), b.add(wanted, length), wanted)
        b.cbranch(b.icmp_unsigned("<", at, length), inside, generic)   # (out of range: the interpreter raises)
        b.position_at_end(inside)
        point = self._code_point(data, kind, at)
        latin1, other = (function.append_basic_block(name) for name in ("latin1", "beyond_latin1"))
        b.cbranch(b.icmp_unsigned("<", point, ir.Constant(I64, tl.LATIN1)), latin1, other)
        b.position_at_end(latin1)   # constant handle c is chr(c) (runtime.Handles)
        b.ret(self.make_dyn(ir.Constant(I64, rt.TAG_CONSTANT), point))
        b.position_at_end(other)
        self._emit_new_char(point, generic)
        b.position_at_end(generic)
        b.ret(self.make_dyn(ir.Constant(I64, NOT_READ), ir.Constant(I64, 0)))

    def _emit_new_char(self, point: ir.Value, generic: ir.Block) -> None:
        """Return a new one-character string for ``point`` with a handle, the GIL held
        just around it; a Python error on the way goes to ``generic``."""
        b = self.builder
        gil = self._c_api("PyGILState_Ensure")
        made = self._c_api("PyUnicode_FromOrdinal", b.trunc(point, I32))
        failed, put, given = (self.function.append_basic_block(name) for name in ("char_failed", "char_put", "given"))
        b.cbranch(b.icmp_unsigned("==", made, ir.Constant(I64, 0)), failed, put)
        b.position_at_end(put)
        handle = self.put_handle(made)
        self._c_api("Py_DecRef", made)   # (the handle table holds it now, or it is freed)
        b.cbranch(b.icmp_signed("<", handle, ir.Constant(I64, 0)), failed, given)
        b.position_at_end(given)
        self._c_api("PyGILState_Release", gil)
        b.ret(self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), handle))
        b.position_at_end(failed)
        self._clear_error()
        self._c_api("PyGILState_Release", gil)
        b.branch(generic)
