"""Bytecode as records, and the ``dis``-style listing built on them.

Like CPython's ``dis.get_instructions``: ``get_instructions(code)`` yields one
``Instruction`` per pc with everything a listing shows (line, jump-target mark,
opcode name, operand and what it means, the superinstruction the quickener
fused it into); ``disassemble`` formats those records as text. Views that draw
their own rows (the TUI's bytecode pane) take the records, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ruffdbg.compiler.peephole import describe_quick
from ruffdbg.compiler.opcodes import JUMP_OPS, OPCODE_NAMES, OPCODES, ArgKind, Op
from ruffdbg.core.values import format_float


@dataclass(frozen=True)
class Instruction:
    """One bytecode instruction of a code object, described for listings."""

    pc: int
    line: int
    opname: str
    arg: Any                 # the raw operand (None when the opcode takes none)
    argrepr: str             # what the operand means: "(n)", "(to 12)", "(2 args)" ...
    jump_target: int | None  # the pc this instruction may jump to
    is_jump_target: bool     # some instruction jumps here (">>" in listings)
    starts_line: bool        # the first instruction of its source line (in pc order)
    fused: str | None = None  # the superinstruction ``code.quick`` runs from here ("COMPARE_JUMP 0,1"), if any

    @property
    def argtext(self) -> str:
        """The operand as the listing's operand column shows it."""
        return format_arg(self.arg)


def describe_arg(code: Any, op: int, arg: Any) -> str:
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
    if kind is ArgKind.VARIANT:
        tag, count = code.consts[arg[0]], arg[1]
        return f"({tag}/{'*' if count < 0 else count})"
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


def get_instructions(code: Any) -> Iterator[Instruction]:
    """The instructions of ``code`` as records, in pc order."""
    targets = {arg for op, arg in code.instrs if op in JUMP_OPS}
    previous_line = None
    for pc, (op, arg) in enumerate(code.instrs):
        line = code.lines[pc]
        yield Instruction(
            pc=pc, line=line, opname=OPCODE_NAMES[op], arg=arg, argrepr=describe_arg(code, op, arg),
            jump_target=arg if op in JUMP_OPS else None, is_jump_target=pc in targets,
            starts_line=line != previous_line, fused=describe_quick(code, pc) or None,
        )
        previous_line = line


def header(code: Any) -> str:
    """The listing's first line: name, parameters, first line, locals."""
    params = ", ".join(code.params)
    return f"code {code.name}({params})  line {code.first_line}, {code.nlocals} locals"


def format_instruction(instruction: Instruction, extra: str = "") -> str:
    """One listing row: line (when it starts), ``>>`` at jump targets, pc, opcode,
    operand, its meaning, and an optional ``extra`` column."""
    line_text = f"{instruction.line:>5}" if instruction.starts_line else "     "
    mark = ">>" if instruction.is_jump_target else "  "
    text = (f"{line_text} {mark} {instruction.pc:>4}  {instruction.opname:<14} "
            f"{instruction.argtext:<6} {instruction.argrepr}")
    if extra:
        text = f"{text.rstrip():<60} {extra}"
    return text.rstrip()


def disassemble(code: Any, annotate: Callable[[int], str] | None = None) -> str:
    """A listing like CPython's ``dis``: line, pc, opcode, operand, meaning.

    ``annotate(pc) -> str`` may add a column (execution counts, feedback).
    Jump targets are marked with ``>>`` so loops are easy to see.
    """
    out = [header(code)]
    for instruction in get_instructions(code):
        out.append(format_instruction(instruction, annotate(instruction.pc) if annotate is not None else ""))
    return "\n".join(out)
