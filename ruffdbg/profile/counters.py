"""The raw counters the interpreter bumps while it runs (tier 0's profile).

Cheapness rules, because these are bumped on the hot path:

* no per-instruction counting: instruction and line counts are *derived* from
  branch counters (see ``profile.report.execution_counts``): the interpreter
  only counts taken conditional branches, loop back-edges and handler entries;
* arithmetic and comparison sites count their fast-path type pair (int,int or
  float,float) in a plain list slot; only other operand types go through a dict;
* one ``CodeProfile`` per code object, attached to it, so switching frames
  costs one attribute load.
"""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject


class CodeProfile:
    __slots__ = (
        "calls", "self_ns", "total_ns", "active", "counters", "fast_hits", "float_hits",
        "feedback", "arg_types",
    )

    def __init__(self, code: CodeObject):
        size = len(code.instrs)
        self.calls = 0
        self.self_ns = 0          # time in this function's own instructions
        self.total_ns = 0         # including callees (outermost activations only)
        self.active = 0           # activations on the stack, so recursion counts once
        self.counters = [0] * size    # taken branches / back-edges / handler entries, by pc
        self.fast_hits = [0] * size    # sites that saw their fast pair: (int, int), or (array, int) for INDEX
        self.float_hits = [0] * size  # sites that saw (float, float)
        self.feedback: list[dict[Any, int]] = [{} for _ in range(size)]  # other type tuples
        self.arg_types: list[dict[type, int]] = [{} for _ in code.params]


def profile_of(code: CodeObject) -> CodeProfile:
    """The profile attached to ``code``, created on first use."""
    profile = code.profile
    if profile is None:
        profile = code.profile = CodeProfile(code)
    return profile
