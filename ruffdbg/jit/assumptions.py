"""What a unit assumes, and how each assumption is enforced.

Native code is only correct while its assumptions hold: the types it was
specialized on, the function a global holds, the scalar globals an OSR loop
keeps in registers, the range a ``for`` loop around it counts, the callee
units it calls directly. Each is either *checked* (a guard in the code, or a
check made when the loop is entered) or *watched* (a dependency: the unit is
retired when what it depends on changes). The records are made when a unit is
built, from what inference and lowering decided (its guards, its OSR region
and entry types, the units it calls directly), never re-derived from text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ruffdbg.jit import sinking
from ruffdbg.jit.inference import TypedCode
from ruffdbg.jit.lowering import Guard
from ruffdbg.jit.types import Kind

# Assumption kinds, with the guard kind that checks each (None: not a guard).
ASSUMPTION_OF_GUARD = {
    "type": "argument-type",           # a parameter's type, checked at entry
    "call-result": "call-result-type",  # what a call returns
    "global-unchanged": "callee-identity",   # the function a global holds, checked before the call
    "callee": "callee-identity",       # the function a called value (a local, a field ...) holds
    "callee-code": "callee-code",      # the code of the closure a called value holds (any captured values)
    "global-type": "global-type",      # a promoted global's type after a call (a callee may change it)
    "shape": "receiver-shape",         # a field / method / operator site's struct shape (which fixes the method)
    "declared-shape": "literal-shape",  # the shape a struct literal builds (its name not declared again)
    "virtual-struct": "struct-as-fields",   # a local kept as a struct's fields holds one (jit/sinking.py)
}
KINDS = ("argument-type", "call-result-type", "callee-identity", "callee-code", "promoted-global", "global-type",
         "osr-entry-type", "loop-range", "callee-unit", "immutable-global", "receiver-shape", "literal-shape", "stable-array",
         "inlined-method", "struct-as-fields")


@dataclass(frozen=True)
class Assumption:
    """One assumption of one unit: ``kind`` (see KINDS), ``what`` it assumes, where
    (function, pc, line), and how it is enforced: "guard #N" (a check in the
    native code), "entry check" (checked each time an OSR loop is entered),
    "synced at calls" (a promoted global: written to its home before every call
    and reloaded after, so other code sees and changes the real value), "found on
    loop entry" (an array's facts, found as the loop is entered; its sites fall
    back to checking them when it holds another kind) or
    "watch" (a dependency: the unit is retired when it breaks)."""

    kind: str
    what: str
    function: str
    pc: int
    line: int
    enforced: str

    def text(self) -> str:
        return f"{self.kind}: {self.what} ({self.enforced}; {self.function} line {self.line}, pc {self.pc})"


@dataclass(frozen=True)
class UnitAssumptions:
    """A unit's assumptions, as the Session hands them out. ``current``: the unit
    is still in use (False: retired, kept for the record)."""

    unit: int
    tier: str
    loop_line: int | None                    # an OSR unit: the line of its loop's header
    current: bool
    assumptions: tuple[Assumption, ...]
    generic_sites: tuple = ()                # views.GenericSite: what it leaves generic, and why
    inline_sites: tuple = ()                 # views.InlineSite: its method calls inlined (or why not), its native string sites


def collect(typed: TypedCode, guards: Iterable[Guard], callees: Iterable[Any],
            stable_arrays: Iterable[tuple[int, int]] = ()) -> tuple[Assumption, ...]:
    """The assumptions of a unit built from ``typed``, whose lowering emitted
    ``guards``, which calls the units ``callees`` directly and whose element
    sites use what each loop found on entry about an array (``stable_arrays``:
    (loop header, local) pairs)."""
    code, guards = typed.code, list(guards)
    found = [Assumption(ASSUMPTION_OF_GUARD[guard.kind], guard.detail, code.name, guard.pc, guard.line,
                        f"guard #{guard.id}")
             for guard in guards if guard.kind in ASSUMPTION_OF_GUARD]
    region = typed.region
    if region is not None:
        header, line = region.entry_pc, code.lines[region.entry_pc]
        slots = typed.before[header][0]
        names = [*code.local_names, *region.promoted]
        for index, (name, kind) in enumerate(zip(names, slots)):
            if kind == Kind.UNSET:
                continue
            if index >= code.nlocals:
                found.append(Assumption("promoted-global", f"global {name} kept in a register ({kind})",
                                        code.name, header, line, "synced at calls"))
            found.append(Assumption("osr-entry-type", f"{name}: {kind}", code.name, header, line, "entry check"))
        for depth in range(len(region.stack) // 2):
            found.append(Assumption("loop-range", f"for loop #{depth + 1} around the header counts a range of ints",
                                    code.name, header, line, "entry check"))
    for pc, value in sorted(typed.global_constants.items()):
        found.append(Assumption("immutable-global", f"global {code.names[code.instrs[pc][1]]} = {value!r}",
                                code.name, pc, code.lines[pc], "watch"))
    for header, local in stable_arrays:
        line = code.lines[header]
        found.append(Assumption("stable-array", f"{code.local_names[local]}: the same array (its kind, storage and "
                                f"length) while the loop at line {line} runs", code.name, header, line,
                                "found on loop entry"))
    found += _inlined(typed, guards)
    for local, kind in sorted(sinking.virtual_locals(typed).items()):
        name = code.local_names[local]
        found.append(Assumption("struct-as-fields", f"{name} kept as the fields of a {kind.shape.shape_name} "
                                f"({', '.join(kind.kinds)}): built only where the frame leaves native code",
                                code.name, 0 if region is None else region.entry_pc,
                                code.first_line if region is None else code.lines[region.entry_pc],
                                "checked where it is made or the loop is entered"))
    for callee in callees:
        types = ", ".join(callee.param_types) or "()"
        found.append(Assumption("callee-unit", f"unit #{callee.id} ({callee.code.name}, T{callee.tier}, {types}) "
                                "is called directly", code.name, 0 if region is None else region.entry_pc,
                                code.first_line if region is None else code.lines[region.entry_pc], "watch"))
    return tuple(found)


def _inlined(typed: TypedCode, guards: Iterable[Guard]) -> list[Assumption]:
    """An inlined method (jit/inlining.py): the receiver's shape fixes the method, so
    the site's shape guard is what keeps the body it runs the method's."""
    code, shape_guards = typed.code, {guard.pc: guard.id for guard in guards if guard.kind == "shape"}
    return [Assumption("inlined-method", f"{plan.name} inlined for receivers of {plan.shape.shape_name}",
                       code.name, pc, code.lines[pc],
                       f"guard #{shape_guards[pc]}" if pc in shape_guards else "its receiver is a struct kept as fields")
            for pc, plan in sorted(typed.inlined.items())]


def for_guard(assumptions: Iterable[Assumption], guard: Guard) -> Assumption | None:
    """The assumption a guard checks (None: the guard checks no assumption)."""
    return next((a for a in assumptions if a.enforced == f"guard #{guard.id}"), None)


def on_global(assumptions: Iterable[Assumption], name: str) -> Assumption | None:
    """The assumption that the code keeps global ``name`` as a constant or in a register."""
    return next((a for a in assumptions if (a.kind == "immutable-global" and a.what.startswith(f"global {name} = "))
                 or (a.kind == "promoted-global" and a.what.startswith(f"global {name} kept "))), None)


def on_unit(assumptions: Iterable[Assumption], unit_id: int) -> Assumption | None:
    """The assumption that a caller's code depends on unit ``unit_id``."""
    return next((a for a in assumptions if a.kind == "callee-unit" and a.what.startswith(f"unit #{unit_id} ")), None)
