"""Errors raised while a Ruff program runs.

Runtime helpers (arithmetic, builtins, indexing) raise ``RuffError`` with just
the Ruff message; the interpreter adds the line and the Ruff call stack when it
catches it, then either unwinds to a ``try`` handler or ends the program.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


# The reference's words for calling a value that is not a function.
NOT_CALLABLE = ("Cannot call non-function; the value being called is not callable. "
                "Pass a function, closure, or imported callable value instead.")


class RuffError(Exception):
    """A Ruff-level runtime error. ``value`` is what ``throw(v)`` threw, if anything."""

    def __init__(self, message: str, value: Any = None, entries: "list[StackEntry] | None" = None):
        super().__init__(message)
        self.message = message
        self.value = value
        # Where it happened, when that was below native code (the interpreter
        # re-raising it no longer has those frames).
        self.entries = entries


class ProgramExit(Exception):
    """``exit(status)``: the program asked to end now. Not a Ruff error (``try``
    does not catch it); the Session turns it into how the run ended."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class StackEntry:
    function: str
    line: int
    col: int
    source: str = ""   # the name of the source the function came from ("" unknown)


class RuffRuntimeError(Exception):
    """An uncaught Ruff error, with where it happened (innermost frame last)."""

    def __init__(self, message: str, stack: list[StackEntry], value: Any = None):
        super().__init__(message)
        self.message = message
        self.stack = stack
        self.value = value  # the Error struct a `try` would have caught

    @property
    def line(self) -> int:
        return self.stack[-1].line if self.stack else 0
