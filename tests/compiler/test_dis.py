"""compiler.dis: bytecode as records, and the text listing built on them."""

from __future__ import annotations

from ruffdbg.compiler.codegen import compile_program
from ruffdbg.compiler.dis import disassemble, get_instructions
from ruffdbg.lang.diagnostics import Source
from ruffdbg.lang.parser import parse

PROGRAM = "func f(n) {\n  mut s := 0\n  while s < n { s := s + 1 }\n  return s\n}\n"

LISTING = """\
code f(n)  line 1, 2 locals
    2       0  LOAD_CONST     0      (0)
            1  STORE_LOCAL    1      (s)
    3 >>    2  LOAD_LOCAL     1      (s)
            3  LOAD_LOCAL     0      (n)
            4  LESS
            5  JUMP_IF_FALSE  11     (to 11)
            6  LOAD_LOCAL     1      (s)
            7  LOAD_CONST     1      (1)
            8  ADD
            9  STORE_LOCAL    1      (s)
           10  JUMP_BACK      2      (to 2)
    4 >>   11  LOAD_LOCAL     1      (s)
           12  RETURN
           13  LOAD_CONST     2      (null)
           14  RETURN"""


def function_f():
    return next(code for code in compile_program(parse(Source("t", PROGRAM))).walk() if code.name == "f")


def test_the_listing_is_unchanged():
    assert disassemble(function_f()) == LISTING
    annotated = disassemble(function_f(), lambda pc: f"x{pc}" if pc == 4 else "")
    assert annotated.splitlines()[5] == f"{'            4  LESS':<60} x4"


def test_instructions_are_records_of_what_the_listing_shows():
    instructions = list(get_instructions(function_f()))
    assert [i.pc for i in instructions] == list(range(15))
    header = instructions[2]
    assert (header.line, header.opname, header.arg, header.argrepr) == (3, "LOAD_LOCAL", 1, "(s)")
    assert header.is_jump_target and header.starts_line and header.jump_target is None
    branch = instructions[5]
    assert (branch.jump_target, branch.argrepr, branch.starts_line) == (11, "(to 11)", False)
    assert instructions[10].jump_target == 2
    # The quickener's superinstructions: compare+jump, arithmetic+store, return of a local.
    assert header.fused.startswith("COMPARE_JUMP")
    assert instructions[6].fused.startswith("ARITH_STORE")
    assert instructions[11].fused.startswith("RETURN_LOCAL")
    assert instructions[0].fused is None
