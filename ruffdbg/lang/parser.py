"""The Ruff parser: tokens to an ``ast.Program``.

Statements are parsed by recursive descent, expressions by precedence
climbing. Every malformed input raises ``RuffSyntaxError`` at the offending
token. Two counters bound the recursion (expression nesting 256, block nesting
128, as the Ruff spec requires), so hostile input gets a diagnostic instead of
a Python ``RecursionError``.

Positions: nodes take the position of their first token, except Binary,
Logical, Call, Index, Field and MethodCall, which take their operator's token
(``+``, ``(``, ``[``, ``.``) so runtime errors can put a caret under it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from . import ast
from .diagnostics import RuffSyntaxError, Source
from .expressions import NO_VALUE_AFTER_RETURN, ExpressionParser
from .lexer import (
    EOF,
    IDENT,
    STRING,
    TYPE_KEYWORDS,
    UNSUPPORTED_KEYWORDS,
    UNSUPPORTED_OPERATORS,
    describe,
    Token,
    recursion_headroom,
    tokenize,
)
from .patterns import PatternParser

MAX_EXPR_DEPTH = 256
MAX_BLOCK_DEPTH = 128

ASSIGN_OPS = frozenset([":=", "=", "+=", "-=", "*=", "/=", "%="])
UNSUPPORTED = UNSUPPORTED_KEYWORDS | UNSUPPORTED_OPERATORS
# Words that open a test block (no-ops when a program runs) when a string or `{` follows.
TEST_WORDS = frozenset(["test", "test_group", "test_setup", "test_teardown"])

T = TypeVar("T")


def parse(source: Source) -> ast.Program:
    """Parse a whole Ruff program. Raises RuffSyntaxError on malformed input."""
    with recursion_headroom():
        parser = _Parser(tokenize(source))
        stmts = parser.parse_program()
    return ast.Program(stmts, source_name=source.name)


class _Parser(ExpressionParser, PatternParser):
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.pos = 0
        self.expr_depth = 0
        self.block_depth = 0
        self.loop_depth = 0  # loops enclosing this point within the current function
        # True while parsing an if/while condition or a for iterable, where
        # `name {` opens the body block rather than a struct literal.
        self.no_struct = False
        self.in_generator = False  # inside a `func*` body, where `yield` may appear

    # ================================================================ tokens

    def peek(self, offset: int = 0) -> Token:
        """The token ``offset`` ahead; any outside-the-core token is rejected on sight."""
        index = min(self.pos + offset, len(self.tokens) - 1)
        tok = self.tokens[index]
        if tok.kind in UNSUPPORTED:
            raise RuffSyntaxError(f"{tok.kind} is not supported (outside the Ruff core)", tok.line, tok.col)
        return tok

    @property
    def cur(self) -> Token:
        return self.peek()

    def at(self, *kinds: str) -> bool:
        return self.cur.kind in kinds

    def advance(self) -> Token:
        tok = self.cur
        if tok.kind != EOF:
            self.pos += 1
        return tok

    def accept(self, kind: str) -> Token | None:
        return self.advance() if self.at(kind) else None

    def error(self, message: str, tok: Token | None = None) -> RuffSyntaxError:
        tok = tok or self.cur
        return RuffSyntaxError(message, tok.line, tok.col)

    def expect(self, kind: str, context: str) -> Token:
        """Consume a ``kind`` token or fail with ``Expected 'kind' <context>, found ...``."""
        if self.at(kind):
            return self.advance()
        raise self.unexpected(f"Expected '{kind}' {context}")

    def unexpected(self, message: str, after_expr: bool = False) -> RuffSyntaxError:
        """``message, found X``.

        Right after an expression, finding ``:=`` (or another assignment
        operator) means an assignment was written inside an expression, which
        deserves its own message.
        """
        tok = self.cur
        if after_expr and tok.kind in ASSIGN_OPS:
            return self.error("Assignment is a statement and cannot be used inside an expression")
        return self.error(f"{message}, found {describe(tok)}")

    def expect_name(self, what: str) -> Token:
        if self.at(IDENT):
            return self.advance()
        raise self.unexpected(f"Expected {what}")

    # ================================================================ nesting

    @contextmanager
    def nested_expr(self, tok: Token) -> Iterator[None]:
        """One level of expression nesting (parentheses, brackets, unary, arguments ...)."""
        self.expr_depth += 1
        if self.expr_depth > MAX_EXPR_DEPTH:
            raise self.error(f"Expression nesting too deep (limit {MAX_EXPR_DEPTH})", tok)
        try:
            yield
        finally:
            self.expr_depth -= 1

    @contextmanager
    def struct_literals(self, allowed: bool) -> Iterator[None]:
        saved = self.no_struct
        self.no_struct = not allowed
        try:
            yield
        finally:
            self.no_struct = saved

    def delimited(self, close: str, item: Callable[[], T], what: str, opener: Token) -> list[T]:
        """Items separated by commas up to ``close`` (trailing comma allowed); consumes ``close``."""
        items: list[T] = []
        with self.nested_expr(opener), self.struct_literals(True):
            while not self.at(close):
                items.append(item())
                if not self.accept(","):
                    if not self.at(close):
                        raise self.unexpected(f"Expected ',' or '{close}' after {what}", after_expr=True)
                    break
            self.close(close, opener)
        return items

    def close(self, kind: str, opener: Token) -> Token:
        """Consume the closer matching ``opener``, naming where it was opened if missing."""
        if self.at(kind):
            return self.advance()
        raise self.unexpected(
            f"Expected '{kind}' to close '{opener.kind}' opened at line {opener.line}", after_expr=True
        )

    # ================================================================ statements

    def parse_program(self) -> list[ast.Stmt]:
        stmts = []
        while True:
            while self.accept(";"):
                pass
            if self.at(EOF):
                return stmts
            stmts.append(self.parse_statement())

    def parse_block(self) -> ast.Block:
        """``{ stmts }``; a block never sits inside a no-struct-literal context."""
        opener = self.cur
        if not self.at("{"):
            raise self.unexpected("Expected '{' to start a block", after_expr=True)
        self.block_depth += 1
        if self.block_depth > MAX_BLOCK_DEPTH:
            raise self.error(f"Block nesting too deep (limit {MAX_BLOCK_DEPTH})", opener)
        self.advance()
        stmts = []
        with self.struct_literals(True):
            while True:
                while self.accept(";"):
                    pass
                if self.at("}", EOF):
                    break
                stmts.append(self.parse_statement())
        if not self.at("}"):
            raise self.unexpected(f"Expected '}}' to close block opened at line {opener.line}")
        self.advance()
        self.block_depth -= 1
        return ast.Block(opener.line, opener.col, stmts)

    def parse_loop_body(self) -> ast.Block:
        self.loop_depth += 1
        try:
            return self.parse_block()
        finally:
            self.loop_depth -= 1

    def parse_statement(self) -> ast.Stmt:
        kind = self.cur.kind
        # `func name(` declares; `func(` is a function expression statement.
        if kind == "func" and (self.peek(1).kind == IDENT or
                               (self.peek(1).kind == "*" and self.peek(2).kind == IDENT)):
            return self.parse_func_decl()
        if kind == IDENT and self.cur.text in TEST_WORDS and self.peek(1).kind in (STRING, "{"):
            return self.parse_test_block()
        if kind == "{" and self.starts_dict_pattern_assignment():
            start = self.cur
            pattern = self.parse_dict_pattern()
            self.advance()   # := or =
            value = self.parse_expr()
            self.reject_chained_assignment()
            return ast.LetPattern(start.line, start.col, "assign", pattern, value)
        handler = self.STATEMENTS.get(kind)
        return handler(self) if handler else self.parse_expr_or_assign()

    def parse_let(self) -> ast.Let | ast.LetPattern:
        start = self.advance()
        if self.at("[", "{"):
            return self.parse_let_pattern(start)
        name = self.expect_name(f"a variable name after '{start.kind}'")
        if self.accept(":"):
            self.parse_type()
        if not self.at(":=", "="):
            raise self.unexpected(f"Expected ':=' or '=' after '{start.kind} {name.text}'")
        self.advance()
        value = self.parse_expr()
        self.reject_chained_assignment()
        return ast.Let(start.line, start.col, start.kind, name.text, value)

    def parse_enum(self) -> ast.EnumDecl:
        """``enum Name { A, B(payload types), C }``; payload types are parsed and dropped."""
        start = self.advance()
        name = self.expect_name("an enum name after 'enum'")
        opener = self.expect("{", f"to start the body of enum {name.text}")
        variants: list[str] = []
        while not self.at("}"):
            variants.append(self.expect_name(f"a variant name in enum {name.text}").text)
            if self.at("("):
                paren = self.advance()
                self.delimited(")", self.parse_type, "payload type", paren)
            if not (self.accept(",") or self.accept(";")) and not self.at("}"):
                raise self.unexpected(f"Expected ',' or '}}' in enum {name.text} opened at line {opener.line}")
        self.advance()
        return ast.EnumDecl(start.line, start.col, name.text, variants)

    def parse_test_block(self) -> ast.Block:
        """``test "name" { }``, ``test_group "name" { }``, ``test_setup { }``: parsed, then
        dropped, as the reference does when it runs (not tests) a program."""
        start = self.advance()
        if start.text in ("test", "test_group"):
            self.expect(STRING, f"(the name) after '{start.text}'")
        self.parse_block()
        return ast.Block(start.line, start.col, [])

    def parse_async_func(self) -> ast.FuncDecl:
        """``async func f() { }``: ruffdbg runs async functions to completion when
        called, so an ``await`` always finds the value ready (one thread, in order)."""
        self.advance()
        if not self.at("func"):
            raise self.unexpected("Expected 'func' after 'async'")
        return self.parse_func_decl()

    def parse_export(self) -> ast.Stmt:
        """``export func ...``: ruffdbg runs one file, so exporting changes nothing."""
        self.advance()
        return self.parse_statement()

    def parse_expr_or_assign(self) -> ast.Stmt:
        start = self.cur
        expr = self.parse_expr()
        if not self.at(*ASSIGN_OPS):
            return ast.ExprStmt(start.line, start.col, expr)
        op = self.advance()
        if isinstance(expr, ast.ArrayLit) and op.kind in (":=", "="):
            pattern = self.array_literal_as_pattern(expr)
            value = self.parse_expr()
            self.reject_chained_assignment()
            return ast.LetPattern(start.line, start.col, "assign", pattern, value)
        if not isinstance(expr, (ast.Name, ast.Index, ast.Field)):
            raise self.error("Invalid assignment target", start)
        value = self.parse_expr()
        self.reject_chained_assignment()
        return ast.Assign(start.line, start.col, expr, op.kind, value)

    def starts_dict_pattern_assignment(self) -> bool:
        """Is this ``{`` the start of ``{a, b, ...rest} := value`` rather than a block?"""
        offset = 1
        while True:
            if self.peek(offset).kind == "...":
                offset += 1
            if self.peek(offset).kind != IDENT:
                return False
            after = self.peek(offset + 1).kind
            if after == "}":
                return self.peek(offset + 2).kind in (":=", "=")
            if after != ",":
                return False
            offset += 2

    def array_literal_as_pattern(self, array: ast.ArrayLit) -> ast.ArrayPattern:
        """``[a, [b, c], ...rest] := value``: the literal read again as a pattern."""
        items: list[ast.Pattern] = []
        rest = None
        for index, item in enumerate(array.items):
            if isinstance(item, ast.Spread) and isinstance(item.value, ast.Name) and index == len(array.items) - 1:
                rest = item.value.name
            elif isinstance(item, ast.Name):
                items.append(ast.WildcardPattern(item.line, item.col) if item.name == "_"
                             else ast.BindPattern(item.line, item.col, item.name))
            elif isinstance(item, ast.ArrayLit):
                items.append(self.array_literal_as_pattern(item))
            else:
                raise RuffSyntaxError("Invalid assignment target", item.line, item.col)
        return ast.ArrayPattern(array.line, array.col, items, rest)

    def reject_chained_assignment(self) -> None:
        if self.at(*ASSIGN_OPS):
            raise self.error("Chained assignment is not allowed")

    def parse_if(self) -> ast.If:
        """``if c {} else if c2 {} else {}``.

        An else-if chain is read in a loop and folded into nested If nodes
        afterwards, so a long chain costs no parser recursion.
        """
        chain = [self.parse_if_branch()]
        orelse: ast.Block | ast.If | None = None
        while self.accept("else"):
            if not self.at("if"):
                orelse = self.parse_block()
                break
            chain.append(self.parse_if_branch())
        for start, cond, then in reversed(chain):
            orelse = ast.If(start.line, start.col, cond, then, orelse)
        assert isinstance(orelse, ast.If)
        return orelse

    def parse_if_branch(self) -> tuple[Token, ast.Expr, ast.Block]:
        start = self.advance()
        cond = self.parse_condition()
        return start, cond, self.parse_block()

    def parse_condition(self) -> ast.Expr:
        """An if/while condition or for iterable: `name {` here starts the body."""
        with self.struct_literals(False):
            return self.parse_expr()

    def parse_while(self) -> ast.While:
        start = self.advance()
        cond = self.parse_condition()
        return ast.While(start.line, start.col, cond, self.parse_loop_body())

    def parse_loop(self) -> ast.Loop:
        start = self.advance()
        return ast.Loop(start.line, start.col, self.parse_loop_body())

    def parse_for(self) -> ast.For:
        start = self.advance()
        pattern = self.parse_array_pattern() if self.at("[") else None
        var = "<pattern>" if pattern else self.expect_name("a loop variable name after 'for'").text
        self.expect("in", "after the loop variable")
        iterable = self.parse_condition()
        return ast.For(start.line, start.col, var, iterable, self.parse_loop_body(), pattern)

    def parse_break(self) -> ast.Break:
        tok = self.advance()
        if self.loop_depth == 0:
            raise self.error("break can only be used inside a loop", tok)
        return ast.Break(tok.line, tok.col)

    def parse_continue(self) -> ast.Continue:
        tok = self.advance()
        if self.loop_depth == 0:
            raise self.error("continue can only be used inside a loop", tok)
        return ast.Continue(tok.line, tok.col)

    def parse_return(self) -> ast.Return:
        start = self.advance()
        value = None if self.cur.kind in NO_VALUE_AFTER_RETURN else self.parse_expr()
        return ast.Return(start.line, start.col, value)

    def parse_throw(self) -> ast.Throw:
        start = self.advance()
        return ast.Throw(start.line, start.col, self.parse_expr())

    def parse_try(self) -> ast.Try:
        start = self.advance()
        body = self.parse_block()
        self.expect("except", "after the try block")
        err_name = self.advance().text if self.at(IDENT) else None
        handler = self.parse_block()
        return ast.Try(start.line, start.col, body, err_name, handler)

    def parse_func_decl(self) -> ast.FuncDecl:
        func = self.parse_function(named=True)
        return ast.FuncDecl(func.line, func.col, func)

    def parse_struct_decl(self) -> ast.StructDecl:
        start = self.advance()
        name = self.expect_name("a struct name after 'struct'")
        opener = self.expect("{", f"to start the body of struct {name.text}")
        fields: list[ast.StructField] = []
        methods: list[ast.FuncExpr] = []
        while not self.at("}"):
            if self.at("async") and self.peek(1).kind == "func":
                self.advance()      # (run sequentially: see parse_async_func)
            if self.at("func"):
                methods.append(self.parse_function(named=True))
            elif self.at(IDENT):
                fields.append(self.parse_struct_field())
            elif self.at(EOF):
                raise self.error(f"Expected '}}' to close struct {name.text} opened at line {opener.line}, found end of file")
            else:
                raise self.error(f"Expected a field or method in struct {name.text}, found {describe(self.cur)}")
            # Members may be separated by commas, semicolons or nothing at all.
            while self.accept(",") or self.accept(";"):
                pass
        self.advance()
        return ast.StructDecl(start.line, start.col, name.text, fields, methods)

    def parse_struct_field(self) -> ast.StructField:
        name = self.advance()
        if self.accept(":"):
            self.parse_type()
        default = self.parse_expr() if self.accept("=") else None
        return ast.StructField(name.line, name.col, name.text, default)

    STATEMENTS: dict[str, Callable[["_Parser"], ast.Stmt]] = {
        "let": parse_let,
        "mut": parse_let,
        "const": parse_let,
        "if": parse_if,
        "while": parse_while,
        "loop": parse_loop,
        "for": parse_for,
        "break": parse_break,
        "continue": parse_continue,
        "return": parse_return,
        "throw": parse_throw,
        "try": parse_try,
        "struct": parse_struct_decl,
        "match": PatternParser.parse_match,
        "enum": parse_enum,
        "export": parse_export,
        "async": parse_async_func,
        "{": parse_block,
    }

    # ================================================================ functions and types

    def parse_function(self, named: bool) -> ast.FuncExpr:
        """``func [name](params) [-> type] { body }``; the body gets a fresh loop context."""
        start = self.advance()
        is_generator = self.accept("*") is not None
        name = self.expect_name("a function name after 'func'").text if named else None
        opener = self.expect("(", "to start the parameter list")
        params = self.delimited(")", self.parse_param, "parameter", opener)
        if self.accept("->"):
            self.parse_type()
        saved = self.loop_depth, self.in_generator
        self.loop_depth, self.in_generator = 0, is_generator
        try:
            body = self.parse_block()
        finally:
            self.loop_depth, self.in_generator = saved
        return ast.FuncExpr(start.line, start.col, name, params, body, is_generator)

    def parse_param(self) -> str:
        if self.at("self"):
            name = self.advance()
        else:
            name = self.expect_name("a parameter name")
        if self.accept(":"):
            self.parse_type()
        if self.at("="):
            raise self.error("Default parameter values are not supported")
        return name.text

    def parse_type(self) -> None:
        """Parse and drop a type: ``name { ? | [] | <type, ...> }``."""
        tok = self.cur
        if not (tok.kind == IDENT or tok.kind in TYPE_KEYWORDS):
            raise self.unexpected("Expected a type")
        with self.nested_expr(tok):
            self.advance()
            while True:
                if self.accept("?"):
                    continue
                if self.at("["):
                    opener = self.advance()
                    self.close("]", opener)
                elif self.at("<"):
                    opener = self.advance()
                    self.parse_type()
                    while self.accept(","):
                        self.parse_type()
                    self.close(">", opener)
                else:
                    return
