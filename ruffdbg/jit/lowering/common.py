"""What every part of lowering shares: the LLVM types of the unit ABI, value
tags, the records lowering hands back (guards, the unit, the runtime
addresses native code uses) and the external symbols those addresses become."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from llvmlite import ir
from llvmlite.ir import _utils

from ruffdbg.jit import runtime as rt
from ruffdbg.jit.types import Kind

I1, I8, I32, I64, F64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64), ir.DoubleType()
I64P, I8P = I64.as_pointer(), I8.as_pointer()
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

DEOPT_CALLBACK = "rd.deopt_callback"   # the symbol deopt exits call (the views find exits by it)
POLL_EVERY = 1024   # loop iterations between two reads of the interrupt word

# How a guard's passes are known (``Guard.reach``). No guard on a hot path bumps
# memory when it passes: its passes are *derived* from how often native code
# reached it (jit/counts.py).
REACH_PC = "pc"                  # every native execution of its pc reaches it (minus earlier failures there)
REACH_ENTRY = "entry"            # checked once per entry of the unit (the prologue's interrupt poll)
REACH_INTERPRETER = "interpreter"   # checked once per entry from the interpreter (argument types)
NOT_READ = -1   # a read helper's tag when the slow path must read the site (dicts, texts)
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
    shape: Any = None                 # a shape guard's StructType (its deopt reason; keeps it alive)


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
    imports: dict[str, int]       # the external symbols its code is linked against (Imports.values)
    exit_tails: dict[str, tuple] = field(default_factory=dict)   # shared deopt tail block -> guard ids (None: loop exit)
    stable_arrays: tuple[tuple[int, int], ...] = ()   # (loop header, local) whose array facts sites use (arrays.py)


@dataclass
class RuntimeAddresses:
    deopt: int        # DEOPT_CALLBACK
    call: int         # CALL_CALLBACK
    op: int           # OP_CALLBACK
    ctx: int          # the context words
    shadow: int       # the shadow stack
    cells: int        # the cells stack: by depth, the cells tuple of the closure running there
    buffer: int       # the transfer buffer
    max_depth: int
    function_ids: Callable[[Any], int]      # Function -> id (for tags and global guards)
    constant_ids: Callable[[Any], int]      # a string constant -> its permanent handle
    global_word: Callable[[str], int]       # global name -> address of its word in the globals table
    native_target: Callable[[Any, tuple[str, ...]], NativeTarget | None]
    call_cell: Callable[[Any], int | None]  # a global Ruff function -> its call cell's address
    struct_word: Callable[[str], int] | None = None   # struct name -> the word holding id() of its current shape
    handle_put: Any = None                  # Handles.put (bound): a native put's slow path (lowering/handles.py)
    push_in_place: Any = None               # Jit.push_in_place (bound): a native push's slow path (lowering/arrays.py)
    handles: Any = None                     # the Handles: native puts reach its _objects and _containers
    constants: Any = None                   # Handles.constants: native dict reads find a constant key there
    helpers: Any = None                     # jit/helpers.SharedHelpers: the helpers units call, built once


class AliasClasses:
    """Type-based alias metadata (LLVM's TBAA) for the memory native code reads
    through addresses it loaded: the elements of an array's storage, the fields
    of Python objects (headers, an RArray's slots, a storage's length), the
    object table, the ctx words, the counters and the globals table's words
    (which only the VM writes). They never overlap, and LLVM
    cannot see that from integers turned into pointers: a store of an element
    would otherwise force every object field to be loaded again after it, so an
    array loop reloaded each array's type, kind, storage and length at every
    access. (An access left untagged -- any call -- still aliases everything.)"""

    CLASSES = ("element", "object", "table", "ctx", "counter", "global", "shadow", "cells")

    def __init__(self, module: ir.Module) -> None:
        root = module.add_metadata([ir.MetaDataString(module, "rd.memory")])
        self._tags = {}
        for name in self.CLASSES:
            node = module.add_metadata([ir.MetaDataString(module, name), root, ir.Constant(I64, 0)])
            self._tags[name] = module.add_metadata([node, node, ir.Constant(I64, 0)])

    def tag(self, access: ir.Instruction, memory: str) -> ir.Instruction:
        """Mark a load or store as touching ``memory`` (one of ``CLASSES``)."""
        access.set_metadata("tbaa", self._tags[memory])
        return access


class Imports:
    """The process-specific values a unit's code uses -- native memory (the ctx
    words, counters, cells, globals-table words, the transfer buffer), the
    callbacks, other units' functions, and ids (the unit's, functions',
    constants') -- each an external symbol of the module, bound when its object
    file is linked (``values``: symbol -> what it is bound to). So the IR and the
    machine code made from it hold no address of this process, and a code cache
    can reuse them in another (``jit/codecache.py``).

    Each region of memory gets one symbol (keyed by its address: two symbols for
    one address would let LLVM assume they do not alias). An id is the address of
    an ``i8`` symbol bound one past it, read back as ``ptrtoint`` minus one: a
    symbol bound to 0 does not resolve."""

    def __init__(self, module: ir.Module) -> None:
        self.module = module
        self.values: dict[str, int] = {}
        self._memory: dict[int, ir.GlobalVariable] = {}
        self._symbols: dict[tuple[str, int], ir.Value] = {}
        self._words: dict[tuple[int, int], ir.Constant] = {}

    def _name(self, name: str, value: int) -> str:
        """``name``, or ``name.2`` ... when ``name`` is bound to something else already."""
        candidate, n = name, 1
        while candidate in self.values and self.values[candidate] != value:
            n += 1
            candidate = f"{name}.{n}"
        return candidate

    def memory(self, name: str, address: int, words: int = 0) -> int:
        """Name the region of words at ``address`` (the symbol ``address()`` then uses);
        returns ``address``. ``words``: its size, when known for good (LLVM may then
        load from it speculatively, hoisting a load out of a loop past its exits)."""
        if address not in self._memory:
            if not address:
                raise AssertionError(f"{name}: no memory to name")
            symbol = ir.GlobalVariable(self.module, ir.ArrayType(I64, words), self._name(name, address))
            self._memory[address] = symbol
            self.values[symbol.name] = address
        return address

    def word(self, address: int, index: int = 0) -> ir.Constant:
        """A pointer to word ``index`` of the region named at ``address`` (a constant
        expression: the linker folds the offset into the relocation). Made once per
        word: a unit names the same counters and buffer words many times, and a
        constant caches its text, so the IR text is built faster too."""
        key = (address, index)
        if key not in self._words:
            self._words[key] = self._memory[address].gep([ir.Constant(I64, 0), ir.Constant(I64, index)])
        return self._words[key]

    def function(self, name: str, address: int, function_type: ir.FunctionType) -> ir.Function:
        """A function of this process (a callback, another unit) to call directly."""
        key = (name, address)
        if key not in self._symbols:
            if not address:
                raise AssertionError(f"{name}: no function to call")
            symbol = ir.Function(self.module, function_type, self._name(name, address))
            self.values[symbol.name] = address
            self._symbols[key] = symbol
        return self._symbols[key]

    def value(self, name: str, value: int, nonzero: bool = False) -> ir.Constant:
        """An i64 known only in this process (an id): a constant expression. One that
        is never 0 (``nonzero``) is the symbol's address itself, saving the
        subtraction (x86-64's large code model does not fold it into the immediate)."""
        bound = value if nonzero else value + 1
        key = (name, bound)
        if key not in self._symbols:
            if not bound:
                raise AssertionError(f"{name}: 0 cannot be bound")
            symbol = ir.GlobalVariable(self.module, ir.IntType(8), self._name(name, bound))
            self.values[symbol.name] = bound
            self._symbols[key] = (symbol if nonzero else symbol.gep([ir.Constant(I64, -1)])).ptrtoint(I64)
        return self._symbols[key]


class FastNames(_utils.NameScope):
    """llvmlite's ``NameScope`` in one function call: every instruction a unit
    builds registers its name (an unnamed one is given ``.N``), and llvmlite's
    ``register`` -> ``deduplicate`` -> ``is_used`` chain with ``str.format`` was
    about a sixth of lowering's Python time. The same names, in the same order
    (the IR text, and so the code cache's key, does not change)."""

    def register(self, name: str, deduplicate: bool = False) -> str:
        used = self._useset
        if name in used:
            if not deduplicate:
                raise _utils.DuplicatedNameError(name)
            basename, counts = name, self._basenamemap
            while name in used:
                counts[basename] = ident = counts[basename] + 1
                name = f"{basename}.{ident}"
        used.add(name)
        return name


def fast_names(function: ir.Function) -> ir.Function:
    """Make ``function``'s name scope (its blocks' and instructions') a ``FastNames``."""
    function.scope.__class__ = FastNames
    return function
