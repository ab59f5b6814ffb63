"""What the features beyond the Ruff core compile to (and so what `dis` shows)."""

from __future__ import annotations

import pytest

from ruffdbg.compiler.dis import disassemble
from ruffdbg.compiler.opcodes import NOT_COMPILED, Op
from tests.compiler.test_codegen import compile_text, function, ops


def test_a_selfless_method_gets_a_hidden_receiver_and_its_fields_as_locals():
    method = function(compile_text("struct P { x: int, y: int, func get(k) { return x + k } }"), "get")
    assert method.params == ["self", "k"] and method.owner == "P" and method.shown_arity == 1
    assert method.local_names[:4] == ["self", "k", "x", "y"]
    assert ops(method)[:3] == ["LOAD_LOCAL", "GET_FIELD", "STORE_LOCAL"]


def test_a_method_with_self_keeps_its_parameters():
    method = function(compile_text("struct P { x: int, func get(self) { return self.x } }"), "get")
    assert method.params == ["self"] and method.local_names == ["self"]


def test_match_tests_each_pattern_and_jumps_to_the_next_case():
    code = compile_text("match v { case Ok(x): { print(x) } case 1: { } default: { } }")
    listing = disassemble(code)
    assert "MATCH_VARIANT" in listing and "(Ok/1)" in listing and "VARIANT_ITEM" in listing
    assert ops(code).count("JUMP_IF_FALSE") == 2


def test_qualified_builtin_variants_are_the_short_ones():
    listing = disassemble(compile_text("x := Result::Ok(1)\ny := Option::None"))
    assert "(Ok/1)" in listing and "Result::Ok" not in listing


def test_the_try_operator_returns_failures_from_the_function():
    f = function(compile_text("func f(r) { return r? }"), "f")
    assert ops(f)[:6] == ["LOAD_LOCAL", "DUP", "IS_FAILURE", "JUMP_IF_FALSE", "RETURN", "VARIANT_ITEM"]


def test_coalesce_and_pipe_use_core_instructions_only():
    f = function(compile_text("func f(a, b, g) { x := a ?? b; return x |> g }"), "f")
    assert all(Op[name] < Op.MAKE_VARIANT for name in ops(f))


def test_spread_concatenates_runs_of_elements():
    assert ops(compile_text("x := [1, ...a, 2]"))[:6] == [
        "BUILD_ARRAY", "LOAD_CONST", "BUILD_ARRAY", "EXTEND", "LOAD_GLOBAL", "EXTEND"]


def test_destructuring_reads_each_part_from_a_hidden_local():
    code = compile_text("let [a, ...rest] := xs")
    assert ops(code).count("DESTRUCTURE_ITEM") == 1 and "DESTRUCTURE_REST" in ops(code)
    assert "<pattern>" in code.local_names


def test_a_generator_function_returns_a_generator_of_its_body():
    program = compile_text("func* g(n) { yield n }")
    wrapper, body = [c for c in program.walk() if c.name == "g"]
    assert "MAKE_GENERATOR" in ops(wrapper)
    assert body.params == [] and body.free_names == ["n"] and "YIELD" in ops(body)


@pytest.mark.parametrize("op", ["MAKE_VARIANT", "MATCH_VARIANT", "YIELD", "EXTEND", "IS_FAILURE"])
def test_the_jit_refuses_the_new_opcodes_by_feature_name(op):
    assert NOT_COMPILED[Op[op]]
