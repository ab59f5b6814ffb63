"""Patterns: what ``let [a, ...rest] :=``, ``let {x, y} :=`` and ``match``
cases destructure. A mixin of ``parser._Parser``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ast
from .lexer import EOF, FLOAT, IDENT, INT, STRING, Token

# Tokens that start a literal pattern in a `case`.
PATTERN_LITERALS = frozenset([INT, FLOAT, STRING, "true", "false", "null", "-"])

if TYPE_CHECKING:
    from .parser import _Parser as _Base
else:
    _Base = object


class PatternParser(_Base):
    def parse_let_pattern(self, start: Token) -> ast.LetPattern:
        """``let [a, b, ...rest] := e`` or ``let {x, y, ...rest} := e``."""
        pattern = self.parse_array_pattern() if self.at("[") else self.parse_dict_pattern()
        if not self.at(":=", "="):
            raise self.unexpected(f"Expected ':=' or '=' after the '{start.kind}' pattern")
        self.advance()
        value = self.parse_expr()
        self.reject_chained_assignment()
        return ast.LetPattern(start.line, start.col, start.kind, pattern, value)

    def parse_array_pattern(self) -> ast.ArrayPattern:
        opener = self.advance()
        items: list[ast.Pattern] = []
        rest = None
        with self.nested_expr(opener):
            while not self.at("]"):
                if self.accept("..."):
                    rest = self.expect_name("a name after '...'").text
                    break
                items.append(self.parse_destructure_item())
                if not self.accept(","):
                    break
            self.close("]", opener)
        return ast.ArrayPattern(opener.line, opener.col, items, rest)

    def parse_destructure_item(self) -> ast.Pattern:
        tok = self.cur
        if tok.kind == "[":
            return self.parse_array_pattern()
        if tok.kind == "{":
            return self.parse_dict_pattern()
        name = self.expect_name("a name in the pattern")
        if name.text == "_":
            return ast.WildcardPattern(name.line, name.col)
        return ast.BindPattern(name.line, name.col, name.text)

    def parse_dict_pattern(self) -> ast.DictPattern:
        opener = self.advance()
        keys: list[str] = []
        rest = None
        while not self.at("}"):
            if self.accept("..."):
                rest = self.expect_name("a name after '...'").text
                break
            keys.append(self.expect_name("a key name in the pattern").text)
            if not self.accept(","):
                break
        self.close("}", opener)
        return ast.DictPattern(opener.line, opener.col, keys, rest)

    def parse_match(self) -> ast.Match:
        """``match e { case PATTERN [if guard][:] { } ... default[:] { } }``."""
        start = self.advance()
        subject = self.parse_condition()
        opener = self.expect("{", "to start the match body")
        cases: list[ast.Case] = []
        default = None
        while not self.at("}"):
            tok = self.cur
            if tok.kind == "case":
                self.advance()
                pattern = self.parse_pattern()
                guard = self.parse_condition() if self.accept("if") else None
                self.accept(":")
                cases.append(ast.Case(tok.line, tok.col, pattern, guard, self.parse_case_body()))
            elif tok.kind == IDENT and tok.text == "default":
                self.advance()
                self.accept(":")
                default = self.parse_case_body()
            elif tok.kind == EOF:
                raise self.error(f"Expected '}}' to close match opened at line {opener.line}, found end of file")
            else:
                raise self.unexpected("Expected 'case' or 'default' in match")
            while self.accept(",") or self.accept(";"):
                pass
        self.advance()
        return ast.Match(start.line, start.col, subject, cases, default)

    def parse_case_body(self) -> ast.Block:
        """A block, or a single statement (``case Ok(v): return v``)."""
        if self.at("{"):
            return self.parse_block()
        tok = self.cur
        return ast.Block(tok.line, tok.col, [self.parse_statement()])

    def parse_pattern(self) -> ast.Pattern:
        tok = self.cur
        with self.nested_expr(tok):
            if tok.kind in PATTERN_LITERALS:
                value = self.parse_unary()
                if not isinstance(value, (ast.IntLit, ast.FloatLit, ast.StrLit, ast.BoolLit, ast.NullLit)) and not (
                        isinstance(value, ast.Unary) and isinstance(value.operand, (ast.IntLit, ast.FloatLit))):
                    raise self.error("Expected a literal pattern", tok)
                return ast.LiteralPattern(tok.line, tok.col, value)
            if tok.kind == "[":
                return self.parse_array_pattern()
            name = self.expect_name("a pattern after 'case'")
            tag = name.text
            if self.accept("::"):
                tag += "::" + self.expect_name("a variant name after '::'").text
            elif tag == "_":
                return ast.WildcardPattern(name.line, name.col)
            elif not tag[0].isupper() and not self.at("("):
                return ast.BindPattern(name.line, name.col, tag)
            args = None
            if self.at("("):
                opener = self.advance()
                args = self.delimited(")", self.parse_pattern, "pattern", opener)
            return ast.VariantPattern(name.line, name.col, tag, args)
