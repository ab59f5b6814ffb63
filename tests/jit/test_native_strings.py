"""Strings in native code (lowering/strings.py, lowering/texts.py): a string
builder loop, interpolation, and reading strings (``s[i]``, ``len``, ``==``,
ordering) run without trips through the interpreter, in place and linear, the
same in every tier; errors are the interpreter's. The behaviour itself, in every
mode, is tests/programs/jit_native_strings.ruff and jit_string_ops*.ruff."""

from __future__ import annotations

import time

import pytest

from ruffdbg.harness import run_in_thread
from ruffdbg.session import Policy, Session

BUILDER = """func build(n) {
    mut text := ""
    mut i := 0
    while i < n {
        text := text + "item ${i % 1000};"
        i += 1
    }
    return text
}
"""


def run(text: str, jit: bool = True, threshold: int | None = None) -> tuple[Session, str, object]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold), write=output.append)
    result = run_in_thread(lambda: session.run_source(text, "t.ruff"))
    return session, "".join(output), result


@pytest.mark.parametrize("threshold", [None, 1])
def test_a_string_builder_loop_never_leaves_native_code(threshold):
    text = BUILDER + "let t := build(20000)\nprint(len(t), slice(t, 0, 30), slice(t, len(t) - 20, len(t)))\n"
    session, printed, result = run(text, threshold=threshold)
    assert result.ok and printed == run(text, jit=False)[1] == "177800 item 0;item 1;item 2;item 3;it 7;item 998;item 999;\n"
    loop = session.function("build").loops[0]
    assert loop.native_iterations > 0.9 * loop.iterations
    units = [unit for unit in session.jit.units if unit.code.name == "build"]
    assert units and sum(unit.callbacks for unit in units) < 200   # (sweeps only: 20,000 iterations)
    assert not [site for unit in units for site in unit.generic_sites]


def test_the_cost_rule_counts_string_sites_as_native():
    session, _, result = run(BUILDER + "print(len(build(30000)))\n")
    assert result.ok
    stats = session.function("build")
    assert stats.reason is None or "slower" not in stats.reason
    assert any(unit.tier == "T2" for unit in session.assumptions("build"))


def test_a_native_string_builder_is_linear():
    """``s := s + t`` extends the string in place while the frame owns it: twice the
    pieces take about twice the time (a copy per step would take four times)."""
    text = BUILDER + """build(3000)
mut k := 0
while k < 3 {
    let t0 := performance_now()
    build(100000)
    let t1 := performance_now()
    build(200000)
    print(t1 - t0, performance_now() - t1)
    k += 1
}
"""
    session, printed, result = run(text)
    assert result.ok
    ratios = sorted(float(b) / float(a) for a, b in (line.split() for line in printed.splitlines()))
    assert ratios[0] < 3.0, printed


@pytest.mark.parametrize("threshold", [None, 1])
def test_adding_a_number_to_a_string_is_the_interpreters_error(threshold):
    text = """func label(n, v) {
    mut s := ""
    for i in range(n) { s := s + "x${i}" }
    return s + v
}
print(len(label(3000, "ok")))
print(label(2000, 1))
"""
    expected = run(text, jit=False)
    session, printed, result = run(text, threshold=threshold)
    assert printed == expected[1] == "13892\n"
    assert not result.ok and result.error.message == expected[2].error.message == "Invalid binary operation: string + int"
    assert result.error.line == expected[2].error.line == 4


def test_interpolation_of_every_scalar_prints_as_the_interpreter():
    text = """func show(n, vs) {
    mut out := ""
    for i in range(n) { let v := vs[i % len(vs)]; out := "${v}|${i}|${v}|${true}${false}${null}" }
    return out
}
let inf := pow(10.0, 400)
let vs := [0.1, -0.0, 10000000000000000.0, 1e300 * 10.0, inf - inf, -inf, 2.5, 1.0, 123456789.125, "é日", "", 7, -9223372036854775807 - 1, [1.5], null, false]
for j in range(len(vs)) { print(show(400 + j, vs)) }
"""
    text = text.replace("1e300 * 10.0", "inf")
    expected = run(text, jit=False)[1]
    for threshold in (None, 1):
        assert run(text, threshold=threshold)[1] == expected


def test_the_views_name_the_native_string_sites():
    session, _, result = run(BUILDER + "print(len(build(30000)))\n")
    assert result.ok
    notes = [site.text() for unit in session.assumptions("build") for site in unit.inline_sites]
    assert notes == [
        "line 5, pc 14: native: string interpolation builds its string here (strs, ints, floats, bools, null; "
        "any other part runs it in the interpreter)",
        "line 5, pc 15: native: text + … joins two strings here (in place while the frame owns the string it "
        "extends); other operands run it in the interpreter"]
    header = session.native_text("build", "ir").split("; ModuleID")[0]
    assert "native: text + … joins two strings here" in header


def test_a_loop_making_strings_keeps_the_handle_table_small(monkeypatch):
    """Each interpolation makes a string and a handle natively; the loop's sweeps
    (CTX_SWEEP, every SWEEP_NATIVE handles made) release those it dropped."""
    from ruffdbg.jit import runtime as rt
    most, sweeps = [0], [0]
    sweep = rt.Handles.sweep

    def watching(self, mark, live):
        most[0], sweeps[0] = max(most[0], len(self)), sweeps[0] + 1
        sweep(self, mark, live)

    monkeypatch.setattr(rt.Handles, "sweep", watching)
    text = """func names(n) {
    mut last := ""
    mut i := 0
    while i < n { last := "n${i}-${i * 2}"; i += 1 }
    return last
}
print(names(300000))
"""
    session, printed, result = run(text)
    assert result.ok and printed == "n299999-599998\n"
    assert sweeps[0] > 100 and most[0] < 4 * rt.SWEEP_NATIVE


COUNT_A = """func count_a(s) {
    mut n := 0
    mut i := 0
    while i < len(s) {
        if s[i] == "a" { n := n + 1 }
        i := i + 1
    }
    return n
}
mut total := 0
mut k := 0
while k < 2000 {
    total := total + count_a("banana split alpha")
    k := k + 1
}
print(total)
"""


@pytest.mark.parametrize("threshold", [None, 1])
def test_reading_a_strings_characters_never_leaves_native_code(threshold):
    """``len(s)``, ``s[i]`` and ``== "a"`` in a loop: native at T1 and T2, no trip
    through the interpreter (it stayed at T0 before: "T1 would be slower")."""
    session, printed, result = run(COUNT_A, threshold=threshold)
    assert result.ok and printed == "10000\n"
    units = [unit for unit in session.jit.units if unit.code.name == "count_a"]
    assert {unit.tier for unit in units} >= ({1, 2} if threshold == 1 else {2})
    assert sum(unit.callbacks for unit in units) == 0
    assert not [site for unit in units for site in unit.generic_sites]
    assert session.function("count_a").reason is None


def test_a_latin1_character_is_a_constant_and_makes_no_handle(monkeypatch):
    """``s[i]`` of a code point below 256 is the permanent constant ``chr(c)``: no
    object made, no handle put; one past Latin-1 is made and put."""
    from ruffdbg.jit import runtime as rt
    monkeypatch.setattr(rt.Handles, "native_puts", False)   # (every put is Handles.put: counted)
    puts = [0]
    put = rt.Handles.put

    def counting(self, value):
        puts[0] += isinstance(value, str) and len(value) == 1   # (not the argument the interpreter passes)
        return put(self, value)

    monkeypatch.setattr(rt.Handles, "put", counting)
    text = COUNT_A.replace("banana split alpha", "bänäna split ÿ alpha")
    assert run(text, threshold=1)[1] == run(text, jit=False)[1] == "6000\n"
    assert puts[0] == 0
    run(COUNT_A.replace("banana split alpha", "日本a"), threshold=1)
    assert puts[0] >= 2000


@pytest.mark.parametrize("threshold", [None, 1, 37])
def test_string_ops_raise_the_interpreters_errors(threshold):
    text = """func at(s, i) { return s[i] }
func less(a, b) { return a < b }
mut r := ""
for i in range(3000) { r := at("héllo", i % 5 - 5) + r; if less(r, "a") { r := "" } }
try { at("héllo", 5) } except e { print(e.message, e.line) }
try { at("héllo", true) } except e { print(e.message, e.line) }
try { less("a", 1) } except e { print(e.message, e.line) }
print(len(r), at("😀", -1))
print(at("", 0))
"""
    expected = run(text, jit=False)
    session, printed, result = run(text, threshold=threshold)
    assert printed == expected[1] == ("Index out of bounds: 5 1\nCannot index string with bool 1\n"
                                      "Invalid binary operation: string < int 2\n3000 😀\n")
    assert not result.ok and result.error.message == expected[2].error.message == "Index out of bounds: 0"
    assert result.error.line == expected[2].error.line == 1


def test_the_cost_rule_counts_string_reads_as_native():
    """The interpreter's profile of ``count_a`` (strings indexed by ints, compared
    with a string, their lengths) no longer says T1 would take its generic path."""
    from ruffdbg.jit.compiling import generic_share
    from ruffdbg.jit.inference import infer
    from ruffdbg.jit.types import Kind
    session, _, result = run(COUNT_A, threshold=10**9)   # (a profile, nothing compiled)
    assert result.ok
    code = session.vm.globals["count_a"].code
    typed = infer(code, (Kind.DYN,), session.jit._lookup, session.jit._return_type_of, tier=1)
    generic, total = generic_share(code, typed)
    assert generic == 0 and total > 100_000


def test_the_views_name_the_native_string_reads():
    session, _, result = run(COUNT_A)
    assert result.ok
    notes = {site.text() for unit in session.assumptions("count_a") for site in unit.inline_sites}
    assert sorted(notes) == [
        "line 5, pc 12: native: s[i] reads a string's character here (one of Latin-1: a constant, nothing made); "
        "other operands, or an index out of range, run it in the interpreter",
        "line 5, pc 14: native: s[i] == \"a\" compares strings here (a string against any other value is unequal); "
        "arrays, dicts, structs and functions run it in the interpreter"]
    header = session.native_text("count_a", "ir").split("; ModuleID")[0]
    assert "reads a string's character here" in header
