"""The type lattice of native code: what inference gives every local and every
operand-stack slot, and what lowering turns into LLVM values.

A value's type is a ``Kind``: a scalar native code computes on (``int float
bool null``), or ``dyn``, a tagged (tag, bits) value whose type is known only at
run time. ``unset`` (a local not assigned yet) and ``bottom`` (the type of a
recursive call not known yet) only occur while inferring. ``Kind`` is a ``str``
enum: ``Kind.INT == "int"``, and it prints as ``int`` wherever types are shown
(parameter types, compile events, listings).

The operand stack also holds three things that are not values native code
computes with, each a frozen dataclass: the function about to be called
(``FunctionValue``; a constant, guarded at its LOAD_GLOBAL), the arguments of a
``range(...)`` about to be iterated (``RANGE_ARGS``), and a counted loop's items
(``RANGE``: start, stop, step and count).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Union


class Kind(StrEnum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    NULL = "null"
    DYN = "dyn"          # tagged: (tag, bits), dispatched on at run time
    UNSET = "unset"      # a local not assigned yet (slots only)
    BOTTOM = "bottom"    # a recursive call's result while it is being inferred: the path is ignored


SCALARS = (Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.NULL)   # what T2 unboxes
NUMBERS = (Kind.INT, Kind.FLOAT)


@dataclass(frozen=True)
class Callee:
    """A function a CALL site calls: the global it comes from and the Function or Builtin."""

    global_name: str
    function: Any


@dataclass(frozen=True, eq=False)
class Closures:
    """The callee of a CALL site that calls closures of one code (``Callee.function``):
    which closure is known only at run time, so the site's guard checks the code,
    and the call hands the closure's cells over (lowering/calls.py)."""

    code: Any   # compiler.bytecode.CodeObject

    @property
    def name(self) -> str:
        return self.code.name

    def text(self) -> str:
        """How the views and deopt reasons name what the site calls."""
        if not self.code.free_names:   # (a function made inside another, capturing nothing)
            return f"a {function_text(self.code)[4:]}"
        return f"a closure of {self.code.name}{_where(self.code)}"


def function_text(code: Any) -> str:
    """"the function f"; a ``func`` expression's with its line."""
    return f"the function {code.name}{_where(code)}"


def _where(code: Any) -> str:
    return f" at line {code.first_line}" if code.name == "<anonymous>" else ""


class StackOnly:
    """An operand-stack entry that is not a value native code computes with."""

    __slots__ = ()


@dataclass(frozen=True)
class FunctionValue(StackOnly):
    """The function about to be called (read from a global, guarded to stay the same)."""

    callee: Callee


@dataclass(frozen=True)
class RangeArgs(StackOnly):
    """The arguments of ``range(...)`` about to be iterated: no array is built."""


@dataclass(frozen=True)
class RangeItems(StackOnly):
    """A counted loop's items: start, stop, step and count (four i64s natively)."""


RANGE_ARGS = RangeArgs()
RANGE = RangeItems()

StackType = Union[Kind, str, StackOnly]   # (str: a Ruff type name a display-only unit was asked for)
