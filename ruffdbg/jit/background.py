"""Background compilation: the compiler thread and the jobs it runs.

A job is one unit's LLVM stages (parse, optimize, machine code): the part of a
compile that runs inside LLVM, which releases the GIL, so the second core does
it while the VM thread goes on running the function in its current tier (V8's
concurrent recompilation). Everything else -- inference, lowering, and
installing the result -- stays on the VM thread under the JIT's lock, so the
JIT's state is only ever changed there: a job fills in its unit's
``CompiledModule`` and touches nothing else. It says it is ready through ``on_ready``, which only
flips a word the VM thread polls (a function's ``hot_at``, or nothing: an OSR
loop polls at its back-edges); the VM thread installs the unit at the
function's next entry or the loop's next back-edge, never under a running frame.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable


QUEUED, COMPILING, READY = "queued", "compiling", "ready"


@dataclass
class CompileJob:
    """One unit waiting for (or done with) its LLVM stages."""

    unit: Any                                  # the Unit, reserved and not installed (valid False)
    symbols: list[str]                         # its functions (their addresses are looked up)
    typed: Any                                 # its TypedCode, for the compile history
    trigger: str | None
    infer_ms: float = 0.0
    signature: Any = None                      # an OSR unit's entry signature (osr.OsrSite.units)
    state: str = QUEUED
    error: BaseException | None = None
    cancelled: str | None = None               # why it must not be installed (set on the VM thread)
    on_ready: Callable[[], None] | None = None
    times: dict[str, float] = field(default_factory=dict)   # perf_counter() when queued, started, ready

    def run(self) -> None:
        """The LLVM stages, on whichever thread calls this."""
        self.state = COMPILING
        self.times["started"] = time.perf_counter()
        try:
            self.unit.compiled.generate(self.symbols)
        except BaseException as error:   # (handed to the VM thread, which raises it where sync mode would)
            self.error = error
        self.times["ready"] = time.perf_counter()
        self.state = READY

    @property
    def waited_ms(self) -> float:
        """Time in the queue before the compiler thread took it."""
        return (self.times.get("started", self.times["queued"]) - self.times["queued"]) * 1000


class CompilerThread:
    """One daemon thread running ``CompileJob``s in the order they came (a unit
    is linked after the units it calls directly, which were submitted first)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[CompileJob] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, job: CompileJob) -> None:
        job.times["queued"] = time.perf_counter()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ruffdbg-compiler", daemon=True)
            self._thread.start()
        self._jobs.put(job)

    def wait(self) -> None:
        """Until every job submitted so far is ready (tests, ``bench --latency``)."""
        self._jobs.join()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job.cancelled is None:
                    job.run()
                else:
                    job.state = READY
                if job.on_ready is not None:
                    job.on_ready()
            finally:
                self._jobs.task_done()
