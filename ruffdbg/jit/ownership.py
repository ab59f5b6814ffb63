"""Which element stores of a T2 unit find their array already the frame's own.

``xs[i] := v`` is MUT_LOCAL xs, then the store. MUT_LOCAL makes the array the
frame's own (copy-on-write: a shared array is copied first), checked natively
(``lowering/arrays.py``) with a slow path into the interpreter. That slow path
is a call that merges back into the loop: after it LLVM must assume any memory
changed, so every array access after every MUT_LOCAL reloaded the array's
type, kind, storage and length (nbody: six such stores per inner iteration).

Once MUT_LOCAL xs ran, xs stays the frame's own until something could share
it: a new value stored into xs, its value copied anywhere but into an element
load (``ys := xs``, an argument, an array literal), a value of unknown type
stored into another local (it could be xs's, from the stack), or an
instruction the interpreter runs (the op callback). None of these happens in a
numeric loop, so this forward "must" analysis finds the MUT_LOCALs whose local
is known to be owned -- they push it as it is, unchecked -- and, for each
loop, the locals worth making owned *before* it (on every edge into its header
from outside): a shared array is then copied before the loop rather than at
its first store, which is the same to the program (value semantics) and keeps
every slow path out of the loop.

It also finds, for each loop, the arrays it keeps *stable* -- the same object,
kind, storage and length while it runs (``stable_arrays``) -- whose element
sites may then use what was found once on entering the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ruffdbg.compiler.opcodes import BLOCK_ENDS, BRANCH_OPS, OPCODES, Op
from ruffdbg.jit.inference import TypedCode
from ruffdbg.jit.types import Kind

# Instructions that read a local without letting its value escape when the
# element load two instructions on consumes it (``xs[i]``, ``xs[0]``).
_INDEX_OPERANDS = (Op.LOAD_LOCAL, Op.LOAD_CONST)


@dataclass
class Ownership:
    """What lowering reads: MUT_LOCAL pcs to leave unchecked, and per edge into a
    loop header (source pc, or -1 for an OSR entry; header pc) the locals to make
    owned there, each with a MUT_LOCAL pc of the loop (the interpreter's op that
    copies it)."""

    owned_at: set[int] = field(default_factory=set)
    before_loop: dict[tuple[int, int], tuple[tuple[int, int], ...]] = field(default_factory=dict)
    # Each loop (header pc -> its last back-edge), and the tagged locals whose array
    # the loop reads through facts found once per entry (``stable_arrays``).
    loop_ends: dict[int, int] = field(default_factory=dict)
    stable: dict[int, frozenset[int]] = field(default_factory=dict)

    def stable_around(self, pc: int, local: int) -> int | None:
        """The outermost loop around ``pc`` that keeps ``local``'s array stable, or None."""
        around = [header for header, end in self.loop_ends.items()
                  if header <= pc <= end and local in self.stable.get(header, ())]
        return min(around, default=None)


def analyse(typed: TypedCode) -> Ownership:
    """The MUT_LOCALs of a T2 unit that find their local owned, and what to make
    owned before each loop (see the module doc)."""
    code = typed.code
    reachable = sorted(typed.before)
    successors = {pc: [s for s in next_pcs(code, pc, typed) if s in typed.before] for pc in reachable}
    loops = _loop_ends(code, reachable)
    entry = typed.region.entry_pc if typed.region is not None else 0
    wanted = _every_iteration_owns(code, typed, reachable, successors, loops, entry)
    while True:
        into = _flow(code, typed, reachable, successors, wanted, entry, loops)
        kept = {header: wanted[header] & _back_edge_state(code, typed, into, header, successors) for header in wanted}
        if kept == wanted:
            break
        wanted = kept
    result = Ownership(loop_ends=loops)
    for pc in reachable:
        op, arg = code.instrs[pc]
        if op == Op.MUT_LOCAL and arg in into.get(pc, frozenset()):
            result.owned_at.add(pc)
    for local in sorted(_entering(wanted, loops, entry)):   # (an OSR entry enters every loop around it)
        outermost = min(h for h in wanted if h <= entry <= loops[h] and local in wanted[h])
        result.before_loop.setdefault((-1, entry), ())
        result.before_loop[(-1, entry)] += ((local, _a_mut_local(code, outermost, loops[outermost], local)),)
    for pc in reachable:
        for target in successors[pc]:
            if target in wanted and pc < target and wanted[target]:
                missing = sorted(wanted[target] - _transfer(code, typed, pc, into.get(pc, frozenset())))
                if missing:
                    result.before_loop[(pc, target)] = tuple(
                        (local, _a_mut_local(code, target, loops[target], local)) for local in missing)
    for header, end in loops.items():
        # (an array made owned on entering an inner loop may be copied there; the
        # entry into an OSR nest enters the loops around it once, as their own entry)
        copied = {local for (source, target), pairs in result.before_loop.items()
                  if header < target <= end and source >= 0 for local, _ in pairs}
        result.stable[header] = stable_arrays(code, typed, header, end, result.owned_at) - copied
    for header, end in loops.items():   # (the sites of a loop use the outermost loop's findings)
        around = [h for h, e in loops.items() if h < header and end <= e]
        result.stable[header] -= frozenset().union(*(result.stable[h] for h in around))
    return result


def _every_iteration_owns(code, typed, reachable, successors, loops, entry) -> dict[int, frozenset]:
    """For each loop, the locals every one of its iterations makes owned anyway: a
    MUT_LOCAL on every path round it, or an inner loop on every path that wants
    them made owned on its entry. A loop is worth a copy before it only for
    those (a store under an `if` that rarely runs must not cost a copy of the
    array each time the loop is entered). Counting inner loops moves their
    copy-or-check out to the outermost loop that runs them in every iteration
    (nbody: from every entry of the innermost loop, a million a run, to the
    step loop's one entry), and lets that loop keep the arrays stable.
    Grown from the innermost loops out; a loop's own wish (or an enclosing
    loop's) never counts for itself, which would make any local owned."""
    wanted = {header: frozenset() for header in loops}
    flows: dict[tuple, dict[int, frozenset]] = {}   # (loops whose wishes count: most share a flow)
    while True:
        grown = {}
        for header, end in loops.items():
            inner = tuple(sorted((h, w) for h, w in wanted.items() if header < h <= end and w))
            if inner not in flows:
                flows[inner] = _flow(code, typed, reachable, successors, dict(inner), entry, loops)
            grown[header] = _mutated_in(code, typed, header, end) & _back_edge_state(
                code, typed, flows[inner], header, successors)
        if grown == wanted:
            return wanted
        wanted = grown


def _entering(wanted, loops, entry: int) -> frozenset:
    """What the unit's entry makes owned: the wishes of every loop it enters (an
    OSR entry is inside a nest; a function's entry at pc 0 enters a loop there)."""
    return frozenset().union(*(w for h, w in wanted.items() if h <= entry <= loops[h]))


def _flow(code, typed, reachable, successors, wanted, entry, loops) -> dict[int, frozenset]:
    """The locals known owned before each pc (the meet over its predecessors). A pc
    native code could reach other than from the entry (none should) owns nothing."""
    reached = {target for pc in reachable for target in successors[pc]}
    into: dict[int, frozenset] = {pc: frozenset() for pc in reachable if pc not in reached}
    into[entry] = _entering(wanted, loops, entry)
    work = list(into)
    while work:
        pc = work.pop()
        after = _transfer(code, typed, pc, into[pc])
        for target in successors[pc]:
            arriving = after | wanted[target] if target in wanted and pc < target else after
            known = into.get(target)
            merged = arriving if known is None else known & arriving
            if merged != known:
                into[target] = merged
                work.append(target)
    return into


def _transfer(code, typed, pc: int, owned: frozenset) -> frozenset:
    op, arg = code.instrs[pc]
    if pc in typed.generic:
        return frozenset()
    if op == Op.MUT_LOCAL:
        return owned | {arg}
    if op == Op.LOAD_LOCAL and arg in owned and not _read_by_element_load(code, typed, pc):
        return owned - {arg}
    if op == Op.STORE_LOCAL:
        stack = typed.before[pc][1]
        if pc - 1 in typed.native_pushes:   # x := push(x, v): the same array, or a new one
            return owned - {arg}
        if stack and stack[-1] == Kind.DYN:   # (any object: it could be an owned array, from the stack)
            return frozenset()
        return owned - {arg}
    if op == Op.NEW_CELL or OPCODES[op].name.startswith("STORE_") and op != Op.STORE_INDEX \
            and not _stores_a_scalar_field(typed, pc):
        return frozenset()
    return owned


def _stores_a_scalar_field(typed, pc: int) -> bool:
    """A native field store of a value known to be a scalar (its slow path, the
    interpreter's store, too, stores only that scalar): it shares no object. A tagged
    value's slow path may store an object into the struct, sharing it."""
    return pc in typed.field_stores and typed.before[pc][1][-2] in (Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.NULL)


def _read_by_element_load(code, typed, pc: int) -> bool:
    return pc + 2 < len(code.instrs) and code.instrs[pc + 1][0] in _INDEX_OPERANDS \
        and code.instrs[pc + 2][0] == Op.INDEX and pc + 2 in typed.element_loads


def next_pcs(code, pc: int, typed) -> list[int]:
    """The pcs control can go to from ``pc`` in the typed code (none past an op that always fails)."""
    op, arg = code.instrs[pc]
    if pc in typed.always_fails:
        return []
    if op in BRANCH_OPS or op == Op.SETUP_TRY:   # (a handler: native code never enters one, but be safe)
        return [arg, pc + 1]
    if op in (Op.JUMP, Op.JUMP_BACK):
        return [arg]
    if op in BLOCK_ENDS:
        return []
    return [pc + 1]


def _loop_ends(code, reachable) -> dict[int, int]:
    """Each loop header and its last back-edge."""
    ends: dict[int, int] = {}
    for pc in reachable:
        op, arg = code.instrs[pc]
        if op == Op.JUMP_BACK:
            ends[arg] = max(ends.get(arg, pc), pc)
    return ends


def _mutated_in(code, typed, header: int, end: int) -> frozenset:
    """The tagged locals some MUT_LOCAL of the loop makes owned."""
    slots = typed.before[header][0]
    return frozenset(arg for pc in range(header, end + 1) if pc in typed.before
                     for op, arg in [code.instrs[pc]] if op == Op.MUT_LOCAL and slots[arg] == Kind.DYN)


def _back_edge_state(code, typed, into, header: int, successors) -> frozenset:
    """What every back-edge into ``header`` arrives with (the loop keeps those owned)."""
    result = None
    for pc, targets in successors.items():
        if header in targets and pc >= header:
            state = _transfer(code, typed, pc, into.get(pc, frozenset()))
            result = state if result is None else result & state
    return result or frozenset()


def _a_mut_local(code, header: int, end: int, local: int) -> int:
    return next(pc for pc in range(header, end + 1) if code.instrs[pc] == (Op.MUT_LOCAL, local))


def stable_arrays(code, typed, header: int, end: int, owned_at: set[int]) -> frozenset:
    """The tagged locals whose array stays the same object, of the same kind, with
    the same storage and length, for as long as the loop runs -- so its element
    sites may use what was found once on entering it (lowering/arrays.py) instead
    of checking type, kind, storage and length at every access.

    Such a local is read by an element load or stored into in the loop, never
    assigned there, and every MUT_LOCAL of it is unchecked (the frame's own: the
    slow path copies it); and nothing in the loop is left to the interpreter (a
    generic op could store into it through another reference). Native element
    stores never change a kind (a value of another type deopts first); a call
    cannot change it either: it shares the array, so its stores copy it."""
    body = [pc for pc in range(header, end + 1) if pc in typed.before]
    if any(pc in typed.generic or pc in typed.dict_stores for pc in body):   # (a dict store's slow path
        return frozenset()                                                    # is the interpreter's store)
    slots = typed.before[header][0]
    used, changed = set(), set()
    for pc in body:
        op, arg = code.instrs[pc]
        if op == Op.LOAD_LOCAL and _read_by_element_load(code, typed, pc) or op == Op.MUT_LOCAL and pc in owned_at:
            used.add(arg)
        elif op in (Op.STORE_LOCAL, Op.NEW_CELL, Op.MUT_LOCAL):
            changed.add(arg)
    return frozenset(local for local in used - changed if slots[local] == Kind.DYN)
