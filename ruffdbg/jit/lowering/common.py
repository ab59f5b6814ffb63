"""What every part of lowering shares: the LLVM types of the unit ABI, value
tags, and the records lowering hands back (guards, the unit, the runtime
addresses baked into native code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from llvmlite import ir

from ruffdbg.jit import runtime as rt
from ruffdbg.jit.types import Kind

I1, I32, I64, F64 = ir.IntType(1), ir.IntType(32), ir.IntType(64), ir.DoubleType()
I64P = I64.as_pointer()
RESULT = ir.LiteralStructType([I64, I64])   # (bits, status)
DYN = ir.LiteralStructType([I64, I64])      # T1's tagged value: (tag, bits)
LLVM_TYPES = {Kind.INT: I64, Kind.FLOAT: F64, Kind.BOOL: I1, Kind.NULL: I64, Kind.DYN: DYN,
              "range0": I64, "range1": I64, "range2": I64, "range3": I64}   # a for loop's start, stop, step, count
TAGS = {Kind.INT: rt.TAG_INT, Kind.FLOAT: rt.TAG_FLOAT, Kind.BOOL: rt.TAG_BOOL, Kind.NULL: rt.TAG_NULL}
# Lowering's own stack entry kind: a (tag, bits) pair just loaded from the ctx
# (a call's boxed result), written out as is by a deopt exit.
BOXED = "boxed"
INT_MIN = -(2**63)
FLOAT_EPSILON = 2.220446049250313e-16

POLL_EVERY = 1024   # loop iterations between two reads of the interrupt word

# How a guard's passes are known (``Guard.reach``). No guard on a hot path bumps
# memory when it passes: its passes are *derived* from how often native code
# reached it (jit/counts.py).
REACH_PC = "pc"                  # every native execution of its pc reaches it (minus earlier failures there)
REACH_ENTRY = "entry"            # checked once per entry of the unit (the prologue's interrupt poll)
REACH_INTERPRETER = "interpreter"   # checked once per entry from the interpreter (argument types)
REACH_COUNTED = "counted"        # checked on a conditional, cold path: its passes are bumped there
REACH_POLL = "poll"              # a back-edge's interrupt poll (every POLL_EVERY iterations, counted);
                                 # it resumes at the loop header, before the header's own checks


@dataclass
class Guard:
    """One check in native code that can send execution back to the interpreter."""

    id: int
    kind: str        # type, overflow, division, global-unchanged, depth, call-result, interrupt, error
    pc: int
    line: int
    detail: str
    reach: str = REACH_PC
    element_kind: int | None = None   # an elements-kind guard's kind (core.arrays), for its deopt reason


@dataclass(frozen=True)
class CounterLayout:
    """Where each count lives in a unit's counter words (native memory the VM owns).

    Native code bumps only what the interpreter counts too -- taken conditional
    branches and loop back-edges, by pc -- and, on cold paths, what leaves the
    unit: each guard's failures, other exits (an error, a frame the interpreter
    finished) by pc, and the passes of guards checked on cold paths. Entries are
    not counted: they are derived from the direct call sites that make them
    (``jit/counts.py``), except a self-call that every entry reaches, counted at
    its site, and the entries through its entry function (``entered``: the
    interpreter's, counted in Python too, and native calls through call cells)."""

    size: int         # instructions in the code
    guards: int       # room for this many guards

    @classmethod
    def for_code(cls, instructions: int, params: int) -> "CounterLayout":
        return cls(instructions, 4 * instructions + params + 4)

    @property
    def words(self) -> int:
        return 3 * self.size + 2 * self.guards + 1

    @property
    def entered(self) -> int:
        return 3 * self.size + 2 * self.guards

    def taken(self, pc: int) -> int:
        return pc

    def left(self, pc: int) -> int:
        return self.size + pc

    def site(self, pc: int) -> int:
        return 2 * self.size + pc

    def passed(self, guard_id: int) -> int:
        return 3 * self.size + 2 * guard_id

    def failed(self, guard_id: int) -> int:
        return 3 * self.size + 2 * guard_id + 1


@dataclass(frozen=True)
class DirectSite:
    """A CALL a unit makes straight into another unit's native code (or its own):
    the entries it makes are the callee's native calls."""

    pc: int
    target: int                   # the unit id called
    before: tuple[int, ...]       # guards at ``pc`` checked before the call (depth)
    counted: bool                 # its calls are counted at the site (a self-call every entry reaches,
                                  # or a T1 self-call that may go through the VM instead: a sample)


@dataclass
class NativeTarget:
    """Another compiled unit a call can jump to directly."""

    address: int
    return_type: str
    tagged: bool = False   # a T1 unit: each argument goes as (tag, bits)
    unit: int = -1         # its unit id (for the callee's entry count, jit/counts.py)


@dataclass
class LoweredUnit:
    unit_name: str
    entry_name: str
    ir_text: str
    guards: list[Guard]
    build_ms: float
    exit_blocks: dict[str, int]   # name of each deopt exit's IR block -> its guard id
    sites: list[DirectSite]       # its direct calls into native code


@dataclass
class RuntimeAddresses:
    deopt: int        # DEOPT_CALLBACK
    call: int         # CALL_CALLBACK
    op: int           # OP_CALLBACK
    ctx: int          # the context words
    shadow: int       # the shadow stack
    buffer: int       # the transfer buffer
    max_depth: int
    function_ids: Callable[[Any], int]      # Function -> id (for tags and global guards)
    constant_ids: Callable[[Any], int]      # a string constant -> its permanent handle
    global_word: Callable[[str], int]       # global name -> address of its word in the globals table
    native_target: Callable[[Any, tuple[str, ...]], NativeTarget | None]
    call_cell: Callable[[Any], int | None]  # a global Ruff function -> its call cell's address
