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

    entries: list["tuple[Expr, Expr] | Spread"]


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
    is_generator: bool = False  # ``func*``


@dataclass
class StructLit(Node):
    """``Point { x: 1, y: 2 }``."""

    name: str
    fields: list[tuple[str, "Expr"]]


@dataclass
class VariantRef(Node):
    """``Enum::Variant``: a payload-less variant, or a constructor when called."""

    enum: str
    variant: str


@dataclass
class Spread(Node):
    """``...value`` inside an array or dict literal."""

    value: "Expr"


@dataclass
class Coalesce(Node):
    """``left ?? right``: ``right`` only when ``left`` is null."""

    left: "Expr"
    right: "Expr"


@dataclass
class Pipe(Node):
    """``value |> func``: ``func(value)``."""

    value: "Expr"
    func: "Expr"


@dataclass
class SafeField(Node):
    """``obj?.name``: null when ``obj`` is null or has no such field."""

    obj: "Expr"
    name: str


@dataclass
class TryUnwrap(Node):
    """``value?``: the payload of ``Ok``/``Some``; ``Err``/``None`` returns from the function."""

    value: "Expr"


@dataclass
class Yield(Node):
    value: "Expr | None"


Expr = Union[
    IntLit, FloatLit, StrLit, BoolLit, NullLit, Interpolated, Name, ArrayLit, DictLit,
    Unary, Binary, Logical, Call, Index, Field, MethodCall, FuncExpr, StructLit,
    VariantRef, Spread, Coalesce, Pipe, SafeField, TryUnwrap, Yield,
]


# ------------------------------------------------------------------- patterns


@dataclass
class WildcardPattern(Node):
    """``_``: matches anything, binds nothing."""


@dataclass
class BindPattern(Node):
    """A lower-case name: matches anything and binds it."""

    name: str


@dataclass
class LiteralPattern(Node):
    """A number, string, bool or null: matches an equal value."""

    value: object


@dataclass
class VariantPattern(Node):
    """``Ok(v)``, ``Shape::Circle(r)``, ``None``; ``args`` None matches any payload."""

    tag: str
    args: "list[Pattern] | None"


@dataclass
class ArrayPattern(Node):
    """``[a, b, ...rest]`` (destructuring: missing elements are null)."""

    items: "list[Pattern]"
    rest: str | None


@dataclass
class DictPattern(Node):
    """``{a, b, ...rest}`` (destructuring: missing keys are null)."""

    keys: list[str]
    rest: str | None


Pattern = Union[WildcardPattern, BindPattern, LiteralPattern, VariantPattern, ArrayPattern, DictPattern]


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
    pattern: "ArrayPattern | None" = None  # `for [k, v] in pairs` (then ``var`` is unused)


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


@dataclass
class LetPattern(Node):
    """``let [a, b] := value`` / ``let {x, y} := value`` / ``[a, b] := value``."""

    kind: str  # "let", "mut", "const", or "assign" for a pattern without a keyword
    pattern: Pattern
    value: Expr


@dataclass
class Case(Node):
    pattern: Pattern
    guard: Expr | None
    body: Block


@dataclass
class Match(Node):
    subject: Expr
    cases: list[Case]
    default: Block | None


@dataclass
class EnumDecl(Node):
    name: str
    variants: list[str]


Stmt = Union[
    Let, Assign, ExprStmt, If, While, Loop, For, Break, Continue, Return, Throw,
    FuncDecl, StructDecl, Try, Block, LetPattern, Match, EnumDecl,
]


@dataclass
class Program:
    stmts: list[Stmt]
    source_name: str = "<input>"
