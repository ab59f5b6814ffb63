"""TUI overhead: the same Ruff program under ``ruffdbg tui`` vs headless ``ruffdbg run``.

    python examples/benchmarks/tui_overhead.py [--runs N] [--poll] [--timeout S] [--tui-sample-ms MS]
                                               [PROGRAM.ruff ...]

A benchmark, not a test (the issue's target: TUI / headless <= 1.15x). Per program:

* headless: ``Session(Policy(), write=...).run_file(path)`` in this process, what
  ``ruffdbg run`` does minus interpreter startup. The Session is built before
  the clock starts (the TUI builds its Session in ``__init__``, also untimed),
  after an untimed ``gc.collect()`` (the garbage earlier TUI runs left would
  make the program's own collections slower than in a fresh ``ruffdbg run``:
  433 ms of GC against 61 under the TUI on mandelbrot; the TUI collects before
  it starts the program too).
* TUI: a fresh ``RuffdbgApp(path, Policy())`` per run, driven headless by
  Textual's ``run_test(size=(150, 45))``. The clock starts just before the app
  starts its program worker and stops when the app receives the worker's
  SUCCESS state change, so Textual's import, CSS and compose are outside the
  interval. The app starts the program once its first screen (footer keys
  included) is laid out and painted (``RuffdbgApp._start_program``), as a user
  sees it start; the 0.2 s pane refreshes and the layout and repaint each one
  causes are inside the interval. Headless Textual lays out and renders every
  widget but writes no escape codes to a terminal, so a real terminal costs a
  little more. ``--poll`` instead polls ``worker.is_finished`` every 10 ms from
  the pilot (which wakes the event loop 100 times a second).
  ``--tui-sample-ms MS`` runs the TUI's Session with the sampling profiler on
  (``ruffdbg tui`` samples every 5 ms by default; headless ``ruffdbg run`` does
  not sample unless asked), to see what the sampler adds.

The program runs in a worker thread and the UI in the main thread, and both
need the GIL: every millisecond of UI CPU is a millisecond the interpreter
waits (native JIT code runs without the GIL and does not wait). So the table
also shows, per TUI run, the UI thread's CPU time in the interval, the part
of it spent in ``refresh_panes`` itself (the rest is Textual's layout and
rendering), the number of refreshes in the interval (and of ticks skipped, see
ruffdbg/tui/pacing.py), the CPU of the
program's own thread (the Session's deep "ruff-vm" thread: compile and run),
the CPU of every other thread (the sampler, a worker that builds listings,
Textual's), and the time spent in the cyclic GC. "CPU ratio" compares the
process's CPU time (all threads) in the TUI interval with a headless run's:
on a machine shared with other work the wall times vary by tens of per cent
from run to run (the program's thread waits for a CPU), the CPU times much
less, so it says what the TUI itself adds.

One untimed run of each kind first warms up the process (LLVM, Textual).
Headless and TUI runs alternate. Every run must print the same output
(``elapsed_ms`` values masked); a mismatch is reported loudly with a diff, and
a failed run or one that takes longer than ``--timeout`` is reported as
FAILED; either makes the exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import gc
import io
import os
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from textual.worker import Worker, WorkerState

from ruffdbg import harness
from ruffdbg.session import Policy, Session
from ruffdbg.tui.app import DEMO, RuffdbgApp

HERE = Path(__file__).resolve().parent
DEFAULT_PROGRAMS = [HERE / "fib30.ruff", HERE / "loop10m.ruff", HERE / "mandelbrot.ruff", DEMO]
TARGET = 1.15
SIZE = (150, 45)
TIMEOUT_SECONDS = 120.0   # per run; --timeout changes it
VARYING = re.compile(r"^(elapsed_ms:\s*)[0-9.eE+-]+\s*$", re.MULTILINE)
FINISHED = "program finished"


class GcClock:
    """Wall time spent in cyclic garbage collections (any thread) while running."""

    def __init__(self, running: bool = True) -> None:
        self.seconds = 0.0
        self._start = 0.0
        self.running = running

    def __enter__(self) -> "GcClock":
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        gc.callbacks.remove(self._callback)

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        elif self.running and self._start:
            self.seconds += time.perf_counter() - self._start


@dataclass
class HeadlessRun:
    seconds: float
    gc_ms: float
    output: str
    cpu_seconds: float = 0.0  # the process's CPU time in the interval (all threads)


@dataclass
class TuiRun:
    seconds: float            # worker about to start -> worker finished (seen by the app)
    program_seconds: float    # inside the worker thread: compile + run, as headless
    ui_cpu_ms: float          # main (UI) thread CPU time in the interval
    refresh_cpu_ms: float     # of which in refresh_panes
    vm_cpu_ms: float          # CPU of the program's thread (the Session's "ruff-vm" thread)
    other_cpu_ms: float       # CPU of threads other than the UI and the program's (sampler, workers)
    ticks: int                # refresh_panes calls in the interval
    skipped: int              # refresh ticks the app skipped (the UI had had its share: tui/pacing.py)
    gc_ms: float
    output: str
    finished: str
    cpu_seconds: float = 0.0  # the process's CPU time in the interval (all threads)


@dataclass
class Measurement:
    name: str
    headless: list[HeadlessRun] = field(default_factory=list)
    tui: list[TuiRun] = field(default_factory=list)

    @property
    def headless_median(self) -> float:
        return statistics.median(run.seconds for run in self.headless)

    @property
    def tui_median(self) -> float:
        return statistics.median(run.seconds for run in self.tui)

    @property
    def ratio(self) -> float:
        return self.tui_median / self.headless_median

    @property
    def cpu_ratio(self) -> float:
        """TUI / headless in CPU time (medians): what the TUI adds, less
        sensitive than wall time to other processes taking the CPUs."""
        return (statistics.median(run.cpu_seconds for run in self.tui)
                / statistics.median(run.cpu_seconds for run in self.headless))

    @property
    def spread(self) -> str:
        """The range of the runs (min-max seconds), headless / TUI."""
        def span(runs) -> str:
            seconds = [run.seconds for run in runs]
            return f"{min(seconds):.3f}-{max(seconds):.3f}"
        return f"{span(self.headless)} / {span(self.tui)}"

    def tui_stat(self, name: str) -> float:
        return statistics.median(getattr(run, name) for run in self.tui)

    @property
    def headless_output(self) -> str:
        return self.headless[0].output

    @property
    def tui_output(self) -> str:
        return self.tui[0].output

    @property
    def outputs_match(self) -> bool:
        """Every run printed the same thing, headless and under the TUI."""
        return not self.mismatches()

    def mismatches(self) -> list[tuple[str, str]]:
        """(which run, unified diff against the first headless run) for every run whose
        output differs from it (``elapsed_ms`` values masked)."""
        reference = normalize(self.headless[0].output).splitlines(keepends=True)
        found = []
        runs = [(f"headless run {i + 1}", r) for i, r in enumerate(self.headless)]
        runs += [(f"TUI run {i + 1}", r) for i, r in enumerate(self.tui)]
        for label, run in runs:
            lines = normalize(run.output).splitlines(keepends=True)
            if lines != reference:
                found.append((label, "".join(difflib.unified_diff(reference, lines, "headless run 1", label))))
        return found


def normalize(output: str) -> str:
    """Output with the numbers that differ from run to run (``elapsed_ms: X``) masked."""
    return VARYING.sub(r"\1<masked>", output)


class TimedApp(RuffdbgApp):
    """RuffdbgApp plus timestamps and a copy of what the program printed. app.py's
    behaviour is unchanged: each hook calls the original."""

    CSS_PATH = Path(sys.modules[RuffdbgApp.__module__].__file__).with_name(RuffdbgApp.CSS_PATH)

    def __init__(self, path: Path, policy: Policy):
        super().__init__(path, policy)
        self.captured: list[str] = []
        app_write = self.session.vm.write          # the app's own self.output.append

        def write(text: str) -> None:
            self.captured.append(text)
            app_write(text)

        self.session.vm.write = write
        run_code = self.session.run_code

        def timed_run_code(code):   # (called again inside the Session's deep thread: timed there)
            if not harness.in_deep_worker():
                return run_code(code)
            cpu = time.thread_time()
            try:
                return run_code(code)
            finally:
                self.vm_cpu = time.thread_time() - cpu

        self.session.run_code = timed_run_code
        self.vm_cpu = 0.0
        self.done = asyncio.Event()
        self.t_worker = self.t_program = self.t_program_end = self.t_seen = 0.0
        self.cpu_worker = self.cpu_seen = 0.0       # main-thread CPU clock at start / end
        self.process_worker = self.process_seen = 0.0   # process CPU clock at start / end
        self.program_cpu = 0.0                      # CPU of the program's thread
        self.result = ""
        self.collections = GcClock(running=False)   # started with the worker
        self.ticks: list[tuple[float, float]] = []   # (start, main-thread CPU seconds) per refresh_panes

    def run_worker(self, *args, **kwargs):
        if not self.t_worker:
            self.cpu_worker = time.thread_time()
            self.process_worker = time.process_time()
            self.t_worker = time.perf_counter()
            self.collections.start()
        return super().run_worker(*args, **kwargs)

    def run_program(self) -> None:
        self.t_program, cpu = time.perf_counter(), time.thread_time()
        super().run_program()
        self.t_program_end = time.perf_counter()
        self.program_cpu = time.thread_time() - cpu
        self.result = self.finished or ""

    def refresh_panes(self) -> None:
        start, cpu = time.perf_counter(), time.thread_time()
        super().refresh_panes()
        self.ticks.append((start, time.thread_time() - cpu))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self.worker and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                           WorkerState.CANCELLED):
            if not self.t_seen:
                self.t_seen = time.perf_counter()
                self.cpu_seen = time.thread_time()
                self.process_seen = time.process_time()
                self.collections.stop()
            self.done.set()


def run_headless(path: Path, timeout: float = TIMEOUT_SECONDS) -> HeadlessRun:
    output = io.StringIO()
    session = Session(Policy(), write=output.write)
    watchdog = threading.Timer(timeout, session.interrupt, args=(f"no end after {timeout:g} s",))
    watchdog.start()   # sleeps in its own thread: costs the program nothing
    # Earlier TUI runs leave cyclic garbage (Textual's objects) that a fresh
    # ``ruffdbg run`` process does not have: collected first, untimed (the TUI
    # collects before it starts the program too).
    gc.collect()
    try:
        with GcClock() as collections:
            start, cpu = time.perf_counter(), time.process_time()
            result = session.run_file(path)
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu
    finally:
        watchdog.cancel()
    if not result.ok:
        why = result.error.message if result.error else result.interrupted.reason
        raise RuntimeError(f"{path} failed headless: {why}")
    return HeadlessRun(seconds, collections.seconds * 1000, output.getvalue(), cpu)


async def _tui_once(path: Path, poll: bool, timeout: float, sample_ms: float | None = None) -> TuiRun:
    app = TimedApp(path, Policy(sample_ms=sample_ms))
    with app.collections as collections:
        async with app.run_test(size=SIZE) as pilot:
            deadline = time.perf_counter() + timeout
            if poll:
                while not (app.worker is not None and app.worker.is_finished):
                    if not app.is_running or time.perf_counter() > deadline:
                        raise RuntimeError(_unfinished(app, path, timeout))
                    await pilot.pause(0.01)
                end = time.perf_counter()
            else:
                while not app.done.is_set():   # wake twice a second only to notice a dead app
                    if not app.is_running or time.perf_counter() > deadline:
                        raise RuntimeError(_unfinished(app, path, timeout))
                    try:
                        await asyncio.wait_for(app.done.wait(), 0.5)
                    except TimeoutError:
                        pass
                end = app.t_seen
            collections.stop()
            ticks = [cpu for start, cpu in app.ticks if app.t_worker <= start < end]
            await pilot.press("q")
    if app.result != FINISHED:
        raise RuntimeError(f"{path} failed under the TUI: {app.result}")
    return TuiRun(seconds=end - app.t_worker, program_seconds=app.t_program_end - app.t_program,
                  ui_cpu_ms=(app.cpu_seen - app.cpu_worker) * 1000, refresh_cpu_ms=sum(ticks) * 1000,
                  vm_cpu_ms=app.vm_cpu * 1000,
                  other_cpu_ms=max(0.0, (app.process_seen - app.process_worker - (app.cpu_seen - app.cpu_worker)
                                         - app.program_cpu - app.vm_cpu) * 1000),
                  ticks=len(ticks), skipped=app.pacer.skipped, gc_ms=collections.seconds * 1000, output="".join(app.captured),
                  finished=app.result, cpu_seconds=app.process_seen - app.process_worker)


def _unfinished(app: TimedApp, path: Path, timeout: float) -> str:
    printed = "".join(app.captured).splitlines()
    last = f", the last: {printed[-1]!r}" if printed else ""
    why = "the TUI stopped" if not app.is_running else f"no end after {timeout:g} s"
    return f"{path} under the TUI: {why}; it had printed {len(printed)} lines{last}"


def run_tui(path: Path, poll: bool = False, timeout: float = TIMEOUT_SECONDS,
            sample_ms: float | None = None) -> TuiRun:
    return asyncio.run(_tui_once(path, poll, timeout, sample_ms))


def measure(path: Path, runs: int = 5, poll: bool = False, warm_up: bool = True,
            timeout: float = TIMEOUT_SECONDS, tui_sample_ms: float | None = None) -> Measurement:
    """``runs`` headless and ``runs`` TUI runs of ``path``, alternating (after one untimed
    run of each when ``warm_up``). Raises RuntimeError when a run fails or a TUI run
    takes longer than ``timeout`` seconds."""
    path = Path(path)
    if warm_up:
        run_headless(path, timeout)
        run_tui(path, poll, timeout, tui_sample_ms)
    result = Measurement(path.stem)
    for _ in range(runs):
        result.headless.append(run_headless(path, timeout))
        result.tui.append(run_tui(path, poll, timeout, tui_sample_ms))
    return result


def report(results: list[Measurement], runs: int, poll: bool, failures: dict[str, str] | None = None,
           tui_sample_ms: float | None = None) -> bool:
    """Print the table and one line per program; False if some outputs differ or runs failed."""
    failures = failures or {}
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=120)
    end = "pilot saw worker.is_finished (10 ms polls)" if poll else "app got the worker's SUCCESS"
    sampling = f", TUI sampling every {tui_sample_ms:g} ms" if tui_sample_ms else ""
    table = Table(title=f"TUI overhead, median of {runs} (target <= {TARGET:.2f}x){sampling}",
                  caption=f"TUI interval: worker about to start (first screen painted) -> {end}. "
                          "UI CPU = main-thread CPU in the interval; refresh = its part in refresh_panes; "
                          "VM = the program's thread; other thr = CPU of the remaining threads. "
                          "CPU ratio = the process's CPU time, TUI / headless.")
    columns = ("program", "headless s", "TUI s", "ratio", "CPU ratio", "ticks (skipped)", "UI CPU ms", "refresh ms",
               "VM CPU ms", "other thr ms", "GC ms hl/TUI", "output")
    for column in columns:
        table.add_column(column, justify="left" if column in ("program", "output") else "right")
    ok = True
    for m in results:
        ratio = f"{m.ratio:.2f}x"
        ratio = ratio if m.ratio <= TARGET else f"[bold red]{ratio}[/]"
        same = "same" if m.outputs_match else "[bold red]MISMATCH[/]"
        ok = ok and m.outputs_match
        gc_ms = f"{statistics.median(r.gc_ms for r in m.headless):.0f}/{m.tui_stat('gc_ms'):.0f}"
        table.add_row(m.name, f"{m.headless_median:.3f}", f"{m.tui_median:.3f}", ratio, f"{m.cpu_ratio:.2f}x",
                      f"{m.tui_stat('ticks'):.0f} ({m.tui_stat('skipped'):.0f})", f"{m.tui_stat('ui_cpu_ms'):.0f}",
                      f"{m.tui_stat('refresh_cpu_ms'):.0f}", f"{m.tui_stat('vm_cpu_ms'):.0f}",
                      f"{m.tui_stat('other_cpu_ms'):.0f}", gc_ms, same)
    for name, error in failures.items():
        table.add_row(name, "-", "-", "[bold red]FAILED[/]", *[""] * (len(columns) - 4))
    console.print(table)
    for m in results:
        print(f"{m.name}: headless {m.headless_median:.3f} s, TUI {m.tui_median:.3f} s, "
              f"ratio {m.ratio:.2f}x (median of {runs}; min-max headless / TUI: {m.spread}); "
              f"CPU ratio {m.cpu_ratio:.2f}x")
    for m in results:
        for label, diff in m.mismatches():
            console.print(f"[bold red]OUTPUT MISMATCH for {m.name}: {label} printed something else[/]")
            console.print(diff, markup=False, highlight=False)
    for name, error in failures.items():
        console.print(f"[bold red]{name} FAILED:[/] {error}")
    return ok and not failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--poll", action="store_true", help="poll worker.is_finished every 10 ms instead")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS,
                        help="give up on a run after this many seconds (default %(default)s)")
    parser.add_argument("--tui-sample-ms", type=float, metavar="MS",
                        help="run the TUI with the sampling profiler every MS ms (ruffdbg tui's default: 5)")
    parser.add_argument("programs", nargs="*", type=Path, help="Ruff programs (default: fib30, loop10m, "
                        "mandelbrot and the TUI's demo)")
    args = parser.parse_args(argv)
    programs = args.programs or DEFAULT_PROGRAMS
    results, failures = [], {}
    load_before = os.getloadavg()[0]
    for program in programs:
        print(f"running {program} ...", file=sys.stderr, flush=True)
        try:
            results.append(measure(program, args.runs, args.poll, timeout=args.timeout,
                                   tui_sample_ms=args.tui_sample_ms))
        except RuntimeError as error:   # a failed run, or a TUI run that never finished
            failures[program.stem] = str(error)
    ok = report(results, args.runs, args.poll, failures, args.tui_sample_ms)
    print(f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on "
          f"{os.cpu_count()} CPUs (other processes make both the figures and the ratio noisy)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
