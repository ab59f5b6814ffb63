"""Expressions: precedence climbing over the binary operators, then unary,
postfix (calls, indexing, fields, ``?``, ``?.``) and primaries. A mixin of
``parser._Parser``, which holds the token cursor and the nesting counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ast
from .diagnostics import RuffSyntaxError
from .lexer import EOF, FLOAT, IDENT, INT, STRING, TYPE_KEYWORDS, Interpolation, Token, describe

# Binding power of binary operators, loosest first; all are left-associative.
BINARY_PRECEDENCE = {
    "|>": 1,
    "??": 2,
    "||": 3,
    "&&": 4,
    "==": 5, "!=": 5,
    "<": 6, "<=": 6, ">": 6, ">=": 6,
    "+": 7, "-": 7,
    "*": 8, "/": 8, "%": 8,
}
LOGICAL_OPS = frozenset(["&&", "||"])
# Statement keywords that cannot begin an expression: a `return` followed by
# one of them (or by `}` / `;` / end of file) returns no value.
NO_VALUE_AFTER_RETURN = frozenset(
    "} ; let mut const if while loop for break continue return throw try struct else except "
    "match case enum".split()
) | {EOF}

if TYPE_CHECKING:
    from .parser import _Parser as _Base
else:
    _Base = object


class ExpressionParser(_Base):
    # ================================================================ expressions

    def parse_expr(self) -> ast.Expr:
        return self.parse_binary(1)

    def parse_binary(self, min_prec: int) -> ast.Expr:
        """Precedence climbing: the loop keeps operators left-associative."""
        left = self.parse_unary()
        while True:
            op = self.cur
            prec = BINARY_PRECEDENCE.get(op.kind)
            if prec is None or prec < min_prec:
                return left
            self.advance()
            right = self.parse_binary(prec + 1)
            if op.kind == "??":
                left = ast.Coalesce(op.line, op.col, left, right)
            elif op.kind == "|>":
                left = ast.Pipe(op.line, op.col, left, right)
            else:
                node = ast.Logical if op.kind in LOGICAL_OPS else ast.Binary
                left = node(op.line, op.col, op.kind, left, right)

    def parse_unary(self) -> ast.Expr:
        if self.at("await"):     # see parse_async_func: the value is already there
            tok = self.advance()
            with self.nested_expr(tok):
                return self.parse_unary()
        if not self.at("-", "!"):
            return self.parse_postfix()
        op = self.advance()
        with self.nested_expr(op):
            operand = self.parse_unary()
        return ast.Unary(op.line, op.col, op.kind, operand)

    def parse_postfix(self) -> ast.Expr:
        expr = self.parse_primary()
        while True:
            tok = self.cur
            if tok.kind == "(":
                self.advance()
                args = self.delimited(")", self.parse_expr, "argument", tok)
                expr = ast.Call(tok.line, tok.col, expr, args)
            elif tok.kind == "[" and tok.line == self.tokens[self.pos - 1].line:
                # (A `[` that starts a line starts a statement, `[a, b] := pair`,
                # rather than indexing the line before.)
                self.advance()
                with self.nested_expr(tok), self.struct_literals(True):
                    index = self.parse_expr()
                    self.close("]", tok)
                expr = ast.Index(tok.line, tok.col, expr, index)
            elif tok.kind == ".":
                expr = self.parse_member(expr)
            elif tok.kind == "?.":
                self.advance()
                name = self.expect_name("a field name after '?.'").text
                expr = ast.SafeField(tok.line, tok.col, expr, name)
            elif tok.kind == "?":
                self.advance()
                expr = ast.TryUnwrap(tok.line, tok.col, expr)
            else:
                return expr

    def parse_member(self, obj: ast.Expr) -> ast.Expr:
        dot = self.advance()
        name = self.expect_name("a field or method name after '.'").text
        if self.at("("):
            opener = self.advance()
            args = self.delimited(")", self.parse_expr, "argument", opener)
            return ast.MethodCall(dot.line, dot.col, obj, name, args)
        return ast.Field(dot.line, dot.col, obj, name)

    def parse_primary(self) -> ast.Expr:
        tok = self.cur
        kind = tok.kind
        if kind == INT:
            self.advance()
            return ast.IntLit(tok.line, tok.col, tok.value)
        if kind == FLOAT:
            self.advance()
            return ast.FloatLit(tok.line, tok.col, tok.value)
        if kind == STRING:
            self.advance()
            return self.string_node(tok)
        if kind in ("true", "false"):
            self.advance()
            return ast.BoolLit(tok.line, tok.col, kind == "true")
        if kind == "null":
            self.advance()
            return ast.NullLit(tok.line, tok.col)
        if kind == IDENT:
            if self.peek(1).kind == "::":
                self.advance()
                self.advance()
                variant = self.expect_name("a variant name after '::'")
                return ast.VariantRef(tok.line, tok.col, tok.text, variant.text)
            return self.parse_name_or_struct()
        if kind == "yield":
            return self.parse_yield()
        if kind == "self":
            self.advance()
            return ast.Name(tok.line, tok.col, "self")
        if kind == "(":
            return self.parse_parenthesized()
        if kind == "[":
            self.advance()
            items = self.delimited("]", self.parse_element, "array element", tok)
            return ast.ArrayLit(tok.line, tok.col, items)
        if kind == "{":
            return self.parse_dict()
        if kind == "async" and self.peek(1).kind == "func":
            self.advance()
            return self.parse_primary()
        if kind == "func":
            if self.peek(1).kind == IDENT:
                raise self.error("A named function can only be declared as a statement")
            with self.nested_expr(tok):
                return self.parse_function(named=False)
        raise self.no_expression(tok)

    def parse_element(self) -> ast.Expr:
        """An array element: an expression or ``...expr``."""
        if self.at("..."):
            tok = self.advance()
            return ast.Spread(tok.line, tok.col, self.parse_expr())
        return self.parse_expr()

    def parse_yield(self) -> ast.Yield:
        tok = self.advance()
        if not self.in_generator:
            raise self.error("yield can only be used inside a generator function (func*)", tok)
        value = None if self.cur.kind in NO_VALUE_AFTER_RETURN or self.at(")", "]", ",") else self.parse_expr()
        return ast.Yield(tok.line, tok.col, value)

    def no_expression(self, tok: Token) -> RuffSyntaxError:
        if tok.kind in TYPE_KEYWORDS:
            return self.error(f"'{tok.kind}' is a type name and can only be used in type annotations")
        if tok.kind == EOF:
            inside_interpolation = tok.text == "}"
            return self.error("Expected an expression before '}'" if inside_interpolation else "Unexpected end of file")
        return self.error(f"Unexpected token {describe(tok)}")

    def parse_parenthesized(self) -> ast.Expr:
        opener = self.advance()
        with self.nested_expr(opener), self.struct_literals(True):
            expr = self.parse_expr()
            self.close(")", opener)
        return expr

    def parse_name_or_struct(self) -> ast.Expr:
        name = self.advance()
        if self.starts_struct_literal():
            return self.parse_struct_literal(name)
        return ast.Name(name.line, name.col, name.text)

    def starts_struct_literal(self) -> bool:
        """After a name: is this `{` a struct literal (`{}` or `{ field:`) rather than a block?"""
        if self.no_struct or not self.at("{"):
            return False
        after = self.peek(1)
        return after.kind == "}" or (after.kind == IDENT and self.peek(2).kind == ":")

    def parse_struct_literal(self, name: Token) -> ast.StructLit:
        opener = self.advance()
        fields = self.delimited("}", self.parse_struct_field_value, "struct field", opener)
        return ast.StructLit(name.line, name.col, name.text, fields)

    def parse_struct_field_value(self) -> tuple[str, ast.Expr]:
        name = self.expect_name("a field name")
        self.expect(":", f"after field name '{name.text}'")
        return name.text, self.parse_expr()

    def parse_dict(self) -> ast.DictLit:
        opener = self.advance()
        entries = self.delimited("}", self.parse_dict_entry, "dict entry", opener)
        return ast.DictLit(opener.line, opener.col, entries)

    def parse_dict_entry(self) -> tuple[ast.Expr, ast.Expr] | ast.Spread:
        tok = self.cur
        if tok.kind == "...":
            self.advance()
            return ast.Spread(tok.line, tok.col, self.parse_expr())
        if tok.kind == IDENT and self.peek(1).kind == ":":
            self.advance()
            key: ast.Expr = ast.StrLit(tok.line, tok.col, tok.text)
        else:
            key = self.parse_expr()
        self.expect(":", "after dict key")
        return key, self.parse_expr()

    # ================================================================ strings

    def string_node(self, tok: Token) -> ast.Expr:
        """A StrLit, or an Interpolated whose ``${...}`` parts are parsed as expressions."""
        parts: list = tok.value  # type: ignore[assignment]
        if all(isinstance(part, str) for part in parts):
            return ast.StrLit(tok.line, tok.col, "".join(parts))
        out: list[str | ast.Expr] = []
        for part in parts:
            out.append(part if isinstance(part, str) else self.parse_interpolation(part))
        return ast.Interpolated(tok.line, tok.col, out)

    def parse_interpolation(self, interp: Interpolation) -> ast.Expr:
        """Parse an interpolation's own token list with this parser, then resume."""
        saved = self.tokens, self.pos, self.no_struct
        self.tokens, self.pos, self.no_struct = interp.tokens, 0, False
        try:
            with self.nested_expr(interp.tokens[0]):
                if self.at(EOF):
                    raise RuffSyntaxError("Empty interpolation '${}'", interp.line, interp.col)
                expr = self.parse_expr()
                if not self.at(EOF):
                    raise self.unexpected("Expected '}' to close '${'", after_expr=True)
            return expr
        finally:
            self.tokens, self.pos, self.no_struct = saved
