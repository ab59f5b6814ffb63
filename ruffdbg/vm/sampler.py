"""The sampling profiler: time per function, split by tier.

A thread wakes every ``interval`` seconds and records what runs at that moment:
which function, and where -- the interpreter (T0), native code of a T1 or T2
unit, the compiler, or a *runtime call* (a builtin or a generic op that native
code called back into Python for). Nothing is added to the hot paths to make
this possible: the interpreter's state is its frames and its timing contexts
(``vm/timing.py``: the innermost is a run of the loop or a native run), and a
native run is described by a ``NativeProbe`` (the JIT's ``jit/sampling.py``),
which reads the word native code keeps naming the unit that runs.

Each sample is weighted by the wall time since the previous one, not counted:
the sampler needs the GIL, which the interpreter holds while T0 runs (native
code runs without it), so samples are not evenly spaced. While it runs, the
interpreter's GIL switch interval is lowered to the sampling interval, so the
thread gets the GIL about as often as it asks (restored when it stops).

The GIL also biases *when* a sample is taken: woken while Python code runs,
the sampler gets the GIL at the next moment the program lets it go -- most
often by entering or returning to native code, which would then take every
sample of a program that goes back and forth faster than the interval. So the
JIT notes, each time native code is entered or resumed from Python, what the
Python work was and when it ended (``NativeProbe.python_before``); if that was
after the sampler woke, the program was in Python when the sample was due, and
the sample goes to that work: the interpreter frame that entered native code,
or the callback it came back from (a Ruff function the VM ran, a runtime call).

``self`` time goes to the function on top, ``total`` time to every function on
the stack (once per sample, however deep its recursion), both per bucket.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from ruffdbg.compiler.bytecode import CodeObject

BUCKETS = ("T0", "T1", "T2", "compile", "runtime")
T0, T1, T2, COMPILE, RUNTIME = range(5)
DEFAULT_INTERVAL = 0.001
STACK_SCAN = 512   # frames read at each end of a deeper stack, for total time (a sample stays cheap)


class NativeProbe(Protocol):
    """What the sampler asks the JIT (read under the GIL, from the sampler thread)."""

    compiling: CodeObject | None   # the function being compiled, if any
    python_before: tuple[int, CodeObject, int] | None   # what native code last waited on: bucket, function, end ns

    def native_sample(self, timing_depth: int, base: int) -> tuple[int, CodeObject, list[CodeObject]] | None:
        """The innermost native run (timing context number ``timing_depth``, entered
        with ``base`` interpreter frames below it): the bucket (T1, T2 or RUNTIME),
        the function running, the other functions of its native frames; None if
        nothing can be told."""

    def native_codes(self, start: int, stop: int) -> list[CodeObject]:
        """The functions of the native activations at depths [start, stop) (a gap
        of the Ruff stack, vm/framestack.py), innermost last."""


@dataclass
class TierTime:
    """One function's sampled time, in ms per bucket (``BUCKETS``)."""

    function: str
    line: int
    self_ms: dict[str, float] = field(default_factory=dict)
    total_ms: dict[str, float] = field(default_factory=dict)

    @property
    def self_sum(self) -> float:
        return sum(self.self_ms.values())

    @property
    def total_sum(self) -> float:
        return sum(self.total_ms.values())


@dataclass
class TierProfile:
    """A snapshot of the sampler: per function (most self time first), the time of
    each bucket over the whole program, how many samples and how far apart."""

    functions: list[TierTime]
    buckets_ms: dict[str, float]
    samples: int
    interval_ms: float

    @property
    def sampled_ms(self) -> float:
        return sum(self.buckets_ms.values())

    def of(self, name: str) -> TierTime | None:
        return next((t for t in self.functions if t.function == name), None)


class Sampler:
    """Samples ``vm`` (and ``probe``, the JIT, if there is one) from a thread."""

    def __init__(self, vm: Any, probe: NativeProbe | None = None, interval: float = DEFAULT_INTERVAL) -> None:
        self.vm = vm
        self.probe = probe
        self.interval = interval
        self._lock = threading.Lock()
        self._codes: dict[int, tuple[CodeObject, list[int], list[int]]] = {}   # id -> (code, self ns, total ns)
        self._buckets = [0] * len(BUCKETS)
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._switch: float | None = None

    # ------------------------------------------------------------ control

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, self.interval))
        self._thread = threading.Thread(target=self._run, name="ruffdbg-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        if self._switch is not None:
            sys.setswitchinterval(self._switch)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        interval_ns = int(self.interval * 1e9)
        last = time.perf_counter_ns()
        while True:
            due = time.perf_counter_ns() + interval_ns
            if self._stop.wait(self.interval):
                return
            now = time.perf_counter_ns()
            self.sample(now - last, due)
            last = now

    # ------------------------------------------------------------ sampling

    def sample(self, ns: int, due: int = 0) -> bool:
        """Charge ``ns`` of wall time to what ran when the sample was ``due``
        (perf_counter_ns; see above); False if nothing runs."""
        seen = self._what_runs(due)
        if seen is None:
            return False
        bucket, top, others = seen
        with self._lock:
            self.samples += 1
            self._buckets[bucket] += ns
            self._entry(top)[1][bucket] += ns
            for code in {id(code): code for code in (top, *others)}.values():
                self._entry(code)[2][bucket] += ns
        return True

    def _entry(self, code: CodeObject) -> tuple[CodeObject, list[int], list[int]]:
        entry = self._codes.get(id(code))
        if entry is None:
            entry = self._codes[id(code)] = (code, [0] * len(BUCKETS), [0] * len(BUCKETS))
        return entry

    def _what_runs(self, due: int = 0) -> tuple[int, CodeObject, list[CodeObject]] | None:
        vm, probe = self.vm, self.probe
        timing, frames = vm.timing, vm.frames
        if not timing or not frames:
            return None                    # nothing runs (between runs of a REPL or a TUI)
        stack = _stack_codes(vm, probe)
        if probe is not None and probe.compiling is not None:
            return COMPILE, probe.compiling, stack
        if timing[-1] is None:            # a run of the interpreter's loop
            # (a compiled function's activations have no frames: vm/functions.py)
            running = getattr(vm, "fast_running", None)
            if running is not None:
                return T0, running, stack + [running]
            return T0, frames[-1].code, stack
        if probe is None:
            return None
        native = probe.native_sample(len(timing), len(frames) + vm.hidden)
        if native is None:
            return None
        bucket, top, others = native
        before = probe.python_before
        if before is not None and before[2] > due and bucket != RUNTIME:   # (in Python when it was due)
            bucket, top = before[0], before[1]
        return bucket, top, stack + others

    def snapshot(self) -> TierProfile:
        """The time so far, as records (safe from any thread)."""
        with self._lock:
            entries = [(code, list(own), list(total)) for code, own, total in self._codes.values()]
            buckets = list(self._buckets)
            samples = self.samples
        functions = [TierTime(code.name, code.first_line,
                              {name: own[i] / 1e6 for i, name in enumerate(BUCKETS)},
                              {name: total[i] / 1e6 for i, name in enumerate(BUCKETS)})
                     for code, own, total in entries]
        functions.sort(key=lambda t: (-t.self_sum, -t.total_sum, t.function))
        return TierProfile(functions, {name: buckets[i] / 1e6 for i, name in enumerate(BUCKETS)},
                           samples, self.interval * 1000)


def _stack_codes(vm: Any, probe: NativeProbe | None) -> list[CodeObject]:
    """The functions on the Ruff stack: the interpreter's frames and the native
    activations of its gaps (both ends of a very deep stack: STACK_SCAN each)."""
    frames, gaps = vm.frames, list(vm.gaps)   # (a snapshot: the VM thread goes on between bytecodes)
    if not gaps or probe is None:
        if len(frames) > 2 * STACK_SCAN:
            frames = frames[:STACK_SCAN] + frames[-STACK_SCAN:]
        return [frame.code for frame in frames]
    if len(frames) + vm.hidden <= 2 * STACK_SCAN:
        return _first_codes(frames, gaps, probe, 2 * STACK_SCAN)
    return _first_codes(frames, gaps, probe, STACK_SCAN) + _last_codes(frames, gaps, probe, STACK_SCAN)


def _first_codes(frames: list, gaps: list, probe: NativeProbe, limit: int) -> list[CodeObject]:
    """The functions of the outermost ``limit`` entries of the Ruff stack."""
    codes: list[CodeObject] = []
    at = 0
    for gap in gaps:
        codes += [frame.code for frame in frames[at:min(gap.index, at + limit - len(codes))]]
        codes += probe.native_codes(gap.start, gap.start + min(gap.count, limit - len(codes)))
        at = gap.index
        if len(codes) >= limit:
            return codes
    return codes + [frame.code for frame in frames[at:at + limit - len(codes)]]


def _last_codes(frames: list, gaps: list, probe: NativeProbe, limit: int) -> list[CodeObject]:
    """The functions of the innermost ``limit`` entries of the Ruff stack."""
    pieces: list[list[CodeObject]] = []
    taken = 0
    at = len(frames)
    for gap in reversed(gaps):
        run = [frame.code for frame in frames[max(gap.index, at - (limit - taken)):at]]
        wanted = max(0, min(gap.count, limit - taken - len(run)))
        native = probe.native_codes(gap.start + gap.count - wanted, gap.start + gap.count)
        pieces += [run, native]
        taken += len(run) + len(native)
        at = gap.index
        if taken >= limit:
            break
    else:
        pieces.append([frame.code for frame in frames[max(0, at - (limit - taken)):at]])
    return [code for piece in reversed(pieces) for code in piece]
