"""T2's native element loads: ``xs[i]`` on an array of one element kind
(``jit/elements.py`` decides which sites), straight from its storage.

A tagged array is an object handle; the object table (``runtime.CTX_OBJECTS``)
gives its Python object's address. Native code checks that it is an ``RArray``
of the kind the site saw (the ``elements-kind`` guard: its type word, then its
kind slot, which holds one of the small-int objects 1..3), finds the storage
(an ``array('q')``/``array('d')``, or for bools a list of the two bool objects),
counts a negative index from the end as Ruff does, checks the bounds (the
``bounds`` guard: out of range, the interpreter raises the error) and loads the
element: an i64, a double, or ``element == True``."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.core.arrays import BOOL, FLOAT, KIND_NAMES, RArray
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.elements import ELEMENT_TYPES
from ruffdbg.profile.ics import site_text
from ruffdbg.jit.lowering.common import F64, I64, I64P


class ArrayElements:
    """(Part of ``Lowering``.) INDEX at a site ``typed.element_loads`` names."""

    def op_INDEX(self, pc: int, op: int, arg: Any) -> None:
        kind = self.typed.element_loads[pc]
        b = self.builder
        (container, _), (index, _) = self.stack[-2], self.stack[-1]
        site = site_text(self.code, pc)
        guard = self.new_guard("elements-kind", pc, f"{site}: array<{KIND_NAMES[kind]}>")
        guard.element_kind = kind
        self.deopt_if(b.icmp_unsigned("!=", b.extract_value(container, 0), ir.Constant(I64, rt.TAG_OBJECT)), guard)
        table = b.inttoptr(b.load(self.ctx_word(rt.CTX_OBJECTS)), I64P)
        array = b.load(b.gep(table, [b.extract_value(container, 1)]))
        self.deopt_if(b.icmp_unsigned("!=", self._field(array, rt.OB_TYPE), ir.Constant(I64, id(RArray))), guard)
        self.deopt_if(b.icmp_unsigned("!=", self._field(array, rt.RARRAY_KIND), ir.Constant(I64, id(kind))), guard)
        storage = self._field(array, rt.RARRAY_ITEMS)
        length = self._field(storage, rt.VAR_SIZE)
        at = b.select(b.icmp_signed("<", index, ir.Constant(I64, 0)), b.add(index, length), index)
        bounds = self.new_guard("bounds", pc, f"{site}: index within the length")
        self.deopt_if(b.icmp_unsigned(">=", at, length), bounds)
        element = b.load(b.gep(b.inttoptr(self._field(storage, rt.ITEMS_DATA), I64P), [at]))
        if kind == FLOAT:
            element = b.bitcast(element, F64)
        elif kind == BOOL:
            element = b.icmp_unsigned("==", element, ir.Constant(I64, id(True)))
        del self.stack[-2:]
        self.push(element, ELEMENT_TYPES[kind])

    def _field(self, address: ir.Value, offset: int) -> ir.Value:
        """The word at ``address + offset`` (an object's field)."""
        b = self.builder
        return b.load(b.inttoptr(b.add(address, ir.Constant(I64, offset)), I64P))
