"""Copy-on-write: Ruff's arrays, dicts and structs have value semantics.

Assigning a container never copies it; mutating one does, but only when
something besides the variable (or the parent container) being assigned
through still refers to it. That is read off CPython's reference count, so the
``MUT_*`` ops (vm/ops.py) call these helpers to make each container on an
assignment path ``a[i].f := v`` unshared before the final ``STORE_*`` writes.

Handlers therefore take care not to leave containers behind in loop
temporaries or Python locals, which would count as holders and force a copy.
"""

from __future__ import annotations

import sys
from typing import Any

from ruffdbg.core import values
from ruffdbg.core.arrays import RArray
from ruffdbg.core.objects import Cell, StructValue

CONTAINERS = (list, RArray, dict, StructValue)
# A container is unshared when the only references to it are its holder's slot,
# the helper's local variable and ``sys.getrefcount``'s own argument.
UNSHARED = 3


class CopyOnWrite:
    """The VM's copy-on-write helpers (a mixin: the VM counts ``cow_copies``)."""

    cow_copies: int
    # References to the container about to be made unshared that are not holders:
    # set by a higher tier for one instruction (the JIT's handles for a frame it
    # boxed, which the boxed frame already shows). 0 in the interpreter.
    cow_discount: int = 0

    def _copy(self, container: Any) -> Any:
        self.cow_copies += 1
        return container.copy()

    def _unique_in(self, holder: Any, key: Any) -> Any:
        """``holder[key]`` (a local slot, a global), copied into place first if shared."""
        value = holder[key]
        if sys.getrefcount(value) > UNSHARED + self.cow_discount and type(value) in CONTAINERS:
            value = holder[key] = self._copy(value)
        return value

    def _unique_in_cell(self, cell: Cell) -> Any:
        """The value of a captured variable, copied into place first if shared."""
        value = cell.value
        if sys.getrefcount(value) > UNSHARED + self.cow_discount and type(value) in CONTAINERS:
            value = cell.value = self._copy(value)
        return value

    def _unique_item(self, parent: Any, index: Any) -> Any:
        """``parent[index]`` (Ruff indexing), copied into place first if shared (MUT_INDEX)."""
        child = values.index_get(parent, index)
        if sys.getrefcount(child) > UNSHARED + self.cow_discount and type(child) in CONTAINERS:
            child = self._copy(child)
            values.index_set(parent, index, child)
        return child

    def _unique_field(self, parent: Any, name: str) -> Any:
        """``parent.<name>``, copied into place first if shared (MUT_FIELD)."""
        child = values.field_get(parent, name)
        if sys.getrefcount(child) > UNSHARED + self.cow_discount and type(child) in CONTAINERS:
            child = self._copy(child)
            values.field_set(parent, name, child)
        return child
