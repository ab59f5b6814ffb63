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
  costs one attribute load (``run_state``: everything the loop caches per code);
* the commonest keys of the type dicts are counted in slots of their own and
  added to the dicts only when someone reads them (``_fold``), since a dict
  bump costs the interpreter about as much as the rest of an instruction:
  stores count ints and floats in ``stored_ints``/``stored_floats``; a fused
  ``x := a + b`` (peephole's ARITH_STORE) that took its int/int or float/float
  path bumps *one* slot, ``fused_ints``/``fused_floats`` at its operator's pc,
  standing for its fast (float) hit and its store's type; a call site counts
  its first callee in ``callee_calls``, a function its first argument's first
  type in ``arg0_count``. Each key's first sighting still goes to the dict
  (``first_count``, ``count_callee``, ``count_arg0``), so the dicts keep the
  order the types came in, and ties (``max`` over a profile, in views and in the
  JIT) come out as before; readers see exact counts.

Time: ``self_ns`` and ``total_ns`` are nanoseconds (``time.perf_counter_ns``),
but the clock is read only when control passes between *different* functions
(see ``vm.interpreter.VM._run``); time spent in builtins counts as the caller's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import compress
from operator import add, ne
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


# Folds may run on any thread that reads a profile (a view, the JIT's compiler
# thread) while the interpreter keeps bumping: one fold at a time, and a fold
# only ever adds what the interpreter counted since the last one, to dict keys
# that after their first sighting only folds write.
_FOLD_LOCK = threading.Lock()
# Calls before the interpreter compiles a function (vm/functions.py): writing and
# compiling one costs about 0.5 ms, a call it runs saves about 0.5 us.
FAST_AT = 500


class CodeProfile:
    __slots__ = (
        "calls", "self_ns", "total_ns", "active", "counters", "_fast_hits", "_float_hits",
        "raw_feedback", "ics", "raw_arg_types", "arity", "padding", "run_state", "hot_at", "native", "rewound",
        "fused_ints", "fused_floats", "stored_ints", "stored_floats", "callee_names", "callee_calls", "callee_codes", "_pending",
        "arg0_kind", "arg0_count", "_arg0_folded", "loops", "loops_held", "fast", "fast_code", "fast_at",
    )

    def __init__(self, code: CodeObject):
        size = len(code.instrs)
        self.calls = 0
        self.self_ns = 0          # time in this function's own instructions
        self.total_ns = 0         # including callees (outermost activations only)
        self.active = 0           # activations on the stack, so recursion counts once
        self.counters = [0] * size    # taken branches / back-edges / handler entries, by pc
        self._fast_hits = [0] * size    # sites that saw their fast pair: (int, int), or (array, int) for INDEX
        self._float_hits = [0] * size  # sites that saw (float, float)
        # Other type tuples by site. (``raw_feedback`` is ``feedback`` without the
        # fold, for the interpreter's writes: after a key's first sighting, the
        # counts a fold adds to it are written only by folds.)
        self.raw_feedback: list[dict[Any, int]] = [{} for _ in range(size)]
        self.ics: list[InlineCache | None] = caches_for(code)   # receiver shapes, by pc (IC sites only)
        # ``arg_types`` without the fold, for the interpreter's call path.
        self.raw_arg_types: list[dict[type, int]] = [{} for _ in code.params]
        self._start_slots(size)
        # Cached for the interpreter's call path:
        self.arity = len(code.params)
        self.padding = [None] * (len(code.local_names) - len(code.params))  # the other locals
        self.run_state: tuple | None = None  # filled by vm.calls.prepare
        # Tiering: at ``calls >= hot_at`` the interpreter asks the JIT; ``native``
        # is the compiled entry (args -> result) once there is one.
        self.hot_at = 1 << 62
        self.native = None
        # Back-edge counts taken off ``counters`` so a loop reaches its OSR mark
        # again after its native code was dropped (jit.manager.Jit.invalidate).
        self.rewound: dict[int, int] = {}
        # Compiled loops by back-edge pc (None: tried, not compiled), and whether the
        # debugger holds them out of ``code.quick`` (vm/loops.py).
        self.loops: dict[int, Any] = {}
        self.loops_held = False
        # The compiled form of the whole function (vm/functions.py): ``fast`` is what
        # the dispatch loop's calls enter (None while the debugger holds the code),
        # ``fast_code`` the compiled form, ``fast_at`` the call count to compile at.
        self.fast: Any = None
        self.fast_code: Any = None
        self.fast_at = FAST_AT

    def _start_slots(self, size: int) -> None:
        """The slot counts (see the module docstring), all zero."""
        # Fused arithmetic+store sites by operator pc (a fast or float hit there,
        # an int or float stored at pc + 1); ints and floats stored by STORE_LOCAL.
        self.fused_ints = [0] * size
        self.fused_floats = [0] * size
        self.stored_ints = [0] * size
        self.stored_floats = [0] * size
        # CALL sites: the first function called there (its name, the feedback key)
        # and how often it was called again; other callees go to ``feedback``.
        self.callee_names: list[str | None] = [None] * size
        self.callee_calls = [0] * size
        # CALL sites whose first callee was a Ruff function: its code (closures of one
        # code share it, and the JIT guards a closure call on it: jit/generic_transfer.py).
        self.callee_codes: dict[int, Any] = {}
        # (slots, the part of them folded into ``raw_feedback`` so far, the offset
        # of the pc whose dict they count in, the key: a type, or keys by pc)
        self._pending = [
            (self.fused_ints, [0] * size, 1, int),
            (self.fused_floats, [0] * size, 1, float),
            (self.stored_ints, [0] * size, 0, int),
            (self.stored_floats, [0] * size, 0, float),
            (self.callee_calls, [0] * size, 0, self.callee_names),
        ]
        # The first argument's first type and how often it came again.
        self.arg0_kind: type | None = None
        self.arg0_count = 0
        self._arg0_folded = 0

    # The interpreter bumps the lists behind these directly (``run_state``);
    # everyone else reads them here, with the slot counts added. (The hits are
    # sums made in C, never written back: the interpreter may be bumping both.)
    @property
    def fast_hits(self) -> list[int]:
        return list(map(add, self._fast_hits, self.fused_ints))

    @property
    def float_hits(self) -> list[int]:
        return list(map(add, self._float_hits, self.fused_floats))

    def numbers_seen(self, pc: int) -> bool:
        """Whether the site at ``pc`` saw its fast pair or two floats (one site: no lists built)."""
        return bool(self._fast_hits[pc] or self.fused_ints[pc] or self._float_hits[pc] or self.fused_floats[pc])

    @property
    def feedback(self) -> list[dict[Any, int]]:
        self._fold()
        return self.raw_feedback

    @property
    def arg_types(self) -> list[dict[type, int]]:
        """The argument types seen on entry, by parameter."""
        if self.arg0_count != self._arg0_folded:
            with _FOLD_LOCK:
                count = self.arg0_count
                seen = self.raw_arg_types[0]
                seen[self.arg0_kind] = seen.get(self.arg0_kind, 0) + count - self._arg0_folded
                self._arg0_folded = count
        return self.raw_arg_types

    def reset_types(self) -> None:
        """Forget every type seen (the operand and argument types, the fast hits and
        the slots), as at the start; calls, time and branch counts stay."""
        size = len(self._fast_hits)
        with _FOLD_LOCK:
            for seen in self.raw_feedback + self.raw_arg_types:
                seen.clear()
            self._fast_hits[:] = [0] * size
            self._float_hits[:] = [0] * size
            for slots in (self.fused_ints, self.fused_floats, self.stored_ints, self.stored_floats,
                          self.callee_calls):
                slots[:] = [0] * size
            for _slots, folded, _offset, _key in self._pending:
                folded[:] = [0] * size
            self.callee_names[:] = [None] * size
            self.callee_codes.clear()
            self.arg0_kind = None
            self.arg0_count = self._arg0_folded = 0
            # A compiled function counts into slots that had their first count: not
            # any more; it is compiled again once the function is hot again.
            self.fast = self.fast_code = None
            self.fast_at = self.calls + FAST_AT

    def first_count(self, slots: list[int], pc: int) -> None:
        """The first count of a slot (``slots`` is one of the slot lists): the dict
        gets it, as it always did, and the slot starts at 1 with that 1 folded
        (a fused site's hit is the slot's: see ``fast_hits``)."""
        with _FOLD_LOCK:
            for counted, folded, offset, key in self._pending:
                if counted is slots:
                    kind = key[pc] if type(key) is list else key
                    seen = self.raw_feedback[pc + offset]
                    seen[kind] = seen.get(kind, 0) + 1
                    counted[pc] = folded[pc] = 1   # (it was 0: only this thread bumps it)
                    return

    def count_callee(self, site: int, name: str, code: Any = None) -> None:
        """A call of the function ``name`` (a Ruff function's: ``code``) at ``site``
        (the loop's inline check covers the site's first callee after its first
        call; this is the rest)."""
        first = self.callee_names[site]
        if first is not None and first == name:
            self.callee_calls[site] += 1
            return
        seen = self.raw_feedback[site]
        seen[name] = seen.get(name, 0) + 1
        if first is None:
            self.callee_names[site] = name
            if code is not None:
                self.callee_codes[site] = code

    def count_args(self, args: list) -> None:
        """The types of a call's arguments (the loop's inline check covers the
        first argument's first type and calls ``count_arg0`` otherwise)."""
        if args:
            kind = type(args[0])
            if kind is self.arg0_kind:
                self.arg0_count += 1
            else:
                self.count_arg0(kind)
            for seen, arg in zip(self.raw_arg_types[1:], args[1:]):
                kind = type(arg)
                seen[kind] = seen.get(kind, 0) + 1

    def count_arg0(self, kind: type) -> None:
        """The first argument's type, but for its first type after its first call."""
        seen = self.raw_arg_types[0]
        seen[kind] = seen.get(kind, 0) + 1
        if self.arg0_kind is None:
            self.arg0_kind = kind

    def raw_counters(self) -> tuple:
        """(counters, fast hits, float hits, feedback, fused ints, fused floats, stored
        ints, stored floats, callee names, callee calls) as the interpreter bumps
        them, without the fold: for ``vm.interpreter``'s run_state only."""
        return (self.counters, self._fast_hits, self._float_hits, self.raw_feedback, self.fused_ints,
                self.fused_floats, self.stored_ints, self.stored_floats, self.callee_names, self.callee_calls)

    def _fold(self) -> None:
        """Add what the list-counted sites counted since the last fold (cheap when
        nothing was: a list compare in C each)."""
        for counted, folded, offset, key in self._pending:
            if counted != folded:
                with _FOLD_LOCK:
                    _fold_into(counted, folded, offset, self.raw_feedback, key)

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


def _fold_into(counted: list[int], folded: list[int], offset: int, feedback: list[dict], key: Any) -> None:
    """Add ``counted[pc] - folded[pc]`` to the ``key`` count (``key[pc]`` if ``key`` is
    a list) in the dict at ``pc + offset``. (Each slot is read once: the
    interpreter may bump it meanwhile, the next fold adds that.)"""
    keys = key if type(key) is list else None
    # The changed slots are found in C: views read a profile pc by pc while the
    # program runs, so each read may fold; it costs a scan plus the hot slots.
    for pc in list(compress(range(len(folded)), map(ne, counted, folded))):
        now = counted[pc]
        delta = now - folded[pc]
        if delta:
            folded[pc] = now
            kind = key if keys is None else keys[pc]
            seen = feedback[pc + offset]
            seen[kind] = seen.get(kind, 0) + delta


def profile_of(code: CodeObject) -> CodeProfile:
    """The profile attached to ``code``, created on first use."""
    profile = code.profile
    if profile is None:
        profile = code.profile = CodeProfile(code)
    return profile
