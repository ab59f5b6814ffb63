"""Struct literals built natively by T2 (lowering/structs.py ``op_NEW_STRUCT``: the
GIL taken around the allocation): which sites are native and which stay generic
(with their reason) in the views, the declared-shape guard, reference counts, and
the handle table staying bounded in a loop of literals. The behaviour itself, in
every tier, is tests/programs/jit_struct_literals.ruff."""

from __future__ import annotations

import sys
from pathlib import Path

from ruffdbg.jit import runtime as rt
from tests.jit.t2_units import current_t2, run

VECADD = Path(__file__).parents[2] / "examples" / "benchmarks" / "vecadd.ruff"


def handles_made(monkeypatch) -> list[int]:
    """A one-item list counting the object handles made from now on (each struct
    native code builds gets one): native puts are turned off, so each calls
    ``Handles.put``."""
    made = [0]
    put = rt.Handles.put
    monkeypatch.setattr(rt.Handles, "native_puts", False)

    def counting(self, value):
        made[0] += 1
        return put(self, value)

    monkeypatch.setattr(rt.Handles, "put", counting)
    return made


def test_vecadd_loop_inlines_its_methods_and_builds_no_vectors(monkeypatch):
    made = handles_made(monkeypatch)
    text = VECADD.read_text(encoding="utf-8").replace("run(200000)", "run(5000)")
    session, printed = run(text, threshold=None)
    assert made[0] < 10   # (4,000 iterations native: acc + step keeps acc as its fields)
    assert printed.splitlines()[0] == run(text, jit=False)[1].splitlines()[0]
    (unit,) = current_t2(session, "run")
    assert not unit.generic_sites
    assert [(a.kind, a.what) for a in unit.assumptions if a.kind in ("inlined-method", "literal-shape")] == [
        ("inlined-method", "Vec.op_add inlined for receivers of Vec#1"),
        ("inlined-method", "Vec.dot inlined for receivers of Vec#1")]
    assert not current_t2(session, "op_add")   # (inlined at its one call site: never compiled)


TWICE = """struct P { x, y }
func twice(n) {
    mut s := 0
    for i in n { s += P { x: i, x: 1, y: 0 }.x + P { x: i, y: 2 }.y }
    return s
}
print(twice(50))
"""


def test_a_literal_that_stays_generic_says_why():
    session, printed = run(TWICE)
    assert printed == "150\n"
    session.force_compile("twice")
    (unit,) = current_t2(session, "twice")
    literal = [site.text() for site in unit.generic_sites if "struct literal" in site.text()]
    assert literal == ["line 4, pc 10: generic: struct literal P — mono P#1: the field x is given twice (the interpreter builds it)"]
    assert [a.what for a in unit.assumptions if a.kind == "literal-shape"] == ["P {x, y}: P#1"]
    ir_header = session.native_text("twice", "ir").split("; ModuleID")[0]
    assert "generic: struct literal P — mono P#1: the field x is given twice" in ir_header


REDECLARED = """struct P { x, y }
func make(k) { return P { x: k, y: 1 } }
func again() {
    struct P { x, y, z = 7 }
    return 0
}
mut s := 0
for i in 400 { s += make(i).x }
again()
print(make(5))
for i in 400 { make(i) }
print(make(6))
"""


def test_a_struct_declared_again_fails_the_guard_and_the_site_goes_generic():
    session, printed = run(REDECLARED)
    assert printed == run(REDECLARED, jit=False)[1] == "P { x: 5, y: 1, z: 7 }\nP { x: 6, y: 1, z: 7 }\n"
    reasons = {g.reason for g in session.deopt_groups("make") if g.kind == "deopt"}
    assert "P {x, y}: expected P#1, got P#2" in reasons
    generic = [site.text() for unit in current_t2(session, "make") for site in unit.generic_sites]
    assert all("poly(2) P#1 P#2: native struct literals need one shape" in text for text in generic)


def test_reference_counts_are_handed_over_exactly():
    text = """struct P { x, y, d = [1, 2] }
func keep(s, n) {
    mut i := 0
    mut last := null
    while i < n {
        last := P { x: s, y: i * 0.5 }
        i += 1
    }
    return last
}
"""
    session, _ = run(text)
    vm = session.vm
    value = "a string" * 3   # (not interned: its count is ours to watch)
    shape = vm.structs["P"]
    default = shape.blank[2]
    keep = vm.globals["keep"]
    counts = []
    for _ in range(6):   # (compiled in the first call: the unit holds the shape)
        result = vm.call_function(keep, [value, 3000])
        assert result.slots[0] is value and result.slots[1] == 1499.5 and result.slots[2] is default
        del result
        counts.append((sys.getrefcount(value), sys.getrefcount(shape), sys.getrefcount(default)))
    assert current_t2(session, "keep")
    # 3000 structs per call, each holding the three: none is left holding them, none dropped twice
    assert counts[2] == counts[3] == counts[4] == counts[5] and max(counts[5]) < 20


LITERAL_LOOP = """struct P { x, y }
func f(n) {
    mut i := 0
    mut s := 0
    mut last := null
    while i < n {
        let p := P { x: i, y: 1.5 }
        s += p.x
        last := p
        i += 1
    }
    return s
}
"""   # (``last := p``: the struct is stored whole, so it is built; jit/sinking.py)


def test_a_struct_read_only_by_its_fields_is_never_built(monkeypatch):
    made = handles_made(monkeypatch)
    text = LITERAL_LOOP.replace("        last := p\n", "") + "print(f(20000))\n"
    session, printed = run(text)
    assert printed == f"{sum(range(20000))}\n"
    assert current_t2(session, "f") and made[0] < 10   # (19,000 iterations native: no struct made)
    kinds = {a.kind for unit in current_t2(session, "f") for a in unit.assumptions}
    assert "struct-as-fields" in kinds


def test_a_loop_of_literals_keeps_the_handle_table_small(monkeypatch):
    most = [0]
    put = rt.Handles.put

    def counting(self, value):
        most[0] = max(most[0], len(self) + 1)
        return put(self, value)

    monkeypatch.setattr(rt.Handles, "put", counting)
    monkeypatch.setattr(rt.Handles, "native_puts", False)
    text = LITERAL_LOOP + "print(f(200000))\n"
    session, printed = run(text)
    assert printed == f"{sum(range(200000))}\n"
    assert current_t2(session, "f") and most[0] < 2 * rt.SWEEP_NATIVE


def test_a_failing_handle_put_leaves_the_literal_to_the_generic_path(monkeypatch):
    """Handles.put is Python code native code calls: an exception there (a signal
    handler's, say) is cleared, the struct dropped, and the interpreter builds it."""
    calls = [0]
    put = rt.Handles.put

    def failing(self, value):
        calls[0] += 1
        if calls[0] == 2500:   # (from the OSR loop's native literal)
            raise MemoryError
        return put(self, value)

    monkeypatch.setattr(rt.Handles, "put", failing)
    monkeypatch.setattr(rt.Handles, "native_puts", False)   # (every put is Handles.put's)
    text = LITERAL_LOOP + "print(f(5000))\n"
    session, printed = run(text)
    assert printed == f"{sum(range(5000))}\n" and calls[0] > 2500


def test_native_puts_make_the_literals_handles_without_calling_python(monkeypatch):
    """The handles of the structs a native loop builds are made by native code
    (lowering/handles.py): Handles.put is not called for them; the table stays as
    small as with Python's puts (sweeps release what the loop dropped), and the
    copy-on-write index holds exactly the live structs' handles."""
    calls, most = [0], [0]
    put, sweep = rt.Handles.put, rt.Handles.sweep

    def counting(self, value):
        calls[0] += 1
        return put(self, value)

    def watching(self, mark, live):
        most[0] = max(most[0], len(self))
        sweep(self, mark, live)
        assert all(type(self._objects[h]) is rt.StructValue and id(self._objects[h]) == key
                   for key, h in self._containers.items())

    monkeypatch.setattr(rt.Handles, "put", counting)
    monkeypatch.setattr(rt.Handles, "sweep", watching)
    text = LITERAL_LOOP + "print(f(200000))\n"
    session, printed = run(text)
    assert printed == f"{sum(range(200000))}\n"
    assert current_t2(session, "f") and calls[0] < 1000 and 0 < most[0] < 4 * rt.SWEEP_NATIVE


def test_native_puts_reuse_no_released_slot_below_the_floor(monkeypatch):
    """``Handles.floor`` (CTX_FLOOR): a released slot below it is never reused, by
    Handles.put or a native put -- a put appends instead."""
    handles = rt.Handles()
    first = [handles.put(object()) for _ in range(4)]
    handles.sweep(0, {first[3]})
    handles.floor = 2
    assert handles.put("a") == 2 and handles.put("b") == 4   # (slot 1 and 0 are below it)
    lengths = []
    sweep = rt.Handles.sweep

    def watching(self, mark, live):
        lengths.append(len(self._objects))
        sweep(self, mark, live)

    # (the floor a native run is given is its mark: make it higher than any slot)
    monkeypatch.setattr(rt.Handles, "mark", lambda self: 10**9)
    monkeypatch.setattr(rt.Handles, "sweep", watching)
    session, printed = run(LITERAL_LOOP + "print(f(20000))\n")
    assert printed == f"{sum(range(20000))}\n" and current_t2(session, "f")
    assert len(lengths) > 10 and lengths == sorted(lengths) and lengths[-1] > 10000   # (appended, never reused)
