"""What T2 knows about arrays' element kinds (``core.arrays``): which indexing
sites it loads natively, the type it gets, and the words its guards and deopts use.

An INDEX site is loaded natively (and a STORE_INDEX site stored into) when its feedback saw only typed arrays of one
kind -- int, float or bool -- with an int index (the interpreter counts typed
arrays by kind there: ``vm.interpreter``'s INDEX, ``vm.step``). Native code then
checks the value is such an array (an ``elements-kind`` guard: speculative, so
failing ones despecialize like a type guard) and the index is in bounds (a
``bounds`` guard: the interpreter raises the error), and loads the element
unboxed (``lowering/arrays.py``)."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.arrays import ANY, BOOL, EMPTY, FLOAT, INT, KIND_NAMES, RArray
from ruffdbg.core.values import type_name
from ruffdbg.jit.generic_reasons import NOT_RUN
from ruffdbg.jit.types import Kind
from ruffdbg.profile.report import ruff_type

# element kind -> the native type of a loaded element
ELEMENT_TYPES = {INT: Kind.INT, FLOAT: Kind.FLOAT, BOOL: Kind.BOOL}
# element kind -> the type of a loaded element: also an array of kind any's, whose
# elements come out tagged (scalars unboxed, objects through a handle); only loads
LOADED_TYPES = {**ELEMENT_TYPES, ANY: Kind.DYN}
# the native type of a pushed value -> the element kind of the arrays it goes into natively
PUSHED_KINDS = {native: kind for kind, native in ELEMENT_TYPES.items()}


def site_kind(code: CodeObject, pc: int, kinds: dict = ELEMENT_TYPES) -> int | None:
    """The one element kind the indexing site at ``pc`` saw (int keys in its
    feedback), if it saw nothing else: no plain list, no other container or index.
    ``kinds``: those handled natively (loads: ``LOADED_TYPES``, with kind any)."""
    profile = code.profile
    if profile is None or profile.fast_hits[pc]:
        return None
    seen = profile.feedback[pc]
    if len(seen) != 1:
        return None
    (key,) = seen
    return key if type(key) is int and key in kinds else None


# What native code steps a ``for`` loop over (lowering/iteration.py), by tier:
# arrays of ints, floats and bools (and empty ones: the loop ends at once); at T2 also
# arrays of any values and plain lists, and so dicts and strings, whose keys and
# characters the interpreter's GET_ITER lists (once per loop: values.iterate).
STEPPED = {1: frozenset({EMPTY, INT, FLOAT, BOOL}), 2: frozenset({EMPTY, INT, FLOAT, BOOL, ANY, list, dict, str})}


def steps_natively(code: CodeObject, for_pc: int, tier: int) -> bool:
    """Whether the FOR_ITER at ``for_pc`` walked only what native code steps itself
    (its GET_ITER's feedback, just before it), so it is no trip through the interpreter."""
    profile = code.profile
    if profile is None or for_pc < 1 or code.instrs[for_pc - 1][0] != Op.GET_ITER:
        return False
    seen = profile.feedback[for_pc - 1]
    return bool(seen) and all(key in STEPPED[tier] for key in seen)


def why_generic(code: CodeObject, pc: int, index_type: Any, value_type: Any = None) -> str:
    """Why an indexing or element-store site stays generic, from what it saw."""
    profile = code.profile
    seen = {_seen_name(key) for key in (profile.feedback[pc] if profile else ())}
    if profile is not None and profile.fast_hits[pc]:
        seen.add("array<any>")
    if not seen:
        return NOT_RUN
    kind = site_kind(code, pc, LOADED_TYPES)
    if kind is not None and index_type != Kind.INT:
        return "the index is not known to be an int"
    if kind is not None and value_type is not None and value_type != ELEMENT_TYPES.get(kind):
        if kind == ANY:
            return "native stores need an array of int, float or bool elements, saw array<any>"
        return f"the value stored is not known to be a {KIND_NAMES[kind]}"
    return ("saw " + ", ".join(sorted(seen))
            + ": native loads need arrays of one kind (int, float, bool or any), or dicts keyed by ints or strings")


def _seen_name(key: Any) -> str:
    """A feedback key as the views name it: an int is a typed array's kind."""
    if type(key) is int:
        return f"array<{KIND_NAMES[key]}>"
    parts = key if type(key) is tuple else (key,)
    return ", ".join("array<any>" if part is list else ruff_type(part) for part in parts)


def deopt_reason(site: str, expected: int, container: Any, index: Any) -> str:
    """``xs[i]: expected float elements, got array<any> (int at [3])``."""
    if type(container) is RArray:
        got = f"array<{KIND_NAMES[container.kind]}>"
        if type(index) is int and -len(container.items) <= index < len(container.items):
            got += f" ({type_name(container[index])} at [{index}])"
    else:
        got = "array<any>" if type(container) is list else type_name(container)
    return f"{site}: expected {KIND_NAMES[expected]} elements, got {got}"
