"""A ``for`` loop over an array, stepped natively: FOR_ITER over the interpreter's
[items, position] (what GET_ITER left for anything but a range) is a generic op,
a trip through the interpreter per iteration. When the items are an ``RArray`` of
ints, floats or bools -- or, at T2, of kind any, or a plain list (the results of
most builtins) -- native code does what the interpreter's FOR_ITER does: compares the
position with the length, loads the element, bumps the position. The loop's end is
counted as the interpreter counts it (a taken branch at the FOR_ITER).

Without the GIL, as an element load does: the loop's reference keeps the items
unchanged (a mutation of the variable copies, copy-on-write). An element of kind
any comes out as an element load of such an array does (``_scalar_of``: a scalar
unboxed, another object through a handle, swept in the loop); T1 leaves those to
the interpreter, since T1 code does not sweep. Anything else -- a string, a dict,
a range, a generator, an int too big for two digits -- takes
the interpreter's FOR_ITER, as before."""

from __future__ import annotations

from llvmlite import ir

from ruffdbg.core.arrays import ANY, BOOL, FLOAT, INT, KIND_NAMES, RArray
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import I8P, I64, I64P
from ruffdbg.jit.types import Kind


class ArrayIteration:
    """(Part of ``Lowering``.) The native step of FOR_ITER over an array."""

    def native_get_iter(self, pc: int) -> None:
        """GET_ITER of a tagged value (T2, a site whose feedback saw only what native
        code steps): an array or a list stays as it is, under a position of 0, as the
        interpreter leaves it; anything else takes the interpreter's GET_ITER."""
        b = self.builder
        value, _ = self.stack[-1]
        saved = list(self.stack)
        slow, done = (self.function.append_basic_block(f"{name}_pc{pc}") for name in ("iter_generic", "iter_made"))
        self._unless(b.icmp_unsigned("!=", b.extract_value(value, 0), ir.Constant(I64, rt.TAG_OBJECT)), slow)
        type_word = self._field(self._object_address(b.extract_value(value, 1)), rt.OB_TYPE)
        walked = b.or_(b.icmp_unsigned("==", type_word, self._address_of("RArray", RArray)),
                       b.icmp_unsigned("==", type_word, self._address_of("list", list)))
        self._unless(b.not_(walked), slow)
        zero = self.make_dyn(ir.Constant(I64, rt.TAG_INT), ir.Constant(I64, 0))
        fast_end = b.block
        b.branch(done)
        b.position_at_end(slow)
        self._unless_done(self._call_op(pc), pc, rt.STATUS_OK)
        items, position = self._results(2)
        slow_end = b.block
        b.branch(done)
        b.position_at_end(done)
        self.stack = saved[:-1] + [(self.phi((value, fast_end), (items, slow_end)), Kind.DYN),
                                   (self.phi((zero, fast_end), (position, slow_end)), Kind.DYN)]

    def native_for_step(self, pc: int, exit_target: int, generic: ir.Block) -> None:
        """Emit the step for the [items, position] on top of the stack; whatever it
        does not handle branches to ``generic`` (nothing done yet)."""
        b = self.builder
        saved = list(self.stack)
        (items, _), (position, _) = saved[-2], saved[-1]
        any_kind = self.typed.tier == 2
        self._unless(b.icmp_unsigned("!=", b.extract_value(position, 0), ir.Constant(I64, rt.TAG_INT)), generic)
        self._unless(b.icmp_unsigned("!=", b.extract_value(items, 0), ir.Constant(I64, rt.TAG_OBJECT)), generic)
        storage, kind = self._iterated_storage(pc, self._object_address(b.extract_value(items, 1)), any_kind, generic)
        count = b.extract_value(position, 1)
        more, end = (self.function.append_basic_block(f"for_{name}_pc{pc}") for name in ("next", "end"))
        b.cbranch(b.icmp_signed("<", count, self._field(storage, rt.VAR_SIZE)), more, end)
        b.position_at_end(end)
        self.bump(self.layout.taken(pc))   # the loop ended: a taken branch, as the interpreter counts it
        self.stack = saved[:-2]
        self._jump(exit_target)
        b.position_at_end(more)
        data = self._field(storage, rt.ITEMS_DATA)
        kinds = {INT: rt.TAG_INT, FLOAT: rt.TAG_FLOAT, BOOL: rt.TAG_BOOL, **({ANY: None} if any_kind else {})}
        done = self.function.append_basic_block(f"for_element_pc{pc}")
        incoming = []
        chain = b.block
        for number, (each, tag) in enumerate(kinds.items()):   # (compares: the kinds' objects are link-time symbols)
            block = self.function.append_basic_block(f"for_{KIND_NAMES[each]}_pc{pc}")
            other = generic if number == len(kinds) - 1 else self.function.append_basic_block(f"for_kinds_pc{pc}")
            b.position_at_end(chain)
            b.cbranch(b.icmp_unsigned("==", kind, self._address_of(f"kind_{KIND_NAMES[each]}", each)), block, other)
            chain = other
            b.position_at_end(block)   # (each kind loads its own width: a bool is a byte)
            pointer = b.gep(b.inttoptr(data, I8P if each == BOOL else I64P), [count])
            item = self.alias.tag(b.load(pointer), "element")
            if each == BOOL:
                item = b.zext(item, I64)
            if tag is not None:   # (an int's or a float's bits, a bool's 0/1, unboxed in the array)
                incoming.append((self.make_dyn(ir.Constant(I64, tag), item), b.block))
            else:
                self.slow_path = generic   # (_scalar_of's failures: a big int, a failing handle)
                try:
                    incoming.append((self._scalar_of(pc, item, objects=True), b.block))
                finally:
                    self.slow_path = None
            b.branch(done)
        b.position_at_end(done)
        element = self.phi(*incoming)
        following = self.make_dyn(ir.Constant(I64, rt.TAG_INT), b.add(count, ir.Constant(I64, 1)))
        self.stack = saved[:-1] + [(following, Kind.DYN), (element, Kind.DYN)]
        if any_kind and any(header <= pc <= end_pc for header, end_pc in self.ownership.loop_ends.items()):
            self._sweep_if_due(pc, poll_at=pc + 1)   # (the elements it made handles for die young)
        self._jump(pc + 1)
        self.stack = saved

    def _iterated_storage(self, pc: int, obj: ir.Value, any_kind: bool, generic: ir.Block) -> tuple:
        """The storage (list or ``array``) and the kind's small-int object of the items
        at ``obj``: an ``RArray``'s, or (``any_kind``) a plain list itself, of kind any."""
        b = self.builder
        type_word = self._field(obj, rt.OB_TYPE)
        if not any_kind:
            self._unless(b.icmp_unsigned("!=", type_word, self._address_of("RArray", RArray)), generic)
            return self._field(obj, rt.RARRAY_ITEMS), self._field(obj, rt.RARRAY_KIND)
        array, joined, a_list = (self.function.append_basic_block(f"for_{name}_pc{pc}")
                                 for name in ("array", "items", "list"))
        b.cbranch(b.icmp_unsigned("==", type_word, self._address_of("RArray", RArray)), array, a_list)
        b.position_at_end(a_list)
        self._unless(b.icmp_unsigned("!=", type_word, self._address_of("list", list)), generic)
        from_list = b.block
        b.branch(joined)
        b.position_at_end(array)
        storage, kind = self._field(obj, rt.RARRAY_ITEMS), self._field(obj, rt.RARRAY_KIND)
        b.branch(joined)
        b.position_at_end(joined)
        return (self.phi((storage, array), (obj, from_list)),
                self.phi((kind, array), (self._address_of("kind_any", ANY), from_list)))

    def _unless(self, condition: ir.Value, other: ir.Block) -> None:
        """Go on when ``condition`` is false, else branch to ``other``."""
        b = self.builder
        go_on = self.function.append_basic_block("for_checked")
        b.cbranch(condition, other, go_on).set_weights([1, 1000])
        b.position_at_end(go_on)
