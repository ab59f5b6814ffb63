"""Arrays of bools at one byte per element (``core.arrays``, ``lowering/arrays.py``):
the storage a sieve's flags get, T2 loading and storing them as bytes with no
generic index site, the values T0 gives, and a store of another type still moving
the array to kind any, with the transition and the deopts users see."""

from __future__ import annotations

from ruffdbg.core.arrays import BOOL, RArray
from tests.jit.t2_units import current_t2, run

SIEVE = """func sieve(limit) {
    mut flags := []
    for i in range(limit) { flags := push(flags, true) }
    flags[0] := false
    flags[1] := false
    for p in range(2, limit) {
        if flags[p] {
            mut m := p * p
            while m < limit {
                flags[m] := false
                m := m + p
            }
        }
    }
    return flags
}
let flags := sieve(3000)
mut count := 0
for f in flags { if f { count := count + 1 } }
print(count, slice(flags, 0, 8), flags[-1], len(flags))
"""


def test_a_sieve_keeps_one_byte_per_flag_and_t2_reads_and_writes_bytes():
    session, printed = run(SIEVE)
    assert printed == run(SIEVE, jit=False)[1] == "430 [false, false, true, true, false, true, false, true] true 3000\n"
    flags = session.vm.globals["flags"]
    assert type(flags) is RArray and flags.kind == BOOL
    assert (flags.items.typecode, flags.items.itemsize) == ("B", 1)
    assert set(flags.items) == {0, 1} and flags[2] is True and flags[4] is False
    units = current_t2(session, "sieve")
    assert units
    for unit in units:
        assert not [site for site in unit.generic_sites if "flags[" in site.text()], unit.generic_sites
    ir = session.native_text("sieve", "ir")
    assert "load i8" in ir and "store i8" in ir
    assert "rd.object.true" not in ir   # (bools were pointers to True/False before)


SPOIL = """func flip(xs, at) {
    mut ys := xs
    for i in range(len(ys)) {
        if ys[i] { ys[i] := false } else { ys[i] := true }
    }
    ys[at] := 7
    return ys
}
let flags := [true, false, true, false]
mut out := []
for r in range(200) { out := flip(flags, -1) }
print(out, flags)
print(flip(out, 0), out, flags)
"""


def test_a_store_of_another_type_moves_the_bytes_to_kind_any_in_every_tier():
    session, printed = run(SPOIL)
    assert printed == run(SPOIL, jit=False)[1] == run(SPOIL, threshold=1)[1] == (
        "[false, true, false, 7] [true, false, true, false]\n"
        "[7, false, true, false] [false, true, false, 7] [true, false, true, false]\n")
    groups = session.deopt_groups("flip")
    transition = next(g for g in groups if g.kind == "elements")   # (not the last call's: its array was any already)
    assert (transition.reason, transition.count, transition.cause) == ("ys[at] := 7: bool -> any", 200, "int at [-1]")
    kinds = {g.reason.split(" (")[0] for g in groups if g.kind == "deopt"}
    assert kinds == {"ys[i]: expected bool elements, got array<any>"}


def test_copy_on_write_leaves_the_other_arrays_bytes_alone():
    text = """func clear(xs) {
    mut ys := xs
    for i in range(len(ys)) { ys[i] := false }
    ys := push(ys, true)
    return ys
}
let a := [true, true, true]
mut b := a
for r in range(300) { b := clear(a) }
print(a, b)
"""
    session, printed = run(text)
    assert printed == run(text, jit=False)[1] == "[true, true, true] [false, false, false, true]\n"
    assert current_t2(session, "clear")
    assert list(session.vm.globals["a"].items) == [1, 1, 1]
