"""Heap objects of the Ruff VM that have no Python equivalent.

Ruff values map onto Python values where Python already has the right thing:

    null -> None      bool -> bool       int -> int (kept inside i64)
    float -> float    string -> str      array -> list      dict -> dict (str keys)

Arrays, dicts and structs are *values* in Ruff: ``b := a; b[0] := 9`` leaves
``a`` alone. The VM gets that with copy-on-write: a container is shared freely
and copied only when it is mutated while something else still refers to it
(see ``vm.interpreter.make_unique``). The classes here are the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


class Cell:
    """A captured variable: closures share the cell, so captures are by reference."""

    __slots__ = ("value",)

    def __init__(self, value: Any = None):
        self.value = value


class Function:
    """A Ruff function value: compiled code plus the cells it captured."""

    __slots__ = ("code", "cells")

    def __init__(self, code: Any, cells: tuple[Cell, ...] = ()):
        self.code = code  # compiler.bytecode.CodeObject
        self.cells = cells

    @property
    def name(self) -> str:
        return self.code.name

    def __repr__(self) -> str:
        return f"<function {self.name}>"


@dataclass(eq=False)
class Builtin:
    """A function implemented in Python. ``fn(ctx, args)`` returns a Ruff value."""

    name: str
    fn: Callable[[Any, list], Any]
    arities: tuple[int, ...] | None = None  # None: any number of arguments
    # May return its first argument changed when nobody else holds it (push): the
    # VM then drops a local the call's result is about to replace (``drop_replaced``).
    reuses_first: bool = False

    def __repr__(self) -> str:
        return f"<builtin {self.name}>"


@dataclass(eq=False)
class StructType:
    """A ``struct`` declaration: field names with defaults, and methods (Ruff
    functions; a builtin struct's, such as ``arg_parser()``'s, are ``Builtin``s
    that get the receiver as their first argument).

    The object is also the *shape* of its values (the field set is fixed per
    declaration), which inline caches compare by identity: each run of a
    declaration is a new shape, numbered per name by the VM (``shape``: 1 for
    the first ``Point``, 2 for a redeclared one; 0 for the builtin structs).
    A value keeps its fields in a list in ``field_names`` order, so a shape
    fixes every field's slot (``slot``): native code loads field k at a fixed
    offset once it has checked the shape. ``methods`` never changes after the
    declaration ran, so a shape also fixes every method."""

    name: str
    field_names: list[str]
    defaults: dict[str, Any] = field(default_factory=dict)
    methods: dict[str, Function | Builtin] = field(default_factory=dict)
    shape: int = 0
    slot: dict[str, int] = field(init=False, repr=False)   # field name -> its index in a value's slots
    blank: list[Any] = field(init=False, repr=False)       # a new value's slots: the defaults, else null
    # The field names in slot order, as a tuple: a literal giving every field in
    # this order (the usual case) has its values as the slots already.
    order: tuple[str, ...] = field(init=False, repr=False)
    # Other literals' field orders (a name tuple) -> their fields' slots, filled by the VM.
    layouts: dict[tuple[str, ...], tuple[int, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.slot = {name: index for index, name in enumerate(self.field_names)}
        self.blank = self.slots_of(self.defaults)
        self.order = tuple(self.field_names)
        self.layouts = {}

    @property
    def shape_name(self) -> str:
        """How views name the shape: ``Point#1``, ``Point#2``; a builtin struct by its name."""
        return f"{self.name}#{self.shape}" if self.shape else self.name

    def slots_of(self, fields: dict[str, Any]) -> list[Any]:
        """A value's slots from a name -> value dict (a field it lacks is null)."""
        return [fields.get(name) for name in self.field_names]


class StructValue:
    """An instance of a struct: ``slots`` holds its fields in its shape's order
    (``type.field_names``; never resized). ``fields`` is a name -> value copy for
    the code that is not hot (printing, equality, builtins)."""

    __slots__ = ("type", "slots")

    def __init__(self, type: StructType, slots: list[Any] | dict[str, Any]):
        self.type = type
        self.slots = slots if slots.__class__ is list else type.slots_of(slots)

    @property
    def fields(self) -> dict[str, Any]:
        return dict(zip(self.type.field_names, self.slots))

    @property
    def name(self) -> str:
        return self.type.name

    def get(self, name: str, default: Any = None) -> Any:
        """The field ``name``, or ``default`` when the shape has none."""
        index = self.type.slot.get(name)
        return default if index is None else self.slots[index]

    def copy(self) -> "StructValue":
        return StructValue(self.type, self.slots.copy())


class Variant:
    """An enum value: ``Ok(v)``, ``Err(e)``, ``Some(v)``, ``None``, ``Color::Red``,
    ``Shape::Circle(r)``.

    ``tag`` is how it prints: the built-in Result and Option variants by their
    short name (``Result::Ok(v)`` *is* ``Ok(v)``), a declared enum's as
    ``Enum::Variant``. The payload is a tuple: variants are immutable, so they
    need no copy-on-write.
    """

    __slots__ = ("tag", "payload")

    def __init__(self, tag: str, payload: tuple = ()):
        self.tag = tag
        self.payload = payload

    @property
    def short_tag(self) -> str:
        return self.tag.rpartition("::")[2]

    def __repr__(self) -> str:
        return f"<variant {self.tag}/{len(self.payload)}>"


# The built-in enums' variants, by short name and by qualified name.
RESULT_TAGS = frozenset(["Ok", "Err"])
OPTION_TAGS = frozenset(["Some", "None"])
BUILTIN_VARIANTS = {"Result::Ok": "Ok", "Result::Err": "Err", "Option::Some": "Some", "Option::None": "None"}
NONE_VALUE = Variant("None")


# The value ``except err`` binds: a struct with message, stack and line.
ERROR_TYPE = StructType("Error", ["message", "stack", "line"])


def make_error_value(message: str, stack: list[str], line: int) -> StructValue:
    return StructValue(ERROR_TYPE, [message, list(stack), line])
