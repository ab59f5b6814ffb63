"""Where units' machine code is loaded: LLJIT libraries, in generations.

Each unit is an LLJIT library of its own (``engine.CompiledModule``); dropping
its ``ResourceTracker`` unloads its code. What stays is the library's
``JITDylib``: llvmlite 0.50's ORC API (``JITLibraryBuilder.link``,
``LLJIT.lookup``, ``ResourceTracker`` disposal: the C functions
``LLVMPY_LLJIT_Link``, ``LLVMPY_LLJITLookup``, ``LLVMPY_LLJIT_Dylib_Tracker_Dispose``,
``LLVMPY_LLJITDispose``) has no call that removes a ``JITDylib`` or reuses its
name -- about 9 KB per unit, kept for good in one LLJIT (3,000 links of a small
object: 9.1 KB a link). Disposing the LLJIT itself frees all its libraries.

So units are linked into the current *generation*, an LLJIT that takes
``GENERATION`` libraries and then gives way to a new one; a generation no longer
current is disposed once its last library is unloaded (with 64 a generation,
3,000 links left RSS flat; making and disposing an LLJIT is about 3 ms, 0.04 ms
a unit, and links were faster than into one ever-growing LLJIT: 0.96 against
1.36 ms). A unit's code reaches everything outside it through symbols bound
to absolute addresses (``lowering.common.Imports``), never through another
library, so units of different generations call each other as before. A
generation one long-lived unit keeps costs what one LLJIT always cost: its
libraries' ``JITDylib``s.

Never disposed while a tracker of it lives: disposing a tracker after its LLJIT
is a use after free. ``Library.close`` (also its ``__del__``, for a unit
dropped without ``release``) disposes the tracker first, then counts it off.
"""

from __future__ import annotations

import itertools
import threading

import llvmlite.binding as llvm

GENERATION = 64   # libraries linked into one LLJIT before the next one takes over

_lock = threading.RLock()   # (re-entrant: a ``__del__`` may run while a link holds it)
_names = itertools.count()


class Generation:
    """One LLJIT and how many of its libraries are loaded."""

    def __init__(self, machine: llvm.TargetMachine) -> None:
        # JITLink, not RuntimeDyld: it lays out each object's GOT entries and call
        # stubs with its code, which the small code model needs (``engine._machine``).
        self.lljit = llvm.create_lljit_compiler(machine, use_jit_link=True)
        self.linked = 0
        self.loaded = 0

    def dispose(self) -> None:
        self.lljit.close()
        self.lljit = None


_current: Generation | None = None
disposed = 0   # generations disposed so far (tests, the Memory notes)


class Library:
    """A unit's loaded machine code: its tracker, and the generation it is in."""

    def __init__(self, tracker: llvm.ResourceTracker, generation: Generation) -> None:
        self.tracker: llvm.ResourceTracker | None = tracker
        self.generation = generation

    def __getitem__(self, symbol: str) -> int:
        return self.tracker[symbol]

    def close(self) -> None:
        """Unload the code; the generation goes with its last library, unless current."""
        global disposed
        with _lock:
            if self.tracker is None:
                return
            self.tracker.close()
            self.tracker = None
            generation = self.generation
            generation.loaded -= 1
            if generation.loaded == 0 and generation is not _current:
                generation.dispose()
                disposed += 1

    __del__ = close


def current(machine: llvm.TargetMachine) -> Generation:
    """The generation new libraries go to (made on first use)."""
    global _current
    with _lock:
        if _current is None:
            _current = Generation(machine)
        return _current


def link(builder: llvm.JITLibraryBuilder, machine: llvm.TargetMachine) -> Library:
    """Link ``builder``'s object as a library of the current generation; a full
    generation gives way to a new one (disposed once its libraries are unloaded)."""
    global _current
    with _lock:
        generation = current(machine)
        library = Library(builder.link(generation.lljit, f"unit{next(_names)}"), generation)
        generation.linked += 1
        generation.loaded += 1
        if generation.linked >= GENERATION:
            _current = None   # (disposed by the close of its last library)
        return library
