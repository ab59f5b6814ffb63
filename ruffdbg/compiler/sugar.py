"""Expressions beyond the Ruff core (a mixin of ``codegen.FunctionCompiler``):
enum variants and ``Ok``/``Err``/``Some``/``None``, the ``?`` operator, ``??``,
``?.``, ``|>``, spread in literals, and generators (``func*``, ``yield``).

Most compile to a few core instructions; the rest are the rare opcodes at the
end of the opcode table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruffdbg.compiler.opcodes import Op
from ruffdbg.compiler.patterns import variant_tag
from ruffdbg.core.objects import NONE_VALUE, Variant
from ruffdbg.lang import ast
from ruffdbg.lang.diagnostics import RuffSyntaxError

# Constructors that are names, not ``Enum::Variant``: each takes one value.
VARIANT_CONSTRUCTORS = frozenset(["Ok", "Err", "Some"])


@dataclass
class GeneratorOf(ast.Node):
    """(Made by the compiler.) A ``func*`` body as a function of no parameters
    that the generator runs; it reaches the parameters as captured variables."""

    body: ast.FuncExpr


def generator_wrapper(func: ast.FuncExpr) -> ast.FuncExpr:
    """``func* g(a) { body }`` is ``func g(a) { return <generator of func() { body }> }``:
    calling ``g`` runs nothing yet, it makes the generator."""
    inner = ast.FuncExpr(func.line, func.col, func.name, [], func.body)
    make = GeneratorOf(func.line, func.col, inner)
    body = ast.Block(func.body.line, func.body.col, [ast.Return(func.line, func.col, make)])
    return ast.FuncExpr(func.line, func.col, func.name, func.params, body)


class SugarCompiler:
    """(Part of ``FunctionCompiler``.)"""

    def is_unbound(self, name: str) -> bool:
        """Is ``name`` free of any binding of the program (so ``Ok`` is the constructor)?"""
        where, _ = self.resolve(name)
        return where == "global" and name not in self.known_globals

    # ------------------------------------------------------------ variants

    def variant_call(self, node: ast.Call) -> bool:
        """``Ok(v)``, ``Shape::Circle(r, 2)``: build the variant; False if ``node`` is another call."""
        callee = node.callee
        if isinstance(callee, ast.VariantRef):
            tag = variant_tag(f"{callee.enum}::{callee.variant}")
        elif isinstance(callee, ast.Name) and callee.name in VARIANT_CONSTRUCTORS and self.is_unbound(callee.name):
            tag = callee.name
            if len(node.args) != 1:
                raise RuffSyntaxError(f"{tag} expects 1 arguments, got {len(node.args)}", node.line, node.col)
        else:
            return False
        for arg in node.args:
            self.expr(arg)
        self.at(node)
        self.emit(Op.MAKE_VARIANT, (self.const(tag), len(node.args)))
        return True

    def expr_VariantRef(self, node: ast.VariantRef) -> None:
        tag = variant_tag(f"{node.enum}::{node.variant}")
        self.emit(Op.LOAD_CONST, self.const(NONE_VALUE if tag == "None" else Variant(tag)))

    def none_value(self, node: ast.Name) -> bool:
        if node.name == "None" and self.is_unbound("None"):
            self.emit(Op.LOAD_CONST, self.const(NONE_VALUE))
            return True
        return False

    def expr_TryUnwrap(self, node: ast.TryUnwrap) -> None:
        # value?  ->  Err/None is returned as it is; Ok/Some gives its payload.
        self.expr(node.value)
        self.at(node)
        self.emit(Op.DUP)
        self.emit(Op.IS_FAILURE)
        to_unwrap = self.emit(Op.JUMP_IF_FALSE)
        self.emit(Op.RETURN)
        self.patch(to_unwrap)
        self.emit(Op.VARIANT_ITEM, 0)

    # ------------------------------------------------------------ null-safe and pipe

    def expr_Coalesce(self, node: ast.Coalesce) -> None:
        self.expr(node.left)
        self.at(node)
        self.emit(Op.DUP)
        self.emit(Op.LOAD_CONST, self.const(None))
        self.emit(Op.EQUAL)
        keep_left = self.emit(Op.JUMP_IF_FALSE)
        self.emit(Op.POP)
        self.expr(node.right)
        self.patch(keep_left)

    def expr_SafeField(self, node: ast.SafeField) -> None:
        self.expr(node.obj)
        self.at(node)
        self.emit(Op.GET_FIELD_OR_NULL, self.const(node.name))

    def expr_Pipe(self, node: ast.Pipe) -> None:
        # value |> f  is  f(value), with the value evaluated first.
        self.expr(node.value)
        self.expr(node.func)
        self.at(node)
        self.emit(Op.SWAP)
        self.emit(Op.CALL, 1)

    # ------------------------------------------------------------ spread

    def expr_Spread(self, node: ast.Spread) -> None:
        raise RuffSyntaxError("'...' can only be used inside an array or dict literal", node.line, node.col)

    def spread_array(self, node: ast.ArrayLit) -> None:
        """An array literal with ``...``: runs of plain elements become arrays, all concatenated."""
        self._spread(node, node.items, Op.BUILD_ARRAY, self.expr)

    def spread_dict(self, node: ast.DictLit) -> None:
        """A dict literal with ``...``: merged left to right, later keys win."""
        def key_and_value(entry) -> None:
            self.expr(entry[0])
            self.expr(entry[1])
        self._spread(node, node.entries, Op.BUILD_DICT, key_and_value)

    def _spread(self, node, items: list, build: Op, plain) -> None:
        """Start empty; each run of plain items (``plain`` pushes one) is built and
        EXTENDed in, and so is each spread value."""
        self.emit(build, 0)
        run = 0
        for item in items:
            if isinstance(item, ast.Spread):
                if run:
                    self.emit(build, run)
                    self.emit(Op.EXTEND)
                    run = 0
                self.expr(item.value)
                self.at(item)
                self.emit(Op.EXTEND)
            else:
                plain(item)
                run += 1
        if run:
            self.at(node)
            self.emit(build, run)
            self.emit(Op.EXTEND)

    # ------------------------------------------------------------ generators

    def expr_GeneratorOf(self, node: GeneratorOf) -> None:
        self.function(node.body)
        self.at(node)
        self.emit(Op.MAKE_GENERATOR)

    def expr_Yield(self, node: ast.Yield) -> None:
        if node.value is None:
            self.emit(Op.LOAD_CONST, self.const(None))
        else:
            self.expr(node.value)
        self.at(node)
        self.emit(Op.YIELD)
