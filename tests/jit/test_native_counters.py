"""Counters that include native execution (issue 10, item 5), through the Session:
after a program ran mostly in native code, every count a view shows -- each
instruction's execution count, line heat, loop iterations, calls -- is exactly
what the interpreter alone counts for the same program; guards show true pass
and fail counts; self time excludes compiling."""

from __future__ import annotations

import pytest

from ruffdbg.harness import run_in_thread
from ruffdbg.session import Policy, Session
from ruffdbg.exports import functions_json

LOOPS = """func sum_to(n) {
    mut total := 0
    mut i := 0
    while i < n {
        if i % 3 == 0 { total := total + i } else { total := total - 1 }
        i := i + 1
    }
    return total
}
func grid(n) {
    mut cells := 0
    for x in range(n) {
        for y in range(n) {
            if (x + y) % 2 == 0 { continue }
            cells := cells + 1
        }
    }
    return cells
}
mut k := 0
mut all := 0
while k < 300 {
    all := all + sum_to(k) + grid(k % 17)
    k := k + 1
}
print(all)
"""

RECURSION = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
func down(n) {
    if n > 0 { return down(n - 1) }
    return 0
}
func even(n) { if n == 0 { return true } return odd(n - 1) }
func odd(n) { if n == 0 { return false } return even(n - 1) }
print(fib(20))
mut i := 0
while i < 200 { down(i); even(i); i := i + 1 }
print(down(500), even(301))
"""

TRY = """func risky(i) {
    if i % 50 == 7 { throw "bad ${i}" }
    return i * 2
}
func careful(n) {
    mut ok := 0
    mut failed := 0
    for i in range(n) {
        try {
            ok := ok + risky(i)
        } except e {
            failed := failed + 1
        }
    }
    return [ok, failed]
}
mut round := 0
while round < 40 { careful(120); round := round + 1 }
print(careful(1000))
"""

DEOPT = """func scale(x, f) { return x * f + 1 }
mut total := 0
mut i := 0
while i < 3000 {
    if i < 2500 { total := total + scale(i, 3) } else { total := total + scale(i, 0.5) }
    i := i + 1
}
print(total)
"""

GENERIC = """func words(n) {
    mut text := ""
    mut parts := []
    for i in range(n) {
        text := text + "x"
        parts := [...parts, len(text)]
    }
    mut sum := 0
    for p in parts { sum := sum + p }
    return sum
}
mut i := 0
while i < 100 { words(i % 30); i := i + 1 }
print(words(40))
"""

# T1 calls: itself, and T1 and T2 callees through their entries (sampled).
T1_CALLS = """func leaf(a) { return a * 2 }
func poly(n, x) {
    if n == 0 { return leaf(7) }
    return poly(n - 1, x)
}
mut table := {"f": null}
func a(n, x) {
    if n == 0 { return x }
    let g := table["f"]
    return g(n - 1, x)
}
func b(n, x) {
    if n == 0 { return x }
    return a(n - 1, x)
}
table["f"] = b
mut i := 0
while i < 300 { poly(3, "s"); poly(4, 1); poly(2, [1]); a(5, i); a(4, "s"); i := i + 1 }
print(poly(400, 2.5), a(300, 1))
"""

# for loops over arrays native code steps (ints, floats, any values, lists), and
# over what it does not (bools, strings), with break and continue.
ITERATION = """func walk(xs) {
    mut total := 0
    for x in xs {
        if x == 7 { break }
        if x > 40 { continue }
        total := total + x
    }
    return total
}
func lengths(ws) {
    mut n := 0
    for w in ws { n := n + len(w) }
    return n
}
func truths(bs) {
    mut n := 0
    for b in bs { if b { n := n + 1 } }
    return n
}
let ints := range(0, 50)
let floats := [0.5, 1.5, 2.5, 40.5, 41.5]
let words := split("a bb ccc dddd", " ")
let mixed := ["one", "two", "three"]
mut k := 0
mut all := []
while k < 200 {
    all := [walk(ints), walk(floats), walk([1, 7, 9]), lengths(words), lengths(mixed), lengths("text"),
            truths([true, false, true])]
    k := k + 1
}
print(all)
"""

STRINGS = """func build(n) {
    mut s := ""
    for i in range(n) {
        s := s + "<${i}|${i * 0.5}|${i % 2 == 0}|${null}>"
        if len(s) > 2000 { s := "" + "é" }
    }
    return s
}
mut k := 0
mut all := ""
while k < 60 {
    all := build(k * 5) + "/" + all
    if len(all) > 3000 { all := "" }
    k := k + 1
}
print(all)
"""

# Loop nests one after another in a function, with generic sites (the interpreter's
# own ops) after the first nest ended, a break out of a nest, a return from inside
# one and deopts: each nest's counts go to memory as it is left (flush_pending).
NESTS = """func nests(n, tag) {
    mut a := 0
    for i in range(n) {
        mut j := 0
        while j < i {
            if j % 2 == 0 { a := a + j } else { a := a - 1 }
            j := j + 1
        }
    }
    mut text := "${tag}"
    mut k := 0
    while k < n {
        text := text + "${k % 10}"
        if k % 5 == 4 { a := a + len(text) }
        k := k + 1
        if a > 100000 { break }
    }
    for m in range(n) {
        if m == 7 && tag == "ret" { return [a, m] }
        for q in range(m) { a := a + q * 0.5 }
    }
    return [a, len(text)]
}
mut out := []
for r in range(120) {
    mut tag := "t"
    if r % 11 == 10 { tag := "ret" }
    out := nests(r % 13, tag)
}
print(out)
print(nests(9, 4))
"""

PROGRAMS = {"nests": NESTS, "loops": LOOPS, "recursion": RECURSION, "try": TRY, "deopt": DEOPT, "generic": GENERIC,
            "t1 calls": T1_CALLS, "iteration": ITERATION, "strings": STRINGS}


def run(text: str, jit: bool = True, threshold: int | None = None) -> tuple[Session, str]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold), write=output.append)
    result = run_in_thread(lambda: session.run_source(text, "test.ruff"))
    assert result.ok, result.error and result.error.message
    return session, "".join(output)


def counts(session: Session) -> dict[str, tuple]:
    """Every count the views show, per function."""
    shown = {}
    for stats in session.functions():
        rows = session.bytecode(stats.name).rows
        shown[stats.name] = {
            "calls": stats.calls,
            "executed": [row.count for row in rows],
            "line heat": stats.line_hits,
            "loops": [(loop.line, loop.iterations) for loop in stats.loops],
        }
    return shown


@pytest.mark.parametrize("threshold", [None, 1])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_counts_after_native_runs_equal_the_interpreters(name, threshold):
    text = PROGRAMS[name]
    interpreted, expected_output = run(text, jit=False)
    native, output = run(text, threshold=threshold)
    assert output == expected_output
    assert counts(native) == counts(interpreted)
    # ... and native code did run (not a run that stayed in the interpreter), except
    # where T1 would be slower than the interpreter (strings and arrays, by default).
    ran = [e for e in native.events.since(0) if e.kind in ("compiled", "osr")]
    assert ran or (name, threshold) == ("generic", None)


def test_loop_iterations_say_how_many_ran_natively():
    session, _ = run(LOOPS)
    loop = session.function("sum_to").loops[0]
    assert loop.iterations == sum(range(300))
    assert loop.native_iterations > 0.9 * loop.iterations
    loop = functions_json(session)["sum_to"]["loops"][0]
    assert loop["iterations"] == sum(range(300)) and loop["native_iterations"] > 0.9 * loop["iterations"]


def test_an_osr_entry_is_not_a_call():
    session, _ = run("""func spin(n) {
    mut t := 0
    mut i := 0
    while i < n { t := t + i; i := i + 1 }
    return t
}
print(spin(200000))
""", threshold=50)
    spin = session.function("spin")
    assert any(e.kind == "osr" and e.function == "spin" for e in session.events.since(0))
    assert spin.calls == 1
    assert spin.loops[0].iterations == 200000 and spin.loops[0].native_iterations > 199000


def guards(session: Session, name: str) -> dict[str, tuple[int, int]]:
    return {f"{g.kind}@{g.pc}": (g.passed, g.failed) for g in session.function(name).guards}


def test_guard_pass_and_fail_counts_are_exact():
    # sq compiled at T2 for ints, then entered 100 times from the interpreter,
    # then once with an int whose square overflows.
    session, _ = run("func sq(x) { return x * x }\nsq(3)\n")
    assert session.force_compile("sq").ok
    result = run_in_thread(lambda: session.run_source("""mut i := 0
while i < 100 { sq(i); i := i + 1 }
try { sq(4000000000) } except e { print(e.message) }
""", "more.ruff"))
    assert result.ok
    assert session.function("sq").tier == "T2"
    shown = guards(session, "sq")
    assert shown["type@0"] == (101, 0)          # every entry's argument check
    assert shown["interrupt@0"] == (101, 0)     # the entry's poll: a pass count, not 0
    assert shown["overflow@2"] == (100, 1)      # x * x: 100 passes, then the overflow
    assert session.function("sq").calls == 102


def test_recursion_guards_count_every_native_call():
    session, _ = run(RECURSION)
    fib = session.function("fib")
    assert fib.tier == "T2" and fib.calls == 21891   # fib(20) makes 21891 calls
    shown = guards(session, "fib")
    non_leaf = 10945   # calls with n >= 2
    # Each non-leaf native run polls the interrupt word before its first call (the
    # leaves poll nothing: fib makes calls, so its entry does not poll), checks the
    # global fib and the stack depth twice: they passed as often as the taken
    # branch into the recursive case.
    assert "interrupt@0" not in shown and "interrupt@15" not in shown
    assert shown["interrupt@10"] == shown["global-unchanged@6"] == shown["depth@10"] == shown["depth@15"]
    assert 0 < shown["depth@10"][0] < non_leaf and shown["depth@10"][1] == 0   # (the first calls were interpreted)


def test_self_time_excludes_compile_time():
    session, _ = run("""func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
print(fib(24))
""", threshold=1)
    compile_ms = sum(e.detail["total_ms"] for e in session.events.since(0) if e.kind == "compiled")
    stats = {s.name: s for s in session.functions()}
    assert compile_ms > 5
    # Native fib(24) takes well under a millisecond or two; the compiles took longer.
    assert stats["fib"].self_ms + stats["<script>"].self_ms < compile_ms
    assert stats["fib"].self_ms > 0   # its native runs are its time
