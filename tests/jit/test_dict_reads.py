"""Dict reads T2 does natively (lowering/dicts.py: the C API under the GIL, just
around the lookup): a hot dict-reading loop has no generic dict-read site, a site
that stays generic says why, and reference counts stay exact. The behaviour
itself, in every tier, is tests/programs/jit_dict_reads.ruff."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ruffdbg.session import Policy, Session
from tests.jit.t2_units import current_t2, run

DICT_HOT = Path(__file__).parents[2] / "examples" / "benchmarks" / "dict_hot.ruff"


def test_a_hot_dict_reading_loop_has_no_generic_dict_read():
    text = DICT_HOT.read_text(encoding="utf-8").replace("read_all(table, 1000, 1000)", "read_all(table, 20, 1000)")
    session, printed = run(text, threshold=None)
    assert printed.splitlines()[0] == run(text, jit=False)[1].splitlines()[0] == "total = 29970000"
    units = current_t2(session, "read_all")
    assert units
    for unit in units:
        assert not [site for site in unit.generic_sites if "index" in site.text()], unit.generic_sites
    header = session.native_text("read_all", "ir").split("; ModuleID")[0]
    assert "generic: index" not in header, header
    assert "rd.helper.dict_get" in session.native_text("read_all", "ir")   # (jit/helpers.py)


MIXED = """func get(c, k) {
    mut t := 0
    for i in 300 { t := t + c[k] }
    return t
}
let d := {"0": 1}
print(get(d, 0))
print(get([5], 0))
print(get(d, 0))
"""


def test_a_site_that_saw_arrays_and_dicts_stays_generic_and_says_why():
    session, printed = run(MIXED)
    assert printed == "300\n1500\n300\n"
    session.force_compile("get")
    sites = [site.text() for unit in current_t2(session, "get") for site in unit.generic_sites
             if "index" in site.text()]   # (an OSR unit built while it saw dicts only reads them natively)
    assert sites
    site = sites[-1]
    assert "saw array<int>, dict, int" in site and "dicts keyed by ints or strings" in site, site


REFS = """func read(d, n) {
    mut t := 0
    mut s := ""
    for i in n {
        t := t + d[i % 2] + len(d["s"]) + len(d["a"])
        s := d["s"]
    }
    return [t, s, d["f"]]
}
let d := {"0": 1, "1": 2, "s": "text", "a": [1, 2, 3], "f": 2.5}
mut r := read(d, 3000)
"""


def test_reference_counts_stay_exact():
    session, _ = run(REFS)
    d = session.vm.globals["d"]
    assert current_t2(session, "read")
    counts = []
    for _ in range(2):   # (the first run may leave the handles of the script's own native entry)
        result = session.run_source("r := read(d, 20000)\nr := null", "more.ruff")
        assert result.ok, result.error and result.error.message
        counts.append(({key: sys.getrefcount(value) for key, value in d.items() if key in ("s", "a", "f")},
                       sys.getrefcount(d)))
    assert counts[0] == counts[1]
    before = counts[1]
    result = session.run_source("r := read(d, 100000)\nr := null", "more.ruff")
    assert result.ok, result.error and result.error.message
    assert ({key: sys.getrefcount(value) for key, value in d.items() if key in ("s", "a", "f")},
            sys.getrefcount(d)) == before
    assert len(session.jit.handles) == 0   # (all released when the outermost native call returned)


def test_reads_hold_the_gil_only_around_the_lookup_while_another_thread_runs():
    """A thread allocating and collecting (as a UI thread drawing views does) while
    native code reads strings and nested dicts out of a dict: nothing crashes, the
    reads are right, and the other thread got to run during the native loop."""
    import gc
    import threading

    output: list[str] = []
    session = Session(Policy(jit=True, threshold=100), write=output.append)
    assert session.run_source(REFS, "t.ruff").ok
    assert current_t2(session, "read")
    stop, rounds = threading.Event(), [0]

    def busy() -> None:
        while not stop.is_set():
            junk = [{"k": str(i)} for i in range(200)]
            gc.collect(0)
            rounds[0] += 1
            del junk

    thread = threading.Thread(target=busy)
    thread.start()
    try:
        result = session.run_source("r := read(d, 200000)\nprint(r)", "more.ruff")
    finally:
        stop.set()
        thread.join()
    assert result.ok, result.error and result.error.message
    assert rounds[0] > 1
    expected = run(REFS + "print(read(d, 200000))\n", jit=False)[1]
    assert "".join(output) == expected


HAS_KEY = """func count(d, n) {
    mut c := 0
    for i in n { c := c + has_key(d, i % 10) + has_key(d, "a") + has_key(d, true) }
    return c
}
let d := {"0": 1, "3": 2, "a": 4}
print(count(d, 3000))
"""


def test_has_key_of_a_dict_runs_natively():
    session, printed = run(HAS_KEY)
    assert printed == run(HAS_KEY, jit=False)[1] == "3600\n"
    assert current_t2(session, "count")
    ir_text = session.native_text("count", "ir")
    assert "rd.helper.dict_has" in ir_text   # (its PyDict_GetItemWithError: jit/helpers.py)


STORES = """func fill(src, n) {
    mut d := src
    for i in n { d[i % 10] := i; d["f"] := i * 0.5; d["b"] := true; d["n"] := null }
    return d
}
let src := {"0": -1}
print(fill(src, 3000))
print(src)
"""


def test_a_dict_writing_loop_stores_natively_and_copies_a_shared_dict():
    session, printed = run(STORES)
    assert printed == run(STORES, jit=False)[1]
    assert printed.splitlines()[1] == '{"0": -1}'   # (the caller's dict: copied before the first store)
    units = current_t2(session, "fill")
    assert units
    for unit in units:
        assert not [site for site in unit.generic_sites if "element store" in site.text()], unit.generic_sites
    assert "PyDict_SetItem" in session.native_text("fill", "ir")


@pytest.mark.parametrize("threshold", [None, 1, 37])
def test_int_keyed_reads_run_without_the_gil_and_never_leave_native_code(threshold):
    """dict_hot's loop: each int key's text is made once (then cached, hashed), the
    lookup and the int value need no GIL, and no read goes through the interpreter.
    (At threshold 1, T1 compiles ``read_all`` before its site read anything: that
    unit's reads are generic, so only T2 is counted.)"""
    text = DICT_HOT.read_text(encoding="utf-8").replace("read_all(table, 1000, 1000)", "read_all(table, 20, 1000)")
    session, printed = run(text, threshold=threshold)
    assert printed.splitlines()[0] == "total = 29970000"
    units = [unit for unit in session.jit.units if unit.code.name == "read_all" and unit.tier == 2]
    assert units and sum(unit.callbacks for unit in units) == 0
    ir_text = session.native_text("read_all", "ir")
    assert "rd.key_texts" in ir_text and "nogil_lookup" in ir_text


TAGGED_STORES = """func fill(src, n) {
    mut d := src
    let names := ["a", "b", "c"]
    for i in n {
        d["k${i % 3}"] := "v${i}"
        d[i % 5] := names[i % 3]
        d["copy"] := d["k0"]
        d["half"] := i * 0.5
    }
    return d
}
let src := {"0": "kept"}
mut r := fill(src, 5000)
print(r)
print(src)
"""


@pytest.mark.parametrize("threshold", [None, 1, 37])
def test_stores_of_strings_and_tagged_values_are_native(threshold):
    """A string, or a value read out of an array or a dict, is stored natively, and
    the caller's dict is copied, not changed. (An array value takes the
    interpreter's store -- it may be this frame's own: jit_dict_native_paths.ruff.)"""
    session, printed = run(TAGGED_STORES, threshold=threshold)
    assert printed == run(TAGGED_STORES, jit=False)[1]
    assert printed.splitlines()[1:] == ['{"0": kept}']
    units = [unit for unit in session.jit.units if unit.code.name == "fill" and unit.tier == 2]
    assert units
    for unit in units:
        assert not [site for site in unit.generic_sites if "store" in site.text()], unit.generic_sites
        assert unit.callbacks == 0
    loop = session.function("fill").loops[0]
    assert loop.native_iterations >= 0.8 * loop.iterations   # (OSR at the 1,000th back-edge by default)


def test_t1_reads_a_dict_natively_where_its_site_saw_dicts():
    """A small function called often gets T1, then T2: neither reads its dicts
    through the interpreter (int keys, interpolated string keys)."""
    text = """func get(d, k) { return d[k] + d["${k}"] }
let d := {"0": 1, "1": 2, "2": 3}
mut t := 0
for i in 3000 { t := t + get(d, i % 3) }
print(t)
"""
    session, printed = run(text, threshold=37)
    assert printed == "12000\n"
    units = [unit for unit in session.jit.units if unit.code.name == "get"]
    assert {unit.tier for unit in units} == {1, 2}
    assert sum(unit.callbacks for unit in units) == 0


FOR_KEYS = """func total(d, rounds) {
    mut t := 0
    for r in rounds {
        for k in d { t := t + d[k] }
    }
    return t
}
mut d := {}
for i in 50 { d["k${i}"] := i }
print(total(d, 2000))
"""


@pytest.mark.parametrize("threshold", [None, 1, 37])
def test_a_loop_over_a_dicts_keys_runs_natively(threshold):
    """``for k in d`` steps the keys the interpreter's GET_ITER lists (one trip per
    loop entered), and ``d[k]`` of a key of the dict reads it without the GIL. (It
    was kept at T0 before: its FOR_ITER was counted as a generic step. T1 steps
    arrays of scalars only: at threshold 1 its unit is retired, the loop goes to T2.)"""
    session, printed = run(FOR_KEYS, threshold=threshold)
    assert printed == "2450000\n"
    stats = session.function("total")
    assert stats.tier == "T2" and (stats.reason is None or threshold == 1), stats.reason
    inner = [loop for loop in stats.loops if loop.line == 4][0]
    assert inner.native_iterations > 0.9 * inner.iterations
    units = [unit for unit in session.jit.units if unit.code.name == "total" and unit.tier == 2]
    assert sum(unit.callbacks for unit in units) <= 2000   # (the GET_ITER of each inner loop)


HAS_KEY_CALLS = """func has(d, k) { return has_key(d, k) + has_key(d, "${k}") + has_key(d, true) }
let d := {"0": 1, "2": 3}
mut t := 0
for i in 3000 { t := t + has(d, i % 4) }
print(t)
try { print(has([1], 0)) } except e { print(e.message) }
"""


@pytest.mark.parametrize("threshold", [1, 37])
def test_has_key_runs_natively_at_t1_too(threshold):
    """A small function called often: its T1 unit looks the dict up natively (a
    key of another type is simply absent) and a receiver that is not a dict
    raises the interpreter's error."""
    session, printed = run(HAS_KEY_CALLS, threshold=threshold)
    assert printed == run(HAS_KEY_CALLS, jit=False)[1] == "3000\nhas_key() expects a dict as argument 1, got array\n"
    units = [unit for unit in session.jit.units if unit.code.name == "has"]
    assert {unit.tier for unit in units} == {1, 2}
    assert sum(unit.callbacks for unit in units if unit.tier == 1) <= 1   # (the array's call)
