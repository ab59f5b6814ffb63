"""harness.run_in_thread: the worker thread every program runs in (Session.run_code uses it)."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from ruffdbg import harness
from ruffdbg.session import Policy, Session


def test_returns_the_result_and_runs_off_the_calling_thread():
    caller = threading.current_thread()
    assert harness.run_in_thread(lambda: threading.current_thread() is not caller) is True


def test_raises_what_the_work_raised():
    def work():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        harness.run_in_thread(work)


def test_ctrl_c_in_the_main_thread_calls_interrupt_instead_of_raising():
    stopped = threading.Event()
    before = signal.getsignal(signal.SIGINT)   # (SIG_IGN under nohup or a background job)
    threading.Timer(0.2, os.kill, args=(os.getpid(), signal.SIGINT)).start()
    assert harness.run_in_thread(lambda: stopped.wait(10), interrupt=stopped.set) is True
    assert signal.getsignal(signal.SIGINT) is before   # put back


def test_a_ruff_run_is_interrupted_with_its_location():
    session = Session(Policy(threshold=10), write=lambda text: None)
    code = session.compile("func spin() {\n    mut i := 0\n    while true { i := i + 1 }\n}\nspin()\n", "spin.ruff")
    threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGINT)).start()
    result = session.run_code(code)   # the Session runs it in the harness: Ctrl-C interrupts it
    assert result.interrupted is not None and result.interrupted.reason == harness.CTRL_C_REASON
    assert result.interrupted.stack[-1].function == "spin"


def test_deep_native_recursion_has_the_stack_it_needs():
    session = Session(Policy(threshold=10), write=lambda text: None)
    code = session.compile("func down(n) {\n    if n == 0 { return 0 }\n    return 1 + down(n - 1)\n}\n"
                           "mut i := 0\nwhile i < 30 { down(100) i := i + 1 }\nprint(down(15000))\n", "deep.ruff")
    assert session.run_code(code).ok
