"""Shared by the tests of T0's compiled loops and functions: a program run at T0
in a VM of its own, and what its profiles counted (which compiling must not change)."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.codegen import compile_program
from ruffdbg.core.errors import RuffRuntimeError
from ruffdbg.lang.diagnostics import Source
from ruffdbg.lang.parser import parse
from ruffdbg.vm.interpreter import VM


def run_t0(text: str) -> tuple[list[str], str | None, list[Any]]:
    """(output, the error with its Ruff stack or None, every code object) of ``text`` at T0."""
    output: list[str] = []
    vm = VM(write=output.append)
    code = compile_program(parse(Source("t.ruff", text)))
    error = None
    try:
        vm.run_script(code)
    except RuffRuntimeError as raised:
        error = f"{raised.message} at {[(entry.function, entry.line) for entry in raised.stack]}"
    return output, error, list(code.walk())


def counted(code: Any) -> dict:
    """What a code object's profile counted: calls, counters, fast hits, feedback, argument types."""
    profile = code.profile
    if profile is None:
        return {}
    return {
        "calls": profile.calls, "counters": [profile.count(pc) for pc in range(len(code.instrs))],
        "fast": profile.fast_hits, "float": profile.float_hits,
        "feedback": [list(seen.items()) for seen in profile.feedback],
        "args": [list(seen.items()) for seen in profile.arg_types],
    }
