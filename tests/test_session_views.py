"""What the Session hands the views: bytecode rows as records, controls as results."""

from __future__ import annotations

from ruffdbg.session import ControlResult, Policy, Session

PROGRAM = """func add(a, b) {
    return a + b
}
mut i := 0
while i < 200 {
    add(i, 1)
    i := i + 1
}
"""


def ran(**policy) -> Session:
    session = Session(Policy(**policy), write=lambda text: None)
    assert session.run_source(PROGRAM, "p.ruff").ok
    return session


def test_bytecode_rows_carry_counts_feedback_and_guards():
    session = ran(threshold=50)
    listing = session.bytecode("add")
    assert listing.header == "code add(a, b)  line 1, 2 locals"
    assert [row.instruction.pc for row in listing.rows] == list(range(len(listing.rows)))
    assert [row.instruction.line for row in listing.rows] == session.bytecode_lines("add")
    add = next(row for row in listing.rows if row.instruction.opname == "ADD")
    assert add.count > 0 and add.feedback.state == "monomorphic" and set(add.feedback.counts) == {("int", "int")}
    assert add.annotation == f"{'x' + str(add.count):<9} monomorphic: int,int"
    guards = session.function("add").guards
    assert guards and {ident for row in listing.rows for ident in row.guard_ids} == {g.id for g in guards}
    for guard in guards:
        assert guard.id in listing.rows[guard.pc].guard_ids
    # The text listing is those very rows.
    assert session.disassemble("add", counts=True) == listing.text()


def test_without_a_profile_rows_have_no_counts():
    session = Session(Policy(jit=False), write=lambda text: None)
    session.compile(PROGRAM, "p.ruff")
    assert all(row.count is None and row.annotation == "" for row in session.bytecode("add").rows)
    assert session.bytecode("add").rows[0].instruction.opname == "LOAD_LOCAL"


def test_controls_return_results_not_strings_to_sniff():
    session = ran(jit=False)
    result = session.step("over")
    assert isinstance(result, ControlResult) and not result.ok
    assert result.message == "not paused: pause the program first"
    assert not session.force_compile("add").ok and session.force_compile("add") == "the JIT is off"
    assert session.toggle_breakpoint(2).ok and session.toggle_breakpoint(2).message == "breakpoint at line 2 cleared"
    assert not session.toggle_breakpoint(99).ok
    session = ran(threshold=50)
    assert session.force_deopt("add").ok
