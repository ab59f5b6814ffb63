"""The parser: precedence, statements, structs, dicts, errors, limits and positions."""

from __future__ import annotations

import sys

import pytest

from ruffdbg.lang import ast
from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
from ruffdbg.lang.parser import parse


def stmts(text: str) -> list[ast.Stmt]:
    return parse(Source("t.ruff", text)).stmts


def expr(text: str) -> ast.Expr:
    """The expression of a one-statement program ``x := <text>``."""
    (stmt,) = stmts(f"x := {text}")
    assert isinstance(stmt, ast.Assign)
    return stmt.value


def error(text: str) -> RuffSyntaxError:
    with pytest.raises(RuffSyntaxError) as info:
        parse(Source("t.ruff", text))
    return info.value


def sx(node: object) -> str:
    """A compact S-expression, so precedence tests read like the tree they check."""
    match node:
        case ast.IntLit(value=v) | ast.FloatLit(value=v):
            return str(v)
        case ast.StrLit(value=v):
            return repr(v)
        case ast.BoolLit(value=v):
            return "true" if v else "false"
        case ast.NullLit():
            return "null"
        case ast.Name(name=n):
            return n
        case ast.Unary(op=op, operand=a):
            return f"({op} {sx(a)})"
        case ast.Binary(op=op, left=a, right=b) | ast.Logical(op=op, left=a, right=b):
            return f"({op} {sx(a)} {sx(b)})"
        case ast.Call(callee=c, args=args):
            return f"(call {' '.join(sx(x) for x in [c, *args])})"
        case ast.Index(obj=o, index=i):
            return f"(index {sx(o)} {sx(i)})"
        case ast.Field(obj=o, name=n):
            return f"(. {sx(o)} {n})"
        case ast.MethodCall(obj=o, name=n, args=args):
            return f"(.{n} {' '.join(sx(x) for x in [o, *args])})"
        case ast.ArrayLit(items=items):
            return f"[{' '.join(sx(x) for x in items)}]"
        case ast.DictLit(entries=entries):
            return "{" + ", ".join(f"{sx(k)}: {sx(v)}" for k, v in entries) + "}"
        case ast.StructLit(name=n, fields=fields):
            return f"{n}{{" + ", ".join(f"{k}: {sx(v)}" for k, v in fields) + "}"
        case ast.Interpolated(parts=parts):
            return "(interp " + " ".join(p if isinstance(p, str) else sx(p) for p in parts) + ")"
    raise AssertionError(f"no sx for {node!r}")


# ================================================================ precedence


@pytest.mark.parametrize(
    "text, tree",
    [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("7 % 3 * 2", "(* (% 7 3) 2)"),
        ("a < b == c > d", "(== (< a b) (> c d))"),
        ("a <= b != c >= d", "(!= (<= a b) (>= c d))"),
        ("a == b == c", "(== (== a b) c)"),
        ("a || b && c", "(|| a (&& b c))"),
        ("a && b || c && d", "(|| (&& a b) (&& c d))"),
        ("a || b || c", "(|| (|| a b) c)"),
        ("a == 1 && b < 2 + 3", "(&& (== a 1) (< b (+ 2 3)))"),
        ("-a * b", "(* (- a) b)"),
        ("--a", "(- (- a))"),
        ("!-!a", "(! (- (! a)))"),
        ("!a == b", "(== (! a) b)"),
        ("-a.b", "(- (. a b))"),
        ("-f(x)[0]", "(- (index (call f x) 0))"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("a.b.c(1)(2)[3]", "(index (call (.c (. a b) 1) 2) 3)"),
        ("-1", "(- 1)"),
        ("2 - -1", "(- 2 (- 1))"),
    ],
)
def test_precedence_and_associativity(text: str, tree: str) -> None:
    assert sx(expr(text)) == tree


def test_logical_operators_build_logical_nodes() -> None:
    node = expr("a && b")
    assert isinstance(node, ast.Logical) and node.op == "&&"
    assert isinstance(expr("a + b"), ast.Binary)


def test_expressions_continue_across_newlines() -> None:
    assert sx(expr("1 +\n 2\n * 3")) == "(+ 1 (* 2 3))"


# ================================================================ literals


def test_literals() -> None:
    assert sx(expr("[1, 2.5, \"s\", true, false, null]")) == "[1 2.5 's' true false null]"
    assert sx(expr("[]")) == "[]"


def test_trailing_commas() -> None:
    assert sx(expr("[1, 2,]")) == "[1 2]"
    assert sx(expr("f(1, 2,)")) == "(call f 1 2)"
    assert sx(expr('{"a": 1,}')) == "{'a': 1}"
    assert sx(expr("P { x: 1, }")) == "P{x: 1}"
    (decl,) = stmts("func f(a, b,) {}")
    assert decl.func.params == ["a", "b"]


def test_dict_literal_keys() -> None:
    node = expr('{"k": 1, name: 2, 3: 4, a + b: 5}')
    assert isinstance(node, ast.DictLit)
    assert sx(node) == "{'k': 1, 'name': 2, 3: 4, (+ a b): 5}"
    assert sx(expr("{}")) == "{}"


def test_interpolated_string() -> None:
    node = expr('"a ${x + 1} b ${f("y")}"')
    assert sx(node) == "(interp a  (+ x 1)  b  (call f 'y'))"
    assert isinstance(expr('"no interpolation $x"'), ast.StrLit)


def test_interpolation_with_braces_and_nested_strings() -> None:
    node = expr('"${to_upper("x")} ${ {"a": 1}["a"] }"')
    assert sx(node) == "(interp (call to_upper 'x')   (index {'a': 1} 'a'))"


def test_interpolation_positions_point_into_the_original_file() -> None:
    (stmt,) = stmts('print(\n  "ab ${x + y}")')
    plus = stmt.expr.args[0].parts[1]
    assert (plus.line, plus.col) == (2, 11)
    assert (plus.left.line, plus.left.col) == (2, 9)


def test_interpolation_errors() -> None:
    err = error('x := "${}"')
    assert (err.message, err.line, err.col) == ("Empty interpolation '${}'", 1, 7)
    err = error('x := "${a b}"')
    assert (err.message, err.col) == ("Expected '}' to close '${', found 'b'", 11)
    err = error('x := "${a +}"')
    assert (err.message, err.col) == ("Expected an expression before '}'", 12)


def test_function_expression() -> None:
    node = expr("func(a, b: int) -> int { return a + b }")
    assert isinstance(node, ast.FuncExpr)
    assert node.name is None and node.params == ["a", "b"]
    assert isinstance(node.body.stmts[0], ast.Return)


def test_immediately_called_function_expression() -> None:
    (stmt,) = stmts("func(x) { print(x) }(1)")
    assert isinstance(stmt, ast.ExprStmt) and isinstance(stmt.expr, ast.Call)


def test_self_is_a_name() -> None:
    assert sx(expr("self.x")) == "(. self x)"


# ================================================================ statements


def test_bindings() -> None:
    a, b, c, d = stmts("let a := 1\nmut b = 2; const c := 3 let d: int[] := []")
    assert [(s.kind, s.name) for s in (a, b, c, d)] == [("let", "a"), ("mut", "b"), ("const", "c"), ("let", "d")]
    assert all(isinstance(s, ast.Let) for s in (a, b, c, d))


@pytest.mark.parametrize("op", [":=", "=", "+=", "-=", "*=", "/=", "%="])
def test_assignment_operators(op: str) -> None:
    (stmt,) = stmts(f"x {op} 1")
    assert isinstance(stmt, ast.Assign) and stmt.op == op and sx(stmt.target) == "x"


def test_assignment_targets() -> None:
    index, field = stmts("xs[0] := 1\np.x += 2")
    assert sx(index.target) == "(index xs 0)"
    assert sx(field.target) == "(. p x)"
    # The statement's position is its target's first token, not the "[" or ".".
    assert (index.line, index.col) == (1, 1)
    assert (field.line, field.col) == (2, 1)


@pytest.mark.parametrize("text", ["1 := 2", "f() := 1", "a + b = 3", "-x = 1", "p.m() := 1"])
def test_invalid_assignment_target(text: str) -> None:
    err = error(text)
    assert (err.message, err.line, err.col) == ("Invalid assignment target", 1, 1)


@pytest.mark.parametrize("text", ["a := b := 1", "a = b = 1", "let a := b := 1", "a += b -= 1"])
def test_chained_assignment_is_an_error(text: str) -> None:
    assert error(text).message == "Chained assignment is not allowed"


@pytest.mark.parametrize("text", ["print(a := 1)", "x := [a = 1]", "if a = 1 { }", "x := (a := 1)"])
def test_assignment_inside_expression_is_an_error(text: str) -> None:
    assert error(text).message == "Assignment is a statement and cannot be used inside an expression"


def test_expression_statement() -> None:
    (stmt,) = stmts('print("hi")')
    assert isinstance(stmt, ast.ExprStmt) and sx(stmt.expr) == "(call print 'hi')"


def test_if_else_if_else() -> None:
    (stmt,) = stmts("if a { 1 } else if b { 2 } else { 3 }")
    assert isinstance(stmt, ast.If) and sx(stmt.cond) == "a"
    inner = stmt.orelse
    assert isinstance(inner, ast.If) and sx(inner.cond) == "b"
    assert isinstance(inner.orelse, ast.Block)
    (plain,) = stmts("if a { }")
    assert plain.orelse is None


def test_long_else_if_chain_nests_if_nodes() -> None:
    (stmt,) = stmts("if a {}" + " else if b {}" * 3000 + " else { c }")
    depth = 0
    while isinstance(stmt, ast.If):
        stmt, depth = stmt.orelse, depth + 1
    assert depth == 3001 and isinstance(stmt, ast.Block)


def test_loops() -> None:
    w, lp, f = stmts("while i < 3 { i += 1 } loop { break } for x in xs { continue }")
    assert isinstance(w, ast.While) and sx(w.cond) == "(< i 3)"
    assert isinstance(lp, ast.Loop) and isinstance(lp.body.stmts[0], ast.Break)
    assert isinstance(f, ast.For) and f.var == "x" and sx(f.iterable) == "xs"
    assert isinstance(f.body.stmts[0], ast.Continue)


def test_return_with_and_without_value() -> None:
    (decl,) = stmts("func f() { if a { return } return 1 + 2 }")
    if_stmt, ret = decl.func.body.stmts
    assert if_stmt.then.stmts[0].value is None
    assert sx(ret.value) == "(+ 1 2)"
    bare, _ = stmts("return; let x := 1")
    assert bare.value is None
    (top,) = stmts("return")
    assert isinstance(top, ast.Return) and top.value is None


def test_throw() -> None:
    a, b = stmts('throw("boom") throw "x"')
    assert isinstance(a, ast.Throw) and sx(a.value) == "'boom'"
    assert sx(b.value) == "'x'"


def test_try_except() -> None:
    with_name, without = stmts("try { f() } except err { print(err) }\ntry { } except { }")
    assert isinstance(with_name, ast.Try) and with_name.err_name == "err"
    assert len(with_name.body.stmts) == 1 and len(with_name.handler.stmts) == 1
    assert without.err_name is None


def test_nested_block_statement() -> None:
    (block,) = stmts("{ let x := 1 { x } }")
    assert isinstance(block, ast.Block)
    assert isinstance(block.stmts[1], ast.Block)


def test_semicolons_are_optional_separators() -> None:
    assert len(stmts(";;x := 1;; y := 2;")) == 2


def test_function_declaration() -> None:
    (decl,) = stmts("func add(a: int, b: int) -> int { return a + b }")
    assert isinstance(decl, ast.FuncDecl)
    assert decl.func.name == "add" and decl.func.params == ["a", "b"]
    assert (decl.line, decl.col) == (decl.func.line, decl.func.col) == (1, 1)


def test_named_function_in_expression_is_an_error() -> None:
    assert error("x := func f() {}").message == "A named function can only be declared as a statement"


# ================================================================ structs


def test_struct_declaration() -> None:
    (decl,) = stmts(
        """struct Point {
            x: float, y: float = 0.0
            label
            func dist(self, other: Point) -> float { return self.x - other.x }
        }"""
    )
    assert isinstance(decl, ast.StructDecl) and decl.name == "Point"
    assert [(f.name, f.default) for f in decl.fields][::2] == [("x", None), ("label", None)]
    assert sx(decl.fields[1].default) == "0.0"
    (method,) = decl.methods
    assert method.name == "dist" and method.params == ["self", "other"]


def test_struct_literal() -> None:
    node = expr("Point { x: 1, y: 2 + 3 }")
    assert isinstance(node, ast.StructLit)
    assert sx(node) == "Point{x: 1, y: (+ 2 3)}"
    assert sx(expr("Empty {}")) == "Empty{}"


def test_name_then_block_in_conditions_is_not_a_struct_literal() -> None:
    (stmt,) = stmts("if x {}")
    assert sx(stmt.cond) == "x" and stmt.then.stmts == []
    (w,) = stmts("while running { tick() }")
    assert sx(w.cond) == "running"
    (f,) = stmts("for p in points {}")
    assert sx(f.iterable) == "points" and f.body.stmts == []


def test_parentheses_re_allow_struct_literals_in_conditions() -> None:
    (stmt,) = stmts("if (P {}) == p { }")
    assert sx(stmt.cond) == "(== P{} p)"
    (stmt,) = stmts("for q in [P { x: 1 }] { }")
    assert sx(stmt.iterable) == "[P{x: 1}]"


def test_struct_literals_allowed_inside_if_bodies() -> None:
    (stmt,) = stmts("if a { p := P { x: 1 } }")
    assert sx(stmt.then.stmts[0].value) == "P{x: 1}"


def test_brace_after_name_that_is_not_field_colon_is_a_block() -> None:
    name_stmt, block = stmts("x { y }")
    assert isinstance(name_stmt, ast.ExprStmt) and isinstance(block, ast.Block)


def test_brace_at_statement_start_is_a_block_not_a_dict() -> None:
    (block,) = stmts("{ x }")
    assert isinstance(block, ast.Block)
    assert isinstance(expr("{ x: 1 }"), ast.DictLit)


# ================================================================ annotations


def test_type_annotations_are_parsed_and_dropped() -> None:
    program = stmts(
        """
        let a: int := 1
        mut b: float[] = []
        const c: Map<string, int[]>? := {}
        let d: Point := P {}
        func f(x: Array<Map<string, bool>>, y: string?) -> bool[] { return [] }
        struct S { n: int, m: Map<string, float> = {} }
        """
    )
    assert [type(s).__name__ for s in program] == ["Let", "Let", "Let", "Let", "FuncDecl", "StructDecl"]
    assert program[4].func.params == ["x", "y"]


def test_type_words_are_only_for_annotations() -> None:
    err = error("x := string")
    assert err.message == "'string' is a type name and can only be used in type annotations"
    assert (err.line, err.col) == (1, 6)


def test_bad_type_annotation() -> None:
    err = error("let x: 5 := 1")
    assert (err.message, err.col) == ("Expected a type, found '5'", 8)


# ================================================================ loops and functions


@pytest.mark.parametrize("word", ["break", "continue"])
def test_break_continue_outside_loop(word: str) -> None:
    err = error(f"x := 1\n  {word}")
    assert err.message == f"{word} can only be used inside a loop"
    assert (err.line, err.col) == (2, 3)


@pytest.mark.parametrize("word", ["break", "continue"])
def test_function_body_resets_loop_context(word: str) -> None:
    err = error(f"while true {{ f := func() {{ {word} }} }}")
    assert err.message == f"{word} can only be used inside a loop"
    # ... and the enclosing loop context comes back after the function.
    stmts(f"while true {{ f := func() {{ }} {word} }}")
    stmts(f"func g() {{ for x in xs {{ if x {{ {word} }} }} }}")


# ================================================================ outside the core


@pytest.mark.parametrize(
    "word",
    "import from spawn impl trait".split(),
)
def test_outside_core_keywords_are_rejected_at_their_position(word: str) -> None:
    err = error(f"x := 1\n  {word} y")
    assert err.message == f"{word} is not supported (outside the Ruff core)"
    assert (err.line, err.col) == (2, 3)


@pytest.mark.parametrize(
    "text, node",
    [("a ?? b", ast.Coalesce), ("a |> f", ast.Pipe), ("a?.b", ast.SafeField), ("f(x)?", ast.TryUnwrap),
     ("Shape::Circle", ast.VariantRef), ("[...xs]", ast.ArrayLit)],
)
def test_operators_beyond_the_core_parse(text: str, node: type) -> None:
    assert isinstance(stmts(f"x := {text}")[0].value, node)


def test_outside_core_keyword_in_any_position() -> None:
    assert error("let import := 1").message == "import is not supported (outside the Ruff core)"
    assert error("x := p.spawn").message == "spawn is not supported (outside the Ruff core)"


def test_result_constructors_are_ordinary_names() -> None:
    assert sx(expr("Ok(Some(None))")) == "(call Ok (call Some None))"
    assert sx(expr("Err")) == "Err"


# ================================================================ positions


def test_operator_nodes_take_the_operator_position() -> None:
    node = expr("a + b")  # "x := a + b": the "+" is column 8
    assert (node.line, node.col) == (1, 8)
    node = expr("a || b")
    assert (node.col, node.left.col, node.right.col) == (8, 6, 11)
    call = expr("f (1)")
    assert call.col == 8
    index = expr("xs[1]")
    assert index.col == 8
    field = expr("p.x")
    assert field.col == 7
    method = expr("p.m(1)")
    assert method.col == 7


def test_other_nodes_take_their_first_token() -> None:
    let, if_stmt = stmts("let x := -1\n  if a { }")
    assert (let.line, let.col) == (1, 1)
    assert (let.value.col, let.value.operand.col) == (10, 11)
    assert (if_stmt.line, if_stmt.col) == (2, 3)
    assert (if_stmt.then.line, if_stmt.then.col) == (2, 8)
    lit = expr("P { x: [1] }")
    assert (lit.col, lit.fields[0][1].col) == (6, 13)


def test_program_source_name() -> None:
    program = parse(Source("demo.ruff", "x := 1"))
    assert program.source_name == "demo.ruff"


# ================================================================ error messages


@pytest.mark.parametrize(
    "text, message, line, col",
    [
        ("if a {\n  x := 1\n", "Expected '}' to close block opened at line 1, found end of file", 2, 9),
        ("x := )", "Unexpected token ')'", 1, 6),
        ("x := ", "Unexpected end of file", 1, 5),
        ("x := f(1, 2", "Expected ',' or ')' after argument, found end of file", 1, 12),
        ("x := (1 + 2", "Expected ')' to close '(' opened at line 1, found end of file", 1, 12),
        ("x := [1 2]", "Expected ',' or ']' after array element, found '2'", 1, 9),
        ("x := a[1", "Expected ']' to close '[' opened at line 1, found end of file", 1, 9),
        ("let := 1", "Expected a variable name after 'let', found ':='", 1, 5),
        ("let x 1", "Expected ':=' or '=' after 'let x', found '1'", 1, 7),
        ("for 1 in x {}", "Expected a loop variable name after 'for', found '1'", 1, 5),
        ("for x of y {}", "Expected 'in' after the loop variable, found 'of'", 1, 7),
        ("while x y", "Expected '{' to start a block, found 'y'", 1, 9),
        ("try { } catch { }", "Expected 'except' after the try block, found 'catch'", 1, 9),
        ("x := p.", "Expected a field or method name after '.', found end of file", 1, 8),
        ("x := p.1", "Expected a field or method name after '.', found '1'", 1, 8),
        ("else { }", "Unexpected token 'else'", 1, 1),
        ("struct P { 1 }", "Expected a field or method in struct P, found '1'", 1, 12),
        ("struct P { x", "Expected '}' to close struct P opened at line 1, found end of file", 1, 13),
        ("func f(a = 1) {}", "Default parameter values are not supported", 1, 10),
        ("x := {1 2}", "Expected ':' after dict key, found '2'", 1, 9),
        ("x := P { a: 1 b: 2 }", "Expected ',' or '}' after struct field, found 'b'", 1, 15),
        ("x := { a: 1 b: 2 }", "Expected ',' or '}' after dict entry, found 'b'", 1, 13),
        ("x := := 1", "Unexpected token ':='", 1, 6),
        ('x := "abc', "Unterminated string", 1, 6),
        ("x := 1.", "Expected a field or method name after '.', found end of file", 1, 8),
    ],
)
def test_error_messages_and_positions(text: str, message: str, line: int, col: int) -> None:
    err = error(text)
    assert (err.message, err.line, err.col) == (message, line, col)


def test_error_rendering() -> None:
    source = Source("demo.ruff", "let a := 1\nlet b := (a +\n")
    with pytest.raises(RuffSyntaxError) as info:
        parse(source)
    rendered = info.value.render(source)
    assert rendered == (
        "demo.ruff:2:14: error: Unexpected end of file\n"
        "    2 | let b := (a +\n"
        "      |              ^"
    )


def test_error_rendering_of_a_lexer_error() -> None:
    source = Source("x.ruff", 'print("a\\qb")')
    err = RuffSyntaxError("Invalid escape sequence '\\q'", 1, 9)
    assert err.render(source).splitlines() == [
        "x.ruff:1:9: error: Invalid escape sequence '\\q'",
        '    1 | print("a\\qb")',
        "      |         ^",
    ]


# ================================================================ nesting limits


def parse_ok(text: str) -> None:
    parse(Source("deep.ruff", text))


def test_expression_nesting_at_limit_parses() -> None:
    parse_ok("x := " + "(" * 256 + "1" + ")" * 256)
    parse_ok("x := " + "[" * 256 + "]" * 256)
    parse_ok("x := " + "-" * 256 + "1")
    parse_ok("x := " + "-" * 200 + "1")
    parse_ok("x := " + "f(" * 256 + ")" * 256)


@pytest.mark.parametrize(
    "text",
    [
        "x := " + "(" * 257 + "1" + ")" * 257,
        "x := " + "-" * 257 + "1",
        "x := " + "{\"a\": " * 257 + "1" + "}" * 257,
        "x := " + "(" * 5000,
        "x := " + "!" * 5000 + "a",
        "x := " + '"${' * 300 + "1" + '}"' * 300,
    ],
)
def test_expression_nesting_above_limit_is_a_diagnostic(text: str) -> None:
    assert error(text).message == "Expression nesting too deep (limit 256)"


def test_block_nesting_at_limit_parses() -> None:
    parse_ok("if a {" * 128 + "}" * 128)
    parse_ok("{" * 128 + "}" * 128)
    parse_ok("while a {" * 64 + "x := func() {" * 64 + "}" * 128)


@pytest.mark.parametrize("text", ["if a {" * 129 + "}" * 129, "{" * 129 + "}" * 129, "{" * 10000])
def test_block_nesting_above_limit_is_a_diagnostic(text: str) -> None:
    err = error(text)
    assert err.message == "Block nesting too deep (limit 128)"


def test_deep_blocks_and_deep_expressions_together() -> None:
    inner = "x := " + "a || b && c == d < e + f * -(" * 120 + "1" + ")" * 120
    parse_ok("if a {" * 128 + inner + "}" * 128)


def test_recursion_limit_is_restored() -> None:
    before = sys.getrecursionlimit()
    parse_ok("x := " + "(" * 256 + "1" + ")" * 256)
    error("x := " + "(" * 300)
    assert sys.getrecursionlimit() == before


# ================================================================ beyond the core


def test_match_cases_patterns_guards_and_default() -> None:
    (match,) = stmts("match v { case Shape::Rect(w, _) if w > 1: { } case n: print(n) default: { } }")
    assert isinstance(match, ast.Match) and match.default is not None
    rect, bind = match.cases
    assert isinstance(rect.pattern, ast.VariantPattern) and rect.pattern.tag == "Shape::Rect"
    assert [type(p) for p in rect.pattern.args] == [ast.BindPattern, ast.WildcardPattern]
    assert rect.guard is not None and isinstance(bind.pattern, ast.BindPattern)


def test_enum_variants_may_declare_payload_types() -> None:
    (enum,) = stmts("enum Shape { Circle(float), Rect(float, float), Empty }")
    assert enum.variants == ["Circle", "Rect", "Empty"]


def test_yield_outside_a_generator_is_an_error_at_the_keyword() -> None:
    err = error("func f() {\n  yield 1\n}")
    assert (err.message, err.line, err.col) == ("yield can only be used inside a generator function (func*)", 2, 3)


def test_a_bracket_starting_a_line_starts_a_statement() -> None:
    first, second = stmts("x := f()\n[a, b] := x")
    assert isinstance(second, ast.LetPattern) and second.kind == "assign"
