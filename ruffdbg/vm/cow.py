"""Copy-on-write: Ruff's arrays, dicts and structs have value semantics.

Assigning a container never copies it; mutating one does, but only when
something besides the variable (or the parent container) being assigned
through still refers to it. That is read off CPython's reference count, so the
``MUT_*`` ops (vm/ops.py) call these helpers to make each container on an
assignment path ``a[i].f := v`` unshared before the final ``STORE_*`` writes.

Builders reuse their operand the same way: ``drop_replaced`` clears the
variable a ``push`` or string ``+`` result is about to replace, so the builder
sees whether anything else holds the old value.

Handlers therefore take care not to leave containers behind in loop
temporaries or Python locals, which would count as holders and force a copy.
"""

from __future__ import annotations

import sys
from typing import Any

from ruffdbg.compiler.opcodes import Op
from ruffdbg.core import values
from ruffdbg.core.arrays import RArray
from ruffdbg.core.objects import Cell, StructValue
from ruffdbg.vm.frame import Frame

CONTAINERS = (list, RArray, dict, StructValue)
# A container is unshared when the only references to it are its holder's slot,
# the helper's local variable and ``sys.getrefcount``'s own argument.
UNSHARED = 3


class CopyOnWrite:
    """The VM's copy-on-write helpers (a mixin: the VM counts ``cow_copies``)."""

    cow_copies: int
    globals: dict
    global_kinds: dict
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

    def drop_replaced(self, frame: Frame, pc: int, value: Any) -> None:
        """Clear the variable the instruction at ``pc`` stores into if it holds
        ``value``, which that store is about to replace (`s := s + t`,
        `arr := push(arr, v)`): then whoever builds the new value sees whether
        anything else still holds the old one, and can reuse it. Only before an
        operation that cannot fail: a handler would see the variable cleared."""
        op, arg = frame.code.instrs[pc]
        if op == Op.STORE_LOCAL and frame.locals[arg] is value:
            frame.locals[arg] = None
        elif op == Op.STORE_GLOBAL:
            name = frame.code.names[arg]
            if self.globals.get(name) is value and name not in self.global_kinds:  # (a let would raise)
                self.globals[name] = None
