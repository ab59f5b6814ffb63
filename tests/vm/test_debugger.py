"""Breakpoints and stepping through the Session, in every tier."""

from __future__ import annotations

import threading
import time

from ruffdbg.session import Policy, Session

ADD_LOOP = """func add(a, b) {
    let s := a + b
    return s
}

mut total := 0
mut i := 0
while i < N {
    total := add(total, i)
    i := i + 1
}
print(total)
"""

FIB = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
mut k := 0
while k < 3000 {
    fib(18)
    k := k + 1
}
print("done")
"""


class Running:
    """A Session running a program in a thread, as the TUI runs it."""

    def __init__(self, text: str, threshold: int | None = 50):
        self.output: list[str] = []
        self.session = Session(Policy(threshold=threshold), write=self.output.append)
        self.code = self.session.compile(text, "program.ruff")
        self.result = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.result = self.session.run_code(self.code)

    def start(self) -> "Running":
        self.thread.start()
        return self

    def wait(self, condition, seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.002)

    def paused(self):
        self.wait(lambda: self.session.paused_at is not None)
        return self.session.paused_at[-1]

    def step(self, mode: str):
        assert self.session.step(mode) == f"step {mode}"
        return self.paused()

    def finish(self) -> None:
        self.session.resume()
        self.thread.join(20)
        assert not self.thread.is_alive()

    def stop(self) -> None:
        self.session.interrupt("test over")
        self.session.resume()
        self.thread.join(20)


def test_a_breakpoint_in_t0_stops_every_time_its_line_runs():
    run = Running(ADD_LOOP.replace("N", "5"), threshold=None)
    assert run.session.toggle_breakpoint(2) == "breakpoint at line 2"
    run.start()
    for expected_b in range(5):
        where = run.paused()
        assert (where.function, where.line) == ("add", 2)
        frame = run.session.paused_frames()[-1]
        assert ("b", str(expected_b), "int") in frame.locals and frame.tier == "T0"
        assert run.session.pause_reason == "breakpoint at line 2"
        run.session.resume()   # (clears paused_at at once: the next paused() waits for the next stop)
    run.thread.join(10)
    assert run.output == ["10\n"]   # the output is the program's, breakpoints or not


def test_a_breakpoint_in_native_code_drops_it_and_clearing_lets_it_tier_up_again():
    # Long enough that the loop, native once add is at T2, is still running when
    # the breakpoint is set (a million iterations could end first on a busy machine).
    run = Running(ADD_LOOP.replace("N", "30000000")).start()
    run.wait(lambda: run.session.function("add") is not None and run.session.function("add").tier == "T2")
    run.session.toggle_breakpoint(2)
    where = run.paused()
    assert (where.function, where.line) == ("add", 2)
    add = run.session.function("add")
    assert add.tier == "T0" and add.reason == "breakpoint at line 2"
    kinds = [event.kind for event in run.session.events.since(0)]
    assert kinds.index("invalidated") < kinds.index("breakpoint") < kinds.index("paused")
    assert run.session.force_compile("add") == "add: not compiled, breakpoint at line 2"
    assert run.session.toggle_breakpoint(2) == "breakpoint at line 2 cleared"
    assert run.session.function("add").reason is None
    assert run.session.force_compile("add").startswith("add: compiled at T")   # released: it may compile again
    run.session.resume()
    run.thread.join(30)
    assert run.output == [f"{sum(range(30000000))}\n"]


def test_step_over_into_and_out():
    run = Running(ADD_LOOP.replace("N", "100"), threshold=None)
    run.session.toggle_breakpoint(9)   # total := add(total, i)
    run.start()
    assert run.paused().line == 9
    run.session.toggle_breakpoint(9)
    where = run.step("into")
    assert (where.function, where.line) == ("add", 2)
    assert run.step("over").line == 3
    where = run.step("over")          # returning: stops in the caller, after the call
    assert (where.function, where.line) == ("<script>", 9)
    where = run.step("over")
    assert (where.function, where.line) == ("<script>", 10)
    assert run.step("over").line == 8     # the loop header, every iteration
    assert run.step("over").line == 9
    assert run.step("over").line == 10    # over the call: add's lines are not shown
    assert run.step("over").line == 8
    assert run.step("into").line == 9
    assert run.step("into").function == "add"
    where = run.step("out")
    assert (where.function, where.line) == ("<script>", 9)
    run.finish()
    assert run.output == [f"{sum(range(100))}\n"]


def test_step_out_of_a_frame_deoptimized_from_deep_native_recursion():
    run = Running(FIB).start()
    run.wait(lambda: run.session.function("fib") is not None and run.session.function("fib").tier == "T2")
    for _ in range(50):   # a pause can land in the script's loop: go on until it lands in the recursion
        time.sleep(0.01)
        run.session.pause()
        top = run.paused()
        frames = run.session.paused_frames()
        if len(frames) >= 3:
            break
        run.session.resume()
    depth = len(frames)
    assert depth >= 3 and top.function == "fib"
    assert frames[-1].tier == "T0"   # the frame that polled the interrupt now runs in the interpreter
    assert any(frame.tier == "T2" for frame in frames[:-1])   # callers still running natively
    for expected in range(depth - 1, max(depth - 4, 1), -1):
        where = run.step("out")
        assert len(run.session.paused_frames()) == expected
        assert where.function in ("fib", "<script>")
    run.finish()
    assert run.output[-1] == "done\n"


def test_a_breakpoint_on_a_line_without_code_moves_to_the_next_line_with_code():
    session = Session(Policy())
    session.compile(ADD_LOOP.replace("N", "3"), "program.ruff")
    assert session.toggle_breakpoint(5) == "breakpoint at line 6 (line 5 has no code)"
    assert session.breakpoints() == [6]
    assert session.toggle_breakpoint(99) == "no code at or after line 99"


def test_stepping_needs_a_pause_and_a_step_left_running_ends_with_the_program():
    session = Session(Policy())
    assert session.step("over").startswith("not paused")
    run = Running(ADD_LOOP.replace("N", "3"), threshold=None)
    run.session.toggle_breakpoint(12)   # print(total): the last line
    run.start()
    run.paused()
    run.session.step("over")   # runs off the end of the program
    run.thread.join(10)
    assert run.result.ok and run.output == ["3\n"]
    assert run.session.debugger.step is None


def test_trap_is_the_debuggers_and_listings_see_through_it():
    """TRAP is numbered after the superinstructions (no collision), and a trapped
    pc still describes the fused instruction the trap stands in for."""
    from ruffdbg.compiler.codegen import compile_program
    from ruffdbg.compiler.opcodes import OPCODE_NAMES
    from ruffdbg.compiler.peephole import QUICK_NAMES, describe_quick
    from ruffdbg.lang.diagnostics import Source
    from ruffdbg.lang.parser import parse
    from ruffdbg.vm.debugger import TRAP, Debugger
    from ruffdbg.vm.interpreter import VM

    assert TRAP >= len(OPCODE_NAMES) and TRAP not in QUICK_NAMES
    script = compile_program(parse(Source("t.ruff", ADD_LOOP.replace("N", "3"))))
    add = script.children()[0]
    before = [describe_quick(add, pc) for pc in range(len(add.instrs))]
    assert Debugger(VM(), script.walk).set_breakpoint(add, 2)
    assert add.quick[0][0] == TRAP
    assert [describe_quick(add, pc) for pc in range(len(add.instrs))] == before
    assert before[0].startswith("ARITH_STORE")
