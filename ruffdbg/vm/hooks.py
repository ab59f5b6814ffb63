"""What the interpreter asks of a higher tier: the hooks protocol.

The VM package defines this and the JIT implements it, so the dependency runs
one way (``jit`` imports ``vm``, never the reverse). The interpreter calls a
hook only at rare moments -- a function's call count reaching its ``hot_at``
mark, a loop's back-edge count reaching ``osr_at``, a global being written, the
interrupt word changing -- never per instruction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ruffdbg.compiler.bytecode import CodeObject
    from ruffdbg.vm.frame import Frame

# ``profile.native(args, function)`` runs a call natively (``function`` gives a
# closure its cells). What it returns when native code refused the arguments
# (an entry type guard failed before anything ran): the interpreter runs the call.
NOT_TAKEN = object()


class TierHooks(Protocol):
    """The interpreter's view of the JIT."""

    @property
    def osr_at(self) -> int:
        """Back-edge count of one loop at which ``enter_loop`` is called."""

    def adopt(self, code: "CodeObject") -> None:
        """A code object was loaded: arm its hotness check (``profile.hot_at``)."""

    def on_hot(self, code: "CodeObject") -> None:
        """A function's call count reached its ``hot_at`` mark."""

    def enter_loop(self, frame: "Frame") -> tuple[str, Any] | None:
        """A loop at ``frame.pc`` is hot: run it natively (OSR). It may re-arm the
        loop's back-edge counts (``CodeProfile.rearm``) so that they reach
        ``osr_at`` again -- how a hot loop is entered again later.

        ``None``: the interpreter goes on; ``("return", value)``: the function
        returned ``value``; ``("resume", pc)``: continue the frame at ``pc``;
        ``("raise", pc, error)``: the instruction before ``pc`` raised ``error``."""

    def global_changed(self, name: str, value: Any) -> None:
        """A global was defined or assigned (watched by global-unchanged guards)."""

    def global_redefined(self, name: str) -> None:
        """A REPL input declared a global of an earlier input again: code that
        depended on what it held is out of date."""

    def struct_declared(self, name: str, shape: Any) -> None:
        """A struct declaration ran: ``name`` now builds values of ``shape`` (a new
        ``StructType``; native struct literals check their shape is still the one)."""

    def set_stepping(self, on: bool) -> None:
        """A debugger step starts (True) or ends: no native code is entered meanwhile."""

    def set_interrupt(self, value: int) -> None:
        """Mirror the interrupt word into native memory (native safepoints poll it)."""
