"""Ruff arrays with element kinds (V8's PACKED_SMI / PACKED_DOUBLE / PACKED_ELEMENTS).

An ``RArray`` knows what its elements are and stores them accordingly:

    kind      elements             storage (``items``)
    empty     none yet             a Python list (empty)
    int       all ints             ``array('q')``: unboxed i64, native code loads them
    float     all floats           ``array('d')``: unboxed doubles
    bool      all bools            ``array('B')``: one byte per element, 0 or 1
    any       anything             a Python list

A kind only ever moves towards ``any`` (empty -> int/float/bool ->
any): storing a value of another type *transitions* the array, an event
the VM reports with the site. Ints and floats stay apart (a float in an int
array makes it ``any``), since Ruff's ``1`` and ``1.0`` are different
values.

A plain Python ``list`` is an array too, of kind ``any``: most builtins
build their results as lists, and nothing needs them typed. The arrays made
where speed matters -- literals, ``range``, ``push``, concatenation, copies --
are ``RArray``s.

``items[i]`` is the element itself in the kinds int, float and any (an
``array`` gives back a Python int or float), so the interpreter reads and
iterates their ``items`` directly. A bool array's ``items[i]`` is a byte, 0 or 1
(a byte, not a pointer, because passes over big bool arrays are memory-bound),
so readers of ``items`` check for kind bool and turn the byte into ``False``/
``True`` (``values.index_get``, the interpreter's FOR_ITER); the RArray's own
``[i]``, iteration, equality and copies give bools already. Stores go through
``store``/``append`` (an ``array('B')`` takes ``True``/``False`` as 1/0).
"""

from __future__ import annotations

from array import array
from typing import Any, Iterable

EMPTY, INT, FLOAT, BOOL, ANY = range(5)
KIND_NAMES = ("empty", "int", "float", "bool", "any")
# The Python type every element of a kind has (None: no element yet, or any).
_ELEMENT_TYPE: tuple = (None, int, float, bool, None)
_KIND_OF_TYPE = {int: INT, float: FLOAT, bool: BOOL}


def _storage(kind: int, values: Iterable[Any]) -> Any:
    if kind == INT:
        return array("q", values)
    if kind == FLOAT:
        return array("d", values)
    if kind == BOOL:
        return array("B", values)
    return list(values)


def kind_of(values: list) -> int:
    """The narrowest kind holding every value in ``values``."""
    if not values:
        return EMPTY
    first = type(values[0])
    kind = _KIND_OF_TYPE.get(first, ANY)
    if kind != ANY:
        for value in values:
            if type(value) is not first:
                return ANY
    return kind


class RArray:
    """A Ruff array: its element kind and its storage (see the module doc)."""

    __slots__ = ("kind", "items")

    def __init__(self, kind: int, items: Any) -> None:
        self.kind = kind
        self.items = items

    # --- reading: the storage behaves like a list of Ruff values
    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items) if self.kind != BOOL else map(bool, self.items)

    def __getitem__(self, index: Any) -> Any:
        if type(index) is slice:
            return RArray(self.kind if len(self.items) else EMPTY, self.items[index])
        element = self.items[index]
        return element if self.kind != BOOL else element == 1

    def __eq__(self, other: Any) -> bool:   # Python's equality (tests, host code); Ruff's is values_equal
        return type(other) in (list, array, RArray) and list(self) == list(other)

    __hash__ = None   # type: ignore[assignment]   (mutable, as a list)

    def __repr__(self) -> str:
        return f"RArray({KIND_NAMES[self.kind]}, {list(self)!r})"

    def copy(self) -> "RArray":
        return RArray(self.kind, self.items[:])

    # --- writing: a value of another type transitions the kind first
    def store(self, index: int, value: Any) -> int | None:
        """``self[index] = value`` (index already checked); the kind left behind
        if this transitioned the array, else None."""
        if type(value) is _ELEMENT_TYPE[self.kind] or self.kind == ANY:
            self.items[index] = value
            return None
        before = self.kind
        self._generalize(value)
        self.items[index] = value
        return before

    def append(self, value: Any) -> int | None:
        """Append in place; the kind left behind if this transitioned, else None."""
        if type(value) is _ELEMENT_TYPE[self.kind] or self.kind == ANY:
            self.items.append(value)
            return None
        before = self.kind
        self._generalize(value)
        self.items.append(value)
        return before

    def _generalize(self, value: Any) -> None:
        kind = _KIND_OF_TYPE.get(type(value), ANY)
        self._become(kind if self.kind == EMPTY else ANY)

    def _become(self, kind: int) -> None:
        self.items = _storage(kind, iter(self))   # (through the old kind: a bool array's bytes as bools)
        self.kind = kind


def make_array(values: list) -> RArray:
    """An array of ``values`` (a list the caller gives up), in the narrowest kind."""
    kind = kind_of(values)
    return RArray(kind, values if kind in (EMPTY, ANY) else _storage(kind, values))


def as_list(value: Any) -> list:
    """The elements of an array as a Python list (the list itself when it is one)."""
    return value if type(value) is list else list(value)


ARRAY_TYPES = (list, RArray)
