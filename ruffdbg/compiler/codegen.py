"""AST -> bytecode.

One ``FunctionCompiler`` per function body (and one for the script), one
visitor method per node kind. Names are resolved here, at compile time:

* a name declared in the function (parameter, ``let``/``mut``/``const``, ``for``
  variable, bare ``x := e`` that found nothing) gets a local slot; every block
  is a scope, so a name may map to different slots in different blocks;
* a local that a nested function uses becomes a *cell*, created fresh each time
  its declaration runs, so closures share it by reference and every call of a
  factory gets new cells;
* a name from an enclosing function is a *free* variable, reached through the
  closure's cells;
* anything else is a global, looked up by name at run time (the script's
  outermost scope is the global scope, so top-level bindings are globals).

Mutability errors that are known statically (``let x := 1; x := 2``) compile
to a ``FAIL`` instruction, so they are raised at run time, at the right line,
only if that statement actually runs — as in the reference implementation.

The compiler is one class made of mixins, a module per concern: ``scopes.py``
(bindings, name resolution, the pre-scans), this module (statements and
expressions of the core), ``patterns.py`` (``match`` and destructuring) and
``sugar.py`` (variants, ``?``, ``??``, ``?.``, ``|>``, spread, generators).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ruffdbg.compiler import peephole
from ruffdbg.compiler.bytecode import CodeObject, StructTemplate
from ruffdbg.compiler.opcodes import BINARY_OPS, COMPARE_OPS, Op
from ruffdbg.compiler.patterns import PatternCompiler
from ruffdbg.compiler.scopes import (Binding, ScopeCompiler, names_used_in_nested_functions, script_local_candidates,
                                     top_level_names)
from ruffdbg.compiler.sugar import SugarCompiler, generator_wrapper
from ruffdbg.lang import ast
from ruffdbg.lang.diagnostics import RuffSyntaxError


# The operand each kind of node compiles before anything else: chains of these are
# compiled by the loop in ``FunctionCompiler.expr`` (the parser builds them with loops
# too, so their length is unbounded).
FIRST_OPERAND: dict[type, str] = {
    ast.Binary: "left", ast.Logical: "left", ast.Coalesce: "left",
    ast.Index: "obj", ast.Field: "obj", ast.SafeField: "obj", ast.MethodCall: "obj",
    ast.Call: "callee", ast.Pipe: "value", ast.TryUnwrap: "value", ast.Unary: "operand",
}


def _leaf_call(node: ast.Expr) -> bool:
    """A call of a name or a variant (``f(x)``, ``Ok(v)``): nothing to unroll, and a
    variant constructor does not compile its callee at all."""
    return type(node) is ast.Call and isinstance(node.callee, (ast.Name, ast.VariantRef))


@dataclass
class LoopContext:
    head: int                     # pc that `continue` jumps back to
    try_depth: int                # open try blocks when the loop started
    stack_items: int              # values the loop keeps on the stack (2 for `for`)
    break_jumps: list[int] = field(default_factory=list)


def compile_program(program: ast.Program, known_globals: Iterable[str] = (),
                    whole_program: bool = False) -> CodeObject:
    """Compile a script. ``known_globals``: globals that exist already (REPL).
    ``whole_program``: nothing else will be compiled into its globals (a file run
    on its own), so the top-level variables no function names may be the
    script's locals (``scopes``)."""
    globals_ = set(known_globals) | top_level_names(program.stmts)
    captured = names_used_in_nested_functions(program.stmts)
    compiler = FunctionCompiler("<script>", [], parent=None, known_globals=globals_, captured=captured)
    if whole_program:
        compiler.script_locals = script_local_candidates(program.stmts, captured) - set(known_globals)
    compiler.code.is_script = True
    compiler.code.first_line = 1
    compiler.compile_body(program.stmts, line=1)
    return peephole.optimize(compiler.code)


class FunctionCompiler(ScopeCompiler, PatternCompiler, SugarCompiler):
    def __init__(self, name: str, params: list[str], parent: "FunctionCompiler | None",
                 known_globals: set[str], captured: set[str]):
        self.code = CodeObject(name=name, params=list(params))
        self.parent = parent
        self.known_globals = known_globals
        self.captured = captured           # names some nested function refers to
        self.script_locals: set[str] = set()   # top-level names that may be script locals (scopes)
        self.globals_used: set[str] = set()    # names an instruction so far reached as globals
        self.scopes: list[dict[str, Binding]] = []
        self.free: dict[str, int] = {}      # free variable name -> index in frame.cells
        self.free_kinds: dict[str, str] = {}
        self.capture_sources: list[tuple[str, int]] = []
        self.receiver_fields: list[str] = []  # fields a self-less method sees as names
        self.loops: list[LoopContext] = []
        self.try_depth = 0
        self.pos = (0, 0)                   # (line, col) given to emitted instructions
        self.compiled_operand: ast.Expr | None = None   # see expr()

    @property
    def is_script(self) -> bool:
        return self.parent is None

    # ------------------------------------------------------------ emitting

    def emit(self, op: Op, arg: Any = None) -> int:
        self.code.instrs.append((int(op), arg))
        self.code.lines.append(self.pos[0])
        self.code.cols.append(self.pos[1])
        return len(self.code.instrs) - 1

    def at(self, node: ast.Node) -> None:
        self.pos = (node.line, node.col)

    def here(self) -> int:
        return len(self.code.instrs)

    def patch(self, pc: int, target: int | None = None) -> None:
        op, _ = self.code.instrs[pc]
        self.code.instrs[pc] = (op, self.here() if target is None else target)

    def const(self, value: Any) -> int:
        # Keep 1 and 1.0 and true apart: Python would treat them as equal keys.
        for index, existing in enumerate(self.code.consts):
            if type(existing) is type(value) and existing == value and not isinstance(value, CodeObject):
                return index
        self.code.consts.append(value)
        return len(self.code.consts) - 1

    def name_index(self, name: Any) -> int:
        if name in self.code.names:
            return self.code.names.index(name)
        self.code.names.append(name)
        return len(self.code.names) - 1

    def fail(self, message: str) -> None:
        self.emit(Op.FAIL, self.const(message))

    # ----------------------------------------------------------- statements

    def compile_body(self, stmts: list[ast.Stmt], line: int) -> None:
        self.scopes.append({})
        if not self.is_script:
            for param in self.code.params:
                binding = self.declare(param, "mut")
                if binding.is_cell:
                    self.emit(Op.LOAD_LOCAL, binding.slot)
                    self.emit(Op.NEW_CELL, binding.slot)
                    self.emit(Op.STORE_CELL, binding.slot)
        for name in self.receiver_fields:
            self.emit(Op.LOAD_LOCAL, 0)
            self.emit(Op.GET_FIELD, self.const(name))
            self.store_new(self.declare(name, "mut"))
        self.block_statements(stmts)
        self.pos = (self.pos[0] or line, 0)
        self.emit(Op.LOAD_CONST, self.const(None))
        self.emit(Op.RETURN)
        self.scopes.pop()

    def block_statements(self, stmts: list[ast.Stmt]) -> None:
        # The script's own declarations are hoisted, so top-level functions can
        # call each other before their text appears. Nowhere else (as in Ruff): a
        # nested function declared before the locals it uses would be compiled
        # before they exist and take them for globals.
        hoisted = (ast.FuncDecl, ast.StructDecl) if self.in_global_scope() else ()
        for stmt in stmts:
            if isinstance(stmt, hoisted):
                self.statement(stmt)
        for stmt in stmts:
            if not isinstance(stmt, hoisted):
                self.statement(stmt)

    def block(self, block: ast.Block) -> None:
        self.scopes.append({})
        self.block_statements(block.stmts)
        self.scopes.pop()

    def statement(self, stmt: ast.Stmt) -> None:
        self.at(stmt)
        method = getattr(self, "stmt_" + type(stmt).__name__)
        method(stmt)

    def stmt_Block(self, stmt: ast.Block) -> None:
        self.block(stmt)

    def stmt_ExprStmt(self, stmt: ast.ExprStmt) -> None:
        self.expr(stmt.expr)
        self.emit(Op.POP)

    def stmt_Let(self, stmt: ast.Let) -> None:
        self.expr(stmt.value)
        self.at(stmt)
        self.define(stmt.name, stmt.kind)

    def stmt_Assign(self, stmt: ast.Assign) -> None:
        target = stmt.target
        if isinstance(target, ast.Name):
            self.assign_name(stmt, target.name)
        elif isinstance(target, (ast.Index, ast.Field)):
            self.assign_path(stmt)
        else:
            raise RuffSyntaxError("Invalid assignment target", target.line, target.col)

    def assign_name(self, stmt: ast.Assign, name: str) -> None:
        if stmt.op not in (":=", "="):
            self.load_name(name, stmt.target)
            self.expr(stmt.value)
            self.at(stmt)
            self.emit(BINARY_OPS[stmt.op[0]])
        else:
            self.expr(stmt.value)
            self.at(stmt)
        self.store_assigned(name)

    def assign_path(self, stmt: ast.Assign) -> None:
        """``a[i].f := v``: make each container on the path unshared, then store.

        Copy-on-write: the root variable's container and every container on the
        way down are copied only if something else still refers to them.
        """
        path = []
        node = stmt.target
        while isinstance(node, (ast.Index, ast.Field)):
            path.append(node)
            node = node.obj
        if not isinstance(node, ast.Name):
            raise RuffSyntaxError("Invalid assignment target", node.line, node.col)
        path.reverse()
        compound = stmt.op not in (":=", "=")
        if not compound:
            self.expr(stmt.value)
        self.at(stmt)
        if not self.mut_root(node.name):
            return
        for step in path[:-1]:
            self.at(step)
            if isinstance(step, ast.Index):
                self.expr(step.index)
                self.at(step)
                self.emit(Op.MUT_INDEX)
            else:
                self.emit(Op.MUT_FIELD, self.const(step.name))
        last = path[-1]
        if isinstance(last, ast.Index):
            self.expr(last.index)
            self.at(last)
            if compound:
                self.emit(Op.DUP2)
                self.emit(Op.INDEX)
                self.expr(stmt.value)
                self.at(stmt)
                self.emit(BINARY_OPS[stmt.op[0]])
                self.emit(Op.ROT3)
            self.emit(Op.STORE_INDEX)
        else:
            if compound:
                self.emit(Op.DUP)
                self.emit(Op.GET_FIELD, self.const(last.name))
                self.expr(stmt.value)
                self.at(stmt)
                self.emit(BINARY_OPS[stmt.op[0]])
                self.emit(Op.SWAP)
            self.emit(Op.STORE_FIELD, self.const(last.name))

    def stmt_If(self, stmt: ast.If) -> None:
        # An else-if chain is walked in a loop, not by recursion: the parser
        # allows chains far longer than Python's recursion limit.
        to_end = []
        node: ast.If | ast.Block | None = stmt
        while isinstance(node, ast.If):
            self.expr(node.cond)
            self.at(node)
            to_next = self.emit(Op.JUMP_IF_FALSE)
            self.block(node.then)
            if node.orelse is not None:
                to_end.append(self.emit(Op.JUMP))
            self.patch(to_next)
            node = node.orelse
        if node is not None:
            self.block(node)
        for jump in to_end:
            self.patch(jump)

    def loop_body(self, body: ast.Block, context: LoopContext, before_body=None) -> None:
        self.loops.append(context)
        self.scopes.append({})
        if before_body:
            before_body()
        self.block_statements(body.stmts)
        self.scopes.pop()
        self.loops.pop()

    def stmt_While(self, stmt: ast.While) -> None:
        head = self.here()
        self.code.loops[head] = stmt.line
        self.expr(stmt.cond)
        self.at(stmt)
        exit_jump = self.emit(Op.JUMP_IF_FALSE)
        context = LoopContext(head, self.try_depth, 0)
        self.loop_body(stmt.body, context)
        self.at(stmt)
        self.emit(Op.JUMP_BACK, head)
        self.patch(exit_jump)
        for jump in context.break_jumps:
            self.patch(jump)

    def stmt_Loop(self, stmt: ast.Loop) -> None:
        head = self.here()
        self.code.loops[head] = stmt.line
        context = LoopContext(head, self.try_depth, 0)
        self.loop_body(stmt.body, context)
        self.at(stmt)
        self.emit(Op.JUMP_BACK, head)
        for jump in context.break_jumps:
            self.patch(jump)

    def stmt_For(self, stmt: ast.For) -> None:
        self.expr(stmt.iterable)
        self.at(stmt)
        self.emit(Op.GET_ITER)
        head = self.here()
        self.code.loops[head] = stmt.line
        exit_jump = self.emit(Op.FOR_ITER)
        context = LoopContext(head, self.try_depth, 2)
        self.loop_body(stmt.body, context, before_body=lambda: self.bind_loop_variable(stmt))
        self.at(stmt)
        self.emit(Op.JUMP_BACK, head)
        self.patch(exit_jump)
        for jump in context.break_jumps:
            self.patch(jump)

    def bind_loop_variable(self, stmt: ast.For) -> None:
        """The element on top of the stack becomes the loop variable (or, with
        ``for [k, v] in ...``, is destructured into fresh variables)."""
        if stmt.pattern is None:
            self.store_new(self.declare(stmt.var, "mut"))
            return
        slot = self.hidden_slot()
        self.emit(Op.STORE_LOCAL, slot)
        self.destructure(stmt.pattern, slot, lambda name: self.store_new(self.declare(name, "mut")))

    def leave_tries(self, depth: int) -> None:
        for _ in range(self.try_depth - depth):
            self.emit(Op.POP_TRY)

    def stmt_Break(self, stmt: ast.Break) -> None:
        if not self.loops:
            raise RuffSyntaxError("break can only be used inside a loop", stmt.line, stmt.col)
        loop = self.loops[-1]
        self.leave_tries(loop.try_depth)
        for _ in range(loop.stack_items):
            self.emit(Op.POP)
        loop.break_jumps.append(self.emit(Op.JUMP))

    def stmt_Continue(self, stmt: ast.Continue) -> None:
        if not self.loops:
            raise RuffSyntaxError("continue can only be used inside a loop", stmt.line, stmt.col)
        loop = self.loops[-1]
        self.leave_tries(loop.try_depth)
        self.emit(Op.JUMP_BACK, loop.head)

    def stmt_Return(self, stmt: ast.Return) -> None:
        if stmt.value is None:
            self.emit(Op.LOAD_CONST, self.const(None))
        else:
            self.expr(stmt.value)
            self.at(stmt)
        self.emit(Op.RETURN)

    def stmt_Throw(self, stmt: ast.Throw) -> None:
        self.expr(stmt.value)
        self.at(stmt)
        self.emit(Op.THROW)

    def stmt_Try(self, stmt: ast.Try) -> None:
        setup = self.emit(Op.SETUP_TRY)
        self.try_depth += 1
        self.block(stmt.body)
        self.try_depth -= 1
        self.emit(Op.POP_TRY)
        to_end = self.emit(Op.JUMP)
        self.patch(setup)
        self.scopes.append({})
        if stmt.err_name is None:
            self.emit(Op.POP)
        else:
            self.store_new(self.declare(stmt.err_name, "mut"))
        self.block_statements(stmt.handler.stmts)
        self.scopes.pop()
        self.patch(to_end)

    def stmt_FuncDecl(self, stmt: ast.FuncDecl) -> None:
        name = stmt.func.name
        if self.in_global_scope():
            self.function(stmt.func)
            self.at(stmt)
            self.define_global(name, "func")
            return
        if name in self.scopes[-1]:
            self.fail(f"Duplicate declaration in the same scope: {name}")
            return
        # Declared before the body is compiled, so the function can call itself.
        binding = self.declare(name, "func")
        if binding.is_cell:
            self.emit(Op.NEW_CELL, binding.slot)
        self.function(stmt.func)
        self.at(stmt)
        self.emit(Op.STORE_CELL if binding.is_cell else Op.STORE_LOCAL, binding.slot)

    def stmt_StructDecl(self, stmt: ast.StructDecl) -> None:
        defaults = [f for f in stmt.fields if f.default is not None]
        for struct_field in defaults:
            self.expr(struct_field.default)
        field_names = [f.name for f in stmt.fields]
        for method in stmt.methods:
            self.function(method, owner=stmt.name, fields=field_names)
        template = StructTemplate(
            name=stmt.name,
            field_names=[f.name for f in stmt.fields],
            default_names=[f.name for f in defaults],
            method_names=[m.name for m in stmt.methods],
        )
        self.at(stmt)
        self.emit(Op.MAKE_STRUCT, self.const(template))

    # ----------------------------------------------------------- expressions

    def expr(self, node: ast.Expr) -> None:
        """Compile an expression. A chain leaning on its first operand (``a + b + c ...``,
        ``a[0][0] ...``, ``a.f.g``, ``f()()``, ``x |> f |> g``) is walked by a loop, not by
        recursion, so its length is not bounded by Python's stack: the innermost operand
        is compiled first, then each enclosing node by its own visitor, whose first
        ``self.expr(operand)`` finds that operand compiled already (``compiled_operand``)
        and returns. The bytecode is the same as the recursive walk's."""
        if node is self.compiled_operand:
            self.compiled_operand = None
            return
        chain = []
        while (attr := FIRST_OPERAND.get(type(node))) is not None and not _leaf_call(node):
            chain.append(node)
            node = getattr(node, attr)
        self.at(node)
        getattr(self, "expr_" + type(node).__name__)(node)
        for outer in reversed(chain):
            self.compiled_operand = getattr(outer, FIRST_OPERAND[type(outer)])
            self.at(outer)
            getattr(self, "expr_" + type(outer).__name__)(outer)
            assert self.compiled_operand is None, "a visitor did not compile its first operand first"

    def expr_IntLit(self, node: ast.IntLit) -> None:
        self.emit(Op.LOAD_CONST, self.const(node.value))

    expr_FloatLit = expr_StrLit = expr_BoolLit = expr_IntLit

    def expr_NullLit(self, node: ast.NullLit) -> None:
        self.emit(Op.LOAD_CONST, self.const(None))

    def expr_Interpolated(self, node: ast.Interpolated) -> None:
        for part in node.parts:
            if isinstance(part, str):
                self.emit(Op.LOAD_CONST, self.const(part))
            else:
                self.expr(part)
        self.at(node)
        self.emit(Op.BUILD_STRING, len(node.parts))

    def expr_Name(self, node: ast.Name) -> None:
        if not self.none_value(node):
            self.load_name(node.name, node)

    def expr_ArrayLit(self, node: ast.ArrayLit) -> None:
        if any(isinstance(item, ast.Spread) for item in node.items):
            return self.spread_array(node)
        for item in node.items:
            self.expr(item)
        self.at(node)
        self.emit(Op.BUILD_ARRAY, len(node.items))

    def expr_DictLit(self, node: ast.DictLit) -> None:
        if any(isinstance(entry, ast.Spread) for entry in node.entries):
            return self.spread_dict(node)
        for key, value in node.entries:
            self.expr(key)
            self.expr(value)
        self.at(node)
        self.emit(Op.BUILD_DICT, len(node.entries))

    def expr_Unary(self, node: ast.Unary) -> None:
        self.expr(node.operand)
        self.at(node)
        self.emit(Op.NEG if node.op == "-" else Op.NOT)

    def expr_Binary(self, node: ast.Binary) -> None:
        self.expr(node.left)
        self.expr(node.right)
        self.at(node)
        self.emit(BINARY_OPS.get(node.op) or COMPARE_OPS[node.op])

    def expr_Logical(self, node: ast.Logical) -> None:
        # Both operators short-circuit and always produce a bool.
        self.expr(node.left)
        self.at(node)
        short = self.emit(Op.JUMP_IF_FALSE if node.op == "&&" else Op.JUMP_IF_TRUE)
        self.expr(node.right)
        self.at(node)
        self.emit(Op.TO_BOOL)
        to_end = self.emit(Op.JUMP)
        self.patch(short)
        self.emit(Op.LOAD_CONST, self.const(node.op == "||"))
        self.patch(to_end)

    def expr_Call(self, node: ast.Call) -> None:
        if self.variant_call(node):
            return
        self.expr(node.callee)
        for arg in node.args:
            self.expr(arg)
        self.at(node)
        self.emit(Op.CALL, len(node.args))

    def expr_MethodCall(self, node: ast.MethodCall) -> None:
        self.expr(node.obj)
        for arg in node.args:
            self.expr(arg)
        self.at(node)
        self.emit(Op.CALL_METHOD, (self.const(node.name), len(node.args)))

    def expr_Index(self, node: ast.Index) -> None:
        self.expr(node.obj)
        self.expr(node.index)
        self.at(node)
        self.emit(Op.INDEX)

    def expr_Field(self, node: ast.Field) -> None:
        self.expr(node.obj)
        self.at(node)
        self.emit(Op.GET_FIELD, self.const(node.name))

    def expr_FuncExpr(self, node: ast.FuncExpr) -> None:
        self.function(node)

    def expr_StructLit(self, node: ast.StructLit) -> None:
        for _, value in node.fields:
            self.expr(value)
        self.at(node)
        self.emit(Op.NEW_STRUCT, (node.name, tuple(name for name, _ in node.fields)))

    def function(self, func: ast.FuncExpr, owner: str | None = None, fields: list[str] = ()) -> None:
        """Compile a nested function and emit the closure creation.

        A struct method (``owner`` set) takes its receiver as first parameter.
        One written without ``self`` gets a hidden one, and the receiver's
        fields become local names in its body: copies, as in the reference, so
        assigning one changes only the method's own variable.
        """
        if func.is_generator:
            func = generator_wrapper(func)
        name = func.name or "<anonymous>"
        params = list(func.params)
        receiver_fields: list[str] = []
        if owner is not None and (not params or params[0] != "self"):
            params.insert(0, "self")
            receiver_fields = [f for f in fields if f not in params]
        child = FunctionCompiler(name, params, parent=self, known_globals=self.known_globals,
                                 captured=names_used_in_nested_functions(func.body.stmts))
        child.code.owner = owner
        child.receiver_fields = receiver_fields
        child.code.first_line = func.line
        child.pos = (func.line, func.col)
        child.compile_body(func.body.stmts, line=func.body.line)
        self.at(func)
        self.emit(Op.MAKE_FUNCTION, (self.const(child.code), tuple(child.capture_sources)))
