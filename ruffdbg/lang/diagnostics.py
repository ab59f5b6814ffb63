"""Source positions and how errors point at them.

A syntax error renders as ``file:line:col: error: message`` followed by the
source line and a caret under the column, like gcc and rustc do, so editors
can jump to it and a reader sees the spot without opening the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Source:
    """A program's text and the name it is reported under."""

    name: str
    text: str

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 1 <= line <= len(lines) else ""


def render_caret(source: Source, line: int, col: int) -> str:
    """The source line and a caret under ``col`` (1-based), tabs kept so it lines up."""
    text = source.line_text(line)
    if not text.strip():
        return ""
    prefix = "".join("\t" if ch == "\t" else " " for ch in text[: max(col - 1, 0)])
    gutter = f"{line:>5} | "
    return f"{gutter}{text}\n{' ' * (len(gutter) - 2)}| {prefix}^"


class RuffSyntaxError(Exception):
    """A lexer or parser error at a position in the source."""

    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col

    def render(self, source: Source) -> str:
        head = f"{source.name}:{self.line}:{self.col}: error: {self.message}"
        caret = render_caret(source, self.line, self.col)
        return f"{head}\n{caret}" if caret else head


def render_runtime_error(message: str, stack: list, source: Source | None, label: str = "error",
                         sources: Callable[[str], Source | None] | None = None) -> str:
    """An uncaught runtime error: head with the innermost position, caret, Ruff stack.

    ``stack`` holds entries with ``function``, ``line``, ``col`` and ``source`` (the
    name of the source the function came from, "" when unknown), outermost first;
    ``source`` is the program that ran. With ``sources`` (name -> Source) each frame
    is named by its own source and the caret drawn in it: a REPL input calling a
    function of an earlier input points into that input.
    """
    name = source.name if source else "<input>"
    if not stack:
        return f"{name}: {label}: {message}"

    def source_name(entry) -> str:
        return (getattr(entry, "source", "") if sources is not None else "") or name

    top = stack[-1]
    where = source if source_name(top) == name else sources(source_name(top))
    lines = [f"{source_name(top)}:{top.line}:{top.col}: {label}: {message}"]
    caret = render_caret(where, top.line, top.col) if where else ""
    if caret:
        lines.append(caret)
    lines.append("Ruff stack (most recent call last):")
    lines.extend(_collapse_repeats([f"  at {entry.function} ({source_name(entry)}:{entry.line})" for entry in stack]))
    return "\n".join(lines)


def _collapse_repeats(lines: list[str], keep: int = 3) -> list[str]:
    """Runaway recursion makes thousands of identical lines: keep a few, count the rest."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        run = index
        while run < len(lines) and lines[run] == lines[index]:
            run += 1
        repeats = run - index
        out.extend(lines[index:index + min(repeats, keep)])
        if repeats > keep:
            out.append(f"  [the line above repeats {repeats - keep} more times]")
        index = run
    return out
