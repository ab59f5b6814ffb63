"""Which T2 loops count their back-edges from an induction variable: *counted loops*.

Native code counts a loop's back-edges in a register (``Lowering.pending``) and
reads the interrupt word every ``POLL_EVERY`` of them. In a tight loop that
increment and its test cost as much as the loop's own work (``loop10m``: about
half its time). Some loops need neither per iteration: their back-edge count is
what an induction variable moved since the count last went to memory, and the
poll can wait for that variable to pass a limit the loop sets itself. Two shapes
qualify, each with its one back-edge (no ``continue``):

* ``for v in range(...)`` (or over an int): the position the loop keeps on the
  operand stack goes up by one at each header visit that goes on. The body may
  not leave the loop other than through its header (a ``break`` pops the
  position before it jumps) nor return;
* a loop whose int local ``i`` is stepped by ``i := i + 1`` exactly once per
  iteration: the one store to ``i`` in the loop, on every path from the header
  to the back-edge (no jump of the loop crosses it). It may leave anywhere (the
  local still holds the count there).

The lowering (``lowering/counted.py``) *settles* a counted loop's back-edges into
its register wherever the register goes to memory or the unit leaves: the
induction variable's value at the header of the current iteration, minus its
value at the last settle."""

from __future__ import annotations

from dataclasses import dataclass

from ruffdbg.compiler.opcodes import CONTROL_OPS, Op
from ruffdbg.jit.types import RANGE, Kind

# Ops that may leave a frame from inside a loop body other than by a jump.
_LEAVING = (Op.RETURN, Op.THROW, Op.FAIL)
# Ops that write a local slot.
_WRITES_LOCAL = (Op.STORE_LOCAL, Op.STORE_CELL, Op.NEW_CELL, Op.MUT_LOCAL, Op.MUT_CELL)


@dataclass(frozen=True)
class CountedLoop:
    """A loop whose back-edges are derived (see the module's docstring)."""

    header: int
    back_edge: int
    stack_depth: int | None   # a range loop: where its position is on the operand stack
    local: int | None         # a stepped loop: its induction local
    step_pc: int              # past this pc the variable has moved for this iteration (a range loop: its header)
    bound: int | None = None  # a stepped loop whose header tests ``local < bound`` (an int local the loop keeps)

    def contains(self, pc: int) -> bool:
        return self.header <= pc <= self.back_edge


def counted_loops(typed) -> dict[int, CountedLoop]:
    """The counted loops of a T2 unit, by back-edge pc."""
    if typed.tier != 2:
        return {}
    code = typed.code
    edges: dict[int, list[int]] = {}
    for pc in typed.reachable:
        op, target = code.instrs[pc]
        if op == Op.JUMP_BACK:
            edges.setdefault(target, []).append(pc)
    loops = {}
    for header, back_edges in edges.items():
        if len(back_edges) == 1:
            loop = _range_loop(typed, header, back_edges[0]) or _stepped_loop(typed, header, back_edges[0])
            if loop is not None:
                loops[back_edges[0]] = loop
    return loops


def _body(typed, header: int, back_edge: int) -> list[int]:
    return [pc for pc in range(header, back_edge + 1) if pc in typed.before]


def _range_loop(typed, header: int, back_edge: int) -> CountedLoop | None:
    code = typed.code
    if code.instrs[header][0] != Op.FOR_ITER or header in typed.generic:
        return None
    stack = typed.before[header][1]
    if len(stack) < 2 or stack[-2] != RANGE or stack[-1] != Kind.INT:
        return None
    for pc in _body(typed, header + 1, back_edge - 1):
        op, target = code.instrs[pc]
        if op in _LEAVING or op in CONTROL_OPS and not header <= target <= back_edge:
            return None
    return CountedLoop(header, back_edge, len(stack) - 1, None, header)


def _stepped_loop(typed, header: int, back_edge: int) -> CountedLoop | None:
    """The loop counted by a local it steps once per iteration. Other locals may be
    stepped too (``count := count + 1`` under an ``if``); the local the header
    tests is tried first, since only it gives the loop a bound."""
    code = typed.code
    body = _body(typed, header, back_edge)
    steps: dict[int, list[int]] = {}
    for pc in body:
        if _is_step(code, pc):
            steps.setdefault(code.instrs[pc][1], []).append(pc)
    tested = code.instrs[header][1] if code.instrs[header][0] == Op.LOAD_LOCAL else None
    for local in sorted(steps, key=lambda local: local != tested):
        loop = _stepped_by(typed, header, back_edge, body, local, steps[local]) if len(steps[local]) == 1 else None
        if loop is not None:
            return loop
    return None


def _stepped_by(typed, header: int, back_edge: int, body: list[int], local: int, steps: list[int]) -> CountedLoop | None:
    code = typed.code
    (step,) = steps
    if step - 3 not in typed.before or step - 1 in typed.generic or step - 1 in typed.method_calls:
        return None
    if any(typed.before[pc][0][local] != Kind.INT for pc in body):
        return None
    if any(code.instrs[pc] in ((op, local) for op in _WRITES_LOCAL) for pc in body if pc != step):
        return None
    for pc in body:   # every path from the header to the back-edge steps once
        op, target = code.instrs[pc]
        if op in CONTROL_OPS and pc != back_edge and header <= target <= back_edge \
                and not (pc < step - 3 and target <= step - 3 or pc > step and target > step):
            return None
    return CountedLoop(header, back_edge, None, local, step, _bound(typed, header, back_edge, local))


def _bound(typed, header: int, back_edge: int, local: int) -> int | None:
    """``n`` when the header is ``while local < n`` and the loop never writes ``n``."""
    code = typed.code
    if back_edge < header + 4:
        return None
    (load, loaded), (load_bound, bound), (less, _), (jump, exit_pc) = code.instrs[header:header + 4]
    if (load, loaded, load_bound, less, jump) != (Op.LOAD_LOCAL, local, Op.LOAD_LOCAL, Op.LESS, Op.JUMP_IF_FALSE) \
            or bound == local or header <= exit_pc <= back_edge or header + 4 not in typed.before:
        return None
    body = _body(typed, header, back_edge)
    if any(pc in typed.generic for pc in range(header, header + 4)) \
            or any(typed.before[pc][0][bound] != Kind.INT for pc in body) \
            or any(code.instrs[pc] in ((op, bound) for op in _WRITES_LOCAL) for pc in body):
        return None
    return bound


def _is_step(code, pc: int) -> bool:
    """``i := i + 1`` ending at ``pc`` (its STORE_LOCAL)."""
    if pc < 3 or code.instrs[pc][0] != Op.STORE_LOCAL:
        return False
    local = code.instrs[pc][1]
    (load, loaded), (const, index), (add, _) = code.instrs[pc - 3:pc]
    return (load, loaded, const, add) == (Op.LOAD_LOCAL, local, Op.LOAD_CONST, Op.ADD) \
        and type(code.consts[index]) is int and code.consts[index] == 1
