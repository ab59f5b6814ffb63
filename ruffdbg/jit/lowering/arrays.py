"""T2's native element loads and stores: ``xs[i]`` and ``xs[i] := v`` on an
array of one element kind (``jit/elements.py`` decides which sites), straight
from and into its storage.

A tagged array is an object handle; the object table (``runtime.CTX_OBJECTS``)
gives its Python object's address. Native code checks that it is an ``RArray``
of the kind the site saw (the ``elements-kind`` guard: its type word, then its
kind slot, which holds one of the small-int objects 1..3), finds the storage
(an ``array('q')``/``array('d')``/``array('B')``: one layout, elements of 8, 8
and 1 bytes), counts a negative index from the end as Ruff does, checks the
bounds (the ``bounds`` guard: out of range, the interpreter raises the error)
and loads the element: an i64, a double, or a byte (0 or 1) as an i1.

A store needs the array to be this frame's own (copy-on-write): the
``MUT_LOCAL xs`` before it checks natively that the local holds an object whose
only reference is one handle (CPython's reference count is 1: no interpreter
frame, global or container holds it), made while this frame ran (at or above
its handle mark: no frame below holds the handle), and that no other value of
the frame holds the same handle (``ys := xs`` copies handles natively). Anything
else takes the interpreter's MUT_LOCAL, which copies the array when it is shared
and hands back a handle that passes the check from then on. The store then
writes an i64, a double's bits, or a bool's byte."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.core.arrays import ANY, BOOL, FLOAT, INT, KIND_NAMES, RArray
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.elements import ELEMENT_TYPES, PUSHED_KINDS
from ruffdbg.profile.ics import site_text
from ruffdbg.jit.lowering.common import F64, I1, I32, I64, I64P, I8, I8P
from ruffdbg.jit.lowering.frame import EXIT_WEIGHTS
from ruffdbg.jit.types import Kind

# element kind -> the pointer type of its storage's elements (the rest: 8-byte words)
ELEMENT_POINTERS = {BOOL: I8P}


class ArrayElements:
    """(Part of ``Lowering``.) INDEX and STORE_INDEX at the sites ``typed.element_loads``
    and ``element_stores`` name; the MUT_LOCAL that makes an array this frame's own."""

    def op_INDEX(self, pc: int, op: int, arg: Any) -> None:
        kind = self.typed.element_loads[pc]
        b = self.builder
        (container, _), (index, _) = self.stack[-2], self.stack[-1]
        if kind == ANY:
            self._load_any(pc, container, index)
            return
        element = self.alias.tag(b.load(self._element_slot(pc, kind, container, index)), "element")
        if kind == FLOAT:
            element = b.bitcast(element, F64)
        elif kind == BOOL:
            element = b.trunc(element, I1)   # (the byte is 0 or 1)
        del self.stack[-2:]
        self.push(element, ELEMENT_TYPES[kind])

    def _load_any(self, pc: int, container: ir.Value, index: ir.Value) -> None:
        """``xs[i]`` of an array of kind any (its storage a list of objects): behind the
        same two guards, the element's object pointer, as a tagged value -- an int
        (of at most two digits), a float, a bool or null unboxed without the GIL,
        any other object through a handle (the GIL held just around ``Handles.put``).
        A bigger int, or a failing ``put``, takes the slow path (the interpreter's
        INDEX). In a loop a sweep check follows, as after a dict read."""
        b = self.builder
        item = self.alias.tag(b.load(self._element_slot(pc, ANY, container, index)), "element")
        stack = self.slow_path_begin(pc)
        value = self._scalar_of(pc, item, objects=True)
        del self.stack[-2:]
        self.push(value, Kind.DYN)
        if any(header <= pc <= end for header, end in self.ownership.loop_ends.items()):
            self._sweep_if_due(pc, poll_at=pc + 1)   # (the elements it made handles for die young)
        self.slow_path_end(pc, stack, 2, Kind.DYN)

    def _element_slot(self, pc: int, kind: int, container: ir.Value, index: ir.Value) -> ir.Value:
        """The address of ``container[index]``, behind the elements-kind and bounds guards."""
        b = self.builder
        site = site_text(self.code, pc)
        guard = self.new_guard("elements-kind", pc, f"{site}: array<{KIND_NAMES[kind]}>")
        guard.element_kind = kind
        stable = self._stable_loop(pc, container)
        if stable is not None:
            return self._stable_element_slot(pc, kind, *stable, index, guard)
        data, length = self._checked_storage(container, kind, self.shared_exit(guard))
        at = b.select(b.icmp_signed("<", index, ir.Constant(I64, 0)), b.add(index, length), index)
        bounds = self.new_guard("bounds", pc, f"{site}: index within the length")
        self.deopt_if(b.icmp_unsigned(">=", at, length), bounds)
        return b.gep(b.inttoptr(data, ELEMENT_POINTERS.get(kind, I64P)), [at])

    def _stable_element_slot(self, pc: int, kind: int, header: int, local: int, index: ir.Value,
                             kind_guard) -> ir.Value:
        """The address of ``local[index]`` from what loop ``header`` found on entry.
        Not an array of ``kind`` there: its length counts as 0, so every access
        leaves by the bounds check, whose cold path then names the kind guard. The
        select and the kind test are loop-invariant: LLVM hoists them, leaving one
        bounds check per access (one compare for an index that is not negative)."""
        b = self.builder
        kind_var, data_var, length_var = self._stable_vars(header, local)
        this_kind = b.icmp_unsigned("==", b.load(kind_var), self._kind_word(kind))
        length = b.select(this_kind, b.load(length_var), ir.Constant(I64, 0))
        bounds = self.new_guard("bounds", pc, f"{site_text(self.code, pc)}: index within the length")
        outside = self.function.append_basic_block(f"outside_pc{pc}")
        at = self._position(pc, index, length, outside)
        inside = b.block
        b.position_at_end(outside)
        b.cbranch(this_kind, self.shared_exit(bounds), self.shared_exit(kind_guard))
        b.position_at_end(inside)
        return b.gep(b.inttoptr(b.load(data_var), ELEMENT_POINTERS.get(kind, I64P)), [at])

    def _position(self, pc: int, index: ir.Value, length: ir.Value, outside: ir.Block) -> ir.Value:
        """``index`` as a position below ``length`` (a negative one counts from the
        end, as in Ruff), or a jump to ``outside``. The usual index, not negative
        and in bounds, takes one unsigned compare; a negative one is counted from
        the end off the hot path (a select on every access cost the sieve's
        marking loop four of its 17 instructions per store)."""
        b = self.builder
        negative, inside = (self.function.append_basic_block(f"{name}_pc{pc}") for name in ("from_end", "inside"))
        direct = b.block
        b.cbranch(b.icmp_unsigned("<", index, length), inside, negative).set_weights(EXIT_WEIGHTS[::-1])
        b.position_at_end(negative)
        from_end = b.add(index, length)
        within = b.and_(b.icmp_signed("<", index, ir.Constant(I64, 0)), b.icmp_unsigned("<", from_end, length))
        b.cbranch(within, inside, outside)
        b.position_at_end(inside)
        return self.phi((index, direct), (from_end, negative))

    def _checked_storage(self, container: ir.Value, kind: int, not_this_kind: ir.Block) -> tuple[ir.Value, ir.Value]:
        """The storage address and length of the tagged ``container``, or a jump to
        ``not_this_kind`` unless it is an array of ``kind`` (three checks, in order:
        each load needs the one before)."""
        b = self.builder
        self.exit_if(b.icmp_unsigned("!=", b.extract_value(container, 0), ir.Constant(I64, rt.TAG_OBJECT)), not_this_kind)
        array = self._object_address(b.extract_value(container, 1))
        self.exit_if(b.icmp_unsigned("!=", self._field(array, rt.OB_TYPE), self._address_of("RArray", RArray)),
                     not_this_kind)
        self.exit_if(b.icmp_unsigned("!=", self._field(array, rt.RARRAY_KIND),
                                     self._kind_word(kind)), not_this_kind)
        storage = self._field(array, rt.RARRAY_ITEMS)
        return self._field(storage, rt.ITEMS_DATA), self._field(storage, rt.VAR_SIZE)

    # ---------------------------------------------------- arrays a loop keeps stable

    def enter_loops(self, target: int) -> None:
        """On an edge into ``target`` from outside its loop (or the entry into an OSR
        nest, inside every loop around it): find the kind, storage and length of
        each array those loops keep stable (``ownership.stable_arrays``), once, for
        their element sites. Not an array: kind 0, and the sites check as usual."""
        if self._pc < 0:
            headers = [h for h, end in self.ownership.loop_ends.items() if h <= target <= end]
        else:
            headers = [target] if self._pc < target and target in self.ownership.loop_ends else []
        for header in headers:
            for local in sorted(self.ownership.stable.get(header, ())):
                self._find_array(header, local)

    def _find_array(self, header: int, local: int) -> None:
        b = self.builder
        value = b.load(self.slot(local, Kind.DYN))
        kind_var, data_var, length_var = self._stable_vars(header, local)
        typed, found, done = (self.function.append_basic_block(f"{name}_{local}_loop{header}")
                              for name in ("stable_object", "stable_array", "stable_found"))
        b.store(ir.Constant(I64, 0), kind_var)
        b.cbranch(b.icmp_unsigned("==", b.extract_value(value, 0), ir.Constant(I64, rt.TAG_OBJECT)), typed, done)
        b.position_at_end(typed)
        array = self._object_address(b.extract_value(value, 1))
        b.cbranch(b.icmp_unsigned("==", self._field(array, rt.OB_TYPE), self._address_of("RArray", RArray)), found, done)
        b.position_at_end(found)
        storage = self._field(array, rt.RARRAY_ITEMS)
        b.store(self._field(array, rt.RARRAY_KIND), kind_var)
        b.store(self._field(storage, rt.ITEMS_DATA), data_var)
        b.store(self._field(storage, rt.VAR_SIZE), length_var)
        b.branch(done)
        b.position_at_end(done)

    def _stable_loop(self, pc: int, value: ir.Value) -> tuple[int, int] | None:
        """(loop header, local) when ``value`` was read from a local whose array a loop
        around ``pc`` keeps stable (the outermost such loop), else None."""
        local, _ = self.loaded_from.get(id(value), (None, None))
        header = self.ownership.stable_around(pc, local) if local is not None else None
        return None if header is None else (header, local)

    def _stable_vars(self, header: int, local: int) -> tuple[ir.AllocaInstr, ...]:
        """The variables holding what loop ``header`` found for ``local``: the kind
        word, the storage address, the length (all 0 until found)."""
        key = (header, local)
        if key not in self.stable_vars:
            with self.builder.goto_entry_block():
                self.builder.position_at_start(self.function.entry_basic_block)
                names = (f"{self.slot_name(local)}_{part}_loop{header}" for part in ("kind", "data", "length"))
                found = self.stable_vars[key] = tuple(self.builder.alloca(I64, name=name) for name in names)
                for var in found:
                    self.builder.store(ir.Constant(I64, 0), var)
        return self.stable_vars[key]

    def op_MUT_LOCAL(self, pc: int, op: int, arg: int) -> None:
        b = self.builder
        value = b.load(self.slot(arg, Kind.DYN))
        if pc in self.ownership.owned_at:   # already the frame's own (jit/ownership.py): nothing to check
            self.loaded_from[id(value)] = arg, value   # (its store may know the array: _element_slot)
            self.push(value, Kind.DYN)
            return
        fast, slow, done = (self.function.append_basic_block(f"{name}_pc{pc}") for name in ("owned", "shared", "mutable"))
        self._branch_if_owned(value, arg, fast, slow)
        b.position_at_end(fast)
        b.branch(done)
        b.position_at_end(slow)
        status = self._call_op(pc)   # the interpreter's MUT_LOCAL: copies a shared container into the local
        self._unless_done(status, pc, rt.STATUS_OK)
        (copied,) = self._results(1)
        self._reload_local(arg)
        slow_end = b.block
        b.branch(done)
        b.position_at_end(done)
        self.push(self.phi((value, fast), (copied, slow_end)), Kind.DYN)

    def make_owned(self, local: int, mut_pc: int, header: int) -> None:
        """Before a loop: make the array in ``local`` the frame's own, as the loop's
        ``MUT_LOCAL`` at ``mut_pc`` would (the interpreter's op copies it if it is
        shared), so that inside the loop no store checks it (jit/ownership.py)."""
        b = self.builder
        value = b.load(self.slot(local, Kind.DYN))
        shared, done = (self.function.append_basic_block(f"{name}_{local}_pc{mut_pc}")
                        for name in ("own_before_loop", "owned_before_loop"))
        self._branch_if_owned(value, local, done, shared)
        b.position_at_end(shared)
        self._unless_done(self._call_op(mut_pc), mut_pc, rt.STATUS_OK, resume_at=header)
        self._reload_local(local)
        b.branch(done)
        b.position_at_end(done)

    def native_push(self, pc: int) -> None:
        """``x := push(x, v)``: append ``v`` in place while ``x`` is this frame's own
        array of ``v``'s kind and its buffer has room (CPython over-allocates as it
        grows, so most pushes do). A tagged ``v`` goes by its tag: an int, a float
        or a bool into an array of that kind, an object (a string, a struct, an
        array ...) into an array of kind any (its storage a list), one more
        reference to it counted under the GIL -- what the interpreter's push does,
        ``list.append``: a container pushed is shared from then on, and
        copy-on-write copies it at its next change. The frame's own array with no
        room, or of another kind (a first push into an empty array), is appended
        to by ``Jit.push_in_place``, called under the GIL; an array something else
        holds goes through the interpreter's push, which copies it."""
        b = self.builder
        (array, _), (value, kind) = self.stack[-2], self.stack[-1]
        target = self.code.instrs[pc + 1][1]   # the STORE_LOCAL the result goes to
        local = b.load(self.slot(target, Kind.DYN))
        fast, room, in_place, shared, done = (self.function.append_basic_block(f"{name}_pc{pc}") for name in (
            "push_owned", "push_room", "push_in_place", "push_shared", "pushed"))
        same = b.icmp_unsigned("==", b.extract_value(local, 1), b.extract_value(array, 1))
        self._branch_if_owned(local, target, fast, shared, also=len(self.stack) - 2, condition=same)
        b.position_at_end(fast)
        obj = self._object_address(b.extract_value(local, 1))
        b.cbranch(b.icmp_unsigned("==", self._field(obj, rt.OB_TYPE), self._address_of("RArray", RArray)), room, shared)
        b.position_at_end(room)
        storage = self._field(obj, rt.RARRAY_ITEMS)
        length = self._field(storage, rt.VAR_SIZE)
        has_room = b.icmp_signed("<", length, self._field(storage, rt.ITEMS_ROOM))
        append = self.function.append_basic_block(f"push_append_pc{pc}")
        b.cbranch(has_room, append, in_place)
        b.position_at_end(append)
        array_kind = self._field(obj, rt.RARRAY_KIND)
        bump = self.function.append_basic_block(f"push_bump_pc{pc}")
        if kind == Kind.DYN:
            self._append_tagged(pc, value, array_kind, storage, length, bump, in_place)
        else:
            element_kind = PUSHED_KINDS[kind]
            self.exit_if(b.icmp_unsigned("!=", array_kind, self._kind_word(element_kind)), in_place)
            self._append(storage, length, self._element_bits(value, kind), element_kind)
            b.branch(bump)
        b.position_at_end(bump)
        self.alias.tag(b.store(b.add(length, ir.Constant(I64, 1)),
                               b.inttoptr(b.add(storage, ir.Constant(I64, rt.VAR_SIZE)), I64P)), "object")
        appended = b.block
        b.branch(done)
        b.position_at_end(in_place)
        self._push_in_place(pc, obj, value, kind, shared)
        in_place_end = b.block
        b.branch(done)
        b.position_at_end(shared)
        status = self._call_op(pc)   # the interpreter's push
        self._unless_done(status, pc, rt.STATUS_OK)
        (result,) = self._results(1)
        shared_end = b.block
        b.branch(done)
        b.position_at_end(done)
        del self.stack[-3:]
        self.push(self.phi((local, appended), (local, in_place_end), (result, shared_end)), Kind.DYN)

    def _push_in_place(self, pc: int, obj: ir.Value, value: ir.Value, kind: str, other: ir.Block) -> None:
        """Call ``Jit.push_in_place(array, v, site)`` under the GIL (see ``native_push``);
        on any failure (a Python error, cleared) go to ``other``, the interpreter's push."""
        b = self.builder
        if kind == Kind.DYN:   # (what the boxer takes: a constant string or a function goes the long way)
            tag = b.extract_value(value, 0)
            self.exit_if(b.not_(self.tag_is(tag, rt.TAG_INT, rt.TAG_FLOAT, rt.TAG_BOOL, rt.TAG_NULL, rt.TAG_OBJECT)), other)
        gil = self._c_api("PyGILState_Ensure")
        boxed = self._boxed(value, kind)   # (new references, 0 when out of memory)
        where = self._c_api("PyLong_FromLongLong", self.unit_word(self.unit_id, pc))
        arguments = self._call_arguments()
        for index, argument in enumerate((obj, boxed, where)):
            b.store(argument, b.gep(arguments, [ir.Constant(I32, 0), ir.Constant(I32, index)]))
        call, unmade, failed, called = (self.function.append_basic_block(f"{name}_pc{pc}")
                                        for name in ("push_call", "push_unmade", "push_failed", "push_called"))
        made = b.and_(b.icmp_unsigned("!=", boxed, ir.Constant(I64, 0)), b.icmp_unsigned("!=", where, ir.Constant(I64, 0)))
        b.cbranch(made, call, unmade)
        b.position_at_end(unmade)   # (Py_DecRef takes a 0)
        self._c_api("Py_DecRef", boxed)
        self._c_api("Py_DecRef", where)
        b.branch(failed)
        b.position_at_end(call)
        helper = self._address_of("push_in_place", self.runtime.push_in_place)
        result = self._c_api("PyObject_Vectorcall", helper, b.ptrtoint(arguments, I64), ir.Constant(I64, 3),
                             ir.Constant(I64, 0))
        self._c_api("Py_DecRef", boxed)
        self._c_api("Py_DecRef", where)
        b.cbranch(b.icmp_unsigned("==", result, ir.Constant(I64, 0)), failed, called)
        b.position_at_end(failed)
        self._c_api("PyErr_Clear")
        self._c_api("PyGILState_Release", gil)
        b.branch(other)
        b.position_at_end(called)
        self._c_api("Py_DecRef", result)
        self._c_api("PyGILState_Release", gil)

    def _call_arguments(self) -> ir.AllocaInstr:
        """This function's three words for a vectorcall's arguments, in its entry block."""
        if self.push_arguments is None:
            with self.builder.goto_entry_block():
                self.builder.position_at_start(self.function.entry_basic_block)
                self.push_arguments = self.builder.alloca(ir.ArrayType(I64, 3), name="push_arguments")
        return self.push_arguments

    def _append_tagged(self, pc: int, value: ir.Value, array_kind: ir.Value, storage: ir.Value, length: ir.Value,
                       bump: ir.Block, other: ir.Block) -> None:
        """Store the tagged ``value`` at ``storage[length]`` and go to ``bump`` when the
        array's kind takes it as it is (see ``native_push``); else go to ``other``."""
        b = self.builder
        tag, bits = b.extract_value(value, 0), b.extract_value(value, 1)
        cases = ((rt.TAG_INT, INT, bits), (rt.TAG_FLOAT, FLOAT, bits), (rt.TAG_BOOL, BOOL, None))
        for tag_value, element_kind, element in cases:
            matching = self.function.append_basic_block(f"push_{KIND_NAMES[element_kind]}_pc{pc}")
            next_case = self.function.append_basic_block(f"push_not_{KIND_NAMES[element_kind]}_pc{pc}")
            b.cbranch(b.and_(b.icmp_unsigned("==", tag, ir.Constant(I64, tag_value)),
                             b.icmp_unsigned("==", array_kind, self._kind_word(element_kind))), matching, next_case)
            b.position_at_end(matching)
            self._append(storage, length, b.trunc(bits, I8) if element is None else element, element_kind)
            b.branch(bump)
            b.position_at_end(next_case)
        self.exit_if(b.icmp_unsigned("!=", array_kind, self._kind_word(ANY)), other)
        self._append(storage, length, self._pushed_object(value, other), ANY)
        b.branch(bump)

    def _append(self, storage: ir.Value, length: ir.Value, element: ir.Value, element_kind: int) -> None:
        """Store ``element`` (the word, or byte, an array of ``element_kind`` holds) at
        ``storage[length]`` (the caller checked the room and bumps the length)."""
        b = self.builder
        data = b.inttoptr(self._field(storage, rt.ITEMS_DATA), ELEMENT_POINTERS.get(element_kind, I64P))
        self.alias.tag(b.store(element, b.gep(data, [length])), "element")

    def _kind_word(self, element_kind: int) -> ir.Value:
        """What an RArray's kind slot holds for ``element_kind`` (its small int's address)."""
        return self._address_of(f"kind_{KIND_NAMES[element_kind]}", element_kind)

    def _pushed_object(self, value: ir.Value, other: ir.Block) -> ir.Value:
        """The address of the object a tagged ``value`` holds, with one more reference
        (the array's), or a jump to ``other`` when it holds a scalar."""
        b = self.builder
        tag = b.extract_value(value, 0)
        self.exit_if(b.not_(self.tag_is(tag, rt.TAG_OBJECT, rt.TAG_CONSTANT)), other)
        pushed = self._object_or_constant(tag, b.extract_value(value, 1))
        gil = self._c_api("PyGILState_Ensure")   # (another thread may count references to it)
        self._incref(pushed)
        self._c_api("PyGILState_Release", gil)
        return pushed

    def _element_bits(self, value: ir.Value, kind: str) -> ir.Value:
        """A scalar as the word an array of its kind stores."""
        b = self.builder
        if kind == Kind.FLOAT:
            return b.bitcast(value, I64)
        if kind == Kind.BOOL:
            return b.zext(value, I8)
        return value

    def _branch_if_owned(self, value: ir.Value, local: int, owned: ir.Block, shared: ir.Block,
                         also: int | None = None, condition: ir.Value | None = None) -> None:
        """Branch to ``owned`` when the tagged ``value`` of local ``local`` is an object
        only this frame holds, through this local alone (see the module doc) -- and
        stack entry ``also``, and only if ``condition``."""
        b = self.builder
        tag, handle = b.extract_value(value, 0), b.extract_value(value, 1)
        is_object = b.icmp_unsigned("==", tag, ir.Constant(I64, rt.TAG_OBJECT))
        recent = b.icmp_unsigned(">=", handle, self.handle_mark)
        alone = b.and_(is_object, recent)
        if condition is not None:
            alone = b.and_(alone, condition)
        for index, kind in enumerate(self.state_slots):   # another of the frame's values with this handle
            if index != local and kind == Kind.DYN:
                alone = b.and_(alone, self._other_handle(b.load(self.slot(index, Kind.DYN)), handle))
        for position, (other, kind) in enumerate(self.stack):
            if kind == Kind.DYN and position != also:
                alone = b.and_(alone, self._other_handle(other, handle))
        counted = self.function.append_basic_block(f"{owned.name}_count")
        b.cbranch(alone, counted, shared)
        b.position_at_end(counted)
        references = self._field(self._object_address(handle), 0)   # ob_refcnt
        b.cbranch(b.icmp_unsigned("==", references, ir.Constant(I64, 1)), owned, shared)

    def _other_handle(self, value: ir.Value, handle: ir.Value) -> ir.Value:
        """Whether the tagged ``value`` is not the object with ``handle``."""
        b = self.builder
        same = b.and_(b.icmp_unsigned("==", b.extract_value(value, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                      b.icmp_unsigned("==", b.extract_value(value, 1), handle))
        return b.not_(same)

    def op_STORE_INDEX(self, pc: int, op: int, arg: Any) -> None:
        kind = self.typed.element_stores[pc]
        b = self.builder
        (value, _), _, (index, _) = self.stack[-3:]
        slot = self._element_slot(pc, kind, self.stack[-2][0], index)
        self.alias.tag(b.store(self._element_bits(value, ELEMENT_TYPES[kind]), slot), "element")
        del self.stack[-3:]

    def native_length(self, pc: int, value: ir.Value) -> ir.Value:
        """``len(v)`` of a tagged value: a typed array's storage length, or the word
        where a list, a str (code points) and a dict (entries) keep theirs. Anything
        else (a set, a queue, a value len refuses) leaves for the interpreter."""
        b = self.builder
        stable = self._stable_loop(pc, value)
        if stable is not None:   # an array its loop keeps stable: the length found on entry
            kind_var, _, length_var = self._stable_vars(*stable)
            found, other_value, done = (self.function.append_basic_block(f"{name}_pc{pc}")
                                        for name in ("len_stable", "len_unstable", "len_found"))
            b.cbranch(b.icmp_unsigned("!=", b.load(kind_var), ir.Constant(I64, 0)), found, other_value)
            b.position_at_end(found)
            stable_length = b.load(length_var)
            b.branch(done)
            b.position_at_end(other_value)
            length = self._native_length(pc, value)
            other_end = b.block
            b.branch(done)
            b.position_at_end(done)
            return self.phi((stable_length, found), (length, other_end))
        return self._native_length(pc, value)

    def _native_length(self, pc: int, value: ir.Value, other: ir.Block | None = None) -> ir.Value:
        """(``other``: where a value of another type goes; default a ``len-operand`` deopt.)"""
        b = self.builder
        if other is None:
            other = self.shared_exit(self.new_guard("len-operand", pc,
                                                    "len() of a value that is not an array, string or dict"))
        tag = b.extract_value(value, 0)
        self.exit_if(b.not_(self.tag_is(tag, rt.TAG_OBJECT, rt.TAG_CONSTANT)), other)
        obj = self._object_or_constant(tag, b.extract_value(value, 1))
        type_word = self._field(obj, rt.OB_TYPE)
        typed, plain, done = (self.function.append_basic_block(f"{name}_pc{pc}")
                              for name in ("len_typed", "len_plain", "len_done"))
        b.cbranch(b.icmp_unsigned("==", type_word, self._address_of("RArray", RArray)), typed, plain)
        b.position_at_end(typed)
        typed_length = self._field(self._field(obj, rt.RARRAY_ITEMS), rt.VAR_SIZE)
        b.branch(done)
        b.position_at_end(plain)
        sized = [b.icmp_unsigned("==", type_word, self._address_of(kind.__name__, kind)) for kind in (list, str, dict)]
        self.exit_if(b.not_(b.or_(b.or_(sized[0], sized[1]), sized[2])), other)
        plain_length = self._field(obj, rt.VAR_SIZE)
        plain_end = b.block
        b.branch(done)
        b.position_at_end(done)
        return self.phi((typed_length, typed), (plain_length, plain_end))

    def _address_of(self, name: str, python_object: object) -> ir.Value:
        """The address of a Python object of this process (a type, a bool, a kind's
        small int), as a symbol bound at link time (``common.Imports``)."""
        return self.imports.value(f"rd.object.{name}", id(python_object), nonzero=True)

    def _object_address(self, handle: ir.Value) -> ir.Value:
        """The address of the Python object with ``handle`` (the object table's entry)."""
        b, tag = self.builder, self.alias.tag
        table = b.inttoptr(tag(b.load(self.ctx_word(rt.CTX_OBJECTS)), "ctx"), I64P)
        return tag(b.load(b.gep(table, [handle])), "table")

    def _object_or_constant(self, tag: ir.Value, handle: ir.Value) -> ir.Value:
        """The address of the Python object of a tagged object or constant (a string
        constant's handle indexes the constants table, ``CTX_CONSTANTS``)."""
        b, mark = self.builder, self.alias.tag
        an_object, a_constant, done = (self.function.append_basic_block(name)
                                       for name in ("an_object", "a_constant", "object_found"))
        b.cbranch(b.icmp_unsigned("==", tag, ir.Constant(I64, rt.TAG_OBJECT)), an_object, a_constant)
        b.position_at_end(an_object)
        obj = self._object_address(handle)
        b.branch(done)
        b.position_at_end(a_constant)
        table = b.inttoptr(mark(b.load(self.ctx_word(rt.CTX_CONSTANTS)), "ctx"), I64P)
        constant = mark(b.load(b.gep(table, [handle])), "table")
        b.branch(done)
        b.position_at_end(done)
        return self.phi((obj, an_object), (constant, a_constant))

    def _field(self, address: ir.Value, offset: int) -> ir.Value:
        """The word at ``address + offset`` (an object's field)."""
        b = self.builder
        return self.alias.tag(b.load(b.inttoptr(b.add(address, ir.Constant(I64, offset)), I64P)), "object")
