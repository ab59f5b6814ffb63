"""Native handle puts: native code that made (or found) a Python object gives it a
handle itself, with the GIL it already holds for the C API call that made the
object, instead of calling ``Handles.put`` (a Python method called through
``PyObject_CallOneArg``: most of a native struct literal's or string's cost).

A put does what ``Handles.put`` does, in the same order, on the same state
(``runtime.Handles``): the last released slot if there is one at or above the
floor (CTX_FREE_COUNT entries of the table at CTX_FREE; CTX_FLOOR), else the
end of the ``_objects`` list;
the list takes its own reference to the object; the object table (CTX_OBJECTS)
gets its address; CTX_MADE is bumped and, past CTX_SWEEP_AT, CTX_SWEEP set (a
sweep is due). A container (list, RArray, dict, struct) is entered in the
copy-on-write index ``_containers`` (id -> handle) when it has no handle yet;
one that has (a second handle needs a set there), or a put that would outgrow
the object table, calls ``Handles.put`` instead -- the slow path, which grows
the table. Python code cannot run in between (the GIL is held throughout), so
the two never interleave. (With CTX_ROOM 0 every put takes ``Handles.put``: tests
that watch each put set it so.)"""

from __future__ import annotations

from llvmlite import ir

from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import I32, I64, I64P


class NativeHandles:
    """(Part of ``Lowering``.) ``put_handle``: a handle for an object, the GIL held."""

    def put_handle(self, obj: ir.Value) -> ir.Value:
        """The handle of the object at ``obj`` (a reference the caller keeps: the table
        takes its own), or -1 when ``Handles.put`` raised (the error is set: a signal
        handler ran in it). The GIL must be held."""
        return self.builder.call(self._put_function(), [obj])

    def _put_function(self) -> ir.Function:
        return self.shared_function("handle_put", ir.FunctionType(I64, [I64]), self._emit_put)

    def _emit_put(self, function: ir.Function) -> None:
        (obj,) = function.args
        names = ("reuse_peek", "append_peek", "check", "container", "known", "insert", "commit", "reuse",
                 "append", "appended", "done", "sweep_due", "python", "python_put", "failed")
        b = self.builder
        blocks = {"entry": b.block, **{name: function.append_basic_block(name) for name in names}}
        handles = self.runtime.handles
        objects = self._address_of("handle_objects", handles._objects)
        word = lambda index: self.ctx_word(index)   # noqa: E731 (the ctx words, tagged as such)
        load = lambda index: self.alias.tag(b.load(word(index)), "ctx")   # noqa: E731
        store = lambda value, index: self.alias.tag(b.store(value, word(index)), "ctx")   # noqa: E731
        free = load(rt.CTX_FREE_COUNT)
        has_free = b.icmp_signed(">", free, ir.Constant(I64, 0))
        b.cbranch(has_free, blocks["reuse_peek"], blocks["append_peek"])
        # which slot: the last released one, else the end of the list (if the table has room)
        b.position_at_end(blocks["reuse_peek"])
        released = b.inttoptr(load(rt.CTX_FREE), I64P)
        reused = self.alias.tag(b.load(b.gep(released, [b.sub(free, ir.Constant(I64, 1))])), "table")
        b.cbranch(b.icmp_signed(">=", reused, load(rt.CTX_FLOOR)), blocks["check"], blocks["append_peek"])
        b.position_at_end(blocks["append_peek"])   # (no released slot at or above the floor)
        appended = self._field(objects, rt.VAR_SIZE)
        b.branch(blocks["check"])
        b.position_at_end(blocks["check"])
        index = self.phi((reused, blocks["reuse_peek"]), (appended, blocks["append_peek"]))
        reusing = self.phi((ir.Constant(ir.IntType(1), 1), blocks["reuse_peek"]),
                           (ir.Constant(ir.IntType(1), 0), blocks["append_peek"]))
        inside = function.append_basic_block("inside")   # (a released slot always is, unless CTX_ROOM is 0)
        b.cbranch(b.icmp_signed("<", index, load(rt.CTX_ROOM)), inside, blocks["python"])
        b.position_at_end(inside)
        type_word = self._field(obj, rt.OB_TYPE)
        container = None
        for kind in rt.CONTAINERS:
            same = b.icmp_unsigned("==", type_word, self._address_of(kind.__name__, kind))
            container = same if container is None else b.or_(container, same)
        b.cbranch(container, blocks["container"], blocks["commit"])
        # a container: entered in the copy-on-write index, unless it has a handle already
        b.position_at_end(blocks["container"])
        containers = self._address_of("handle_containers", handles._containers)
        key = self._c_api("PyLong_FromLongLong", obj)
        found = self._c_api("PyDict_GetItemWithError", containers, key)
        b.cbranch(b.icmp_unsigned("!=", found, ir.Constant(I64, 0)), blocks["known"], blocks["insert"])
        b.position_at_end(blocks["known"])
        self._c_api("Py_DecRef", key)
        b.branch(blocks["python"])
        b.position_at_end(blocks["insert"])
        number = self._c_api("PyLong_FromLongLong", index)
        failed = self._c_api("PyDict_SetItem", containers, key, number)
        self._c_api("Py_DecRef", key)
        self._c_api("Py_DecRef", number)
        b.cbranch(b.icmp_signed("!=", failed, ir.Constant(I32, 0)), blocks["failed"], blocks["commit"])
        # take the slot
        b.position_at_end(blocks["commit"])
        b.cbranch(reusing, blocks["reuse"], blocks["append"])
        b.position_at_end(blocks["reuse"])
        store(b.sub(free, ir.Constant(I64, 1)), rt.CTX_FREE_COUNT)
        item = b.inttoptr(b.add(self._field(objects, rt.ITEMS_DATA), b.mul(index, ir.Constant(I64, 8))), I64P)
        old = self.alias.tag(b.load(item), "object")   # (the released-slot marker: never freed here)
        self._incref(obj)
        self.alias.tag(b.store(obj, item), "object")
        self._c_api("Py_DecRef", old)
        b.branch(blocks["done"])
        b.position_at_end(blocks["append"])
        status = self._c_api("PyList_Append", objects, obj)   # (takes its own reference)
        b.cbranch(b.icmp_signed("!=", status, ir.Constant(I32, 0)), blocks["failed"], blocks["appended"])
        b.position_at_end(blocks["appended"])
        store(b.add(index, ir.Constant(I64, 1)), rt.CTX_HANDLES)
        b.branch(blocks["done"])
        # the object table, and the count a sweep is due after
        b.position_at_end(blocks["done"])
        table = b.inttoptr(load(rt.CTX_OBJECTS), I64P)
        self.alias.tag(b.store(obj, b.gep(table, [index])), "table")
        made = b.add(load(rt.CTX_MADE), ir.Constant(I64, 1))
        store(made, rt.CTX_MADE)
        b.cbranch(b.icmp_signed(">", made, load(rt.CTX_SWEEP_AT)), blocks["sweep_due"], blocks["python_put"])
        b.position_at_end(blocks["sweep_due"])
        store(ir.Constant(I64, 1), rt.CTX_SWEEP)
        b.ret(index)
        b.position_at_end(blocks["python_put"])
        b.ret(index)
        # anything unusual: Handles.put itself (it grows the table, keeps a set of handles)
        b.position_at_end(blocks["python"])
        result = self._c_api("PyObject_CallOneArg", self._address_of("handle_put", self.runtime.handle_put), obj)
        made_one = function.append_basic_block("python_made")
        b.cbranch(b.icmp_unsigned("==", result, ir.Constant(I64, 0)), blocks["failed"], made_one)
        b.position_at_end(made_one)
        handle = self._c_api("PyLong_AsLongLong", result)
        self._c_api("Py_DecRef", result)
        b.ret(handle)
        b.position_at_end(blocks["failed"])
        b.ret(ir.Constant(I64, -1))

