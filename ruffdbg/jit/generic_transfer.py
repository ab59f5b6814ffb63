"""The transfer tables of T1 and T2 (``inference.TRANSFER``), built on the base
transfer functions in ``inference``: what native code has no inline code for runs
through the generic path (the interpreter runs that one instruction, its results
come back tagged). T1 speculates on nothing; T2 keeps what it can type unboxed and
leaves the rest generic, saying why per site (``TypedCode.generic_reasons``). T2
refuses only what T1 refuses (and, in an OSR loop, a ``try`` or a ``yield``)."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.opcodes import (ARITHMETIC_OPS, BLOCK_ENDS, EQUALITY_OPS, OPCODES, ORDERING_OPS, T1_REFUSED, Op,
                                      stack_pops)
from ruffdbg.core.arrays import ANY
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.jit import dicts, elements, inlining, strings, structs
from ruffdbg.jit.generic_reasons import NOT_RUN, generic_reason, operand_name
from ruffdbg.jit.inference import (
    NotCompilable, Step, value_type, _call, _call_tagged, _for_iter, _get_iter, _is_range_loop, _load_global, _not,
    _promoted_slot, _return_tagged, _shuffle, _store_local, _store_local_tagged, refuse,
)
from ruffdbg.jit.types import NUMBERS, RANGE, RANGE_ARGS, Callee, Closures, FunctionValue, Kind, StackOnly
from ruffdbg.jit.views import InlineSite
from ruffdbg.profile.ics import site_text
from ruffdbg.profile.report import ruff_type


# ------------------------------------------------ T1: the generic path
# What T1 has no inline code for, the interpreter runs (``vm.step.execute_one``
# through the op callback): its operands are written out, its results come back
# tagged. Nothing is refused except what the opcode table's ``t1`` column says.


def _generic(s: Step):
    """The interpreter runs this instruction; what it pushes is tagged."""
    del s.stack[len(s.stack) - stack_pops(s.op, s.arg, s.code):]
    s.stack.extend([Kind.DYN] * OPCODES[s.op].pushes)
    s.typed.generic.add(s.pc)
    if s.op in BLOCK_ENDS:   # THROW: the interpreter finishes the frame
        return []
    return None


def _generic_new_cell(s: Step):
    _generic(s)
    s.slots[s.arg] = Kind.DYN   # the local now holds a cell


def _load_global_t1(s: Step):
    """A global holding a function (a closure too) or a builtin about to be called is
    a constant (guarded); any other global is read by the interpreter."""
    value = s.lookup(s.code.names[s.arg])
    if type(value) is Function or type(value) is Builtin:
        s.stack.append(FunctionValue(Callee(s.code.names[s.arg], value)))
        return None
    return _generic(s)


def _call_t1(s: Step):
    """``for v in range(...)`` is a counted loop; a call of a global Ruff function
    is native (its unit's entry, or itself; lowering's ``op_CALL``: the VM runs it
    while it has no native code, and samples it so its profile still grows), and
    so is a call of a value that is the one plain function its site always called
    (checked: any other value takes the generic path); every other call the
    interpreter makes (the generic path: it profiles the
    call as T0 does, and the frame's values are written out, so its handles can
    be released)."""
    argc = s.arg
    callee = s.stack[-argc - 1]
    args = tuple(s.stack[len(s.stack) - argc:])
    if isinstance(callee, FunctionValue) and _is_range_loop(s.typed, s.pc, callee.callee.function, args):
        return _call_tagged(s)
    if isinstance(callee, FunctionValue) and _is_has_key(callee.callee.function, args):
        del s.stack[-3:]   # (a dict looked up natively: lowering/dicts.py's t1_has_key)
        s.stack.append(Kind.DYN)
        s.typed.dict_loads.add(s.pc)
        return None
    if isinstance(callee, FunctionValue) and _is_len(callee.callee.function, args):
        del s.stack[-2:]   # (a string's, array's or dict's length read natively: lowering/texts.py)
        s.stack.append(Kind.DYN)
        s.typed.strings.add(s.pc)
        return None
    if isinstance(callee, FunctionValue) and type(callee.callee.function) is Function \
            and not any(isinstance(arg, StackOnly) for arg in args) and s.typed.native_calls:
        return _call_tagged(s)
    guarded = _value_callee(s, callee, args) if s.typed.native_calls else None
    if guarded is not None:   # (a function value: called natively while it is this function, else generic)
        s.typed.value_callees[s.pc] = guarded
        s.stack[-argc - 1] = FunctionValue(guarded)
        return _call_tagged(s)
    for depth in range(len(s.stack) - argc - 1, len(s.stack)):   # (the callee goes as a tagged value)
        if isinstance(s.stack[depth], FunctionValue):
            s.stack[depth] = Kind.DYN
    return _generic(s)


def _is_has_key(function: object, args: tuple) -> bool:
    """A call of the builtin ``has_key`` on a tagged value and a scalar or tagged key
    (one neither an int nor a string is simply absent)."""
    return type(function) is Builtin and function.name == "has_key" and len(args) == 2 \
        and args[0] == Kind.DYN and (args[1] == Kind.DYN or args[1] in dicts.STORED_KINDS)


def _is_len(function: object, args: tuple) -> bool:
    """A call of the builtin ``len`` on one tagged value."""
    return type(function) is Builtin and function.name == "len" and args == (Kind.DYN,)


def _index_t1(s: Step):
    """A dict read natively where the site saw only dicts with int or string keys (as
    at T2: nothing is speculated, anything else takes the generic path), a string's
    character where the site saw strings (or never ran); any other INDEX the
    interpreter runs."""
    if _dict_read(s) or _char_read(s):
        return None
    return _generic(s)


def _get_iter_t1(s: Step):
    if s.stack[-1] in (Kind.INT, RANGE_ARGS):
        return _get_iter(s)
    return _generic(s)   # arrays, strings, dicts ...: the interpreter's [items, position]


def _for_iter_t1(s: Step):
    if s.stack[-2:] == [RANGE, Kind.INT]:
        return _for_iter(s)
    s.typed.generic.add(s.pc)
    return [s.state(s.arg, s.stack[:-2]), s.state(s.pc + 1, s.stack[:-2] + [Kind.DYN] * 3)]


def _not_t1(s: Step):
    if s.stack[-1] == Kind.DYN:   # (a struct's op_not may return anything)
        return None
    return _not(s)


def _try_t1(s: Step):
    """SETUP_TRY / POP_TRY: nothing to do natively. The handlers open at each pc are
    static (vm.step.handlers_at); a Ruff error hands the frame to the interpreter,
    which enters the handler, so native code never reaches it."""
    return [s.state(s.pc + 1)]


def _load_local_t1(s: Step):
    """A local not set on some path holds null there (the interpreter's frames start so)."""
    s.stack.append(Kind.NULL if s.slots[s.arg] == Kind.UNSET else s.slots[s.arg])


def _arithmetic_t1(s: Step):
    """Numbers inline (the result tagged: an overflow, a zero divisor or another type
    takes the generic path, whose result may be anything); the rest generic."""
    if all(k in NUMBERS or k == Kind.DYN for k in s.stack[-2:]):
        if s.op == Op.ADD and Kind.DYN == s.stack[-2] == s.stack[-1] and strings.may_join(s.code, s.pc):
            s.typed.strings.add(s.pc)   # (two strs are joined natively)
        del s.stack[-2:]
        s.stack.append(Kind.DYN)
        return None
    return _generic(s)


def _build_string(s: Step):
    """Interpolation, T1 and T2: built natively (lowering/strings.py) from strs, ints,
    floats, bools and null; a part of any other type at run time takes the generic
    path (a T2 slow path)."""
    parts = s.stack[len(s.stack) - s.arg:] if s.arg else []
    if any(isinstance(part, StackOnly) for part in parts):
        if s.typed.tier == 2:
            return _generic_t2(s, why="a part is not a Ruff value native code holds")
        return _generic(s)
    del s.stack[len(s.stack) - s.arg:]
    s.stack.append(Kind.DYN)
    s.typed.strings.add(s.pc)
    if s.typed.tier == 2:
        s.typed.slow_paths.add(s.pc)
    return None


def _compare_t1(s: Step):
    if s.op in EQUALITY_OPS or all(k in NUMBERS or k == Kind.DYN for k in s.stack[-2:]):
        if Kind.DYN in s.stack[-2:] and (strings.saw_strings(s.code, s.pc) if s.op in EQUALITY_OPS
                                         else strings.may_order(s.code, s.pc)):
            s.typed.strings.add(s.pc)   # (strings compared natively: lowering/texts.py)
        del s.stack[-2:]
        s.stack.append(Kind.BOOL)
        return None
    return _generic(s)


def _neg_t1(s: Step):
    if s.stack[-1] in NUMBERS or s.stack[-1] == Kind.DYN:
        s.stack[-1] = Kind.DYN
        return None
    return _generic(s)


def _refuse_t1(s: Step):
    raise NotCompilable(T1_REFUSED[s.op], s.line)


def t1_table(table: dict) -> dict:
    """T1's table: T2's where it handles the op, else the generic path."""
    table = dict(table)
    for op in Op:
        if table.get(op) in (None, refuse):
            table[op] = _generic
    table.update({
        Op.STORE_LOCAL: _store_local_tagged, Op.CALL: _call_t1, Op.RETURN: _return_tagged,
        Op.LOAD_GLOBAL: _load_global_t1, Op.NEW_CELL: _generic_new_cell, Op.GET_ITER: _get_iter_t1,
        Op.FOR_ITER: _for_iter_t1, Op.NOT: _not_t1, Op.SETUP_TRY: _try_t1, Op.POP_TRY: _try_t1,
        Op.DUP2: _shuffle, Op.ROT3: _shuffle, Op.SWAP: _shuffle, Op.NEG: _neg_t1, Op.LOAD_LOCAL: _load_local_t1,
        Op.BUILD_STRING: _build_string, Op.INDEX: _index_t1, Op.STORE_INDEX: _store_index_t1,
    })
    table.update({op: _arithmetic_t1 for op in ARITHMETIC_OPS})
    table.update({op: _compare_t1 for op in ORDERING_OPS | EQUALITY_OPS})
    table.update({op: _refuse_t1 for op in T1_REFUSED})
    return table


# ------------------------------------------------ T2: leaving sites generic
# What T2 cannot specialize it leaves generic: the value is tagged (``dyn``) and
# the instruction runs through T1's inline-tagged or generic path; each such site
# says why (``TypedCode.generic_reasons``). T2 refuses only what T1 refuses.


def _generic_t2(s: Step, **detail: str):
    """The interpreter runs this instruction; the site says why."""
    s.typed.generic_reasons[s.pc] = generic_reason(s.code, s.pc, **detail)
    return _generic(s)


def _load_global_t2(s: Step):
    """A function (a closure too) or a builtin about to be called is a guarded
    constant; a promoted global a register; an immutable (let/const) int, float or
    bool a constant (watched); any other global the interpreter reads."""
    if _promoted_slot(s.typed, s.arg) is not None:
        return _load_global(s)
    constant = s.typed.constant_of(s.code.names[s.arg]) if s.typed.constant_of is not None else None
    if type(constant) in (int, float, bool):
        s.typed.global_constants[s.pc] = constant
        s.stack.append(value_type(constant))
        return None
    value = s.lookup(s.code.names[s.arg])
    if type(value) is Function or type(value) is Builtin:
        return _load_global(s)
    held = "nothing yet" if value is None else f"a {ruff_type(type(value))}"
    return _generic_t2(s, held=held)


def _call_t2(s: Step):
    """Calls of global functions and builtins as before; any other callee (a closure,
    a value from a local, a field ...), or a function passed as an argument, is
    called by the interpreter."""
    argc = s.arg
    callee, args = s.stack[-argc - 1], s.stack[len(s.stack) - argc:]
    builder = isinstance(callee, FunctionValue) and getattr(callee.callee.function, "reuses_first", False)
    if isinstance(callee, FunctionValue) and not builder and not any(isinstance(a, StackOnly) for a in args):
        return _call(s)
    guarded = _value_callee(s, callee, args)
    if guarded is not None:   # (a function value: called natively while it is this function)
        s.typed.value_callees[s.pc] = guarded
        s.stack[-argc - 1] = FunctionValue(guarded)
        return _call(s)
    if builder and _appends_in_place(s, args):
        del s.stack[-argc - 1:]
        s.stack.append(Kind.DYN)
        s.typed.native_pushes.add(s.pc)
        s.typed.slow_paths.add(s.pc)
        return None
    if builder:   # (the op callback sees the whole frame: whether it may append in place)
        named, why = callee.callee.global_name, "it appends in place through the interpreter (copy-on-write)"
    elif isinstance(callee, FunctionValue):
        named, why = callee.callee.global_name, "a function value is passed as an argument"
    else:
        named, why = operand_name(s.code, s.pc, argc + 1), _why_value_call(s)
    for depth in range(len(s.stack) - argc - 1, len(s.stack)):   # (functions go as tagged values)
        if isinstance(s.stack[depth], FunctionValue):
            s.stack[depth] = Kind.DYN
    return _generic_t2(s, callee=named, why_call=why)


def _value_callee(s: Step, callee: object, args: list) -> Callee | None:
    """What a CALL of a computed value (a local, a parameter, a dict value, a field
    ...) has always called, per the site's feedback (function names), if native
    code can call it: the plain function that name's global holds (a ``callee``
    guard on the value's identity), else the closures of the one code the site
    called (``Closures``: a ``callee-code`` guard on the value's code, the call
    handing the closure's cells over); else None. A site that sees another value
    deopts (and, failing again and again, is rebuilt generic)."""
    if callee != Kind.DYN or any(isinstance(arg, StackOnly) for arg in args):
        return None
    seen = s.code.profile.feedback[s.pc] if s.code.profile is not None else {}
    if len(seen) != 1:
        return None
    (name,) = seen
    function = s.lookup(name) if type(name) is str else None
    if type(function) is Function and not function.cells and function.name == name:
        return Callee(name, function)
    code = s.code.profile.callee_codes.get(s.pc)
    if code is not None and code.name == name:   # (the first function the site called was a Ruff one)
        return Callee(name, Closures(code))
    return None


def value_call_sites(typed: Any) -> tuple[InlineSite, ...]:
    """A note per CALL of a value a unit built from ``typed`` makes natively
    (``_value_callee``), for the views: what it calls, and what another value does."""
    otherwise = "any other value deopts" if typed.tier == 2 else "any other value takes the generic path"
    notes = []
    for pc, callee in sorted(typed.value_callees.items()):
        site = site_text(typed.code, pc)
        if isinstance(callee.function, Closures):
            text = (f"native: {site} calls {callee.function.text()}, its captured variables handed over (a "
                    f"callee-code guard on its code: closures its func made at different times all pass); {otherwise}")
        else:
            text = f"native: {site} calls the function {callee.global_name} (a callee guard); {otherwise}"
        notes.append(InlineSite(pc, typed.code.lines[pc], text))
    return tuple(notes)


def _why_value_call(s: Step) -> str:
    """Why a CALL of a computed value is generic (``_value_callee`` found nothing to
    call natively): the interpreter makes the call, and this code goes on natively
    after it -- a trip through the generic path, not a deopt."""
    seen = s.code.profile.feedback[s.pc] if s.code.profile is not None else {}
    if not seen:
        return f"{NOT_RUN}: native calls need the function its feedback names"
    if len(seen) > 1:
        names = ", ".join(sorted(str(name) for name in seen))
        return (f"polymorphic: it called {len(seen)} functions ({names}), a native call needs one; the "
                "interpreter makes the call and this code stays native (no deopt)")
    (name,) = seen
    if s.code.profile.callee_codes.get(s.pc, name) is None:   # (jit/deopt.py: _saw_another_code)
        return (f"it called functions of more than one code named {name}, a native call needs one; the "
                "interpreter makes the call and this code stays native (no deopt)")
    return f"it called {name}, which native code does not call through a value (a builtin)"


def _appends_in_place(s: Step, args: list) -> bool:
    """``x := push(x, v)`` with ``x`` tagged and ``v`` a scalar or tagged: native code
    appends while ``x`` is this frame's own array of ``v``'s kind (an object: kind any)
    with room (lowering/arrays.py)."""
    following, target = s.code.instrs[s.pc + 1] if s.pc + 1 < len(s.code.instrs) else (None, None)
    return (len(args) == 2 and following == Op.STORE_LOCAL and s.slots[target] == Kind.DYN
            and args[0] == Kind.DYN and (args[1] in elements.PUSHED_KINDS or args[1] == Kind.DYN))


def _get_iter_t2(s: Step):
    if s.stack[-1] in (Kind.INT, RANGE_ARGS):
        return _get_iter(s)
    if s.stack[-1] == Kind.DYN and elements.steps_natively(s.code, s.pc + 1, 2):
        s.stack[-1:] = [Kind.DYN, Kind.DYN]   # (an array or list walked as it is: lowering/iteration.py)
        s.typed.slow_paths.add(s.pc)
        return None
    return _generic_t2(s)   # strings, dicts, generators ...: the interpreter's [items, position]


def _index_t2(s: Step):
    """``xs[i]`` where the site saw arrays of one element kind (int, float, bool) and
    the index is an int: a native load behind an elements-kind and a bounds guard.
    ``d[k]`` where the site saw only dicts with int or string keys: a native lookup
    (``jit/dicts.py``), the generic path for anything else."""
    kind = elements.site_kind(s.code, s.pc, elements.LOADED_TYPES)
    if s.stack[-2] == Kind.DYN and s.stack[-1] == Kind.INT and kind is not None:
        del s.stack[-2:]
        s.stack.append(elements.LOADED_TYPES[kind])
        s.typed.element_loads[s.pc] = kind
        if kind == ANY:   # (an object element gets a handle; a big int takes the interpreter's INDEX)
            s.typed.slow_paths.add(s.pc)
        return None
    if _dict_read(s) or _char_read(s):
        return None
    why = dicts.why_generic(s.code, s.pc, s.stack[-1]) or elements.why_generic(s.code, s.pc, s.stack[-1])
    return _generic_t2(s, why=why)


def _dict_read(s: Step) -> bool:
    """``d[k]`` at a site that saw only dicts with int or string keys, T1 and T2: a
    native lookup (``jit/dicts.py``), the generic path for anything unusual."""
    if not (s.stack[-2] == Kind.DYN and dicts.native_key(s.stack[-1]) and dicts.site_reads_dict(s.code, s.pc)):
        return False
    del s.stack[-2:]
    s.stack.append(Kind.DYN)
    s.typed.dict_loads.add(s.pc)
    s.typed.slow_paths.add(s.pc)
    return True


def _dict_store(s: Step) -> bool:
    """``d[k] := v`` at a site that stored only into dicts, ``v`` a scalar or a tagged
    value, T1 and T2: native under the GIL (a tagged value that is not a scalar or a
    str at run time, or anything unusual, takes the generic path)."""
    value, container, index = s.stack[-3:]
    if not (container == Kind.DYN and dicts.native_key(index) and dicts.stored_natively(value)
            and dicts.site_stores_dict(s.code, s.pc)):
        return False
    del s.stack[-3:]
    s.typed.dict_stores.add(s.pc)
    s.typed.slow_paths.add(s.pc)
    return True


def _store_index_t1(s: Step):
    """A dict store natively where the site stored only into dicts; any other
    STORE_INDEX the interpreter runs."""
    return None if _dict_store(s) else _generic(s)


def _char_read(s: Step) -> bool:
    """``s[i]`` where the site saw strings indexed by ints, or never ran, T1 and T2: a
    string's character read natively (``lowering/texts.py``). A site that never ran
    reads a dict natively too (``lowering/dicts.py``: whichever the receiver is);
    anything else takes the generic path, which records no feedback, so the site
    would never learn it reads dicts."""
    if not (s.stack[-2] == Kind.DYN and s.stack[-1] in (Kind.DYN, Kind.INT) and strings.may_index(s.code, s.pc)):
        return False
    del s.stack[-2:]
    s.stack.append(Kind.DYN)
    s.typed.strings.add(s.pc)
    if s.typed.tier == 2:
        s.typed.slow_paths.add(s.pc)
    if strings.never_ran(s.code, s.pc):
        s.typed.dict_loads.add(s.pc)
    return True


def _store_index_t2(s: Step):
    """``xs[i] := v`` where the site saw arrays of one element kind and ``v`` is a
    value of that kind: a native store (after MUT_LOCAL made ``xs`` this frame's own)."""
    kind = elements.site_kind(s.code, s.pc)
    value, container, index = s.stack[-3:]
    if container == Kind.DYN and index == Kind.INT and kind is not None and value == elements.ELEMENT_TYPES.get(kind):
        del s.stack[-3:]
        s.typed.element_stores[s.pc] = kind
        return None
    if _dict_store(s):
        return None
    if dicts.site_stores_dict(s.code, s.pc):
        return _generic_t2(s, why=dicts.why_store_generic(index, value))
    return _generic_t2(s, why=elements.why_generic(s.code, s.pc, index, value))


def _get_field_t2(s: Step):
    """``p.x`` where the site's inline cache is monomorphic on a struct shape with the
    field: a native load behind a shape guard (a scalar comes out tagged, anything
    else through the generic path)."""
    site = structs.field_site(s.code, s.pc)
    if s.stack[-1] == Kind.DYN and site is not None:
        s.typed.field_loads[s.pc] = site
        s.typed.slow_paths.add(s.pc)
        return None
    why = "the receiver is not a struct" if s.stack[-1] != Kind.DYN else structs.why_generic(s.code, s.pc)
    return _generic_t2(s, why=why)


def _store_field_t2(s: Step):
    """``p.x := v`` where the site's inline cache is monomorphic on a shape with the
    field, ``p`` made the frame's own by the MUT_LOCAL just before and ``v`` a scalar
    or a tagged value: a native store under the GIL (a tagged value that is not a
    scalar at run time, or another shape, takes the generic path)."""
    value, receiver = s.stack[-2:]
    site = structs.store_site(s.code, s.pc)
    if receiver == Kind.DYN and (value in dicts.STORED_KINDS or value == Kind.DYN) and site is not None:
        del s.stack[-2:]
        s.typed.field_stores[s.pc] = site
        s.typed.slow_paths.add(s.pc)
        return None
    if receiver != Kind.DYN:
        why = "the receiver is not a struct"
    elif structs.field_site(s.code, s.pc) is not None and value not in dicts.STORED_KINDS and value != Kind.DYN:
        why = "the value is not known to be a scalar: native field stores take ints, floats, bools and null"
    else:
        why = structs.why_store_generic(s.code, s.pc)
    return _generic_t2(s, why=why)


def _new_struct_t2(s: Step):
    """``Vec { x: a, y: b }`` at a site whose cache saw one shape, naming each field of
    it once: built natively (a tagged struct; a value native code cannot box, or a
    sweep of the handles due, takes the generic path)."""
    site = structs.literal_site(s.code, s.pc)
    count = len(s.arg[1])
    given = s.stack[len(s.stack) - count:] if count else []
    if site is None:
        return _generic_t2(s, why=structs.why_literal_generic(s.code, s.pc))
    if any(isinstance(value, StackOnly) for value in given):
        return _generic_t2(s, why="a field's value is not a Ruff value native code holds")
    del s.stack[len(s.stack) - count:]
    s.typed.struct_literals[s.pc] = site
    s.stack.append(Kind.DYN)
    return None


def _call_method_t2(s: Step):
    """``v.m(...)`` at a monomorphic site: a shape guard, then a native call of the
    method (``_native_method``); any other site the interpreter calls."""
    native = _native_method(s, s.arg[1] + 1)
    if native is not False:
        return native
    return _generic_t2(s, why=structs.why_generic(s.code, s.pc, "native method calls"))


def _operator_t2(base):
    """``a + b`` ...: a struct's operator method called natively where the site saw
    only structs of one shape on its left (``_native_method``), else ``base``."""
    def transfer(s: Step):
        native = _native_method(s, 2) if s.stack[-2] == Kind.DYN else False
        return base(s) if native is False else native
    return transfer


def _native_method(s: Step, argc: int):
    """A call of the method ``jit/structs.method_site`` found for this site, the
    receiver and the ``argc - 1`` arguments above it its arguments, typed as a call
    of a global function is; False when the site does not qualify."""
    site = structs.method_site(s.code, s.pc)
    args = tuple(s.stack[len(s.stack) - argc:])
    if site is None or args[0] != Kind.DYN or len(site[1].code.params) != argc \
            or any(isinstance(a, StackOnly) for a in args):
        return False
    shape, method = site
    plan = inlining.plan_for(shape, method, args) if method.code is not s.code else "a recursive call"
    if isinstance(plan, str):
        result = s.return_type_of(method, args)
        if result == Kind.BOTTOM:   # a recursive call whose type is not known yet: ignore this path
            return []
        s.typed.not_inlined[s.pc] = plan
    else:   # (its failing checks re-execute the call through the generic path: a slow path)
        result = plan.result
        s.typed.inlined[s.pc] = plan
        s.typed.slow_paths.add(s.pc)
    del s.stack[len(s.stack) - argc:]
    s.typed.callees[s.pc] = Callee(f"{shape.name}.{method.name}", method)
    s.typed.method_calls[s.pc] = shape
    s.stack.append(Kind.DYN if result is None else result)
    return None


def _mut_local_t2(s: Step):
    """``MUT_LOCAL x`` (before ``x[i] := v``): native when ``x`` holds an object only
    this frame holds (lowering/arrays.py), else the interpreter's (which copies)."""
    if s.slots[s.arg] == Kind.DYN:
        s.stack.append(Kind.DYN)
        s.typed.slow_paths.add(s.pc)
        return None
    return _generic_replacing_t2(s)


def _for_iter_t2(s: Step):
    if s.stack[-2:] != [RANGE, Kind.INT] and not elements.steps_natively(s.code, s.pc, 2):
        s.typed.generic_reasons[s.pc] = generic_reason(s.code, s.pc)
    return _for_iter_t1(s)


def _store_local_t2(s: Step):
    if isinstance(s.stack[-1], FunctionValue):   # (a function kept in a local: a tagged value)
        s.stack[-1] = Kind.DYN
    return _store_local(s)


def _yield_t2(s: Step):
    """A generator's body is resumed by the interpreter, never called: only an OSR
    loop could reach a YIELD, and native code cannot suspend its frame."""
    if s.typed.region is not None:
        return refuse(s)
    return _generic_t2(s)


def t2_table(table: dict) -> dict:
    """T2's table: what it refused becomes generic (with its reason); T1's refusals stay."""
    table = dict(table)
    for op, transfer in list(table.items()):
        if transfer is refuse:
            table[op] = _generic_t2
    table.update({
        Op.LOAD_GLOBAL: _load_global_t2, Op.CALL: _call_t2, Op.GET_ITER: _get_iter_t2, Op.FOR_ITER: _for_iter_t2,
        Op.INDEX: _index_t2, Op.STORE_INDEX: _store_index_t2, Op.GET_FIELD: _get_field_t2,
        Op.STORE_FIELD: _store_field_t2,
        Op.CALL_METHOD: _call_method_t2, Op.NEW_STRUCT: _new_struct_t2,
        Op.STORE_LOCAL: _store_local_t2, Op.LOAD_LOCAL: _load_local_t1, Op.NEW_CELL: _generic_replacing_t2,
        Op.LOAD_CELL: _load_captured_t2, Op.LOAD_FREE: _load_captured_t2,
        Op.STORE_CELL: _store_captured_t2, Op.STORE_FREE: _store_captured_t2,
        Op.SETUP_TRY: _try_t1, Op.POP_TRY: _try_t1, Op.YIELD: _yield_t2, Op.STORE_GLOBAL: _store_global, Op.DUP2: _shuffle, Op.ROT3: _shuffle, Op.SWAP: _shuffle,
        Op.BUILD_STRING: _build_string,
    })
    table[Op.MUT_LOCAL] = _mut_local_t2
    table.update({op: _operator_t2(table[op]) for op in ARITHMETIC_OPS})
    table.update({op: _refuse_t1 for op in T1_REFUSED})
    return table


def _load_captured_t2(s: Step):
    """LOAD_CELL / LOAD_FREE: the cell's value read natively (lowering/cells.py): a
    scalar comes out tagged, any other object with a handle."""
    if s.op == Op.LOAD_CELL and s.slots[s.arg] != Kind.DYN:   # (no cell in the local on this path)
        return _generic_t2(s)
    s.stack.append(Kind.DYN)
    s.typed.captured.add(s.pc)
    s.typed.slow_paths.add(s.pc)
    return None


def _store_captured_t2(s: Step):
    """STORE_CELL / STORE_FREE of a scalar (or of a tagged value, which takes the
    generic path unless it is one at run time): written natively under the GIL."""
    value = s.stack[-1]
    if s.op == Op.STORE_CELL and s.slots[s.arg] != Kind.DYN:
        return _generic_t2(s)
    if value not in dicts.STORED_KINDS and value != Kind.DYN:
        return _generic_t2(s, why="the value is not known to be a scalar: native cell stores take ints, floats, "
                                  "bools and null")
    s.stack.pop()
    s.typed.captured.add(s.pc)
    s.typed.slow_paths.add(s.pc)
    return None


def _generic_replacing_t2(s: Step):
    """NEW_CELL, MUT_LOCAL: the interpreter may replace the local (a cell, a copy)."""
    _generic_t2(s)
    s.slots[s.arg] = Kind.DYN


def _store_global(s: Step):
    """A global an OSR unit keeps in a register; the rest is generic."""
    slot = _promoted_slot(s.typed, s.arg)
    if slot is None:
        return _generic_t2(s)
    if s.code.names[s.arg] in s.typed.region.immutable:
        return s.fails()
    s.slots[slot] = s.stack.pop()
