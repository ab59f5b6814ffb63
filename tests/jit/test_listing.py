"""Native listings say what each row is (guard, deopt exit, exit call): views style, never parse."""

from __future__ import annotations

from ruffdbg.jit import listing
from ruffdbg.jit.texts import TextLine
from ruffdbg.session import Policy, Session

FIB = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
mut i := 0
while i < 20 {
    fib(12)
    i := i + 1
}
"""


def fib_session() -> Session:
    session = Session(Policy(jit=True, threshold=50), write=lambda text: None)
    assert session.run_source(FIB).ok
    return session


def test_ir_rows_name_their_guard_and_role():
    session = fib_session()
    guards = {guard.id: guard for guard in session.function("fib").guards}
    for raw in (False, True):
        rows = session.native_listing("fib", "ir", 2, raw).lines
        exits = [row for row in rows if row.role in ("exit", "exit call")]
        assert exits and all(row.guard in guards for row in exits if row.guard is not None)
        assert any(row.role == "exit call" for row in exits)
        # (the exits branch to shared deopt tails: rows of no one guard, the first naming them)
        tails = [row for row in rows if row.starts_exit and row.guard is None]
        assert tails and all(row.note.startswith("deopt tail shared by guard") for row in tails)
        assert {int(word.strip("#,")) for row in tails for word in row.note.split() if word.startswith("#")} <= set(guards)
        starts = [row for row in rows if row.starts_exit]
        assert starts and all(row.text.startswith(("deopt", '"deopt')) for row in starts)
        guard_rows = [row for row in rows if row.role == "guard"]
        assert guard_rows and all(row.guard in guards and "br " in row.text for row in guard_rows)
        assert not any(row.role for row in rows if row.text.startswith("after_guard"))


def test_assembly_rows_mark_the_deopt_callback_and_guards():
    session = fib_session()
    rows = session.native_listing("fib", "asm", 2).lines
    # (position-independent code calls it directly: ``callq rd.deopt_callback@PLT``)
    assert any(row.role == "exit call" and row.note == "deopt callback" and "rd.deopt_callback" in row.text
               for row in rows)
    assert any(row.role == "guard" and row.text.split()[0].startswith("j") for row in rows)


def test_ir_annotation_uses_the_recorded_exit_blocks_only():
    lines = [TextLine("define {i64, i64} @f(i64 %depth) {"), TextLine("entry:"),
             TextLine("  br i1 %c, label %odd_name, label %next", 2, 0),
             TextLine("odd_name:"), TextLine("  %s = call i64 %cb(i64 1)", 2, 0), TextLine("  ret i64 %s", 2, 0),
             TextLine("next:"), TextLine("  ret i64 0", 2, 1), TextLine("}")]
    rows = listing.annotate_ir(lines, {"odd_name": 7})
    assert [(row.role, row.guard, row.starts_exit) for row in rows] == [
        (None, None, False), (None, None, False), ("guard", 7, False), ("exit", 7, True),
        ("exit call", 7, False), ("exit", 7, False), (None, None, False), (None, None, False), (None, None, False)]


DOT = """func dot(xs, ys) {
    mut s := 0.0
    mut i := 0
    while i < len(xs) {
        s := s + xs[i] * ys[i]
        i := i + 1
    }
    return s
}
let a := [1.0, 2.0, 3.0]
for k in range(30) { dot(a, a) }
try { dot(a, [1.0, 2.0]) } except e { print(e.message) }
"""


def test_guards_share_a_deopt_tail_and_keep_their_own_counts():
    """An element load's kind and bounds checks leave with the same frame: one tail
    writes it out for both, and the failure is still the bounds guard's alone."""
    out = []
    session = Session(Policy(jit=True, threshold=20), write=out.append)
    assert session.run_source(DOT).ok
    assert "".join(out) == "Index out of bounds: 2\n"   # (the interpreter's own error, after the exit)
    guards = {guard.id: guard for guard in session.function("dot").guards}
    rows = session.native_listing("dot", "ir", 2, True).lines
    shared = [row for row in rows if row.note and row.note.startswith("deopt tail shared by guards")]
    assert shared
    named = [int(word.strip("#,")) for word in shared[-1].note.split() if word.startswith("#")]
    assert len(named) >= 2 and {guards[each].pc for each in named} == {guards[named[0]].pc}
    assert [(guard.kind, guard.failed) for guard in guards.values() if guard.failed] == [("bounds", 1)]


def test_ir_annotation_of_a_shared_deopt_tail():
    lines = [TextLine("define {i64, i64} @f(i64 %depth) {"), TextLine("entry:"),
             TextLine("  br i1 %c, label %deopt3, label %next", 2, 0),
             TextLine("deopt3:"), TextLine("  br label %deopt_tail0", 2, 0),
             TextLine("next:"), TextLine("  br i1 %d, label %deopt5, label %more", 3, 4),
             TextLine("deopt5:"), TextLine("  br label %deopt_tail0", 3, 4),
             TextLine("deopt_tail0:"), TextLine("  %s = call i64 %cb(i64 %which)", 2, 0), TextLine("  ret i64 %s", 2, 0),
             TextLine("more:"), TextLine("  ret i64 0", 3, 5), TextLine("}")]
    rows = listing.annotate_ir(lines, {"deopt3": 3, "deopt5": 5}, {"deopt_tail0": (3, 5)})
    assert [(row.role, row.guard) for row in rows][2:12] == [
        ("guard", 3), ("exit", 3), ("exit", 3), (None, None), ("guard", 5), ("exit", 5), ("exit", 5),
        ("exit", None), ("exit call", None), ("exit", None)]
    assert rows[9].starts_exit and rows[9].note == "deopt tail shared by guards #3, #5"
    assert [row.role for row in rows[12:]] == [None, None, None]


def test_assembly_with_a_register_moved_onto_itself_and_symbolic_callbacks():
    """``leaq 8(%rax), %rax`` once crashed the walk (it added to the set it read);
    code linked against imports calls the callback by its symbol."""
    lines = [TextLine("f:"), TextLine("\tmovabsq\t$100, %rax", 2, 0), TextLine("\tleaq\t8(%rax), %rax", 2, 0),
             TextLine("\tmovabsq\t$rd.deopt_callback, %rcx", 2, 0), TextLine("\tcallq\t*%rcx", 2, 0),
             TextLine("\tcallq\t*%rax", 2, 0)]
    rows = listing.annotate_asm(lines, "rd.deopt_callback")
    assert [row.note for row in rows][3:] == ["deopt callback address", "deopt callback", None]
    assert listing.annotate_asm(lines, 108)[5].note == "deopt callback"


def test_assembly_with_direct_calls_of_the_callback():
    """Position-independent code (engine._machine) calls the callback directly."""
    lines = [TextLine("f:"), TextLine("\tcallq\trd.deopt_callback@PLT", 2, 0),
             TextLine("\tcallq\trd.other@PLT", 2, 0), TextLine("\tcallq\truff_f", 2, 0)]
    rows = listing.annotate_asm(lines, "rd.deopt_callback")
    assert [row.note for row in rows][1:] == ["deopt callback", None, None]
    assert rows[1].role == "exit call"


def test_the_optimized_ir_is_made_on_request_and_is_the_compiled_one(tmp_path) -> None:
    """With no code cache to store it in, a compile does not print its optimized IR;
    the IR view's text is made again when asked for, and is what a compile that
    printed it (for the cache) kept, guards and exits marked as before."""
    from ruffdbg.jit import engine

    def fib_unit(cache) -> object:
        session = Session(Policy(jit=True, threshold=50, code_cache=cache), write=lambda text: None)
        assert session.run_source(FIB).ok
        return session, [unit for unit in session.jit.state_of(session.vm.globals["fib"].code).units if unit.tier == 2][-1]

    lazy_session, lazy = fib_unit(False)
    assert lazy.compiled._ir_after == engine._LAZY   # (nothing printed yet)
    printed_session, printed = fib_unit(str(tmp_path))
    assert printed.compiled._ir_after != engine._LAZY and not printed.compiled.cached
    assert lazy.compiled.ir_after == printed.compiled.ir_after
    rows = lazy_session.native_listing("fib", "ir", 2).lines
    assert any(row.role == "guard" for row in rows) and any(row.role == "exit call" for row in rows)
    assert any(row.role == "exit call" for row in lazy_session.native_listing("fib", "asm", 2).lines)
