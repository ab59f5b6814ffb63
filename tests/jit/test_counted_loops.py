"""Counted loops (``jit/counted.py``, ``lowering/counted.py``): a T2 loop whose
back-edges an induction variable counts -- ``for v in range(...)``, or a local
stepped by ``i := i + 1`` once per iteration -- runs no counter and no poll test
per iteration: its counts are settled from the variable when they go to memory,
and it polls at its header every POLL_EVERY iterations. What the user sees:
every count exactly as the interpreter's (also after a deopt or a return inside
the loop, an OSR entry, a loop left by ``break``), the poll in ``ruffdbg ir`` at
the loop's header, and a pause that still stops the loop."""

from __future__ import annotations

import re
import threading
import time

import pytest

from ruffdbg.session import Policy, Session
from tests.jit.test_native_counters import counts, run

SHAPES = """func stepped(n) {
    mut total := 0
    mut i := 0
    while i < n {
        total := total + i
        i := i + 1
    }
    return total
}
func ranged(n) {
    mut total := 0
    for j in range(n) { total := total + j % 7 }
    return total
}
func nested(n) {
    mut s := 0
    for a in range(n) {
        mut b := 0
        while b < a {
            if (a + b) % 3 == 0 { s := s + 1 }
            b := b + 1
        }
    }
    return s
}
func leaves(n) {
    mut i := 0
    while i < 1000000 {
        if i * i > n { return i }
        i := i + 1
    }
    return -1
}
func broken(n) {
    mut t := 0
    for j in range(n) {
        if j == 200 { break }
        t := t + j
    }
    return t
}
func skipping(n) {
    mut t := 0
    mut i := 0
    while i < n {
        i := i + 1
        if i % 4 == 0 { continue }
        t := t + i
    }
    return t
}
func counts_too(n) {
    mut hits := 0
    mut i := 0
    while i < n {
        if i % 3 == 0 { hits := hits + 1 }   # a second stepped local: the header's is the count
        i := i + 1
    }
    return hits
}
func two_steps(n) {
    mut k := 0
    mut i := 0
    while i < n {
        k := k + 1
        i := i + 1
    }
    return k + i
}
func overflows(start, n) {
    mut t := start
    mut i := 0
    while i < n {
        t := t + i
        i := i + 1
    }
    return t
}
mut k := 0
mut all := 0
while k < 120 {
    all := all + stepped(k * 30) + ranged(k * 40) + nested(k % 40) + leaves(k * 5000) + broken(k * 7) + skipping(k * 9)
    all := all + counts_too(k * 25) + two_steps(k * 11)
    try { all := all + overflows(9223372036854775000 - k * 300, 2000) } except e { all := all + 1 }
    k := k + 1
}
print(all)
mut top := 0
mut t := 0
while t < 300000 { top := top + t % 5; t := t + 1 }
for u in range(200000) { top := top + u % 3 }
print(top)
"""


@pytest.mark.parametrize("threshold", [None, 1])
def test_counts_of_counted_loops_equal_the_interpreters(threshold):
    interpreted, expected = run(SHAPES, jit=False)
    native, output = run(SHAPES, threshold=threshold)
    assert output == expected
    assert counts(native) == counts(interpreted)
    assert {native.function(name).tier for name in ("stepped", "ranged", "nested", "leaves")} == {"T2"}
    assert any(e.kind == "osr" and e.function == "<script>" for e in native.events.since(0))


RECOVERED = """func recover(n) {
    mut t := 9223372036854775000
    mut u := -9223372036854775000
    mut seen := 0
    for j in range(n) {
        try { t := t + j * 3 } except e { seen := seen + t % 1000; t := t - 4000 }
        try { u := u - j } except e { seen := seen + u % 1000; u := u + 4000 }
    }
    return seen + t % 1000 + u % 1000
}
mut k := 0
mut all := 0
while k < 60 { all := all + recover(k * 20); k := k + 1 }
print(all)
"""


@pytest.mark.parametrize("threshold", [None, 1])
def test_an_overflow_exit_hands_over_the_operands_it_rebuilt(threshold):
    # An add's or subtract's overflow exit makes its left operand (and the local it
    # came from) again from the wrapped result: the handler sees the same values.
    interpreted, expected = run(RECOVERED, jit=False)
    native, output = run(RECOVERED, threshold=threshold)
    assert output == expected
    assert counts(native) == counts(interpreted)
    assert any(e.kind == "deopt" and e.function == "recover" for e in native.events.since(0))


def polls(session: Session, name: str) -> list[int]:
    """The pcs of the interrupt polls of a function's T2 loops (``poll_pc<P>`` blocks)."""
    ir = session.native_text(name, "ir", tier=2, raw=True)
    return sorted({int(pc) for pc in re.findall(r"^poll_pc(\d+):", ir, re.MULTILINE)})


def back_edges(session: Session, name: str) -> tuple[int, list[int]]:
    """The function's loop header and its back-edges (it has one loop)."""
    edges = re.findall(r"(\d+)\s+JUMP_BACK\s+(\d+)", session.disassemble(name))
    return int(edges[0][1]), [int(pc) for pc, _ in edges]


@pytest.mark.parametrize("name, counted", [
    ("stepped", True), ("ranged", True), ("leaves", True), ("counts_too", True), ("two_steps", True),
    ("broken", False),     # break pops the range's position before it leaves
    ("skipping", False),   # continue: a second back-edge
])
def test_a_counted_loop_polls_at_its_header_and_any_other_at_its_back_edge(name, counted):
    session, _ = run(SHAPES)
    assert session.function(name).tier == "T2"
    header, edges = back_edges(session, name)
    assert polls(session, name) == ([header] if counted else edges)


def test_a_pause_stops_a_counted_loop_and_it_runs_on_natively():
    session = Session(Policy(threshold=50), write=lambda _: None)
    program = """func spin(n) {
    mut s := 0
    for a in range(n) {
        for b in range(n) { s := s + b % 7 }
    }
    return s
}
mut k := 0
while k < 60 { spin(10); k := k + 1 }
print(spin(40000000))
"""
    worker = threading.Thread(target=session.run_source, args=(program, "spin.ruff"), daemon=True)
    worker.start()
    wait_for(lambda: session.function("spin") is not None and session.function("spin").tier == "T2")
    for _ in range(2):
        assert paused_in_spin(session) == ["<script>", "spin"]
        session.resume()
        wait_for(lambda: session.paused_at is None)
    session.interrupt("stop")
    session.resume()
    worker.join(20)
    assert not worker.is_alive()


def paused_in_spin(session: Session) -> list[str]:
    """Pause until the pause lands in spin (the script may be between its warm-up calls)."""
    for _ in range(100):
        session.pause()
        wait_for(lambda: session.paused_at is not None)
        stack = [frame.function for frame in session.paused_at]
        if "spin" in stack:
            return stack
        session.resume()
        wait_for(lambda: session.paused_at is None)
        time.sleep(0.02)
    raise AssertionError("never paused in spin")


def wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)
