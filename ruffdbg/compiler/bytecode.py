"""The bytecode: opcodes, code objects, and the disassembler.

The VM is a stack machine. Each instruction is an ``(opcode, arg)`` tuple and the
pc counts instructions (not bytes), so pc N is simply ``code.instrs[N]``. One
``CodeObject`` exists per function and one for the top-level script.

Every instruction whose behaviour depends on operand types (arithmetic,
comparison, call, index, local store) is a *feedback site*: the interpreter
records the operand types it saw there, keyed by pc, which is what the JIT
specializes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

# Opcodes, numbered in rough order of how often they run, because the
# interpreter tests them in this order. Each line: name, then what it does.
_OPCODES = """
LOAD_LOCAL      push locals[arg]
LOAD_CONST      push consts[arg]
STORE_LOCAL     locals[arg] = pop()  (site: records the stored type)
ADD             b = pop(), a = pop(), push(a + b)  (site; so are SUB MUL DIV MOD)
SUB
LESS            (site; so are the other comparisons)
JUMP_IF_FALSE   pop; jump to arg if falsy (counts taken branches)
JUMP_BACK       loop back-edge to arg: counts iterations, polls the interrupt word
JUMP            forward jump to arg
LOAD_GLOBAL     push globals[names[arg]]
CALL            (site) arg = argc; the callee is below the arguments
RETURN          return pop() to the caller
MUL
DIV
MOD
LESS_EQUAL
GREATER
GREATER_EQUAL
EQUAL
NOT_EQUAL
INDEX           (site) i = pop(), c = pop(), push(c[i])
FOR_ITER        stack [items, i]: push items[i] and bump i, or pop both and jump to arg
GET_ITER        replace the iterable on top with [items, 0]
LOAD_CELL       push locals[arg].value (a local captured by a closure)
STORE_CELL      locals[arg].value = pop()
NEW_CELL        locals[arg] = Cell() (a fresh binding each time its scope is entered)
LOAD_FREE       push frame.cells[arg].value (a variable captured from outside)
STORE_FREE      frame.cells[arg].value = pop()
STORE_GLOBAL    update globals[names[arg]], or create it as mutable
DEFINE_GLOBAL   declare globals[names[arg][0]] = pop() with kind names[arg][1]
POP
DUP
DUP2            [a, b] -> [a, b, a, b]
ROT3            [a, b, c] -> [c, a, b]
SWAP            [a, b] -> [b, a]
JUMP_IF_TRUE    pop; jump to arg if truthy
NOT             logical not of a bool
NEG             unary minus
TO_BOOL         replace the top with its truthiness (for && and ||)
BUILD_ARRAY     arg = count
BUILD_DICT      arg = pair count; keys and values interleaved
BUILD_STRING    arg = part count; to_string each part and join (interpolation)
GET_FIELD       push pop().<consts[arg]>
CALL_METHOD     (site) arg = (name const, argc); the receiver is below the arguments
MAKE_FUNCTION   arg = (const index of the CodeObject, capture sources)
MAKE_STRUCT     arg = const index of a StructTemplate: defines the struct type
NEW_STRUCT      arg = (struct name, field names); field values on the stack
MUT_LOCAL       push locals[arg] after making it unshared (copy-on-write)
MUT_CELL        the same for a captured local
MUT_FREE        the same for a variable captured from outside
MUT_GLOBAL      the same for a global
MUT_INDEX       i = pop(), c = pop(): make c[i] unshared, push it
MUT_FIELD       c = pop(): make c.<consts[arg]> unshared, push it
STORE_INDEX     i = pop(), c = pop(), v = pop(): c[i] = v
STORE_FIELD     c = pop(), v = pop(): c.<consts[arg]> = v
SETUP_TRY       push a handler at pc arg, remembering the stack depth
POP_TRY         the protected region ended normally
THROW           raise pop() as a Ruff error
FAIL            raise the error consts[arg], known at compile time (e.g. let reassigned)
"""

OPCODE_NAMES: list[str] = [line.split()[0] for line in _OPCODES.strip().splitlines()]
Op = IntEnum("Op", [(name, number) for number, name in enumerate(OPCODE_NAMES)])

BINARY_OPS = {"+": Op.ADD, "-": Op.SUB, "*": Op.MUL, "/": Op.DIV, "%": Op.MOD}
COMPARE_OPS = {
    "<": Op.LESS, "<=": Op.LESS_EQUAL, ">": Op.GREATER, ">=": Op.GREATER_EQUAL,
    "==": Op.EQUAL, "!=": Op.NOT_EQUAL,
}
# Ops whose arg is a pc.
JUMP_OPS = frozenset(
    {Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE, Op.JUMP_BACK, Op.JUMP, Op.FOR_ITER, Op.SETUP_TRY}
)


@dataclass
class StructTemplate:
    """What a ``struct`` declaration compiles to.

    MAKE_STRUCT finds the default values and then the method closures on the
    stack, in the order of ``default_names`` and ``method_names``.
    """

    name: str
    field_names: list[str]
    default_names: list[str]
    method_names: list[str]


@dataclass(eq=False)
class CodeObject:
    """Compiled code of one function (or the top-level script).

    ``lines``/``cols`` give the source position of each instruction;
    ``local_names`` names each local slot (several scopes may reuse a name);
    ``loops`` maps each loop header pc to its source line.
    """

    name: str
    params: list[str]
    instrs: list[tuple[int, Any]] = field(default_factory=list)
    consts: list[Any] = field(default_factory=list)
    names: list[Any] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    local_names: list[str] = field(default_factory=list)
    free_names: list[str] = field(default_factory=list)
    loops: dict[int, int] = field(default_factory=dict)
    first_line: int = 0
    is_script: bool = False
    # The VM's profile of this code (profile.counters.CodeProfile), made on first run.
    profile: Any = field(default=None, repr=False)

    @property
    def arity(self) -> int:
        return len(self.params)

    @property
    def nlocals(self) -> int:
        return len(self.local_names)

    def children(self) -> list["CodeObject"]:
        """Code objects nested in this one (functions, closures, methods)."""
        return [const for const in self.consts if isinstance(const, CodeObject)]

    def walk(self) -> list["CodeObject"]:
        """This code object and all nested ones, depth first."""
        result = [self]
        for child in self.children():
            result.extend(child.walk())
        return result


def describe_arg(code: CodeObject, op: int, arg: Any) -> str:
    """The meaning of an operand, for listings: a name, a constant, a target."""
    name = OPCODE_NAMES[op]
    if arg is None:
        return ""
    if name in ("LOAD_LOCAL", "STORE_LOCAL", "LOAD_CELL", "STORE_CELL", "NEW_CELL", "MUT_LOCAL", "MUT_CELL"):
        return f"({code.local_names[arg]})"
    if name in ("LOAD_FREE", "STORE_FREE", "MUT_FREE"):
        return f"({code.free_names[arg]})"
    if name in ("LOAD_GLOBAL", "STORE_GLOBAL", "MUT_GLOBAL"):
        return f"({code.names[arg]})"
    if name == "DEFINE_GLOBAL":
        ident, kind = code.names[arg]
        return f"({kind} {ident})"
    if name in ("LOAD_CONST", "GET_FIELD", "MUT_FIELD", "STORE_FIELD", "FAIL"):
        return f"({_short_repr(code.consts[arg])})"
    if name == "MAKE_FUNCTION":
        return f"(<code {code.consts[arg[0]].name}>)"
    if name == "MAKE_STRUCT":
        return f"(struct {code.consts[arg].name})"
    if op in JUMP_OPS:
        return f"(to {arg})"
    if name == "CALL":
        return f"({arg} args)"
    return ""


def _short_repr(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 24 else value[:21] + "..."
        return '"' + text.replace("\n", "\\n") + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        from ruffdbg.vm.values import format_float

        return format_float(value)
    return repr(value)


def format_arg(arg: Any) -> str:
    if arg is None:
        return ""
    if isinstance(arg, tuple):
        return ",".join(str(part) for part in arg if not isinstance(part, tuple))
    return str(arg)


def disassemble(code: CodeObject, annotate: Any = None) -> str:
    """A listing like CPython's ``dis``: line, pc, opcode, operand, meaning.

    ``annotate(pc) -> str`` may add a column (execution counts, feedback).
    Jump targets are marked with ``>>`` so loops are easy to see.
    """
    targets = {arg for op, arg in code.instrs if op in JUMP_OPS}
    params = ", ".join(code.params)
    out = [f"code {code.name}({params})  line {code.first_line}, {code.nlocals} locals"]
    previous_line = None
    for pc, (op, arg) in enumerate(code.instrs):
        line = code.lines[pc]
        line_text = f"{line:>5}" if line != previous_line else "     "
        previous_line = line
        mark = ">>" if pc in targets else "  "
        text = f"{line_text} {mark} {pc:>4}  {OPCODE_NAMES[op]:<14} {format_arg(arg):<6} {describe_arg(code, op, arg)}"
        if annotate is not None:
            extra = annotate(pc)
            if extra:
                text = f"{text.rstrip():<60} {extra}"
        out.append(text.rstrip())
    return "\n".join(out)
