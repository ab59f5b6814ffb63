"""The compiler: name resolution, cells, static binding errors, line tables."""

from __future__ import annotations

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.dis import disassemble
from ruffdbg.compiler.opcodes import OPCODE_NAMES
from ruffdbg.compiler.codegen import compile_program
from ruffdbg.lang.diagnostics import Source
from ruffdbg.lang.parser import parse


def compile_text(text: str) -> CodeObject:
    return compile_program(parse(Source("t.ruff", text)))


def ops(code: CodeObject) -> list[str]:
    return [OPCODE_NAMES[op] for op, _ in code.instrs]


def function(code: CodeObject, name: str) -> CodeObject:
    return next(c for c in code.walk() if c.name == name)


def test_top_level_bindings_are_globals_and_block_bindings_are_locals():
    code = compile_text("let a := 1\nif true { let b := 2 }\n")
    assert "DEFINE_GLOBAL" in ops(code)
    assert code.local_names == ["b"]


def test_a_whole_programs_variables_no_function_names_are_script_locals():
    text = """mut xs := []
print(size)
mut size := 3
mut seen := 0
mut pair := 1
let pair2 := 2
for i in range(size) { xs := push(xs, i) }
func bump() { seen := seen + 1 }
let [a, b] := [1, 2]
total := len(xs)
"""
    code = compile_program(parse(Source("t.ruff", text)), whole_program=True)
    # xs, pair, pair2 and total only the script names; size was read as a global before
    # its declaration; seen is a function's; a and b come from a pattern
    assert code.local_names[:3] == ["xs", "pair", "pair2"] and "total" in code.local_names
    defined = {code.names[arg][0] for op, arg in code.instrs if OPCODE_NAMES[op] == "DEFINE_GLOBAL"}
    assert defined == {"size", "seen", "bump", "a", "b"}
    # a REPL input (not whole) keeps every top-level name global
    assert "xs" not in compile_text(text).local_names


def test_function_locals_get_slots_and_globals_are_looked_up_by_name():
    code = function(compile_text("func f(n) { let m := n + 1; return g(m) }"), "f")
    assert code.local_names == ["n", "m"]
    assert ops(code)[:4] == ["LOAD_LOCAL", "LOAD_CONST", "ADD", "STORE_LOCAL"]
    assert "LOAD_GLOBAL" in ops(code) and code.names == ["g"]


def test_captured_locals_become_cells_and_closures_read_free_variables():
    program = compile_text("func make() { mut c := 0\n return func() { c := c + 1; return c } }")
    make = function(program, "make")
    inner = function(program, "<anonymous>")
    assert "NEW_CELL" in ops(make) and "STORE_CELL" in ops(make)
    assert inner.free_names == ["c"]
    assert ops(inner)[:4] == ["LOAD_FREE", "LOAD_CONST", "ADD", "STORE_FREE"]


def test_names_a_nested_functions_blocks_bind_do_not_make_outer_locals_cells():
    # A for loop's variable, an except clause's name and a case's pattern names are
    # the nested function's own in that block: the script's loop variable stays a slot.
    program = compile_text(
        "func f(xs) {\n for i in xs { print(i) }\n try { g() } except e { print(e) }\n"
        " match xs { case [k, ...rest] { print(k, rest) } }\n}\n"
        "for i in 3 { for e in 2 { for k in 1 { print(i, e, k) } } }\n")
    assert "NEW_CELL" not in ops(program)
    assert program.local_names == ["i", "e", "k"]
    # A mention outside the block that binds it is the outer one's: still a cell.
    program = compile_text("for i in 3 {\n let g := func() { for j in 2 { print(j) } return i }\n print(g())\n}")
    assert "NEW_CELL" in ops(program)
    assert function(program, "<anonymous>").free_names == ["i"]


def test_static_binding_errors_compile_to_fail_at_their_line():
    code = function(compile_text("func f() {\n let x := 1\n x := 2\n}"), "f")
    fail_pc = ops(code).index("FAIL")
    assert code.consts[code.instrs[fail_pc][1]] == "Cannot reassign immutable let binding: x"
    assert code.lines[fail_pc] == 3


def test_bare_assignment_inside_function_updates_known_global():
    code = function(compile_text("mut total := 0\nfunc add(n) { total := total + n }"), "add")
    assert "STORE_GLOBAL" in ops(code)
    code = function(compile_text("func add(n) { fresh := n }"), "add")
    assert "STORE_LOCAL" in ops(code) and code.local_names == ["n", "fresh"]


def test_loops_record_their_header_and_back_edge():
    code = compile_text("mut i := 0\nwhile i < 3 { i := i + 1 }")
    head = next(iter(code.loops))
    assert code.loops == {head: 2}
    assert (code.instrs[ops(code).index("JUMP_BACK")][1]) == head


def test_disassembly_names_operands():
    listing = disassemble(function(compile_text("func f(n) { return n * 2 }"), "f"))
    assert "LOAD_LOCAL     0      (n)" in listing
    assert "LOAD_CONST     0      (2)" in listing


def test_a_very_long_else_if_chain_compiles_without_python_recursion():
    chain = "mut x := 7\nif x == 0 { x := 0 }" + "".join(
        f" else if x == {i} {{ x := {i} }}" for i in range(1, 5000)) + " else { x := -1 }\n"
    code = compile_text(chain)
    assert ops(code).count("JUMP_IF_FALSE") == 5000
