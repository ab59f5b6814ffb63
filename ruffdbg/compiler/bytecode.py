"""Code objects and the disassembler (the opcodes are in ``compiler.opcodes``).

Each instruction is an ``(opcode, arg)`` tuple and the pc counts instructions
(not bytes), so pc N is simply ``code.instrs[N]``. One ``CodeObject`` exists
per function and one for the top-level script.

Every instruction whose behaviour depends on operand types (arithmetic,
comparison, call, index, local store) is a *feedback site*: the interpreter
records the operand types it saw there, keyed by pc, which is what the JIT
specializes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ruffdbg.compiler.opcodes import JUMP_OPS, OPCODE_NAMES, OPCODES, ArgKind, Op
from ruffdbg.core.values import format_float

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
    # The program the interpreter runs: ``instrs`` with superinstructions, as
    # ``(op, arg, next pc)`` entries, pc for pc (compiler/peephole.py), plus the
    # entries the debugger's traps moved aside (vm/debugger.py). Filled in only by
    # ``peephole.quick_of`` (at compile time, or when the VM or the debugger first
    # needs it); ``instrs`` itself never changes.
    quick: list[tuple[int, Any, int]] | None = field(default=None, repr=False)
    # The VM's profile of this code (profile.counters.CodeProfile): made on
    # first run by ``profile_of``; the interpreter's per-code state hangs on it.
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
    if arg is None:
        return ""
    kind = OPCODES[op].arg
    if kind is ArgKind.LOCAL:
        return f"({code.local_names[arg]})"
    if kind is ArgKind.FREE:
        return f"({code.free_names[arg]})"
    if kind is ArgKind.GLOBAL:
        return f"({code.names[arg]})"
    if kind is ArgKind.DEFINE:
        ident, binding = code.names[arg]
        return f"({binding} {ident})"
    if kind is ArgKind.CONST:
        return f"({_short_repr(code.consts[arg])})"
    if kind is ArgKind.FUNCTION:
        return f"(<code {code.consts[arg[0]].name}>)"
    if kind is ArgKind.STRUCT:
        return f"(struct {code.consts[arg].name})"
    if kind is ArgKind.PC:
        return f"(to {arg})"
    if op == Op.CALL:
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
