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

# Guards whose passes are counted. Speculation guards feed the despecialization
# rate; checks that almost never fail (overflow, division, depth, tags, the
# interrupt poll) count failures only: a counter bump on every loop iteration
# costs more than the loop's own arithmetic.
COUNT_PASSES = frozenset({"type", "call-result", "global-unchanged"})


@dataclass
class Guard:
    """One check in native code that can send execution back to the interpreter."""

    id: int
    kind: str        # type, overflow, division, global-unchanged, depth, call-result, interrupt, error
    pc: int
    line: int
    detail: str


@dataclass
class NativeTarget:
    """Another compiled unit a call can jump to directly."""

    address: int
    return_type: str
    tagged: bool = False   # a T1 unit: each argument goes as (tag, bits)


@dataclass
class LoweredUnit:
    unit_name: str
    entry_name: str
    ir_text: str
    guards: list[Guard]
    build_ms: float
    exit_blocks: dict[str, int]   # name of each deopt exit's IR block -> its guard id


@dataclass(frozen=True)
class NativeEntry:
    """A compiled unit's entry function (``i64 entry(i64* tagged_args)``): any native
    caller can enter it whatever the argument types. A T2 unit's entry refuses the
    types it was not specialized on (STATUS_ENTRY_GUARD: the VM runs that call)."""

    address: int
    # The callee is at T1: one call in ``sample_native_calls`` (counted down in this
    # word of the callee's, shared by all its callers' sites) goes through the VM
    # instead, so its profile keeps growing toward T2. None: not sampled.
    countdown: int | None


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
    native_entry: Callable[[Any], NativeEntry | None]
    sample_native_calls: int                # (policy.sample_native_calls)
