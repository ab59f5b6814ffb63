"""Names: scopes, bindings and how a name is reached (a mixin of
``codegen.FunctionCompiler``), and the pre-scans that decide which names are
globals and which locals become cells.

A name resolves, innermost first, to a local slot of the function (a cell if a
nested function captures it), a free variable of an enclosing function
(reached through the closure's cells), or a global looked up by name.

A program compiled whole (a file: ``compile_program(whole_program=True)``)
keeps the top-level variables no function can see -- declared at the top level,
named in no function, method or closure, not a function's or struct's name --
as locals of the script's frame, not globals: nothing but the script's own
code could reach them, and a local is what every tier handles best (a global
holding an array, a dict or a string left a script's loops in the interpreter:
its value is shared with the globals table, so each ``xs := push(xs, v)``
copied). Such a name becomes a local at its declaration, provided nothing
before it used the name as a global; the errors (a duplicate declaration, a
reassigned ``let``) are the same messages at the same points. A REPL input
keeps every top-level name global: later inputs see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruffdbg.compiler.opcodes import Op
from ruffdbg.lang import ast


@dataclass
class Binding:
    kind: str  # "let", "mut", "const" or "func"
    slot: int
    is_cell: bool


class ScopeCompiler:
    """(Part of ``FunctionCompiler``.)"""

    def in_global_scope(self) -> bool:
        return self.is_script and len(self.scopes) == 1

    def declare(self, name: str, kind: str) -> Binding:
        """A new binding in the innermost scope (the caller checked duplicates)."""
        slot = len(self.code.local_names)
        self.code.local_names.append(name)
        binding = Binding(kind, slot, name in self.captured)
        self.scopes[-1][name] = binding
        return binding

    def resolve(self, name: str) -> tuple[str, Any]:
        """('local', Binding) | ('free', index) | ('global', None)."""
        for scope in reversed(self.scopes):   # (a script's outermost scope: its script locals only)
            if name in scope:
                return "local", scope[name]
        if name in self.free:
            return "free", self.free[name]
        if self.parent is not None:
            where, what = self.parent.resolve(name)
            if where == "local" and what.is_cell:
                return "free", self._add_free(name, ("local", what.slot), what.kind)
            if where == "free":
                kind = self.parent.free_kinds[name]
                return "free", self._add_free(name, ("free", what), kind)
        return "global", None

    def _add_free(self, name: str, source: tuple[str, int], kind: str) -> int:
        self.free[name] = len(self.code.free_names)
        self.free_kinds[name] = kind
        self.code.free_names.append(name)
        self.capture_sources.append(source)
        return self.free[name]

    def kind_of(self, where: str, what: Any, name: str) -> str:
        return what.kind if where == "local" else self.free_kinds.get(name, "mut")

    def define(self, name: str, kind: str) -> None:
        """Bind the value on top of the stack to a new name in the current scope."""
        if self.in_global_scope() and not self.becomes_script_local(name):
            self.define_global(name, kind)
            return
        if name in self.scopes[-1]:
            self.emit(Op.POP)
            self.fail(f"Duplicate declaration in the same scope: {name}")
            return
        self.store_new(self.declare(name, kind))

    def define_global(self, name: str, kind: str) -> None:
        self.globals_used.add(name)
        self.emit(Op.DEFINE_GLOBAL, self.name_index((name, kind)))

    def becomes_script_local(self, name: str) -> bool:
        """Whether a top-level declaration of ``name`` makes a script local (see the
        module doc): a candidate no instruction so far reached as a global."""
        return name in self.script_locals and name not in self.globals_used

    def store_new(self, binding: Binding) -> None:
        if binding.is_cell:
            self.emit(Op.NEW_CELL, binding.slot)
            self.emit(Op.STORE_CELL, binding.slot)
        else:
            self.emit(Op.STORE_LOCAL, binding.slot)

    def store_assigned(self, name: str) -> None:
        """``name := <the value on top of the stack>``: update the nearest visible binding, or make one."""
        where, what = self.resolve(name)
        if where == "global" and (self.becomes_script_local(name) if self.in_global_scope()
                                  else name not in self.known_globals):
            # Nothing visible by that name: the assignment creates a mutable binding here.
            self.store_new(self.declare(name, "mut"))
            return
        if where != "global":
            kind = self.kind_of(where, what, name)
            if kind == "let":
                return self.fail(f"Cannot reassign immutable let binding: {name}")
            if kind == "const":
                return self.fail(f"Cannot reassign const binding: {name}")
        self.store_name(where, what, name)

    def store_name(self, where: str, what: Any, name: str) -> None:
        if where == "local":
            self.emit(Op.STORE_CELL if what.is_cell else Op.STORE_LOCAL, what.slot)
        elif where == "free":
            self.emit(Op.STORE_FREE, what)
        else:
            self.globals_used.add(name)
            self.emit(Op.STORE_GLOBAL, self.name_index(name))

    def mut_root(self, name: str) -> bool:
        where, what = self.resolve(name)
        if where != "global":
            kind = self.kind_of(where, what, name)
            if kind in ("let", "const"):
                self.fail(f"Cannot mutate immutable let binding: {name}" if kind == "let"
                          else f"Cannot mutate const binding: {name}")
                return False
        if where == "local":
            self.emit(Op.MUT_CELL if what.is_cell else Op.MUT_LOCAL, what.slot)
        elif where == "free":
            self.emit(Op.MUT_FREE, what)
        else:
            self.globals_used.add(name)
            self.emit(Op.MUT_GLOBAL, self.name_index(name))
        return True

    def load_name(self, name: str, node: ast.Node) -> None:
        where, what = self.resolve(name)
        self.at(node)
        if where == "local":
            self.emit(Op.LOAD_CELL if what.is_cell else Op.LOAD_LOCAL, what.slot)
        elif where == "free":
            self.emit(Op.LOAD_FREE, what)
        else:
            self.globals_used.add(name)
            self.emit(Op.LOAD_GLOBAL, self.name_index(name))


# ---------------------------------------------------------------- pre-scans


def top_level_names(stmts: list[ast.Stmt]) -> set[str]:
    """Names the script declares or assigns at its outermost level: its globals."""
    names = set()
    for stmt in stmts:
        if isinstance(stmt, ast.Let):
            names.add(stmt.name)
        elif isinstance(stmt, ast.FuncDecl):
            names.add(stmt.func.name)
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.target, ast.Name):
            names.add(stmt.target.name)
        elif isinstance(stmt, ast.LetPattern):
            names |= _pattern_names(stmt.pattern)
    return names


def script_local_candidates(stmts: list[ast.Stmt], captured: set[str]) -> set[str]:
    """The top-level variables of a program compiled whole that may be the script's
    locals (see the module doc): declared by ``let``/``mut``/``const`` or ``:=`` at
    the outermost level, not by a pattern, not a function's or struct's name too,
    and named in no nested function (``captured``)."""
    declared, other = set(), set()
    for stmt in stmts:
        if isinstance(stmt, ast.Let):
            declared.add(stmt.name)
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.target, ast.Name):
            declared.add(stmt.target.name)
        elif isinstance(stmt, ast.FuncDecl):
            other.add(stmt.func.name)
        elif isinstance(stmt, ast.StructDecl):
            other.add(stmt.name)
        elif isinstance(stmt, ast.LetPattern):
            other |= _pattern_names(stmt.pattern)
    return declared - other - captured


def _pattern_names(pattern: ast.Pattern) -> set[str]:
    """The names a destructuring pattern binds."""
    if isinstance(pattern, ast.BindPattern):
        return {pattern.name}
    names = {pattern.rest} if getattr(pattern, "rest", None) else set()
    if isinstance(pattern, ast.ArrayPattern):
        for item in pattern.items:
            names |= _pattern_names(item)
    elif isinstance(pattern, ast.DictPattern):
        names |= set(pattern.keys)
    return names


def names_used_in_nested_functions(stmts: list[ast.Stmt]) -> set[str]:
    """Names a function nested in ``stmts`` may take from the enclosing scopes.

    Those are the locals that may be captured, so they become cells. Inside a
    nested function, the names its parameters bind shadow outer names in its
    whole body, and those a ``for`` loop's variable, an ``except`` clause or a
    ``match`` case binds in that block, so they do not count; any other mention
    does (erring on the safe side: a nested local declared by ``let``, ``mut``
    or ``:=`` with the same name also counts, and costs a cell where a plain
    slot would do). Without the block rule, a script whose loops and whose
    functions' loops both say ``for i`` made the script's ``i`` a cell, and its
    loop too slow to compile.
    """
    found: set[str] = set()
    # An explicit work list, not recursion: else-if chains can be very deep.
    work: list[tuple[Any, bool, frozenset]] = [(stmt, False, frozenset()) for stmt in stmts]
    while work:
        node, inside_function, shadowed = work.pop()
        if isinstance(node, ast.FuncExpr):
            inside_function = True
            shadowed = shadowed | set(node.params)
        if inside_function and isinstance(node, (ast.Name, ast.Let)) and node.name not in shadowed:
            found.add(node.name)
        work.extend((child, inside_function, shadowed | bound)
                    for child, bound in _children_bound(node, inside_function))
    return found


def _children_bound(node: Any, inside_function: bool) -> list[tuple[Any, frozenset]]:
    """``node``'s children, each with the names a block of a nested function binds
    for it (and for what it nests): a for loop's variables in its body, an except
    clause's name in its handler, a case's pattern names in its guard and body."""
    none: frozenset = frozenset()
    if inside_function and isinstance(node, ast.For):
        variables = frozenset(_pattern_names(node.pattern) if node.pattern is not None else {node.var})
        return [(node.iterable, none), (node.body, variables)]
    if inside_function and isinstance(node, ast.Try) and node.err_name is not None:
        return [(node.body, none), (node.handler, frozenset({node.err_name}))]
    if inside_function and isinstance(node, ast.Case):
        names = frozenset(_pattern_names(node.pattern))
        return [(node.pattern, none)] + [(child, names) for child in (node.guard, node.body) if child is not None]
    return [(child, none) for child in _children(node)]


def _children(node: Any) -> list[Any]:
    if isinstance(node, list):
        return node
    if isinstance(node, tuple):
        return list(node)
    if not isinstance(node, ast.Node):
        return []
    return [value for value in vars(node).values() if isinstance(value, (ast.Node, list, tuple))]
