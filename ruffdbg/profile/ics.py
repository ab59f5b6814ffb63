"""Inline caches: the receiver shapes seen at each field-access, method-call and
operator-overload site, with V8's states (uninitialized, monomorphic,
polymorphic up to ``MAX_POLY`` shapes, megamorphic).

A struct value's shape is its ``StructType`` (``Point#1``); any other receiver
counts as its Ruff type (``dict``, ``array``), so ``d.x`` on dicts shows too.
The interpreter owns the hot path (vm/ops.py): each site's ``InlineCache``
caches the last shape it saw, so a hit is one identity compare and one counter
increment; only a miss calls ``InlineCache.miss``, which keeps the per-shape
counts and says when the state changed (the VM logs an ``ic`` event then:
never per access). Native code's generic path runs the interpreter's own op,
so the state is the same whichever tier ran.

``ic_sites(code)`` turns a code object's caches into ``IcSite`` records for the
views; ``site_text`` names a site the way the source reads (``p.x``,
``v.len()``, ``a + b``), recovered from the bytecode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import (BLOCK_ENDS, IC_OPS, JUMP_OPS, OPCODES, Op, info, stack_pops)

MAX_POLY = 4          # shapes a polymorphic site holds; one more makes it megamorphic
MAX_TRACKED = 16      # shapes counted by name; a megamorphic site counts the rest as "others"

# A state is named by its number of shapes (the names views print).
UNINIT, MONO, POLY, MEGA = "uninit", "mono", "poly", "mega"


def state_of(shapes: int) -> str:
    if shapes == 0:
        return UNINIT
    if shapes == 1:
        return MONO
    return POLY if shapes <= MAX_POLY else MEGA


class _NoShape:
    """What an empty cache holds: no receiver's shape is it."""


class InlineCache:
    """One site's cache. ``shape`` is the last shape seen and ``hits`` its count
    since it became the last; ``counts`` holds every tracked shape's earlier
    count (in the order first seen), ``names`` their display names."""

    __slots__ = ("shape", "hits", "counts", "names", "others", "state", "slot", "target")

    def __init__(self) -> None:
        self.shape: Any = _NoShape
        self.hits = 0
        self.slot = -1        # a field site's: the field's index in the cached shape's slots (-1: none)
        self.target = None    # a method or operator site's: the cached shape's method if a Ruff function
        self.counts: dict[Any, int] = {}
        self.names: dict[Any, str] = {}
        self.others = 0       # receivers of shapes past MAX_TRACKED (megamorphic only)
        self.state = UNINIT

    def miss(self, key: Any, name: str) -> str | None:
        """A receiver of shape ``key`` (named ``name``) that is not the cached one
        (or is, for a non-struct key the caller does not compare). Returns the
        old state when this changed the state, else None."""
        if key is self.shape:
            self.hits += 1
            return None
        counts = self.counts
        if key not in counts:
            if len(counts) >= MAX_TRACKED:
                self.others += 1
                return None
            self.names[key] = name     # (before counts: a reader names every key it finds there)
            counts[key] = 0
        if self.shape is not _NoShape:
            counts[self.shape] += self.hits
        self.shape, self.hits = key, 1
        state = state_of(len(counts))
        if state == self.state:
            return None
        old, self.state = self.state, state
        return old

    def by_shape(self) -> dict[Any, int]:
        """Shape (a ``StructType`` or a Python type) -> count, in the order first seen;
        read from any thread (a count may lag the VM thread by one access)."""
        shape, hits = self.shape, self.hits
        counts = dict(self.counts)
        if shape in counts:
            counts[shape] += hits
        return counts

    def snapshot(self) -> tuple[str, list[tuple[str, int]], int]:
        """(state, [(shape name, count)] in the order first seen, others)."""
        return self.state, [(self.names[key], count) for key, count in self.by_shape().items()], self.others


def caches_for(code: CodeObject) -> list[InlineCache | None]:
    """A cache for every IC site of ``code``, by pc (None elsewhere)."""
    return [InlineCache() if op in IC_OPS else None for op, _arg in code.instrs]


@dataclass
class IcSite:
    """One inline-cache site of a function, for the views."""

    pc: int
    line: int
    kind: str                       # field / method / operator (the opcode table's ``ic`` column)
    text: str                       # the site as the source reads: p.x, v.len(), a + b
    state: str                      # uninit / mono / poly / mega
    shapes: list[tuple[str, int]]   # (shape, hits), in the order first seen
    others: int = 0                 # hits of untracked shapes (megamorphic)

    @property
    def listed(self) -> bool:
        """Whether views list it: an operator site only once a struct reached it
        (only then is it a method call; its numbers are type feedback)."""
        return self.kind != "operator" or bool(self.shapes)

    @property
    def hits(self) -> int:
        return sum(count for _name, count in self.shapes) + self.others

    @property
    def summary(self) -> str:
        """The listing's IC column: ``mono Point#1``, ``poly(3) Point#1 Vec#1 dict``,
        ``mega``, ``uninit``."""
        if self.state == MONO:
            return f"mono {self.shapes[0][0]}"
        if self.state == POLY:
            return f"poly({len(self.shapes)}) " + " ".join(name for name, _count in self.shapes)
        return self.state

    def shares(self) -> str:
        """The shapes with their hit counts: ``Point#1 x900, dict x100`` (and others)."""
        parts = [f"{name} x{count}" for name, count in self.shapes]
        if self.others:
            parts.append(f"others x{self.others}")
        return ", ".join(parts)


def ic_sites(code: CodeObject) -> list[IcSite]:
    """Every IC site of ``code`` with its cache's state (uninit before it ran)."""
    caches = code.profile.ics if code.profile is not None else [None] * len(code.instrs)
    sites = []
    targets = _jump_targets(code)
    for pc, (op, _arg) in enumerate(code.instrs):
        if op not in IC_OPS:
            continue
        cache = caches[pc]
        state, shapes, others = cache.snapshot() if cache is not None else (UNINIT, [], 0)
        sites.append(IcSite(pc, code.lines[pc], IC_OPS[op], site_text(code, pc, targets), state, shapes, others))
    return sites


# --- naming a site from the bytecode

_NAMED_LOADS = {Op.LOAD_LOCAL: "local", Op.LOAD_CELL: "local", Op.MUT_LOCAL: "local",
                Op.MUT_CELL: "local", Op.LOAD_FREE: "free", Op.MUT_FREE: "free", Op.LOAD_GLOBAL: "global",
                Op.MUT_GLOBAL: "global"}
_UNKNOWN = "…"
_MAX_NESTING = 4


def site_text(code: CodeObject, pc: int, targets: set[int] | None = None) -> str:
    """The site at ``pc`` as the source reads: ``p.x``, ``a.b?.c``, ``v.len()``,
    ``a + b``, ``-v``, ``xs[i]``, ``xs[i] := v``, ``push(xs, v)`` (a receiver the bytecode does not tell is ``…``);
    ``targets``: the code's jump targets, when the caller names many sites. Made
    once per site (``CodeObject.site_texts``)."""
    text = code.site_texts.get(pc)
    if text is None:
        text = code.site_texts[pc] = _site_text(code, pc, _jump_targets(code) if targets is None else targets)
    return text


def _site_text(code: CodeObject, pc: int, targets: set[int]) -> str:
    op, arg = code.instrs[pc]
    if op in (Op.GET_FIELD, Op.MUT_FIELD, Op.STORE_FIELD, Op.GET_FIELD_OR_NULL):
        dot = "?." if op == Op.GET_FIELD_OR_NULL else "."
        return f"{_atom(code, targets, pc, 0, 0)}{dot}{code.consts[arg]}"
    if op == Op.CALL_METHOD:
        return f"{_atom(code, targets, pc, arg[1], 0)}.{code.consts[arg[0]]}()"
    if op == Op.NEW_STRUCT:
        return f"{arg[0]} {{{', '.join(arg[1])}}}" if arg[1] else f"{arg[0]} {{}}"
    if op in (Op.INDEX, Op.STORE_INDEX):
        element = f"{_atom(code, targets, pc, 1, 0)}[{_operand(code, targets, pc, 0, 0)}]"
        return element if op == Op.INDEX else f"{element} := {_operand(code, targets, pc, 2, 0)}"
    if op == Op.CALL:
        arguments = ", ".join(_operand(code, targets, pc, depth, 1) for depth in range(arg - 1, -1, -1))
        return f"{_operand(code, targets, pc, arg, 0)}({arguments})"
    entry = info(op)
    if entry.pops == 1:
        return f"{'!' if op == Op.NOT else entry.symbol or '-'}{_atom(code, targets, pc, 0, 0)}"
    return _binary(code, targets, pc, -1)


def _operand(code: CodeObject, targets: set[int], pc: int, depth: int, nesting: int) -> str:
    """What the stack slot ``depth`` below the top holds just before ``pc``: found by
    walking back through straight-line code to the instruction that pushed it."""
    producer = _producer(code, targets, pc, depth)
    if producer is None or nesting >= _MAX_NESTING:
        return _UNKNOWN
    op, arg = code.instrs[producer]
    where = _NAMED_LOADS.get(op)
    if where is not None:
        return _variable(code, where, arg)
    if op in (Op.GET_FIELD, Op.MUT_FIELD, Op.GET_FIELD_OR_NULL):
        dot = "?." if op == Op.GET_FIELD_OR_NULL else "."
        return f"{_atom(code, targets, producer, 0, nesting + 1)}{dot}{code.consts[arg]}"
    if op in (Op.INDEX, Op.MUT_INDEX):
        container = _atom(code, targets, producer, 1, nesting + 1)
        return f"{container}[{_operand(code, targets, producer, 0, nesting + 1)}]"
    if op == Op.CALL_METHOD:
        return f"{_atom(code, targets, producer, arg[1], nesting + 1)}.{code.consts[arg[0]]}(…)"
    if op == Op.CALL:
        return f"{_operand(code, targets, producer, arg, nesting + 1)}(…)"
    symbol = OPCODES[op].symbol
    if symbol is not None:   # a binary operator: its operands, parenthesized only where needed
        return _binary(code, targets, producer, nesting)
    if op == Op.LOAD_CONST:
        return _constant(code.consts[arg])
    if op == Op.NEW_STRUCT:
        return f"{arg[0]} {{…}}"
    return _UNKNOWN


def _atom(code: CodeObject, targets: set[int], pc: int, depth: int, nesting: int) -> str:
    """``_operand`` where it is followed by ``.x``, ``[i]`` or preceded by ``-``:
    an operator there is parenthesized, ``(p + q).y``."""
    text = _operand(code, targets, pc, depth, nesting)
    producer = _producer(code, targets, pc, depth)
    if text != _UNKNOWN and producer is not None and OPCODES[code.instrs[producer][0]].symbol is not None:
        return f"({text})"
    return text


_PRECEDENCE = {"*": 3, "/": 3, "%": 3, "+": 2, "-": 2}   # comparisons: 1


def _binary(code: CodeObject, targets: set[int], pc: int, nesting: int) -> str:
    """``a + b * c`` for the binary operator at ``pc``: an operand that is itself a
    looser (or, on the right, an equally tight) operator is parenthesized."""
    outer = _PRECEDENCE.get(OPCODES[code.instrs[pc][0]].symbol, 1)
    parts = []
    for depth in (1, 0):
        text = _operand(code, targets, pc, depth, nesting + 1)
        producer = _producer(code, targets, pc, depth)
        inner = OPCODES[code.instrs[producer][0]].symbol if producer is not None and text != _UNKNOWN else None
        if inner is not None:
            tight = _PRECEDENCE.get(inner, 1)
            if tight < outer or (depth == 0 and tight == outer):
                text = f"({text})"
        parts.append(text)
    return f"{parts[0]} {OPCODES[code.instrs[pc][0]].symbol} {parts[1]}"


def _constant(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str) and len(value) <= 12:
        return '"' + value + '"'
    return _UNKNOWN


def _variable(code: CodeObject, where: str, arg: Any) -> str:
    if where == "local":
        return code.local_names[arg]
    if where == "free":
        return code.free_names[arg]
    return code.names[arg]


def _producer(code: CodeObject, targets: set[int], pc: int, depth: int) -> int | None:
    """The pc of the instruction that pushed the value ``depth`` slots below the top
    at ``pc``, when straight-line code (no jump in or out between) tells."""
    at = pc
    while at > 0:
        if at in targets:
            return None
        at -= 1
        op, arg = code.instrs[at]
        if op in JUMP_OPS or op in BLOCK_ENDS:
            return None
        pushes = OPCODES[op].pushes
        if op == Op.DUP:                # [a] -> [a, a]: either copy is a
            if depth < 2:
                depth = 0
                continue
        elif depth < pushes:
            return at if pushes == 1 else None
        depth += stack_pops(op, arg, code) - pushes
    return None


def _jump_targets(code: CodeObject) -> set[int]:
    return {arg for op, arg in code.instrs if op in JUMP_OPS}
