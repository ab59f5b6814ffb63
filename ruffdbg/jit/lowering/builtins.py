"""T2's native builtins: the math builtins and the number conversions, on
unboxed operands, with the interpreter's exact results (``vm/builtins/numeric.py``
and ``conversions.py``); ``len`` of an array, string or dict, read from the
object (``lowering/arrays.py``); ``has_key`` of a dict (``lowering/dicts.py``). Where the builtin would raise (``sqrt`` of a negative,
``to_int`` of a float outside i64), a guard sends the call to the interpreter,
which raises the error itself. Any other builtin, or other operand types, is
called through the VM."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from llvmlite import ir

from ruffdbg.core.objects import Builtin
from ruffdbg.jit.lowering.common import F64, I64
from ruffdbg.jit.types import Kind

NUMBERS = (Kind.INT, Kind.FLOAT)
I64_BOUND = 9.223372036854775808e18   # 2**63: a float converts to int when -2**63 <= trunc(x) < 2**63


class NativeBuiltins:
    """(Part of ``Lowering``.) A call of a builtin in ``BUILTINS``, inline."""

    def native_builtin(self, pc: int, argc: int) -> bool:
        """Emit ``pc``'s builtin call inline and push its result, if the callee and
        operand types allow; False (nothing emitted) otherwise."""
        function = self.stack[-argc - 1][1].callee.function
        args = self.stack[len(self.stack) - argc:]
        if not runs_inline(function, [kind for _, kind in args], self.typed.tier):
            return False
        row = BUILTINS[function.name]
        result = row.emit(self, pc, args)   # (guards first: a failing one finds the call's operands on the stack)
        del self.stack[len(self.stack) - argc - 1:]
        self.push(result, row.result)
        return True


def runs_inline(function: Any, kinds: list, tier: int) -> bool:
    """Whether T2 emits a call of ``function`` with operands of these types inline
    (else the call goes through the runtime)."""
    row = BUILTINS.get(function.name) if tier == 2 and type(function) is Builtin else None
    return row is not None and row.arity == len(kinds) and all(kind in row.kinds for kind in kinds)


@dataclass(frozen=True)
class Row:
    """One native builtin: its arity, the operand types it takes, its result type,
    and ``emit(lowering, pc, [(value, kind), ...]) -> value``."""

    arity: int
    kinds: tuple[str, ...]
    result: str
    emit: Callable


def _float(lowering, value: ir.Value, kind: str) -> ir.Value:
    return lowering.builder.sitofp(value, F64) if kind == Kind.INT else value


def _intrinsic(name: str) -> Callable:
    def emit(lowering, pc: int, args: list) -> ir.Value:
        fn = lowering.module.declare_intrinsic(name, [F64])
        return lowering.builder.call(fn, [_float(lowering, value, kind) for value, kind in args])
    return emit


def _sqrt(lowering, pc: int, args: list) -> ir.Value:
    x = _float(lowering, *args[0])
    negative = lowering.builder.fcmp_ordered("<", x, ir.Constant(F64, 0.0))
    lowering.deopt_if(negative, lowering.new_guard("error", pc, "sqrt() of a negative number"))
    return _intrinsic("llvm.sqrt")(lowering, pc, [(x, Kind.FLOAT)])


def _min_max(order: str) -> Callable:
    def emit(lowering, pc: int, args: list) -> ir.Value:
        """Rust's f64::min/max, as the interpreter: a NaN loses to a number; on a
        tie (0.0 and -0.0) the second operand wins."""
        b = lowering.builder
        a, c = (_float(lowering, value, kind) for value, kind in args)
        plain = b.select(b.fcmp_ordered(order, a, c), a, c)
        return b.select(b.fcmp_unordered("uno", a, a), c, b.select(b.fcmp_unordered("uno", c, c), a, plain))
    return emit


def _to_float(lowering, pc: int, args: list) -> ir.Value:
    value, kind = args[0]
    return lowering.builder.uitofp(value, F64) if kind == Kind.BOOL else _float(lowering, value, kind)


def _to_int(lowering, pc: int, args: list) -> ir.Value:
    b = lowering.builder
    value, kind = args[0]
    if kind == Kind.INT:
        return value
    if kind == Kind.BOOL:
        return b.zext(value, I64)
    inside = b.and_(b.fcmp_ordered(">=", value, ir.Constant(F64, -I64_BOUND)),
                    b.fcmp_ordered("<", value, ir.Constant(F64, I64_BOUND)))   # (false for NaN)
    lowering.deopt_if(b.not_(inside), lowering.new_guard("error", pc, "to_int() of a float outside the int range"))
    return b.fptosi(value, I64)


# The table. (pow is libm's pow, as CPython's math.pow; floor, ceil and round
# keep the sign of a zero and pass inf and NaN through, as the interpreter.)
BUILTINS: dict[str, Row] = {
    "abs": Row(1, NUMBERS, Kind.FLOAT, _intrinsic("llvm.fabs")),
    "floor": Row(1, NUMBERS, Kind.FLOAT, _intrinsic("llvm.floor")),
    "ceil": Row(1, NUMBERS, Kind.FLOAT, _intrinsic("llvm.ceil")),
    "round": Row(1, NUMBERS, Kind.FLOAT, _intrinsic("llvm.round")),   # halves away from zero
    "pow": Row(2, NUMBERS, Kind.FLOAT, _intrinsic("llvm.pow")),
    "sqrt": Row(1, NUMBERS, Kind.FLOAT, _sqrt),
    "min": Row(2, NUMBERS, Kind.FLOAT, _min_max("<")),
    "max": Row(2, NUMBERS, Kind.FLOAT, _min_max(">")),
    "to_float": Row(1, NUMBERS + (Kind.BOOL,), Kind.FLOAT, _to_float),
    "to_int": Row(1, NUMBERS + (Kind.BOOL,), Kind.INT, _to_int),
    "len": Row(1, (Kind.DYN,), Kind.INT, lambda lowering, pc, args: lowering.native_length(pc, args[0][0])),
    # (lowering/dicts.py: the lookup under the GIL; not a dict, the interpreter raises)
    "has_key": Row(2, (Kind.DYN, Kind.INT), Kind.INT, lambda lowering, pc, args: lowering.native_has_key(pc, *args)),
}
