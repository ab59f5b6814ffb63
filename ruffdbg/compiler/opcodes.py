"""The instruction set: one table, every fact about an opcode in one row.

The VM is a stack machine. Each instruction is an ``(opcode, arg)`` tuple and
the pc counts instructions (not bytes). Opcodes are numbered in the order of
the table, which is roughly how often they run (the interpreter tests the
commonest first). Every set of opcodes used elsewhere -- jumps, branches, block
ends, feedback sites, operator families, what the JIT does not compile yet --
is derived from the table below, so adding an opcode is adding a row (and its
handlers: ``tests/compiler/test_opcodes.py`` fails until every tier has one or
the row says why not).

Columns:

``arg``     what the operand is (``ArgKind``), which is how listings name it
``pops``    values taken off the stack: a number, or a rule on the operand
            (``STACK_RULES``)
``pushes``  values pushed (when the instruction falls through)
``target``  the operand is a pc: "branch" (conditional, counts taken
            branches), "jump", "back-edge" (a loop's), "handler" (a ``try``'s)
``ends``    control never falls through to the next pc
``site``    a feedback site: the interpreter records the types seen there
``family``  operators sharing one handler: "arith", "order", "equal"
``symbol``  the source operator an ``arith``/``order``/``equal`` op compiles from
``method``  the struct method that overloads it (``op_add`` ...)
``ic``      an inline-cache site (``profile/ics.py``): the receiver's shape is
            recorded there -- "field" (a struct field), "method" (a method
            call), "operator" (an operator overload, when a struct is its left
            operand) or "literal" (a struct literal: the shape it built)
``jit``     ``None`` when T2 compiles it; else the feature name that
            ``NYI: <feature> at line N`` reports (T1 compiles every opcode: what
            it has no inline code for, the interpreter runs through its generic
            path -- jit/inference.py, jit/lowering/generic.py)
``t1``      ``None``, or why T1 does not compile a function using it (kept at T0)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any


class ArgKind(str, Enum):
    NONE = "none"
    LOCAL = "local"            # a local slot (code.local_names)
    FREE = "free"              # a captured variable (code.free_names)
    GLOBAL = "global"          # a global's name (code.names)
    DEFINE = "define"          # (name, kind) in code.names
    CONST = "const"            # a constant (code.consts)
    PC = "pc"                  # a jump target
    COUNT = "count"            # how many values (arguments, elements, parts, pairs)
    FUNCTION = "function"      # (const index of a CodeObject, capture sources)
    STRUCT = "struct"          # const index of a StructTemplate
    NEW_STRUCT = "new-struct"  # (struct name, field names)
    METHOD = "method"          # (const index of the method name, argc)
    VARIANT = "variant"        # (const index of a variant's tag, payload count; -1: any)


@dataclass(frozen=True)
class OpInfo:
    name: str
    doc: str
    arg: ArgKind = ArgKind.NONE
    pops: int | str = 0
    pushes: int = 0
    target: str | None = None
    ends: bool = False
    site: bool = False
    family: str | None = None
    symbol: str | None = None
    method: str | None = None
    ic: str | None = None
    jit: str | None = None
    t1: str | None = None


A = ArgKind
_TABLE = [
    OpInfo("LOAD_LOCAL", "push locals[arg]", A.LOCAL, 0, 1),
    OpInfo("LOAD_CONST", "push consts[arg]", A.CONST, 0, 1),
    OpInfo("STORE_LOCAL", "locals[arg] = pop(); records the stored type", A.LOCAL, 1, 0, site=True),
    OpInfo("ADD", "b = pop(), a = pop(), push(a + b)", pops=2, pushes=1, site=True,
           family="arith", symbol="+", method="op_add", ic="operator"),
    OpInfo("SUB", "a - b", pops=2, pushes=1, site=True, family="arith", symbol="-", method="op_sub", ic="operator"),
    OpInfo("LESS", "a < b", pops=2, pushes=1, site=True, family="order", symbol="<"),
    OpInfo("JUMP_IF_FALSE", "pop; jump to arg if falsy (counts taken branches)", A.PC, 1, 0, target="branch"),
    OpInfo("JUMP_BACK", "loop back-edge to arg: counts iterations, polls the interrupt word", A.PC,
           target="back-edge", ends=True),
    OpInfo("JUMP", "jump to arg", A.PC, target="jump", ends=True),
    OpInfo("LOAD_GLOBAL", "push globals[names[arg]] (or the builtin of that name)", A.GLOBAL, 0, 1),
    OpInfo("CALL", "call with arg arguments; the callee is below them; records the callee", A.COUNT,
           "argc+1", 1, site=True),
    OpInfo("RETURN", "return pop() to the caller", pops=1, ends=True),
    OpInfo("MUL", "a * b", pops=2, pushes=1, site=True, family="arith", symbol="*", method="op_mul", ic="operator"),
    OpInfo("DIV", "a / b", pops=2, pushes=1, site=True, family="arith", symbol="/", method="op_div", ic="operator"),
    OpInfo("MOD", "a % b", pops=2, pushes=1, site=True, family="arith", symbol="%", method="op_mod", ic="operator"),
    OpInfo("LESS_EQUAL", "a <= b", pops=2, pushes=1, site=True, family="order", symbol="<="),
    OpInfo("GREATER", "a > b", pops=2, pushes=1, site=True, family="order", symbol=">"),
    OpInfo("GREATER_EQUAL", "a >= b", pops=2, pushes=1, site=True, family="order", symbol=">="),
    OpInfo("EQUAL", "a == b", pops=2, pushes=1, site=True, family="equal", symbol="=="),
    OpInfo("NOT_EQUAL", "a != b", pops=2, pushes=1, site=True, family="equal", symbol="!="),
    OpInfo("INDEX", "i = pop(), c = pop(), push(c[i])", pops=2, pushes=1, site=True, jit="indexing"),
    OpInfo("FOR_ITER", "stack [items, i]: push items[i] and bump i, or pop both and jump to arg",
           A.PC, 0, 1, target="branch"),
    OpInfo("GET_ITER", "replace the iterable on top with [items, 0]", pops=1, pushes=2),
    OpInfo("LOAD_CELL", "push locals[arg].value (a local captured by a closure)", A.LOCAL, 0, 1,
           jit="captured variables"),
    OpInfo("STORE_CELL", "locals[arg].value = pop()", A.LOCAL, 1, 0, jit="captured variables"),
    OpInfo("NEW_CELL", "locals[arg] = a fresh cell (each time its scope is entered)", A.LOCAL,
           jit="captured variables"),
    OpInfo("LOAD_FREE", "push frame.cells[arg].value (a variable captured from outside)", A.FREE, 0, 1,
           jit="captured variables"),
    OpInfo("STORE_FREE", "frame.cells[arg].value = pop()", A.FREE, 1, 0, jit="captured variables"),
    OpInfo("STORE_GLOBAL", "update globals[names[arg]], or create it as mutable", A.GLOBAL, 1, 0,
           jit="global variables"),
    OpInfo("DEFINE_GLOBAL", "declare globals[names[arg][0]] = pop() with kind names[arg][1]", A.DEFINE, 1, 0,
           jit="global variables"),
    OpInfo("POP", "drop the top", pops=1),
    OpInfo("DUP", "[a] -> [a, a]", pops=1, pushes=2),
    OpInfo("DUP2", "[a, b] -> [a, b, a, b]", pops=2, pushes=4, jit="compound assignment"),
    OpInfo("ROT3", "[a, b, c] -> [c, a, b]", pops=3, pushes=3, jit="compound assignment"),
    OpInfo("SWAP", "[a, b] -> [b, a]", pops=2, pushes=2, jit="compound assignment"),
    OpInfo("JUMP_IF_TRUE", "pop; jump to arg if truthy (counts taken branches)", A.PC, 1, 0, target="branch"),
    OpInfo("NOT", "logical not (or a struct's op_not)", pops=1, pushes=1, method="op_not", ic="operator"),
    OpInfo("NEG", "unary minus (or a struct's op_neg)", pops=1, pushes=1, method="op_neg", ic="operator"),
    OpInfo("TO_BOOL", "replace the top with its truthiness (for && and ||)", pops=1, pushes=1),
    OpInfo("BUILD_ARRAY", "pop arg values into an array", A.COUNT, "argc", 1, jit="array literals"),
    OpInfo("BUILD_DICT", "pop arg key/value pairs into a dict", A.COUNT, "pairs", 1, jit="dict literals"),
    OpInfo("BUILD_STRING", "to_string arg parts and join them (interpolation)", A.COUNT, "argc", 1,
           jit="string interpolation"),
    OpInfo("GET_FIELD", "push pop().<consts[arg]>", A.CONST, 1, 1, ic="field", jit="struct fields"),
    OpInfo("CALL_METHOD", "call method consts[arg[0]] with arg[1] arguments on the receiver below them",
           A.METHOD, "method", 1, site=True, ic="method", jit="method calls"),
    OpInfo("MAKE_FUNCTION", "push a closure of consts[arg[0]] over the cells arg[1] names", A.FUNCTION, 0, 1,
           jit="closures"),
    OpInfo("MAKE_STRUCT", "define the struct type of the template consts[arg] (defaults, methods popped)",
           A.STRUCT, "template", 0, jit="structs"),
    OpInfo("NEW_STRUCT", "pop the given field values; push a struct value", A.NEW_STRUCT, "fields", 1,
           ic="literal", jit="structs"),
    OpInfo("MUT_LOCAL", "push locals[arg] after making it unshared (copy-on-write)", A.LOCAL, 0, 1,
           jit="container assignment"),
    OpInfo("MUT_CELL", "the same for a captured local", A.LOCAL, 0, 1, jit="container assignment"),
    OpInfo("MUT_FREE", "the same for a variable captured from outside", A.FREE, 0, 1, jit="container assignment"),
    OpInfo("MUT_GLOBAL", "the same for a global", A.GLOBAL, 0, 1, jit="global variables"),
    OpInfo("MUT_INDEX", "i = pop(), c = pop(): make c[i] unshared, push it", pops=2, pushes=1,
           jit="container assignment"),
    OpInfo("MUT_FIELD", "c = pop(): make c.<consts[arg]> unshared, push it", A.CONST, 1, 1,
           ic="field", jit="container assignment"),
    OpInfo("STORE_INDEX", "i = pop(), c = pop(), v = pop(): c[i] = v", pops=3, site=True, jit="container assignment"),
    OpInfo("STORE_FIELD", "c = pop(), v = pop(): c.<consts[arg]> = v", A.CONST, 2, 0, ic="field",
           jit="container assignment"),
    OpInfo("SETUP_TRY", "open a try: its handler is at pc arg, with the stack depth now", A.PC,
           target="handler", jit="try/except"),
    OpInfo("POP_TRY", "the protected region ended normally", jit="try/except"),
    OpInfo("THROW", "raise pop() as a Ruff error", pops=1, ends=True, jit="throw"),
    OpInfo("FAIL", "raise the error consts[arg], known at compile time (e.g. let reassigned)", A.CONST,
           ends=True),
    # --- beyond the core: enums, match, destructuring, spread, ?. and ?, generators
    OpInfo("MAKE_VARIANT", "pop arg[1] payload values; push the variant consts[arg[0]](payload)",
           A.VARIANT, "variant", 1, jit="enums"),
    OpInfo("MATCH_VARIANT", "pop v; push whether v is the variant consts[arg[0]] with arg[1] payload values",
           A.VARIANT, 1, 1, jit="match"),
    OpInfo("VARIANT_ITEM", "pop a variant; push its payload value number arg", A.COUNT, 1, 1, jit="match"),
    OpInfo("IS_FAILURE", "pop v; push true for Err/None, false for Ok/Some (else an error): the ? operator",
           pops=1, pushes=1, jit="the ? operator"),
    OpInfo("GET_FIELD_OR_NULL", "push pop()?.<consts[arg]>: the field or key, or null", A.CONST, 1, 1,
           ic="field", jit="optional chaining"),
    OpInfo("EXTEND", "b = pop(), a = pop(): push the arrays concatenated or the dicts merged (spread)",
           pops=2, pushes=1, jit="spread"),
    OpInfo("DESTRUCTURE_ITEM", "push pop()[consts[arg]], or null when absent", A.CONST, 1, 1,
           jit="destructuring"),
    OpInfo("DESTRUCTURE_REST", "push the rest of pop(): the array from index consts[arg], or the dict "
           "without the keys consts[arg]", A.CONST, 1, 1, jit="destructuring"),
    OpInfo("MAKE_GENERATOR", "pop a function of no parameters; push a generator that runs it", pops=1,
           pushes=1, jit="generators"),
    OpInfo("YIELD", "suspend the generator with pop() as its next value; resumed, push null", pops=1,
           pushes=1, jit="generators"),
]
del A

OPCODES: tuple[OpInfo, ...] = tuple(_TABLE)
OPCODE_NAMES: list[str] = [info.name for info in OPCODES]
Op = IntEnum("Op", [(info.name, number) for number, info in enumerate(OPCODES)])


def info(op: int) -> OpInfo:
    return OPCODES[op]


def _ops(keep) -> frozenset:
    return frozenset(Op(number) for number, each in enumerate(OPCODES) if keep(each))


# The sets the rest of the code uses, all derived from the table.
JUMP_OPS = _ops(lambda i: i.target is not None)                           # the arg is a pc
BRANCH_OPS = _ops(lambda i: i.target == "branch")                         # conditional: count taken
CONTROL_OPS = _ops(lambda i: i.target in ("branch", "jump", "back-edge"))  # edges of the control-flow graph
BLOCK_ENDS = _ops(lambda i: i.ends)
SITE_OPS = _ops(lambda i: i.site)
ARITHMETIC_OPS = _ops(lambda i: i.family == "arith")
ORDERING_OPS = _ops(lambda i: i.family == "order")
EQUALITY_OPS = _ops(lambda i: i.family == "equal")
BINARY_OPS = {info.symbol: Op(n) for n, info in enumerate(OPCODES) if info.family == "arith"}
COMPARE_OPS = {info.symbol: Op(n) for n, info in enumerate(OPCODES) if info.family in ("order", "equal")}
IC_OPS = {Op(n): info.ic for n, info in enumerate(OPCODES) if info.ic}   # op -> its inline cache's kind
OPERATOR_METHODS = {Op(n): info.method for n, info in enumerate(OPCODES) if info.method}
NOT_COMPILED = {Op(n): info.jit for n, info in enumerate(OPCODES) if info.jit}   # op -> NYI feature (T2)
T1_REFUSED = {Op(n): info.t1 for n, info in enumerate(OPCODES) if info.t1}      # op -> why T1 does not

# Pops that depend on the operand (``OpInfo.pops`` names one of these).
STACK_RULES = {
    "argc": lambda arg, code: arg,
    "argc+1": lambda arg, code: arg + 1,
    "pairs": lambda arg, code: 2 * arg,
    "method": lambda arg, code: arg[1] + 1,
    "variant": lambda arg, code: arg[1],
    "fields": lambda arg, code: len(arg[1]),
    "template": lambda arg, code: len(code.consts[arg].default_names) + len(code.consts[arg].method_names),
}


def stack_pops(op: int, arg: Any, code: Any) -> int:
    """How many values ``(op, arg)`` of ``code`` takes off the stack."""
    entry = OPCODES[op]
    return entry.pops if isinstance(entry.pops, int) else STACK_RULES[entry.pops](arg, code)


def stack_effect(op: int, arg: Any, code: Any) -> int:
    """Net change of the stack depth when ``(op, arg)`` of ``code`` falls through
    (a FOR_ITER that ends its loop pops two instead: see ``jump_effect``)."""
    entry = OPCODES[op]
    pops = entry.pops if isinstance(entry.pops, int) else STACK_RULES[entry.pops](arg, code)
    return entry.pushes - pops


def jump_effect(op: int, arg: Any, code: Any) -> int:
    """Net change of the stack depth when ``(op, arg)`` jumps to its target."""
    if op == Op.FOR_ITER:
        return -2   # the loop is over: items and position are popped
    if op == Op.SETUP_TRY:
        return 1    # the handler starts with the error value pushed
    return stack_effect(op, arg, code)
