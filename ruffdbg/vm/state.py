"""The VM's state: what a VM holds between runs and while its dispatch loop runs
(globals, struct shapes, the frame stack and its native gaps, the debugger's and
the JIT's hooks, the clocks). vm/interpreter.py's ``VM`` is this plus the loop
and its mixins."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.objects import StructType
from ruffdbg.vm.builtins import BUILTINS
from ruffdbg.vm.control import Control
from ruffdbg.vm.frame import Frame
from ruffdbg.vm.framestack import Gap
from ruffdbg.vm.hooks import TierHooks
from ruffdbg.vm.timing import Timing

MAX_DEPTH = 20_000


class VMState:
    """(Part of ``VM``.) Its fields, set up once."""

    def __init__(self, write: Callable[[str], Any] = sys.stdout.write, max_depth: int = MAX_DEPTH):
        self.write = write
        self.max_depth = max_depth
        self.globals: dict[str, Any] = {}
        self.global_kinds: dict[str, str] = {}   # only let/const globals are listed
        # Globals a declaration may replace instead of failing as a duplicate: the
        # Session fills it with the globals of earlier inputs before each REPL input.
        self.redeclarable: set[str] = set()
        self.structs: dict[str, StructType] = {}
        self.shapes_declared: dict[str, int] = {}   # struct name -> declarations run (shape ids: Point#1 ...)
        self.builtins = dict(BUILTINS)
        self.frames: list[Frame] = []            # interpreter frames only (vm/framestack.py)
        # Native activations below Python code run for them, counted, built only when
        # shown; the loop's limit is max_depth less them (vm/framestack.py).
        self.gaps: list[Gap] = []
        self.hidden = 0
        self.depth_limit = max_depth
        Control.__init__(self)                   # interrupt word, pause, slow motion (vm/control.py)
        self.debugger = None                     # the vm.debugger.Debugger that owns the traps (set by the Session)
        self.events = None                       # the Session's EventLog (pauses are events too)
        self.cow_copies = 0
        self.program_args: list[str] = []       # what args() returns (after the program's path on the command line)
        self.hooks: TierHooks | None = None      # the JIT, when tiers above T0 are on (vm/hooks.py)
        self.fast_running: CodeObject | None = None   # a compiled function running (vm/functions.py)
        self.clock = [0]   # the loop's last clock reading, while compiled functions run (vm/functions.py)
        Timing.__init__(self)                    # timing contexts (vm/timing.py)
        self._started = time.perf_counter()

    def clock_ms(self) -> float:   # (builtins' ctx)
        return (time.perf_counter() - self._started) * 1000.0
