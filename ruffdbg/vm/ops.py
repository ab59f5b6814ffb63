"""The interpreter's rare opcodes: one ``op_<NAME>`` method per opcode the
dispatch loop does not handle inline (``interpreter.INLINE_OPS``), and the table
the loop reaches them through.

Every handler has the same shape: it gets the operand, the frame, its operand
stack and the next pc, and returns the next pc -- or -1 after pushing a new frame
(a method call or an operator overload: the loop then reloads the top frame).
Handlers raise ``RuffError`` for Ruff errors; the loop unwinds them.

``RareOps`` is a mixin of the VM: handlers use the VM's state (globals,
structs, frames, hooks, the debugger), its call set-up (``_new_frame``, then
``_push``) and its copy-on-write helpers (vm/cow.py).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ruffdbg.compiler import peephole
from ruffdbg.compiler.bytecode import StructTemplate
from ruffdbg.compiler.opcodes import OPCODE_NAMES, OPERATOR_METHODS, Op
from ruffdbg.core import values
from ruffdbg.core.arrays import ARRAY_TYPES, KIND_NAMES, RArray, as_list, make_array
from ruffdbg.core.errors import NOT_CALLABLE, RuffError
from ruffdbg.core.objects import Builtin, Cell, Function, StructType, StructValue, Variant
from ruffdbg.profile.ics import InlineCache, site_text
from ruffdbg.vm.builtins import higher_order
from ruffdbg.vm.generators import Generator, GeneratorItems, Yielded
from ruffdbg.vm.debugger import TRAP, TRAP_NAME
from ruffdbg.vm.loops import LOOP
from ruffdbg.vm.frame import NO_HANDLERS, Frame
from ruffdbg.vm.hooks import NOT_TAKEN


# What every arithmetic and comparison op computes in general (its slow path; the
# loop and peephole's superinstructions only add int/int and float/float shortcuts).
# Native code's generic path (vm/step.py) runs these too.
BINARY_SEMANTICS = {
    Op.ADD: values.add, Op.SUB: values.sub, Op.MUL: values.mul, Op.DIV: values.div, Op.MOD: values.mod,
    Op.LESS: values.less, Op.LESS_EQUAL: values.less_equal, Op.GREATER: values.greater,
    Op.GREATER_EQUAL: values.greater_equal, Op.EQUAL: values.values_equal,
    Op.NOT_EQUAL: lambda a, b: not values.values_equal(a, b),
}


class RareOps:
    """The ``op_<NAME>`` handlers (a mixin of ``VM``)."""

    def op_GET_ITER(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        iterable = stack.pop()
        # What the loop walks, once per loop (an array by its element kind, as an
        # INDEX site counts it): native code steps arrays itself (jit/elements.py).
        seen = frame.code.profile.raw_feedback[pc - 1]
        key = iterable.kind if type(iterable) is RArray else type(iterable)
        seen[key] = seen.get(key, 0) + 1
        # An array is walked as it is: the loop's reference keeps it unchanged
        # even if the body mutates the variable (that mutation copies).
        if type(iterable) is Generator:
            stack.append(GeneratorItems(iterable))
        else:
            stack.append(iterable if type(iterable) in ARRAY_TYPES else values.iterate(iterable))
        stack.append(0)
        return pc

    def op_JUMP_IF_TRUE(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        if values.is_truthy(stack.pop()):
            frame.code.profile.counters[pc - 1] += 1
            return arg
        return pc

    def op_LOAD_CELL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(frame.locals[arg].value)
        return pc

    def op_STORE_CELL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        frame.locals[arg].value = stack.pop()
        return pc

    def op_NEW_CELL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        frame.locals[arg] = Cell()
        return pc

    def op_LOAD_FREE(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(frame.cells[arg].value)
        return pc

    def op_STORE_FREE(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        frame.cells[arg].value = stack.pop()
        return pc

    def op_STORE_GLOBAL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        name = frame.code.names[arg]
        self._check_global_write(name, mutate=False)
        value = self.globals[name] = stack.pop()
        if self.hooks is not None:
            self.hooks.global_changed(name, value)
        return pc

    def op_DEFINE_GLOBAL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        name, kind = frame.code.names[arg]
        redefined = name in self.globals
        if redefined:
            if name not in self.redeclarable:
                raise RuffError(f"Duplicate declaration in the same scope: {name}")
            # A REPL input declares a name of an earlier input again: the new
            # declaration replaces it (once per input; a second one is a duplicate).
            self.redeclarable.discard(name)
            self.global_kinds.pop(name, None)
        value = self.globals[name] = stack.pop()
        if kind in ("let", "const"):
            self.global_kinds[name] = kind
        if self.hooks is not None:
            self.hooks.global_changed(name, value)
            if redefined:
                self.hooks.global_redefined(name)
        return pc

    def op_DUP(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(stack[-1])
        return pc

    def op_DUP2(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.extend(stack[-2:])
        return pc

    def op_ROT3(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.insert(-2, stack.pop())
        return pc

    def op_SWAP(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack[-1], stack[-2] = stack[-2], stack[-1]
        return pc

    def op_NOT(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        return self._unary(frame, stack, pc, OPERATOR_METHODS[Op.NOT], values.logical_not)

    def op_NEG(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        return self._unary(frame, stack, pc, OPERATOR_METHODS[Op.NEG], values.negate)

    def _unary(self, frame: Frame, stack: list, pc: int, method_name: str, operation: Callable) -> int:
        operand = stack[-1]
        if type(operand) is StructValue:
            stack.pop()
            frame.pc = pc
            self._push(self._new_frame(self._operator_method(operand, method_name, frame, pc - 1), [operand]))
            return -1
        stack[-1] = operation(operand)
        return pc

    def op_TO_BOOL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack[-1] = values.is_truthy(stack[-1])
        return pc

    def op_BUILD_ARRAY(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(make_array(_pop_n(stack, arg)))
        return pc

    def op_BUILD_DICT(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        items = _pop_n(stack, 2 * arg)
        result: dict = {}
        for i in range(0, len(items), 2):
            values.index_set(result, items[i], items[i + 1])
        stack.append(result)
        return pc

    def op_BUILD_STRING(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        if arg == 2:   # (the common "key${i}": a generator and a join cost more than the two parts)
            last = stack.pop()
            first = stack.pop()
            stack.append((first if type(first) is str else values.to_string(first)) + (
                last if type(last) is str else values.to_string(last)))
            return pc
        parts = _pop_n(stack, arg)
        stack.append("".join([p if type(p) is str else values.to_string(p) for p in parts]))
        return pc

    # Field and method sites keep an inline cache (profile/ics.py). Its check is
    # written out in each handler, not called: a hit must stay one identity
    # compare and one increment (a Python call costs about as much as the op).

    def op_GET_FIELD(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack[-1]
        cache = frame.code.profile.ics[pc - 1]
        if type(value) is StructValue and value.type is cache.shape:
            cache.hits += 1
            if cache.slot >= 0:                    # a hit is a struct: the field at its slot
                stack[-1] = value.slots[cache.slot]
                return pc
        else:
            self._ic_miss(cache, frame, pc - 1, value, frame.code.consts[arg])
        stack[-1] = values.field_get(value, frame.code.consts[arg])
        return pc

    def op_MAKE_FUNCTION(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        child, sources = frame.code.consts[arg[0]], arg[1]
        cells = tuple(frame.locals[i] if where == "local" else frame.cells[i] for where, i in sources)
        stack.append(Function(child, cells))
        return pc

    def op_MAKE_STRUCT(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        template: StructTemplate = frame.code.consts[arg]
        items = _pop_n(stack, len(template.default_names) + len(template.method_names))
        defaults = dict(zip(template.default_names, items))
        methods = dict(zip(template.method_names, items[len(template.default_names):]))
        shape = self.shapes_declared[template.name] = self.shapes_declared.get(template.name, 0) + 1
        declared = self.structs[template.name] = StructType(template.name, template.field_names, defaults, methods, shape)
        if self.hooks is not None:
            self.hooks.struct_declared(template.name, declared)
        return pc

    def op_NEW_STRUCT(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        name, field_names = arg
        struct_type = self.structs.get(name)
        if struct_type is None:
            raise RuffError(f"Undefined struct: {name}")
        cache = frame.code.profile.ics[pc - 1]   # (the shapes it built: T2 builds a monomorphic site's natively)
        if struct_type is cache.shape:
            cache.hits += 1
        else:
            self._ic_miss(cache, frame, pc - 1, struct_type)
        given = _pop_n(stack, len(field_names))
        if field_names == struct_type.order:    # every field, in slot order
            stack.append(StructValue(struct_type, given))
            return pc
        slots = struct_type.blank.copy()
        layout = struct_type.layouts.get(field_names)   # (the slots of a literal's fields, by shape)
        if layout is not None:
            for at, value in zip(layout, given):
                slots[at] = value
            stack.append(StructValue(struct_type, slots))
            return pc
        index = struct_type.slot
        for field_name, value in zip(field_names, given):
            at = index.get(field_name)
            if at is None:
                raise RuffError(f"Struct {name} has no field {field_name}")
            slots[at] = value
        struct_type.layouts[field_names] = tuple(index[field_name] for field_name in field_names)
        stack.append(StructValue(struct_type, slots))
        return pc

    def op_MUT_LOCAL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(self._unique_in(frame.locals, arg))
        return pc

    def op_MUT_CELL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(self._unique_in_cell(frame.locals[arg]))
        return pc

    def op_MUT_FREE(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(self._unique_in_cell(frame.cells[arg]))
        return pc

    def op_MUT_GLOBAL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        name = frame.code.names[arg]
        self._check_global_write(name, mutate=True)
        if name not in self.globals:
            raise RuffError(f"Undefined variable: {name}")
        stack.append(self._unique_in(self.globals, name))
        return pc

    def op_MUT_INDEX(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        index = stack.pop()
        parent = stack.pop()
        stack.append(self._unique_item(parent, index))
        return pc

    def op_MUT_FIELD(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        parent = stack.pop()
        cache = frame.code.profile.ics[pc - 1]
        if type(parent) is StructValue and parent.type is cache.shape:
            cache.hits += 1
        else:
            self._ic_miss(cache, frame, pc - 1, parent, frame.code.consts[arg])
        stack.append(self._unique_field(parent, frame.code.consts[arg]))
        return pc

    def op_STORE_INDEX(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        index = stack.pop()
        container = stack.pop()
        seen = frame.code.profile.raw_feedback[pc - 1]   # what was stored into: a typed array by its kind
        key = container.kind if type(container) is RArray else type(container)
        seen[key] = seen.get(key, 0) + 1
        value = stack.pop()
        if key is dict and type(index) is str:   # (values.index_set's dict case, without its calls)
            container[index] = value
            return pc
        before = values.index_set(container, index, value)
        if before is not None:
            self.array_transition(container, before, value, index, frame, pc - 1)
        return pc

    def op_STORE_FIELD(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        container = stack.pop()
        cache = frame.code.profile.ics[pc - 1]
        if type(container) is StructValue and container.type is cache.shape:
            cache.hits += 1
            if cache.slot >= 0:                    # a hit is a struct: the field at its slot
                container.slots[cache.slot] = stack.pop()
                return pc
        else:
            self._ic_miss(cache, frame, pc - 1, container, frame.code.consts[arg])
        values.field_set(container, frame.code.consts[arg], stack.pop())
        return pc

    def op_SETUP_TRY(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        if frame.handlers is NO_HANDLERS:   # (shared until the frame's first try)
            frame.handlers = []
        frame.handlers.append((arg, len(stack)))
        return pc

    def op_POP_TRY(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        frame.handlers.pop()
        return pc

    def op_THROW(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        thrown = stack.pop()
        if type(thrown) is StructValue and thrown.name == "Error":
            raise RuffError(values.to_string(thrown.get("message")), thrown)
        raise RuffError(thrown if type(thrown) is str else values.to_string(thrown), thrown)

    def op_FAIL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        raise RuffError(frame.code.consts[arg])

    def op_CALL_METHOD(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        return self._call_method(frame, frame.code.consts[arg[0]], arg[1], stack, pc)

    def _call_method(self, frame: Frame, name: str, argc: int, stack: list, pc: int) -> int:
        receiver = stack[-argc - 1]
        cache = frame.code.profile.ics[pc - 1]     # (also the site's type feedback: profile/report.py)
        if type(receiver) is StructValue and receiver.type is cache.shape:
            cache.hits += 1
        else:
            self._ic_miss(cache, frame, pc - 1, receiver, method=name)
        if (type(receiver) in ARRAY_TYPES or type(receiver) is Generator) and name in ITERATOR_METHODS:
            args = _pop_n(stack, argc)
            stack.pop()
            frame.pc = pc     # (the Ruff functions called below see this frame at its line)
            stack.append(ITERATOR_METHODS[name](self, receiver, args))
            return pc
        if type(receiver) is not StructValue:
            raise RuffError(f"Unknown method: {name}")   # (the reference's words)
        method = receiver.type.methods.get(name)
        if type(method) is Builtin:                    # a builtin struct's method (arg_parser())
            args = stack[len(stack) - argc - 1:]       # the receiver first
            del stack[len(stack) - argc - 1:]
            frame.pc = pc
            stack.append(method.fn(self, args))
            return pc
        if method is not None:
            args = stack[len(stack) - argc - 1:]       # the receiver is `self`
        else:
            method = receiver.get(name)
            if type(method) is not Function:
                raise RuffError(f"Unknown method: {name}")
            args = stack[len(stack) - argc:]
        del stack[len(stack) - argc - 1:]
        receiver = None
        frame.pc = pc
        self._call_pushed(method, args, stack)
        return -1

    def _call_pushed(self, function: Function, args: list, stack: list) -> None:
        """A call the loop makes outside CALL (a method, an operator overload), tiered
        as CALL tiers: a hot function goes to the JIT, and native code runs the call
        (its result pushed on the caller's ``stack``) unless its entry refuses the
        arguments; else the function's frame is pushed. The loop then reloads the top
        frame either way (the caller's pc is written back)."""
        frame = self._new_frame(function, args)
        profile = frame.code.profile
        if profile.calls >= profile.hot_at:
            self.hooks.on_hot(function.code)
        if profile.native is not None:
            result = profile.native(args, function)
            if result is not NOT_TAKEN:
                stack.append(result)
                return
        self._push(frame)

    # --- beyond the core (compiler/patterns.py and compiler/sugar.py emit these)

    def op_MAKE_VARIANT(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(Variant(frame.code.consts[arg[0]], tuple(_pop_n(stack, arg[1]))))
        return pc

    def op_MATCH_VARIANT(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack.pop()
        tag, count = frame.code.consts[arg[0]], arg[1]
        # An unqualified pattern (`Circle`) also matches a declared enum's `Shape::Circle`.
        stack.append(type(value) is Variant
                     and (value.tag == tag or ("::" not in tag and value.short_tag == tag))
                     and (count < 0 or len(value.payload) == count))
        return pc

    def op_VARIANT_ITEM(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack.pop()
        if type(value) is not Variant or arg >= len(value.payload):
            raise RuffError(f"{values.to_string(value)} has no value number {arg}")
        stack.append(value.payload[arg])
        return pc

    def op_IS_FAILURE(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack.pop()
        tag = value.tag if type(value) is Variant else None
        if tag not in ("Ok", "Err", "Some", "None"):
            raise RuffError("Try operator (?) can only be used on Result values")
        stack.append(tag in ("Err", "None"))
        return pc

    def op_GET_FIELD_OR_NULL(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack.pop()
        name = frame.code.consts[arg]
        cache = frame.code.profile.ics[pc - 1]
        if type(value) is StructValue and value.type is cache.shape:
            cache.hits += 1
        else:
            self._ic_miss(cache, frame, pc - 1, value, name)
        if type(value) is StructValue:
            stack.append(value.get(name))
        elif type(value) is dict:
            stack.append(value.get(name))
        else:
            stack.append(None)
        return pc

    def op_EXTEND(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        extra = stack.pop()
        into = stack.pop()
        if type(into) in ARRAY_TYPES and type(extra) in ARRAY_TYPES:
            values.check_length(len(into) + len(extra), list)
            stack.append(make_array(as_list(into) + as_list(extra)))
        elif type(into) is dict and type(extra) is dict:
            stack.append({**into, **extra})
        else:
            where = "an array" if type(into) in ARRAY_TYPES else "a dict"
            raise RuffError(f"Cannot spread {values.type_name(extra)} into {where}")
        return pc

    def op_DESTRUCTURE_ITEM(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack.pop()
        key = frame.code.consts[arg]
        if type(key) is int:
            stack.append(value[key] if type(value) in ARRAY_TYPES and key < len(value) else None)
        else:
            stack.append(value.get(key) if type(value) is dict else None)
        return pc

    def op_DESTRUCTURE_REST(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack.pop()
        rest = frame.code.consts[arg]
        if type(rest) is int:
            stack.append(value[rest:] if type(value) in ARRAY_TYPES else make_array([]))
        else:
            stack.append({k: v for k, v in value.items() if k not in rest} if type(value) is dict else {})
        return pc

    def op_MAKE_GENERATOR(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        stack.append(Generator(self, stack.pop()))
        return pc

    def op_YIELD(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        value = stack.pop()
        stack.append(None)          # what `yield` evaluates to when the generator resumes
        frame.pc = pc
        self._leave(self.frames.pop(), time.perf_counter_ns())
        raise Yielded(value)

    def op_TRAP(self, arg: Any, frame: Frame, stack: list, pc: int) -> int:
        """A breakpoint or step location: ask the debugger, then run the instruction
        the trap stands in for (kept at index ``trampoline`` of the quick program)."""
        at, trampoline = arg
        frame.pc = at
        self.debugger.on_trap(frame, at)
        if self.interrupt[0]:   # (a trap is a safepoint too: a restart or the TUI closing stops here)
            self._on_interrupt()
        return trampoline

    def _operator_method(self, a: StructValue, method_name: str, frame: Frame, site: int) -> Function:
        """The overload ``method_name`` of the struct ``a``, the left operand of the
        operator at pc ``site`` (its inline cache sees ``a``'s shape)."""
        cache = frame.code.profile.ics[site]
        if a.type is cache.shape:
            cache.hits += 1
            if cache.target is not None:
                return cache.target
        else:
            self._ic_miss(cache, frame, site, a, method=method_name)
        method = a.type.methods.get(method_name)
        if method is None:
            raise RuffError(f"Unknown method: {method_name}")
        return method

    def _ic_miss(self, cache: InlineCache, frame: Frame, site: int, receiver: Any, field: str | None = None,
                 method: str | None = None) -> None:
        """The slow path of an inline cache: count the receiver's shape (a field site's
        cache also takes the field's slot in it, a method site's the method if it is a
        Ruff function: the loop's hit path), and log an ``ic`` event when the site's
        state changed (uninit -> mono -> poly -> mega)."""
        if type(receiver) is StructValue:
            key, name = receiver.type, receiver.type.shape_name
        elif type(receiver) is StructType:   # a struct literal's site: the shape it builds
            key, name = receiver, receiver.shape_name
        else:
            key, name = type(receiver), values.type_name(receiver)
        old = cache.miss(key, name)
        if cache.shape is key:
            struct = type(receiver) is StructValue
            cache.slot = key.slot.get(field, -1) if field is not None and struct else -1
            target = key.methods.get(method) if method is not None and struct else None
            cache.target = target if type(target) is Function else None
        if old is not None and self.events is not None:
            code = frame.code
            text = site_text(code, site)
            self.events.add("ic", code.name, pc=site, line=code.lines[site], detail={
                "site": text, "old": old, "new": cache.state, "shape": name})

    def push_in_place(self, array: RArray, value: Any, site: int | None = None, code: Any = None) -> None:
        """Append ``value`` to ``array`` itself (nothing else holds it), logging its
        element kind's change if it changes (``array_transition``: by default at
        the call a builtin is running for)."""
        before = array.append(value)
        if before is not None:
            self.array_transition(array, before, value, len(array) - 1, site=site, code=code)

    def array_transition(self, array: RArray, before: int, value: Any, index: int,
                         frame: Frame | None = None, site: int | None = None, code: Any = None) -> None:
        """An array's element kind changed (a store or push of another type): log an
        ``elements`` event at instruction ``site`` of ``code`` (or of ``frame``'s; by
        default the call a builtin is running for). A kind changes at most twice in
        an array's life, the first time at its first push."""
        if self.events is None or (code is None and frame is None and not self.frames):
            return
        if code is None:
            if frame is None:
                frame = self.frames[-1]
                site = max(frame.pc - 1, 0)
            code = frame.code
        self.events.add("elements", code.name, pc=site, line=code.lines[site], detail={
            "site": site_text(code, site), "old": KIND_NAMES[before], "new": KIND_NAMES[array.kind],
            "shape": f"{values.type_name(value)} at [{index}]"})

    def _check_global_write(self, name: str, mutate: bool) -> None:
        kind = self.global_kinds.get(name)
        if kind == "let":
            raise RuffError(f"Cannot {'mutate' if mutate else 'reassign'} immutable let binding: {name}")
        if kind == "const":
            raise RuffError(f"Cannot {'mutate' if mutate else 'reassign'} const binding: {name}")


# --- iterator methods: `xs.filter(f).map(g).take(n).collect()` on arrays and generators.
# An array's are eager (each gives an array); a generator's `take` and `collect`
# pull only the values they need, so `naturals().take(3)` ends.


def _call_value(vm: Any, callee: Any, args: list) -> Any:
    """Call a method's function argument (an iterator's map, filter). An error it
    does not catch becomes an error of this call, as for the higher-order
    builtins, so a ``try`` around the method call catches it."""
    if type(callee) is Function or type(callee) is Builtin:
        return higher_order.call(vm, callee, args)
    raise RuffError(NOT_CALLABLE)


def _iterator_args(name: str, args: list, count: int) -> list:
    if len(args) != count:
        raise RuffError(f"{name} expects {count} arguments, got {len(args)}")
    return args


def _items(receiver: Any, limit: int | None = None) -> list:
    if type(receiver) is RArray:
        receiver = list(receiver)
    if type(receiver) is list:
        return receiver if limit is None else receiver[:max(limit, 0)]
    items: list = []
    while limit is None or len(items) < limit:
        more, value = receiver.next_value()
        if not more:
            break
        items.append(value)
    return items


def _filter(vm: Any, receiver: Any, args: list) -> list:
    (keep,) = _iterator_args("filter", args, 1)
    return [item for item in _items(receiver) if values.is_truthy(_call_value(vm, keep, [item]))]


def _map(vm: Any, receiver: Any, args: list) -> list:
    (change,) = _iterator_args("map", args, 1)
    return [_call_value(vm, change, [item]) for item in _items(receiver)]


def _take(vm: Any, receiver: Any, args: list) -> list:
    (count,) = _iterator_args("take", args, 1)
    if type(count) is not int:
        raise RuffError(f"take expects an int, got {values.type_name(count)}")
    return list(_items(receiver, count))


def _collect(vm: Any, receiver: Any, args: list) -> list:
    _iterator_args("collect", args, 0)
    return list(_items(receiver))


ITERATOR_METHODS: dict[str, Callable] = {"filter": _filter, "map": _map, "take": _take, "collect": _collect}


# Every number the loop can meet -- opcodes, superinstructions, the debugger's
# TRAP, a compiled loop's LOOP (vm/loops.py) -- to its handler (None: the loop handles it inline). A number taken twice
# would leave a gap in ``_OP_NAMES`` and fail here, at import.
_OP_NAMES = {**dict(enumerate(OPCODE_NAMES)), **peephole.QUICK_NAMES, TRAP: TRAP_NAME, LOOP: "LOOP"}
RARE_OPS: list[Callable | None] = [getattr(RareOps, "op_" + _OP_NAMES[op], None) for op in range(len(_OP_NAMES))]


def _pop_n(stack: list, count: int) -> list:
    """Remove and return the top ``count`` values, in push order."""
    if count == 0:
        return []
    items = stack[-count:]
    del stack[-count:]
    return items
