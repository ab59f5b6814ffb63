"""Inlined struct methods (``jit/inlining.py`` decides which, and says why the
rest are called): the method's body lowered in place of the call, at the call
site's pc.

The receiver's ``shape`` guard is the one a native call makes (a deopt: failing
ones despecialize). After it, the call site's slow path is open: every other
check of the body -- another argument's shape, a field's type, an overflow, a
struct name declared again, the stack limit -- branches there, and the
interpreter runs the call instruction itself on the operands still on the
stack (re-executed from the site: the body has no effects, see inlining.py).
What the body's field loads, arithmetic and literals emit is what those
instructions emit in a unit of their own (``structs``, ``ops``)."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, Op
from ruffdbg.core.objects import StructType, StructValue
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.inference import value_type
from ruffdbg.jit.inlining import FieldLoad, InlinePlan
from ruffdbg.jit.lowering.common import F64, I64, I64P, TAGS
from ruffdbg.jit.sinking import VirtualStruct
from ruffdbg.jit.types import Kind
from ruffdbg.profile.ics import site_text


class InlinedMethods:
    """(Part of ``Lowering``.) The method calls ``typed.inlined`` names."""

    def inline_method(self, pc: int, argc: int) -> None:
        plan: InlinePlan = self.typed.inlined[pc]
        b = self.builder
        args = self.stack[len(self.stack) - argc:]
        # (a receiver kept as its fields is of the plan's shape: jit/sinking.py checked it)
        objects = {} if isinstance(args[0][1], VirtualStruct) else \
            {0: self.shape_checked(pc, plan.shape, args[0][0], site_text(self.code, pc))}
        virtual = self.stored_virtual(pc) if plan.returned is not None else None
        stack = self.slow_path_begin(pc)
        # (a call the interpreter would refuse with its Stack overflow: it runs the call)
        self._to_slow_path_if(b.icmp_signed(">=", self.depth, ir.Constant(I64, self.runtime.max_depth)), pc)
        caller_stack, self.stack = self.stack, []
        try:
            value, kind = self._inlined_body(pc, plan, args, objects, virtual)
        finally:
            self.stack = caller_stack
        self._join_inlined(pc, virtual or plan.result, stack, argc, value, kind)
        if plan.literals and virtual is None and self.in_loop(pc):
            self._sweep_if_due(pc, poll_at=pc + 1)   # (as after a literal: the structs it built die young)

    def _inlined_body(self, pc: int, plan: InlinePlan, args: list, objects: dict,
                      virtual: VirtualStruct | None) -> tuple[ir.Value, Any]:
        """Lower the body's instructions on a stack of its own; its result (value, kind).
        With ``virtual``, the struct it returns is kept as its fields (not built)."""
        code = plan.method.code
        for at in range(plan.end):
            op, arg = code.instrs[at]
            if op == Op.LOAD_LOCAL:
                self.push(*args[arg])
            elif op == Op.LOAD_CONST:
                kind = value_type(code.consts[arg])
                self.push(self.const(kind, code.consts[arg]), kind)
            elif op == Op.GET_FIELD:
                self.pop()
                self.push(self._inlined_field(pc, plan.fields[at], args, objects), plan.fields[at].kind)
            elif op in ARITHMETIC_OPS:
                self._arithmetic(pc, op)   # (its overflow and tag checks go to the open slow path)
            elif op == Op.NEG:
                self._inlined_negation(pc)
            else:   # NEW_STRUCT (inlining.plan_for allows nothing else)
                shape, given = plan.literals[at]
                values = self.stack[len(self.stack) - len(given):] if given else []
                self._to_slow_path_if(self.redeclared(shape), pc)
                if virtual is not None and at == plan.end - 1:
                    del self.stack[len(self.stack) - len(given):]
                    by_slot = dict(zip(given, values))
                    return tuple(self._value_as(pc, *by_slot[slot], kind)
                                 for slot, kind in enumerate(virtual.kinds)), virtual
                handle = self.built_struct(pc, shape, given, values)
                del self.stack[len(self.stack) - len(given):]
                self.push(self.make_dyn(ir.Constant(I64, rt.TAG_OBJECT), handle), Kind.DYN)
        if not self.stack:   # (an empty body: ``return`` alone)
            return ir.Constant(I64, 0), Kind.NULL
        return self.pop()

    def _inlined_field(self, pc: int, load: FieldLoad, args: list, objects: dict) -> ir.Value:
        """A field of a parameter: its struct checked once per body (another shape, or
        not a struct, takes the slow path), then the slot's object as ``load.kind``."""
        b = self.builder
        value, kind = args[load.param]
        if isinstance(kind, VirtualStruct):   # (its fields are at hand)
            return self._value_as(pc, value[load.slot], kind.kinds[load.slot], load.kind)
        if load.param not in objects:
            objects[load.param] = self.struct_or_slow_path(pc, load.shape, args[load.param][0])
        slots = self._field(objects[load.param], rt.STRUCT_SLOTS)
        item = b.load(b.gep(b.inttoptr(self._field(slots, rt.ITEMS_DATA), I64P), [ir.Constant(I64, load.slot)]))
        if load.kind == Kind.DYN:
            return self._scalar_of(pc, item)
        python_type = int if load.kind == Kind.INT else float
        self._to_slow_path_if(b.icmp_unsigned("!=", self._field(item, rt.OB_TYPE),
                                              self._address_of(python_type.__name__, python_type)), pc)
        if load.kind == Kind.INT:
            return self._small_int(pc, item)
        return b.bitcast(self._field(item, rt.FLOAT_VALUE), F64)

    def struct_or_slow_path(self, pc: int, shape: StructType, value: ir.Value) -> ir.Value:
        """The address of the struct the tagged ``value`` holds, of exactly ``shape``
        (anything else branches to the open slow path)."""
        b = self.builder
        self._to_slow_path_if(b.icmp_unsigned("!=", b.extract_value(value, 0), ir.Constant(I64, rt.TAG_OBJECT)), pc)
        obj = self._object_address(b.extract_value(value, 1))
        self._to_slow_path_if(b.icmp_unsigned("!=", self._field(obj, rt.OB_TYPE),
                                              self._address_of("StructValue", StructValue)), pc)
        self._to_slow_path_if(b.icmp_unsigned("!=", self._field(obj, rt.STRUCT_TYPE),
                                              self._address_of(f"shape.{shape.name}.{shape.shape}", shape)), pc)
        return obj

    def _inlined_negation(self, pc: int) -> None:
        value, kind = self.stack[-1]
        if kind == Kind.FLOAT:
            self.pop()
            self.push(self.builder.fneg(value), Kind.FLOAT)
        elif kind == Kind.INT:   # (0 - x overflows exactly where -x does: -(-2**63))
            self.pop()
            self.push(self._int_arithmetic(pc, Op.SUB, ir.Constant(I64, 0), value), Kind.INT)
        else:
            self._dyn_arithmetic(pc, Op.SUB, (ir.Constant(I64, 0), Kind.INT), (self.to_dyn(value, kind), Kind.DYN),
                                 negate=True)

    def _join_inlined(self, pc: int, result: Any, stack: list, argc: int, value: Any, kind: Any) -> None:
        """The body's result joins the slow path's (the interpreter's run of the call,
        tagged): a typed result is checked there (a ``call-result`` guard after the
        site, as after a call: the interpreter's run may return another type), a
        struct kept as its fields unpacked (a ``virtual-struct`` guard)."""
        b = self.builder
        slow, self.slow_path = self.slow_path, None
        fast_value = value if isinstance(result, VirtualStruct) else \
            self.to_dyn(value, kind) if result == Kind.DYN else self._as_kind(value, kind, result)
        fast_end = b.block
        done = self.function.append_basic_block(f"inlined_done_pc{pc}")
        b.branch(done)
        b.position_at_end(slow)
        self._unless_done(self._call_op(pc, rt.OP_AS_IS, stack), pc, rt.STATUS_OK)
        (slow_value,) = self._results(1)
        self.stack = stack[:len(stack) - argc]
        with_result = self.stack + [(slow_value, Kind.DYN)]
        if isinstance(result, VirtualStruct):
            guard = self.new_guard("virtual-struct", pc + 1, f"the call returns a {result.shape.shape_name} of "
                                   f"{', '.join(result.kinds)} fields")
            slow_value = self.checked_virtual(pc + 1, slow_value, result, guard, with_result)
        elif result != Kind.DYN:
            guard = self.new_guard("call-result", pc + 1, f"call result is {result}")
            self.deopt_if(b.icmp_signed("!=", b.extract_value(slow_value, 0), ir.Constant(I64, TAGS[result])), guard,
                          stack=with_result)
            slow_value = self.from_bits(b.extract_value(slow_value, 1), result)
        slow_end = b.block
        b.branch(done)
        b.position_at_end(done)
        if isinstance(result, VirtualStruct):
            self.push(tuple(self.phi((fast, fast_end), (other, slow_end))
                            for fast, other in zip(fast_value, slow_value)), result)
            return
        self.push(self.phi((fast_value, fast_end), (slow_value, slow_end)), result)

    def _value_as(self, pc: int, value: ir.Value, kind: str, wanted: str) -> ir.Value:
        """A body's value as ``wanted`` (a kind the plan expects): tagged, or checked
        to be of that kind (else the slow path)."""
        if kind == wanted:
            return value
        tagged = self.to_dyn(value, kind)
        if wanted == Kind.DYN:
            return tagged
        b = self.builder
        self._to_slow_path_if(b.icmp_unsigned("!=", b.extract_value(tagged, 0), ir.Constant(I64, TAGS[wanted])), pc)
        return self.from_bits(b.extract_value(tagged, 1), wanted)

    def _as_kind(self, value: ir.Value, kind: str, result: str) -> ir.Value:
        """The body's value as the plan's result kind (an int made a float where the
        plan's arithmetic mixed them is the only conversion it needs)."""
        if kind == result:
            return value
        assert kind == Kind.INT and result == Kind.FLOAT, (kind, result)
        return self.builder.sitofp(value, F64)
