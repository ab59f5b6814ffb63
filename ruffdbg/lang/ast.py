"""The Ruff abstract syntax tree.

Every node carries the 1-based ``line`` and ``col`` of its first token, so the
compiler can build a pc -> (line, col) table and errors can point at the source.
Nodes are plain dataclasses: the parser builds them, the compiler walks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass
class Node:
    line: int
    col: int


# ---------------------------------------------------------------- expressions


@dataclass
class IntLit(Node):
    value: int


@dataclass
class FloatLit(Node):
    value: float


@dataclass
class StrLit(Node):
    value: str


@dataclass
class BoolLit(Node):
    value: bool


@dataclass
class NullLit(Node):
    pass


@dataclass
class Interpolated(Node):
    """``"a ${x} b"``: literal text parts and expressions, in order."""

    parts: list[Union[str, "Expr"]]


@dataclass
class Name(Node):
    name: str


@dataclass
class ArrayLit(Node):
    items: list["Expr"]


@dataclass
class DictLit(Node):
    """Keys are expressions; an identifier key ``{a: 1}`` is parsed as ``StrLit("a")``."""

    entries: list[tuple["Expr", "Expr"]]


@dataclass
class Unary(Node):
    op: str  # "-" or "!"
    operand: "Expr"


@dataclass
class Binary(Node):
    op: str  # + - * / % == != < <= > >=
    left: "Expr"
    right: "Expr"


@dataclass
class Logical(Node):
    op: str  # "&&" or "||"
    left: "Expr"
    right: "Expr"


@dataclass
class Call(Node):
    callee: "Expr"
    args: list["Expr"]


@dataclass
class Index(Node):
    obj: "Expr"
    index: "Expr"


@dataclass
class Field(Node):
    obj: "Expr"
    name: str


@dataclass
class MethodCall(Node):
    obj: "Expr"
    name: str
    args: list["Expr"]


@dataclass
class FuncExpr(Node):
    """A function literal; ``name`` is set for declarations, None for ``func(a) {}``."""

    name: str | None
    params: list[str]
    body: "Block"


@dataclass
class StructLit(Node):
    """``Point { x: 1, y: 2 }``."""

    name: str
    fields: list[tuple[str, "Expr"]]


Expr = Union[
    IntLit, FloatLit, StrLit, BoolLit, NullLit, Interpolated, Name, ArrayLit, DictLit,
    Unary, Binary, Logical, Call, Index, Field, MethodCall, FuncExpr, StructLit,
]


# ----------------------------------------------------------------- statements


@dataclass
class Block(Node):
    stmts: list["Stmt"]


@dataclass
class Let(Node):
    kind: str  # "let", "mut" or "const"
    name: str
    value: Expr


@dataclass
class Assign(Node):
    """``target op value`` with op one of := = += -= *= /= %=.

    ``target`` is a Name, Index or Field expression.
    """

    target: Expr
    op: str
    value: Expr


@dataclass
class ExprStmt(Node):
    expr: Expr


@dataclass
class If(Node):
    cond: Expr
    then: Block
    orelse: Union[Block, "If", None]


@dataclass
class While(Node):
    cond: Expr
    body: Block


@dataclass
class Loop(Node):
    body: Block


@dataclass
class For(Node):
    var: str
    iterable: Expr
    body: Block


@dataclass
class Break(Node):
    pass


@dataclass
class Continue(Node):
    pass


@dataclass
class Return(Node):
    value: Expr | None


@dataclass
class Throw(Node):
    value: Expr


@dataclass
class FuncDecl(Node):
    func: FuncExpr


@dataclass
class StructField(Node):
    name: str
    default: Expr | None


@dataclass
class StructDecl(Node):
    name: str
    fields: list[StructField]
    methods: list[FuncExpr]  # each method's first parameter is usually ``self``


@dataclass
class Try(Node):
    body: Block
    err_name: str | None
    handler: Block


Stmt = Union[
    Let, Assign, ExprStmt, If, While, Loop, For, Break, Continue, Return, Throw,
    FuncDecl, StructDecl, Try, Block,
]


@dataclass
class Program:
    stmts: list[Stmt]
    source_name: str = "<input>"
