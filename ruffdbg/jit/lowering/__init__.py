"""Bytecode + types -> LLVM IR, one method per opcode, built with llvmlite.ir.

Where things are: ``driver`` (``Lowering``: the walk over the bytecode, shared
helpers), ``common`` (LLVM types, tags, the records handed back: ``Guard``,
``LoweredUnit``, ``RuntimeAddresses``), ``frame`` (slots, block edges,
prologues, deopt exits), ``ops`` (one ``op_`` method per opcode), ``calls``
(calls and counted loops), ``builtins`` (T2's inline math builtins), ``tagged`` (T1's tag dispatch),
``strings`` and ``texts`` (making and reading strings), ``entry`` (the
ctypes entry), ``debuginfo`` (line and pc on every instruction), ``twins``
(recursive inlining: copies of a self-recursive unit that LLVM inlines).

The unit for a function is ``{i64 bits, i64 status} @unit(i64 depth, i64 a0, ...)``:
arguments and result travel as raw bits of their static type (i64, a double's
bits, 0/1), and both the frame depth (for the stack limit) and the status
(see ``runtime.STATUS_*``) stay in registers, because every memory access on
the call path shows up in recursive code like fib. The addresses of the
shared context, shadow stack, globals table and transfer buffer (and every
other address or id of the process) are external symbols
(``common.Imports``), bound when the unit's object file is linked: the IR and
machine code hold nothing of the process, so a code cache can reuse them. A companion ``i64 @entry(i64*
tagged_args)`` checks argument tags (the entry type guards) and is what the
interpreter calls through ctypes.

Locals live in allocas, one per (slot, type) pair, and operand-stack values
that cross a block boundary in allocas per (depth, type); LLVM's mem2reg turns
them into SSA values and phis.

Every check that can fail — a type guard, an overflow, a zero divisor, the
global holding the callee, the stack depth, the interrupt word — branches to
a cold *deopt exit* for its exact bytecode pc: it counts the failure and
branches to the *deopt tail* of its frame's shape (shared by every exit whose
frame has the same types in the same places; guard id, pc and stack values come
in as phis), which writes every live local and operand-stack value out as (tag,
bits) pairs and calls back into the VM, which resumes that frame in the
interpreter at that pc. Errors are therefore always
raised by the interpreter itself, with its exact message, line and stack.
"""

from ruffdbg.jit.lowering.common import Guard, LoweredUnit, NativeTarget, RuntimeAddresses
from ruffdbg.jit.lowering.driver import Lowering
from ruffdbg.jit.lowering.twins import twin_of

__all__ = ["Guard", "LoweredUnit", "Lowering", "NativeTarget", "RuntimeAddresses", "twin_of"]
