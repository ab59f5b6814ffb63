"""Background compilation (jit/background.py): a T2 compile's LLVM stages run on
the compiler thread while the function runs on in its tier; the unit is
installed at the function's next entry, never if something broke it meanwhile.

The compiler thread is held up by a gate, a job ahead of the others in its queue,
so each test sees the compile in flight (queued) without racing it."""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from pathlib import Path

from ruffdbg.session import Policy, Session
from ruffdbg.textviews import hotspots_report
from ruffdbg.tui.functions import function_rows

FIB = """
func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
print(fib(12))
"""
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def session(background: bool = True) -> tuple[Session, io.StringIO]:
    out = io.StringIO()
    return Session(Policy(jit=True, threshold=5, background_compile=background), write=out.write), out


class Gate:
    """A job that keeps the compiler thread busy until opened."""

    cancelled = on_ready = None

    def __init__(self) -> None:
        self.times: dict = {}
        self.opened = threading.Event()

    def run(self) -> None:
        self.opened.wait(10)


@contextmanager
def compiler_held(s: Session):
    """The compiler thread compiles nothing submitted while this lasts."""
    gate = Gate()
    s.jit.compiler.submit(gate)
    try:
        yield
    finally:
        gate.opened.set()


def test_a_background_compile_is_visible_while_in_flight_and_installed_at_the_next_entry():
    s, out = session()
    with compiler_held(s):
        assert s.run_source(FIB).ok
        fib = s.function("fib")
        assert fib.compiling == "T2 queued"
        # (T1 first, compiled at once: its profile was not stable yet; T2 is in flight)
        assert fib.tier == "T1" and [c.tier for c in s.compiles("fib")] == ["T1"]   # it ran on at T1
        row = next(row for row in function_rows(s.functions()) if row.key == "fib")
        assert row.compiling and row.state.startswith("T2 queued · baseline")
        assert "T1 (T2 queued)" in hotspots_report(s)
    s.jit.wait_compiles()
    # (not installed under a running frame: at the next entry)
    assert s.function("fib").compiling is None and s.function("fib").tier == "T1"
    assert s.run_source("print(fib(15))").ok   # the next entry installs it
    assert out.getvalue() == "144\n610\n"
    assert s.function("fib").tier == "T2"
    compile_ = s.compiles("fib")[-1]
    assert compile_.tier == "T2" and compile_.state == "current" and compile_.ms["waited"] >= 0 and compile_.ms["optimize"] > 0
    compiled = [e for e in s.events.since(0) if e.kind == "compiled"]
    assert [(e.function, e.tier) for e in compiled] == [("fib", "T1"), ("fib", "T2")]
    assert "waited_ms" in compiled[1].detail and "waited_ms" not in compiled[0].detail


def test_a_compile_whose_function_was_deoptimized_meanwhile_is_never_installed():
    s, out = session()
    with compiler_held(s):
        assert s.run_source(FIB).ok
        assert s.function("fib").compiling is not None
        s.force_deopt("fib")   # (while the compile is in flight)
        assert s.function("fib").compiling is None
    s.jit.wait_compiles()
    assert s.run_source("print(fib(10))").ok
    assert s.function("fib").tier == "T0"
    s.jit.wait_compiles()
    assert s.run_source("print(fib(11))").ok   # tiers up again: a new compile, installed
    states = [c.state_text for c in s.compiles("fib")]
    assert "retired: not installed: deoptimized on request" in states and states[-1] == "current"
    assert out.getvalue() == "144\n55\n89\n"


def test_a_compile_that_guards_a_global_redefined_meanwhile_is_never_installed():
    s, out = session()
    s.redefinition = True   # (as the REPL does)
    with compiler_held(s):
        assert s.run_source(FIB).ok
        assert s.function("fib").compiling == "T2 queued"
        old = s.find_code("fib")
        assert s.run_source("func fib(n) { return n * 10 }\nprint(fib(3))").ok   # the unit guards global fib
    s.jit.wait_compiles()
    assert s.jit.state_of(old).pending is not None   # (cancelled: refused at its entry)
    assert s.jit.install_ready(old) is None and s.jit.state_of(old).unit is None
    record = s.jit.history.of(id(old))[-1]
    assert record.tier == 2 and record.retired == "not installed: global fib was redefined" and not record.unit.valid
    assert out.getvalue() == "144\n30\n"


def test_programs_print_the_same_with_background_compilation():
    for name in ("fib", "osr_loop", "deopt_float"):
        text = (EXAMPLES / f"{name}.ruff").read_text()
        outputs = []
        for background in (False, True):
            s, out = session(background)
            s.run_source(text, name)
            s.jit.wait_compiles()
            outputs.append(out.getvalue())
        assert outputs[0] == outputs[1] == (EXAMPLES / f"{name}.out").read_text()
