"""IR and assembly as lines a reader (or a pane) can follow back to the bytecode.

Lowering gives every LLVM instruction a debug location whose line is the Ruff
source line and whose column is the bytecode pc + 1. In the IR text those are
``!dbg !N`` references to ``!DILocation`` records; in the assembly they are
``.loc 1 LINE COLUMN`` directives. Here both become per-line (line, pc) pairs,
with the debug noise removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (llvmlite writes the fields in alphabetical order, LLVM's printer line first)
_DILOCATION = re.compile(r"^(!\d+) = !DILocation\((.*)\)")
_LINE_FIELD = re.compile(r"\bline: (\d+)")
_COLUMN_FIELD = re.compile(r"\bcolumn: (\d+)")
_DBG_REFERENCE = re.compile(r", !dbg (!\d+)")
_LOC = re.compile(r"^\s*\.loc\s+\d+\s+(\d+)\s+(\d+)")
_ASM_NOISE = (".cfi_", ".loc", ".file", ".p2align", ".Ltmp", ".Lfunc_begin", ".Lfunc_end", ".size", ".type")


@dataclass(frozen=True)
class TextLine:
    """One row of a listing: its text, where it comes from, and what it is
    (filled in by ``jit.listing`` from what lowering recorded)."""

    text: str
    line: int | None = None   # Ruff source line
    pc: int | None = None     # bytecode pc
    guard: int | None = None  # the guard it belongs to, when known
    role: str | None = None   # "guard" (a check that may leave), "exit" (a deopt exit's row),
                              # "exit call" (the exit's call of the deopt callback), or None
    starts_exit: bool = False  # the first row of a deopt exit
    note: str | None = None   # what a bare address stands for


def ir_lines(ir_text: str) -> list[TextLine]:
    locations = {}
    for raw in ir_text.splitlines():
        match = _DILOCATION.match(raw.strip())
        if match:
            line, column = _LINE_FIELD.search(match.group(2)), _COLUMN_FIELD.search(match.group(2))
            if line and column:
                locations[match.group(1)] = (int(line.group(1)), int(column.group(1)) - 1)
    out = []
    for raw in ir_text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("!") or stripped.startswith("declare void @llvm.dbg"):
            continue   # the debug-info records themselves
        reference = _DBG_REFERENCE.search(raw)
        if reference:
            line, pc = locations.get(reference.group(1), (None, None))
            out.append(TextLine(_DBG_REFERENCE.sub("", raw).replace(" !dbg " + reference.group(1), ""), line, pc))
        else:
            out.append(TextLine(re.sub(r" !dbg !\d+", "", raw)))
    return out


def asm_lines(asm_text: str) -> list[TextLine]:
    out = []
    line = pc = None
    for raw in asm_text.splitlines():
        stripped = raw.strip()
        if stripped.startswith(".section") and ".debug" in stripped:
            break   # the DWARF sections follow the code
        match = _LOC.match(raw)
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            line, pc = (line, column - 1) if line and column else (None, None)
            continue
        if not stripped or stripped.startswith(_ASM_NOISE) or stripped.startswith("#"):
            continue
        is_label = stripped.endswith(":")
        out.append(TextLine(raw, None if is_label else line, None if is_label else pc))
    return out


def render(lines: list[TextLine], width: int = 72) -> str:
    """The text with ``; line L, pc P`` comments aligned on the right."""
    rendered = []
    for text_line in lines:
        text = text_line.text.rstrip()
        if text_line.line is not None:
            text = f"{text:<{width}} ; line {text_line.line}, pc {text_line.pc}"
        rendered.append(text)
    return "\n".join(rendered)
