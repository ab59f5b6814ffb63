"""Run a program in a thread: the one way the CLI, the REPL and the TUI do it.

The work (a Ruff run, or the REPL's whole input) runs in a worker thread with a
deep C stack, because native code recurses on it (deep Ruff recursion in T1/T2
needs far more than the default 8 MB). The caller waits in short joins.

Ctrl-C: Python runs signal handlers only in the main thread, between
bytecodes; a main thread stuck inside native code would never see Ctrl-C.
So the program never runs in the main thread: while the main thread waits
here, Ctrl-C calls ``interrupt()``, which sets the VM's interrupt word that
the worker (interpreter or native code) polls at its next safepoint. Called
from any other thread (the TUI's worker), there is no Ctrl-C to handle and the
caller interrupts through the Session itself.

The work's result is returned; an exception it raised is raised again here.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")

WORKER_STACK_BYTES = 512 * 1024 * 1024   # deep native recursion needs a deep C stack
# Python frames the worker may nest. Ruff calls in the interpreter cost no Python
# recursion, but each passage between tiers does (native code calls into the VM,
# which calls native code ...): about 6 Python frames per Ruff frame where every
# call changes tier (measured), so 20,000 Ruff frames (the VM's limit, whose
# "Stack overflow" must be the one the program sees, in every tier) need 120,000;
# nested values (printing, comparing) recurse in Python too. The C stack of the
# worker holds this: 20,000 tier-changing calls took less than 64 MB.
WORKER_RECURSION_LIMIT = 400_000
CTRL_C_REASON = "interrupted (Ctrl-C)"
POLL_SECONDS = 0.05


def run_in_thread(work: Callable[[], T], interrupt: Callable[[], None] | None = None,
                  name: str = "ruff-vm", stack_bytes: int = WORKER_STACK_BYTES) -> T:
    """Run ``work()`` in a worker thread with a ``stack_bytes`` stack and wait for it.

    In the main thread, Ctrl-C calls ``interrupt()`` (say, ``session.interrupt``)
    instead of raising KeyboardInterrupt, for as long as the work runs."""
    outcome: list = []
    limit = WORKER_RECURSION_LIMIT if stack_bytes >= WORKER_STACK_BYTES else None

    def body() -> None:
        _worker.deep = limit is not None
        try:
            with _recursion_limit(limit):
                outcome.append((True, work()))
        except BaseException as error:  # noqa: BLE001 - raised again in the waiting thread
            outcome.append((False, error))

    with _ctrl_c_calls(interrupt):   # in place before the worker starts: no Ctrl-C is lost
        previous = threading.stack_size(stack_bytes)
        try:
            worker = threading.Thread(target=body, name=name, daemon=True)
            worker.start()
        finally:
            threading.stack_size(previous)
        while worker.is_alive():
            try:
                worker.join(POLL_SECONDS)
            except KeyboardInterrupt:   # a SIGINT handler of our caller's raised it
                if interrupt is None:
                    raise
                interrupt()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


_worker = threading.local()   # .deep: this thread is a deep worker
_deep_workers = 0
_limit_lock = threading.Lock()
_limit_before = 0


@contextmanager
def _recursion_limit(limit: int | None) -> Iterator[None]:
    """Python's recursion limit raised to ``limit`` while any deep worker runs.

    The limit is the interpreter's (every thread's), so the last worker to end puts
    the previous one back; the other threads meanwhile only wait or draw (they do
    not recurse deeply)."""
    global _deep_workers, _limit_before
    if limit is None:
        yield
        return
    with _limit_lock:
        if _deep_workers == 0:
            _limit_before = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_limit_before, limit))
        _deep_workers += 1
    try:
        yield
    finally:
        with _limit_lock:
            _deep_workers -= 1
            if _deep_workers == 0:
                sys.setrecursionlimit(_limit_before)


@contextmanager
def _ctrl_c_calls(interrupt: Callable[[], None] | None) -> Iterator[None]:
    """While the worker runs, Ctrl-C calls ``interrupt()`` (main thread only: no other
    thread receives signals)."""
    if interrupt is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupt())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def in_deep_worker() -> bool:
    """Whether this thread is a deep worker (its stack and recursion limit raised)."""
    return getattr(_worker, "deep", False)
