"""Code objects (the opcodes are in ``compiler.opcodes``, the disassembler in ``compiler.dis``).

Each instruction is an ``(opcode, arg)`` tuple and the pc counts instructions
(not bytes), so pc N is simply ``code.instrs[N]``. One ``CodeObject`` exists
per function and one for the top-level script.

Every instruction whose behaviour depends on operand types (arithmetic,
comparison, call, index, local store) is a *feedback site*: the interpreter
records the operand types it saw there, keyed by pc, which is what the JIT
specializes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class StructTemplate:
    """What a ``struct`` declaration compiles to.

    MAKE_STRUCT finds the default values and then the method closures on the
    stack, in the order of ``default_names`` and ``method_names``.
    """

    name: str
    field_names: list[str]
    default_names: list[str]
    method_names: list[str]


@dataclass(eq=False)
class CodeObject:
    """Compiled code of one function (or the top-level script).

    ``lines``/``cols`` give the source position of each instruction;
    ``local_names`` names each local slot (several scopes may reuse a name);
    ``loops`` maps each loop header pc to its source line.
    """

    name: str
    params: list[str]
    instrs: list[tuple[int, Any]] = field(default_factory=list)
    consts: list[Any] = field(default_factory=list)
    names: list[Any] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    local_names: list[str] = field(default_factory=list)
    free_names: list[str] = field(default_factory=list)
    loops: dict[int, int] = field(default_factory=dict)
    first_line: int = 0
    is_script: bool = False
    # A struct method's first parameter is its receiver, which the caller
    # passes implicitly: arity errors count only the others and name the
    # method ``Struct.method``, as the reference does.
    owner: str | None = None
    # The name of the source it was compiled from (a file, a REPL input), set by
    # the Session: error traces name each frame's own source.
    source: str = ""
    # The program the interpreter runs: ``instrs`` with superinstructions, as
    # ``(op, arg, next pc)`` entries, pc for pc (compiler/peephole.py), plus the
    # entries the debugger's traps moved aside (vm/debugger.py). Filled in only by
    # ``peephole.quick_of`` (at compile time, or when the VM or the debugger first
    # needs it); ``instrs`` itself never changes.
    quick: list[tuple[int, Any, int]] | None = field(default=None, repr=False)
    # The VM's profile of this code (profile.counters.CodeProfile): made on
    # first run by ``profile_of``; the interpreter's per-code state hangs on it.
    profile: Any = field(default=None, repr=False)
    # Each site's text as the views name it (``profile.ics.site_text``), made once:
    # ``instrs`` never changes, and an array's first push names its site each time.
    site_texts: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def arity(self) -> int:
        return len(self.params)

    @property
    def shown_arity(self) -> int:
        """The arity a Ruff caller sees (a method's receiver is not counted)."""
        return len(self.params) - (self.owner is not None)

    @property
    def qualified_name(self) -> str:
        return f"{self.owner}.{self.name}" if self.owner else self.name

    @property
    def nlocals(self) -> int:
        return len(self.local_names)

    def children(self) -> list["CodeObject"]:
        """Code objects nested in this one (functions, closures, methods)."""
        return [const for const in self.consts if isinstance(const, CodeObject)]

    def walk(self) -> list["CodeObject"]:
        """This code object and all nested ones, depth first."""
        result = [self]
        for child in self.children():
            result.extend(child.walk())
        return result
