"""The opcode table is the one source of opcode facts, and every tier handles every opcode."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruffdbg.compiler.codegen import compile_program
from ruffdbg.compiler.opcodes import (
    BLOCK_ENDS, JUMP_OPS, NOT_COMPILED, OPCODE_NAMES, OPCODES, T1_REFUSED, Op, jump_effect, stack_effect,
)
from ruffdbg.jit.generic_transfer import _generic as t1_generic, _generic_new_cell as t1_generic_new_cell
from ruffdbg.jit.generic_transfer import _generic_t2
from ruffdbg.jit.inference import NotCompilable, _transfer_table, refuse, transfer_table
from ruffdbg.jit.lowering import Lowering
from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
from ruffdbg.lang.parser import parse
from ruffdbg.vm.interpreter import INLINE_OPS, VM
from tests.known_jit_bugs import with_known_bugs

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = sorted([*ROOT.glob("tests/programs/*.ruff"), *ROOT.glob("examples/*.ruff")])


def compiled(path: Path):
    try:
        return compile_program(parse(Source(str(path), path.read_text())))
    except RuffSyntaxError:   # (those programs are tested elsewhere)
        return None


@pytest.mark.parametrize("op", list(Op), ids=OPCODE_NAMES)
def test_the_interpreter_handles_every_opcode(op):
    assert op in INLINE_OPS or hasattr(VM, f"op_{op.name}"), f"{op.name}: no handler in the interpreter (INLINE_OPS or an op_ method in vm/ops.py)"


@pytest.mark.parametrize("op", list(Op), ids=OPCODE_NAMES)
def test_lowering_handles_every_opcode_it_does_not_refuse(op):
    if op in NOT_COMPILED:
        assert NOT_COMPILED[op], "a refusal says which feature it is"
        return
    assert hasattr(Lowering, f"op_{op.name}") or OPCODES[op].family in ("arith", "order", "equal"), \
        f"{op.name}: neither lowered nor refused with a reason"


@pytest.mark.parametrize("tier", [1, 2])
@pytest.mark.parametrize("op", list(Op), ids=OPCODE_NAMES)
def test_inference_handles_every_opcode(op, tier):
    """Both tiers compile every opcode (T2 leaves what it has no inline code for
    generic); only T1's refusals (the table's ``t1`` column) refuse."""
    transfer = transfer_table(tier).get(op)
    assert transfer is not None and transfer is not refuse, f"{op.name}: refused at T{tier}"
    if op in NOT_COMPILED:
        assert NOT_COMPILED[op], "what has no inline lowering says which feature it is"


@pytest.mark.parametrize("op", list(Op), ids=OPCODE_NAMES)
def test_t1_handles_every_opcode(op):
    """T1 compiles every opcode: inline, or through the generic path (the interpreter's
    own implementation); only the table's ``t1`` column may keep a function at T0, with why."""
    transfer = transfer_table(1)[op]
    assert transfer is not refuse, f"{op.name}: T1 refuses it"
    if op in T1_REFUSED:
        assert T1_REFUSED[op], "a T1 refusal says why"
        return
    generic = transfer in (t1_generic, t1_generic_new_cell) or transfer.__name__.endswith("_t1")
    assert generic or hasattr(Lowering, f"op_{op.name}") or OPCODES[op].family in ("arith", "order", "equal"), \
        f"{op.name}: neither lowered inline nor run through T1's generic path"


def test_the_base_table_refuses_what_has_no_inline_lowering_and_t2_leaves_it_generic():
    base = _transfer_table()
    refused = next(op for op in NOT_COMPILED if base[op] is refuse)
    step = type("Step", (), {"op": refused, "line": 7})()
    with pytest.raises(NotCompilable, match=f"NYI: {NOT_COMPILED[refused]} at line 7"):
        base[refused](step)
    assert transfer_table(2)[Op.BUILD_ARRAY] is _generic_t2


def test_every_jump_has_a_target_kind_and_every_block_end_stops():
    assert all(OPCODES[op].arg == "pc" for op in JUMP_OPS)
    assert Op.JUMP in BLOCK_ENDS and Op.JUMP_IF_FALSE not in BLOCK_ENDS


@pytest.mark.parametrize("path", with_known_bugs(PROGRAMS, "compiler"), ids=lambda p: p.stem)
def test_stack_effects_agree_with_the_code_the_compiler_emits(path):
    """Walk every path through each code object with the table's stack effects:
    each pc is reached with one depth, never below zero, and RETURN leaves one value."""
    script = compiled(path)
    if script is None:
        pytest.skip("not a valid program")
    for code in script.walk():
        depth_at = {0: 0}
        pending = [0]
        while pending:
            pc = pending.pop()
            op, arg = code.instrs[pc]
            depth = depth_at[pc]
            successors = []
            if op in JUMP_OPS:
                successors.append((arg, depth + jump_effect(op, arg, code)))
            if op not in BLOCK_ENDS:
                successors.append((pc + 1, depth + stack_effect(op, arg, code)))
            if op == Op.RETURN:
                assert depth >= 1, f"{code.name} pc {pc}: RETURN on an empty stack"
            for target, after in successors:
                assert after >= 0, f"{code.name} pc {pc} {OPCODE_NAMES[op]}: stack below zero"
                if target in depth_at:
                    assert depth_at[target] == after, \
                        f"{code.name} pc {target}: reached with depths {depth_at[target]} and {after}"
                elif target < len(code.instrs):
                    depth_at[target] = after
                    pending.append(target)
