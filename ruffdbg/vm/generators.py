"""Generators: a ``func*`` call's suspended frame.

A generator holds the frame of its body (a function of no parameters, see
compiler/sugar.py). Asking for a value resumes that frame with ``VM._enter``,
the ordinary way a frame is run; YIELD (vm/ops.py) takes the frame off the VM's
stack with its pc written back and raises ``Yielded``, which unwinds only the
Python loop that ran it: the frame itself stays intact, ready to resume at its
pc. A ``for`` loop walks a generator through ``GeneratorItems``, a lazy sequence
the loop's FOR_ITER reads like an array (``len``, then the item), so the loop
needs no new branch.
"""

from __future__ import annotations

from typing import Any

from ruffdbg.core.errors import RuffError, RuffRuntimeError


class Yielded(Exception):
    """Raised by YIELD to leave the generator's run with its value (never seen by Ruff)."""

    def __init__(self, value: Any):
        super().__init__()
        self.value = value


class Generator:
    """A running or finished ``func*`` call."""

    __slots__ = ("vm", "function", "frame", "done", "running")

    def __init__(self, vm: Any, function: Any):
        self.vm = vm
        self.function = function
        self.frame = None
        self.done = False
        self.running = False    # its frame is on the VM's stack: it cannot be resumed again

    def next_value(self) -> tuple[bool, Any]:
        """(True, value) for the next yielded value, (False, None) once the body returned."""
        if self.done:
            return False, None
        if self.running:
            raise RuffError("Generator is already running")
        if self.frame is None:
            self.frame = self.vm._new_frame(self.function, [])
        self.running = True
        try:
            self.vm._enter(self.frame)
        except Yielded as yielded:
            return True, yielded.value
        except RuffRuntimeError as error:
            # Escaped the generator's body: raise it again where the generator
            # was asked for a value, so a `try` there catches it.
            self.done = True
            raise RuffError(error.message, value=error.value, entries=error.stack) from None
        except BaseException:
            self.done = True
            raise
        finally:
            self.running = False
        self.done = True
        self.frame = None
        return False, None

    def __repr__(self) -> str:
        return f"<generator {self.function.name}>"


class GeneratorItems:
    """A generator seen as the array a ``for`` loop walks, produced on demand.

    FOR_ITER asks ``len(items)`` and then takes ``items[position]``; ``len``
    resumes the generator until one more value than the loop has taken is
    ready (or the generator ends), so an endless generator is fine under a
    ``break``. Values the loop has taken are dropped.
    """

    __slots__ = ("generator", "ready", "first", "taken")

    def __init__(self, generator: Generator):
        self.generator = generator
        self.ready: list = []     # values produced, not yet taken
        self.first = 0            # the position of ready[0]
        self.taken = 0            # positions the loop has taken

    def __len__(self) -> int:
        while self.first + len(self.ready) <= self.taken:
            more, value = self.generator.next_value()
            if not more:
                break
            self.ready.append(value)
        return self.first + len(self.ready)

    def __getitem__(self, position: int) -> Any:
        value = self.ready[position - self.first]
        self.taken = position + 1
        # Drop what the loop has passed, so a long walk holds one value at a time.
        del self.ready[:position + 1 - self.first]
        self.first = position + 1
        return value
