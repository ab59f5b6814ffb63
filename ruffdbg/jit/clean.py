"""Which global-unchanged checks a T2 unit can leave out: *clean* units.

A global-unchanged guard (``lowering/ops.op_LOAD_GLOBAL``) checks, before a
call, that a global still holds the function the unit was built to call. Once
one such check of a global has passed, a later one in the same activation can
only fail if something wrote that global in between. In a *clean* unit nothing
can: its code stores no global and runs no code of anyone else's --

* every value it handles is a scalar (int, float, bool, null: no slot or stack
  entry is tagged), so no operator overload, method or generic operation can
  run, not even in the interpreter after a deopt (it goes on with the same
  scalars);
* it has no generic site and no slow path (no op callback into the VM);
* its only calls are its direct self-calls (the same code, the same argument
  types: a clean activation too) and the builtins T2 runs inline, which call
  nothing;
* its instructions are plain stack, local, arithmetic, compare, jump and
  counted-loop ones (``_CLEAN_OPS``): no store to a global, a cell or a
  container.

What runs during a self-call is then that same code -- natively, or in the
interpreter after a deopt (each frame of it runs this bytecode, whose global
loads name the same functions, which are this one) -- and no Ruff code can
write a global meanwhile. Nothing outside the program does either: a REPL
input runs only once the program stopped, and the debugger writes no
globals while paused. So a check of a global that every path to it has
checked already is left out; the first check on each path stays (the
function may have been redefined before this activation started). fib's
re-check of ``fib`` after its first self-call goes; a function that stores a
global, or calls anything else, keeps every check.
"""

from __future__ import annotations

from ruffdbg.compiler.opcodes import OPCODE_NAMES, Op
from ruffdbg.jit.ownership import next_pcs
from ruffdbg.jit.types import Kind

# Opcodes a clean unit may hold (CALL only as a direct self-call or an inline builtin).
_CLEAN_OPS = frozenset(getattr(Op, name) for name in (
    "LOAD_LOCAL", "LOAD_CONST", "STORE_LOCAL", "ADD", "SUB", "MUL", "DIV", "MOD", "LESS", "LESS_EQUAL",
    "GREATER", "GREATER_EQUAL", "EQUAL", "NOT_EQUAL", "JUMP_IF_FALSE", "JUMP_IF_TRUE", "JUMP", "JUMP_BACK",
    "LOAD_GLOBAL", "CALL", "RETURN", "POP", "DUP", "DUP2", "ROT3", "SWAP", "NOT", "NEG", "TO_BOOL",
    "GET_ITER", "FOR_ITER"))
_SCALARS = frozenset((Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.NULL, Kind.UNSET))


def not_clean(typed) -> str | None:
    """Why ``typed`` (a T2 whole-function unit's inference) is not clean, or None if it is."""
    from ruffdbg.jit.lowering.builtins import runs_inline

    code = typed.code
    if typed.tier != 2 or typed.region is not None:
        return "not a T2 whole-function unit"
    if typed.generic or typed.slow_paths:
        return "it has generic operations"
    for pc, (slots, stack) in typed.before.items():
        op, argc = code.instrs[pc]
        if op not in _CLEAN_OPS:
            return f"pc {pc}: {OPCODE_NAMES[op]}"
        if any(isinstance(kind, str) and kind not in _SCALARS for kind in slots):
            return f"pc {pc}: a local is not a scalar"
        if op == Op.CALL and pc in typed.value_callees:
            return f"pc {pc}: calls a function value"
        if op == Op.CALL:
            callee = stack[-argc - 1].callee
            kinds = tuple(stack[len(stack) - argc:])
            if pc in typed.native_pushes or runs_inline(callee.function, list(kinds), 2):
                if pc in typed.native_pushes:
                    return f"pc {pc}: push"
                continue
            if getattr(callee.function, "code", None) is not code or kinds != typed.param_types:
                return f"pc {pc}: calls {getattr(callee.function, 'name', '?')}"
        elif op == Op.LOAD_GLOBAL:
            continue   # (a FunctionValue on the stack: what CALL checks above)
        elif any(isinstance(kind, str) and kind not in _SCALARS for kind in stack):
            return f"pc {pc}: an operand is not a scalar"
    return None


def checked_already(typed) -> frozenset[int]:
    """The LOAD_GLOBAL pcs of a clean unit whose global-unchanged check every path
    to them has made already (empty if the unit is not clean)."""
    if not_clean(typed) is not None:
        return frozenset()
    code = typed.code
    checks = {pc: code.names[arg] for pc, (op, arg) in enumerate(code.instrs)
              if op == Op.LOAD_GLOBAL and pc in typed.before and pc not in typed.global_constants}
    if not checks:
        return frozenset()
    # A forward "must" analysis: the globals checked on every path to each pc.
    into: dict[int, frozenset] = {0: frozenset()}
    work = [0]
    while work:
        pc = work.pop()
        after = into[pc] | {checks[pc]} if pc in checks else into[pc]
        for target in next_pcs(code, pc, typed):
            known = into.get(target)
            merged = after if known is None else known & after
            if merged != known:
                into[target] = merged
                work.append(target)
    return frozenset(pc for pc, name in checks.items() if name in into.get(pc, frozenset()))

