"""The raw counters the interpreter bumps while it runs (tier 0's profile).

Cheapness rules, because these are bumped on the hot path:

* no per-instruction counting: instruction and line counts are *derived* from
  branch counters (see ``profile.report.execution_counts``): the interpreter
  only counts taken conditional branches, loop back-edges and handler entries;
* arithmetic and comparison sites count their fast-path type pair (int,int or
  float,float) in a plain list slot; only other operand types go through a dict;
* field-access, method-call and operator-overload sites keep an inline cache
  (``profile/ics.py``): a hit is one identity compare and one increment;
* native code counts the same events (``NativeCounts``, filled by the JIT), so
  views add both and every count holds whatever tier ran;
* one ``CodeProfile`` per code object, attached to it, so switching frames
  costs one attribute load (``run_state``: everything the loop caches per code).

Time: ``self_ns`` and ``total_ns`` are nanoseconds (``time.perf_counter_ns``),
but the clock is read only when control passes between *different* functions
(see ``vm.interpreter.VM._run``); time spent in builtins counts as the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.profile.ics import InlineCache, caches_for


@dataclass
class NativeCounts:
    """What native code counted for one function, summed over all its units
    (retired ones included): the same kinds of counts the interpreter keeps, so
    a view adds the two (``profile.report.execution_counts``)."""

    calls: int            # calls made by native code (the interpreter counts its own)
    taken: list[int]      # taken branches and back-edges by pc


class CodeProfile:
    __slots__ = (
        "calls", "self_ns", "total_ns", "active", "counters", "fast_hits", "float_hits",
        "feedback", "ics", "arg_types", "arity", "padding", "run_state", "hot_at", "native", "rewound",
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
        self.ics: list[InlineCache | None] = caches_for(code)   # receiver shapes, by pc (IC sites only)
        self.arg_types: list[dict[type, int]] = [{} for _ in code.params]
        # Cached for the interpreter's call path:
        self.arity = len(code.params)
        self.padding = [None] * (len(code.local_names) - len(code.params))  # the other locals
        self.run_state: tuple | None = None  # filled by vm.interpreter._prepare
        # Tiering: at ``calls >= hot_at`` the interpreter asks the JIT; ``native``
        # is the compiled entry (args -> result) once there is one.
        self.hot_at = 1 << 62
        self.native = None
        # Back-edge counts taken off ``counters`` so a loop reaches its OSR mark
        # again after its native code was dropped (jit.manager.Jit.invalidate).
        self.rewound: dict[int, int] = {}

    def count(self, pc: int) -> int:
        """The counter at ``pc`` over the whole run."""
        return self.counters[pc] + self.rewound.get(pc, 0)

    def rewind(self, pc: int) -> None:
        """Start the counter at ``pc`` (a loop's back-edge) from zero again, keeping its total."""
        self.rewound[pc] = self.rewound.get(pc, 0) + self.counters[pc]
        self.counters[pc] = 0

    def rearm(self, pc: int, mark: int, after: int) -> None:
        """Set the counter at ``pc`` (a loop's back-edge) so that it reaches ``mark``
        after ``after`` more counts, keeping its total (how OSR enters a loop again)."""
        target = mark - max(1, min(after, mark))
        self.rewound[pc] = self.rewound.get(pc, 0) + self.counters[pc] - target
        self.counters[pc] = target


def profile_of(code: CodeObject) -> CodeProfile:
    """The profile attached to ``code``, created on first use."""
    profile = code.profile
    if profile is None:
        profile = code.profile = CodeProfile(code)
    return profile
