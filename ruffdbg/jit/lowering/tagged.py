"""T1's tagged values: a ``dyn`` is (tag, bits); arithmetic and comparisons
dispatch on the tags inline, and anything native code cannot do bails out to
the interpreter. Also the conversions between static values and raw bits."""

from __future__ import annotations


from llvmlite import ir

from ruffdbg.compiler.opcodes import OPCODES, ORDERING_OPS, Op
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import DYN, F64, I1, I64, REACH_COUNTED, TAGS
from ruffdbg.jit.types import Kind


class TaggedValues:
    """(Part of ``Lowering``.) Tags, bits, and the tag-dispatching paths."""

    def make_dyn(self, tag: ir.Value, bits: ir.Value) -> ir.Value:
        b = self.builder
        return b.insert_value(b.insert_value(ir.Constant(DYN, None), tag, 0), bits, 1)

    def to_dyn(self, value: ir.Value, kind: str) -> ir.Value:
        if kind == Kind.DYN:
            return value
        return self.make_dyn(ir.Constant(I64, TAGS[kind]), self.to_bits(value, kind))

    def tag_of(self, value: ir.Value, kind: str) -> ir.Value:
        return self.builder.extract_value(value, 0) if kind == Kind.DYN else ir.Constant(I64, TAGS[kind])

    def bits_of(self, value: ir.Value, kind: str) -> ir.Value:
        return self.builder.extract_value(value, 1) if kind == Kind.DYN else self.to_bits(value, kind)

    def tag_is(self, tag: ir.Value, *tags: int) -> ir.Value:
        b = self.builder
        result = b.icmp_signed("==", tag, ir.Constant(I64, tags[0]))
        for other in tags[1:]:
            result = b.or_(result, b.icmp_signed("==", tag, ir.Constant(I64, other)))
        return result

    def as_double(self, value: ir.Value, kind: str) -> ir.Value:
        """A number as a double: int bits are converted, float bits reinterpreted."""
        b = self.builder
        if kind == Kind.INT:
            return b.sitofp(value, F64)
        if kind == Kind.FLOAT:
            return value
        if kind != Kind.DYN:   # bool or null: not a number (the callers select on the tags)
            return b.bitcast(self.to_bits(value, kind), F64)
        tag, bits = self.tag_of(value, kind), self.bits_of(value, kind)
        return b.select(self.tag_is(tag, rt.TAG_INT), b.sitofp(bits, F64), b.bitcast(bits, F64))

    def to_bits(self, value: ir.Value, kind: str) -> ir.Value:
        if kind == Kind.FLOAT:
            return self.builder.bitcast(value, I64)
        if kind == Kind.BOOL:
            return self.builder.zext(value, I64)
        return value

    def from_bits(self, bits: ir.Value, kind: str) -> ir.Value:
        if kind == Kind.FLOAT:
            return self.builder.bitcast(bits, F64)
        if kind == Kind.BOOL:
            return self.builder.trunc(bits, I1)
        return bits

    def _dyn_arithmetic(self, pc: int, op: int, left_entry: tuple, right_entry: tuple, negate: bool = False) -> None:
        """``left op right`` on tagged values: int/int checked, any float makes float,
        anything else bails out to the interpreter (which raises or handles it)."""
        b = self.builder
        (left, left_kind), (right, right_kind) = left_entry, right_entry
        left_tag, right_tag = self.tag_of(left, left_kind), self.tag_of(right, right_kind)
        numbers = b.and_(self.tag_is(left_tag, rt.TAG_INT, rt.TAG_FLOAT), self.tag_is(right_tag, rt.TAG_INT, rt.TAG_FLOAT))
        done = self.function.append_basic_block(f"arith_done_pc{pc}")
        incoming = []
        if op == Op.ADD and not negate and self.slow_path is not None and pc in self.typed.strings:
            # two strs are joined natively (lowering/strings.py); anything else takes the slow path
            are_numbers, texts = (self.function.append_basic_block(f"{name}_pc{pc}") for name in ("numbers", "texts"))
            b.cbranch(numbers, are_numbers, texts)
            b.position_at_end(texts)
            incoming.append((self.concatenated(pc, left_entry, right_entry), b.block))
            b.branch(done)
            b.position_at_end(are_numbers)
        else:
            self.deopt_if(b.not_(numbers), self.new_guard("tag", pc, "an operand is not a number"))
        both_int = b.and_(self.tag_is(left_tag, rt.TAG_INT), self.tag_is(right_tag, rt.TAG_INT))
        int_block = self.function.append_basic_block(f"int_pc{pc}")
        float_block = self.function.append_basic_block(f"float_pc{pc}")
        b.cbranch(both_int, int_block, float_block)
        b.position_at_end(int_block)
        with self.guards_reached(REACH_COUNTED):   # (each path's checks run on part of the runs only)
            int_result = self._int_arithmetic(pc, op, self.bits_of(left, left_kind), self.bits_of(right, right_kind))
        int_value = self.make_dyn(ir.Constant(I64, rt.TAG_INT), int_result)
        int_end = b.block
        b.branch(done)
        b.position_at_end(float_block)
        x, y = self.as_double(left, left_kind), self.as_double(right, right_kind)
        if negate:
            float_result = b.fneg(y)
        else:
            if op in (Op.DIV, Op.MOD):
                zero = self.new_guard("division", pc, "divisor is 0.0", REACH_COUNTED)
                self.deopt_if(b.fcmp_ordered("==", y, ir.Constant(F64, 0.0)), zero)
            float_result = {Op.ADD: b.fadd, Op.SUB: b.fsub, Op.MUL: b.fmul, Op.DIV: b.fdiv, Op.MOD: b.frem}[op](x, y)
        float_value = self.make_dyn(ir.Constant(I64, rt.TAG_FLOAT), b.bitcast(float_result, I64))
        float_end = b.block
        b.branch(done)
        b.position_at_end(done)
        result = self.phi((int_value, int_end), (float_value, float_end), *incoming)
        del self.stack[-1 if negate else -2:]
        self.push(result, Kind.DYN)

    def _dyn_compare(self, pc: int, op: int, left_entry: tuple, right_entry: tuple) -> ir.Value:
        b = self.builder
        (left, left_kind), (right, right_kind) = left_entry, right_entry
        left_pair = (self.tag_of(left, left_kind), self.bits_of(left, left_kind))
        right_pair = (self.tag_of(right, right_kind), self.bits_of(right, right_kind))
        (left_tag, left_bits), (right_tag, right_bits) = left_pair, right_pair
        numbers = b.and_(self.tag_is(left_tag, rt.TAG_INT, rt.TAG_FLOAT), self.tag_is(right_tag, rt.TAG_INT, rt.TAG_FLOAT))
        if op in ORDERING_OPS and self.slow_path is not None and pc in self.typed.strings:
            # two strings are ordered natively (lowering/texts.py); anything else but numbers takes the slow path
            as_numbers = self._branch_unless(numbers, pc, "order_numbers")
            ordered = self.strings_ordered(pc, OPCODES[op].symbol, left_pair, right_pair)
            return self._join_branch(as_numbers, ordered, lambda: self._ordered_numbers(pc, op, left_entry, right_entry))
        if op in ORDERING_OPS:
            return self._ordered_numbers(pc, op, left_entry, right_entry)
        same = b.icmp_signed("==", left_tag, right_tag)
        both_int = b.and_(self.tag_is(left_tag, rt.TAG_INT), self.tag_is(right_tag, rt.TAG_INT))
        as_doubles = self._float_compare(op, self.as_double(left, left_kind), self.as_double(right, right_kind))
        # int == float compares as floats (what the interpreter does); other different tags are unequal.
        # (as_doubles already answers ``op``, == or !=)
        exact = b.and_(same, b.icmp_signed("==", left_bits, right_bits))
        scalars = b.select(b.and_(numbers, b.not_(both_int)), as_doubles, exact if op == Op.EQUAL else b.not_(exact))
        # An object or a constant on either side: compared natively when one is a
        # string (lowering/texts.py); functions and other objects by the interpreter.
        objects = b.or_(self.tag_is(left_tag, rt.TAG_OBJECT, rt.TAG_FUNCTION, rt.TAG_CONSTANT),
                        self.tag_is(right_tag, rt.TAG_OBJECT, rt.TAG_FUNCTION, rt.TAG_CONSTANT))
        as_scalars = self._branch_unless(b.not_(objects), pc, "compare_scalars")
        equal = self.strings_equal(pc, left_pair, right_pair)
        return self._join_branch(as_scalars, equal if op == Op.EQUAL else b.not_(equal), lambda: scalars)

    def _branch_unless(self, condition: ir.Value, pc: int, name: str) -> ir.Block:
        """Go on in a new block when ``condition`` is false; the block it holds in is
        returned (for ``_join_branch``)."""
        b = self.builder
        otherwise, here = self.function.append_basic_block(f"{name}_pc{pc}"), self.function.append_basic_block(
            f"not_{name}_pc{pc}")
        b.cbranch(condition, otherwise, here)
        b.position_at_end(here)
        return otherwise

    def _join_branch(self, otherwise: ir.Block, value: ir.Value, emit_otherwise) -> ir.Value:
        """Join ``value`` (computed since ``_branch_unless``) with what ``emit_otherwise()``
        computes in the block it returned."""
        b = self.builder
        done = self.function.append_basic_block("compare_joined")
        end = b.block
        b.branch(done)
        b.position_at_end(otherwise)
        other = emit_otherwise()
        other_end = b.block
        b.branch(done)
        b.position_at_end(done)
        return self.phi((value, end), (other, other_end))

    def _ordered_numbers(self, pc: int, op: int, left_entry: tuple, right_entry: tuple) -> ir.Value:
        """``<`` ... of two tagged numbers (anything else: the tag guard's slow path or deopt)."""
        b = self.builder
        (left, left_kind), (right, right_kind) = left_entry, right_entry
        left_tag, right_tag = self.tag_of(left, left_kind), self.tag_of(right, right_kind)
        left_bits, right_bits = self.bits_of(left, left_kind), self.bits_of(right, right_kind)
        numbers = b.and_(self.tag_is(left_tag, rt.TAG_INT, rt.TAG_FLOAT), self.tag_is(right_tag, rt.TAG_INT, rt.TAG_FLOAT))
        both_int = b.and_(self.tag_is(left_tag, rt.TAG_INT), self.tag_is(right_tag, rt.TAG_INT))
        as_doubles = self._float_compare(op, self.as_double(left, left_kind), self.as_double(right, right_kind))
        self.deopt_if(b.not_(numbers), self.new_guard("tag", pc, "ordering needs two numbers"))
        mixed = b.and_(b.not_(b.icmp_signed("==", left_tag, right_tag)), numbers)
        inexact = b.or_(b.and_(self.tag_is(left_tag, rt.TAG_INT), self._beyond_2_53(left_bits)),
                        b.and_(self.tag_is(right_tag, rt.TAG_INT), self._beyond_2_53(right_bits)))
        self.deopt_if(b.and_(mixed, inexact), self.new_guard("tag", pc, "an int too big to compare exactly with a float"))
        return b.select(both_int, b.icmp_signed(OPCODES[op].symbol, left_bits, right_bits), as_doubles)

    def _beyond_2_53(self, bits: ir.Value) -> ir.Value:
        """An int a double cannot hold exactly, so an int/float ordering could differ."""
        b = self.builder
        limit = ir.Constant(I64, 2**53)
        return b.or_(b.icmp_signed(">", bits, limit), b.icmp_signed("<", bits, b.neg(limit)))
