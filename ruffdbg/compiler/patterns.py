"""Compiling patterns: ``match`` and destructuring ``let`` (a mixin of
``codegen.FunctionCompiler``).

A pattern is tested against a value kept in a hidden local slot, so nested
patterns can look at it as often as they need without juggling the stack.
A failed test jumps to the next case; the jumps are collected in ``fails``
and patched there. Names a pattern binds are declared in the case's own
scope, so they are visible in the guard and the body and nowhere else.
"""

from __future__ import annotations

from typing import Callable

from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.objects import BUILTIN_VARIANTS
from ruffdbg.lang import ast


def variant_tag(tag: str) -> str:
    """``Result::Ok`` is ``Ok``: the built-in enums' variants go by their short name."""
    return BUILTIN_VARIANTS.get(tag, tag)


class PatternCompiler:
    """(Part of ``FunctionCompiler``.)"""

    def hidden_slot(self) -> int:
        """A local slot no name reaches (the scrutinee of a match, a destructured value)."""
        self.code.local_names.append("<pattern>")
        return len(self.code.local_names) - 1

    # ------------------------------------------------------------ match

    def stmt_Match(self, stmt: ast.Match) -> None:
        self.expr(stmt.subject)
        self.at(stmt)
        subject = self.hidden_slot()
        self.emit(Op.STORE_LOCAL, subject)
        to_end = []
        for case in stmt.cases:
            self.scopes.append({})
            fails: list[int] = []
            self.match_pattern(case.pattern, subject, fails)
            if case.guard is not None:
                self.expr(case.guard)
                self.at(case)
                fails.append(self.emit(Op.JUMP_IF_FALSE))
            self.block(case.body)
            self.scopes.pop()
            self.at(case)
            to_end.append(self.emit(Op.JUMP))
            for jump in fails:
                self.patch(jump)
        if stmt.default is not None:
            self.block(stmt.default)
        for jump in to_end:
            self.patch(jump)

    def match_pattern(self, pattern: ast.Pattern, slot: int, fails: list[int]) -> None:
        """Test the value in ``slot``; on failure jump to a pc appended to ``fails``."""
        self.at(pattern)
        getattr(self, "pattern_" + type(pattern).__name__)(pattern, slot, fails)

    def pattern_WildcardPattern(self, pattern: ast.WildcardPattern, slot: int, fails: list[int]) -> None:
        pass

    def pattern_BindPattern(self, pattern: ast.BindPattern, slot: int, fails: list[int]) -> None:
        self.emit(Op.LOAD_LOCAL, slot)
        self.store_new(self.declare(pattern.name, "mut"))

    def pattern_LiteralPattern(self, pattern: ast.LiteralPattern, slot: int, fails: list[int]) -> None:
        self.emit(Op.LOAD_LOCAL, slot)
        self.expr(pattern.value)
        self.at(pattern)
        self.emit(Op.EQUAL)
        fails.append(self.emit(Op.JUMP_IF_FALSE))

    def pattern_VariantPattern(self, pattern: ast.VariantPattern, slot: int, fails: list[int]) -> None:
        args = pattern.args
        self.emit(Op.LOAD_LOCAL, slot)
        self.emit(Op.MATCH_VARIANT, (self.const(variant_tag(pattern.tag)), -1 if args is None else len(args)))
        fails.append(self.emit(Op.JUMP_IF_FALSE))
        for index, sub in enumerate(args or ()):
            if isinstance(sub, ast.WildcardPattern):
                continue
            self.at(sub)
            self.emit(Op.LOAD_LOCAL, slot)
            self.emit(Op.VARIANT_ITEM, index)
            if isinstance(sub, ast.BindPattern):
                self.store_new(self.declare(sub.name, "mut"))
                continue
            inner = self.hidden_slot()
            self.emit(Op.STORE_LOCAL, inner)
            self.match_pattern(sub, inner, fails)

    def pattern_ArrayPattern(self, pattern: ast.ArrayPattern, slot: int, fails: list[int]) -> None:
        # In a case, an array pattern destructures (missing elements are null).
        self.destructure(pattern, slot, lambda name: self.store_new(self.declare(name, "mut")))

    pattern_DictPattern = pattern_ArrayPattern

    # ------------------------------------------------------------ destructuring

    def stmt_LetPattern(self, stmt: ast.LetPattern) -> None:
        self.expr(stmt.value)
        self.at(stmt)
        slot = self.hidden_slot()
        self.emit(Op.STORE_LOCAL, slot)
        if stmt.kind == "assign":     # `[a, b] := value`: each name is assigned as by `a := ...`
            self.destructure(stmt.pattern, slot, self.store_assigned)
        else:
            self.destructure(stmt.pattern, slot, lambda name: self.define(name, stmt.kind))

    def destructure(self, pattern: ast.ArrayPattern | ast.DictPattern, slot: int,
                    bind: Callable[[str], None]) -> None:
        """Bind every name of ``pattern`` from the value in ``slot`` with ``bind``, as
        the reference does: a missing element or key (or a value of the wrong kind)
        gives null."""
        if isinstance(pattern, ast.ArrayPattern):
            parts = list(enumerate(pattern.items))
            rest_key: object = len(pattern.items)
        else:
            parts = [(key, ast.BindPattern(pattern.line, pattern.col, key)) for key in pattern.keys]
            rest_key = tuple(pattern.keys)
        for key, sub in parts:
            if isinstance(sub, ast.WildcardPattern):
                continue
            self.at(sub)
            self.emit(Op.LOAD_LOCAL, slot)
            self.emit(Op.DESTRUCTURE_ITEM, self.const(key))
            self.bind_destructured(sub, bind)
        if pattern.rest is not None:
            self.emit(Op.LOAD_LOCAL, slot)
            self.emit(Op.DESTRUCTURE_REST, self.const(rest_key))
            bind(pattern.rest)

    def bind_destructured(self, sub: ast.Pattern, bind: Callable[[str], None]) -> None:
        """Bind the value on top of the stack to ``sub`` (a name or a nested pattern)."""
        if isinstance(sub, ast.BindPattern):
            bind(sub.name)
            return
        inner = self.hidden_slot()
        self.emit(Op.STORE_LOCAL, inner)
        self.destructure(sub, inner, bind)

    # ------------------------------------------------------------ enums

    def stmt_EnumDecl(self, stmt: ast.EnumDecl) -> None:
        # Variants are built where they are named (``Enum::Variant``), as in the
        # reference, so the declaration itself needs no code.
        pass
