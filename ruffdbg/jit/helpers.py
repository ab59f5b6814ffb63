"""The native helpers units call -- a dict getter and setter, string compare,
order, character read and concatenation, the string writers, the handle
table's put, a boxer -- each built once per ``Jit`` in a module of its own and
called by units through a symbol bound to its address
(``Lowering.shared_function``).

Each unit used to carry its own copy (an internal function): 15 % of the IR of
the regression programs' units. What a helper's body says does not depend on
the unit that asks for it: it reads only the Jit's memory (the ctx words, the
transfer buffer, the handle table) and the C API, never a unit's counters or
frame. 40 regression programs at ``--threshold 1`` (363 compiles): the
units' IR 556,888 -> 477,569 lines, LLVM optimize 9.1 -> 8.2 s, codegen
15.5 -> 13.6 s; IR building 8.2 -> 8.8 s (a new Jit emits its helpers' IR
again, to link the kept object against its own addresses); all stages 34.9
-> 32.6 s."""

from __future__ import annotations

import threading
import time
from typing import Callable

from llvmlite import ir

from ruffdbg.jit.codecache import CacheStats, CachedCode, key
from ruffdbg.jit.engine import CompiledModule, Levels
from ruffdbg.jit.lowering.printing import module_text

# Like a T2 unit's: the helpers run in the hottest native loops.
HELPER_LEVELS = Levels(passes=2, codegen=3)
PREFIX = "rd_helper_"


class ObjectMemo:
    """The helpers' object code, kept for the process (the ``CodeCache``
    interface, in memory): a helper's IR text names what it uses, never where
    it is, so each ``Jit`` (a test, a REPL ``:reset``) links the same object
    against its own addresses rather than compiling it again."""

    def __init__(self) -> None:
        self.stats = CacheStats()
        self._objects: dict[str, CachedCode] = {}

    key = staticmethod(key)

    def load(self, key: str, provided: set[str], exported: tuple[str, ...] = ()) -> CachedCode | None:
        code = self._objects.get(key)
        self.stats.hits += code is not None
        self.stats.misses += code is None
        return code

    def store(self, key: str, object_code: bytes, ir_after: str) -> None:
        self._objects[key] = CachedCode(object_code, ir_after)
        self.stats.stores += 1


_MEMO = ObjectMemo()


class SharedHelpers:
    """Helper name -> its compiled function, and how many loaded modules call it.

    A helper is unloaded when the last unit (or helper) that calls it is
    (``release``), and built again when one needs it: a loaded library keeps
    its LLJIT generation alive (``jit/libraries.py``), so a helper kept for
    good would keep every generation it was born in."""

    def __init__(self) -> None:
        self._built: dict[str, CompiledModule] = {}
        self._names: dict[int, str] = {}      # address -> helper name
        self._users: dict[str, int] = {}
        self._shown: dict[str, CompiledModule] = {}   # the latest build of each, loaded or not: its texts
        self._lock = threading.RLock()   # (a helper's body may ask for another helper)
        self._building = 0                # helpers being built (one asking for another)
        self.build_ms = 0.0               # time spent building them (a compile's "helpers" stage)

    def address(self, name: str, function_type: ir.FunctionType,
                emit: Callable[[ir.Function], dict[str, int]]) -> int:
        """The address of helper ``name``; the first time, ``emit(function)``
        writes its body into a new module and returns what the module imports
        (symbol -> address), and the module is compiled and linked."""
        with self._lock:
            if name not in self._built:
                started = time.perf_counter()
                self._building += 1
                try:
                    self._build(name, function_type, emit)
                finally:
                    self._building -= 1
                    if not self._building:
                        self.build_ms += (time.perf_counter() - started) * 1000
            return self._built[name].function_address

    def _build(self, name: str, function_type: ir.FunctionType, emit: Callable) -> None:
        started = time.perf_counter()
        module = ir.Module(name=PREFIX + name)
        module.triple = ""
        function = ir.Function(module, function_type, name=PREFIX + name)
        function.attributes.add("nounwind")
        imports = emit(function)
        compiled = CompiledModule(module_text(module), HELPER_LEVELS, (time.perf_counter() - started) * 1000,
                                  imports=imports, cache=_MEMO, symbols=(function.name, function.name))
        compiled.generate([function.name])
        self.acquire(imports)   # (the helpers it calls)
        self._built[name] = self._shown[name] = compiled
        self._users[name] = 0
        self._names[compiled.function_address] = name

    def acquire(self, imports: dict[str, int]) -> None:
        """A module linked against ``imports`` (symbol -> address) is loaded."""
        with self._lock:
            for address in imports.values():
                name = self._names.get(address)
                if name is not None:
                    self._users[name] += 1

    def release(self, imports: dict[str, int]) -> None:
        """... and unloaded: a helper nothing calls any more is unloaded too."""
        with self._lock:
            for address in imports.values():
                name = self._names.get(address)
                if name is None:
                    continue
                self._users[name] -= 1
                if self._users[name] == 0:
                    compiled = self._built.pop(name)
                    del self._names[address], self._users[name]
                    compiled.release()
                    self.release(compiled.imports)

    @property
    def names(self) -> list[str]:
        """The helpers loaded now."""
        return sorted(self._built)

    def listings(self, imports: dict[str, int], kind: str, raw: bool = False) -> list[str]:
        """The IR after opt (``kind`` "ir"; ``raw``: before) or the assembly of each
        helper a module linked against ``imports`` calls (``rd.helper.NAME``)."""
        names = sorted({symbol.split(".")[2] for symbol in imports if symbol.startswith("rd.helper.")})
        texts = {"ir": lambda compiled: compiled.ir_before if raw else compiled.ir_after,
                 "asm": lambda compiled: compiled.assembly}
        return [f"; shared helper {PREFIX}{name} (jit/helpers.py: compiled once, called by every unit that needs it)\n"
                + texts[kind](self._shown[name]) for name in names if name in self._shown]
