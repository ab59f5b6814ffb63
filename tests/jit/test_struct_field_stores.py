"""Struct field stores T2 does natively (lowering/structs.py op_STORE_FIELD: the
GIL held around the swap): a hot field-storing loop has no generic field-store
site, the sites that stay generic say why, value semantics hold and reference
counts stay exact. The behaviour in every tier is
tests/programs/jit_struct_field_stores.ruff."""

from __future__ import annotations

import sys

from tests.jit.t2_units import current_t2, run

PARTICLE = """struct P { x, y, vx, vy }
func step(n) {
    mut p := P { x: 0.0, y: 0, vx: 1.5, vy: -1 }
    for i in n {
        p.x := p.x + p.vx
        p.y += p.vy
        if i % 3 == 0 { p.vx := -p.vx }
        p.vy := i % 2 == 0
        p.vy := -1
    }
    return p
}
print(step(5000))
"""


def test_a_hot_field_storing_loop_has_no_generic_field_store():
    session, printed = run(PARTICLE)
    assert printed == run(PARTICLE, jit=False)[1]
    units = current_t2(session, "step")
    assert units
    for unit in units:
        assert not [site for site in unit.generic_sites if "field" in site.text()], unit.generic_sites
    ir = session.native_text("step", "ir")
    assert "field_store_pc" in ir and "generic: field store" not in ir.split("; ModuleID")[0]


SITES = """struct P { x }
struct Q { x }
struct Box { inner }
func nested(n) {
    mut b := Box { inner: P { x: 0 } }
    for i in n { b.inner.x := i }
    return b
}
func poly(s, v) {
    mut c := s
    c.x := v
    return c.x
}
mut t := 0
for i in 300 { t += poly(P { x: 0 }, i) + poly(Q { x: 0 }, i) }
print(nested(300).inner.x, t)
"""


def test_sites_that_stay_generic_say_why():
    session, printed = run(SITES)
    assert printed == "299 89700\n"
    session.force_compile("nested")
    session.force_compile("poly")
    nested = [site.text() for unit in current_t2(session, "nested") for site in unit.generic_sites
              if "field store" in site.text()]
    assert nested and "nested store" in nested[-1], nested
    poly = [site.text() for unit in current_t2(session, "poly") for site in unit.generic_sites
            if "field store" in site.text()]
    assert poly and "poly(2) P#1 Q#1: native field stores need one shape" in poly[-1], poly


VALUES = """struct P { x, y }
func copies(p, n) {
    mut s := 0
    mut a := p
    for i in n {
        mut b := a
        b.x := i
        a.y := i
        s += a.x + b.y
    }
    return [s, a]
}
let p := P { x: 1, y: 2 }
mut r := copies(p, 3000)
print(r, p)
"""


def test_value_semantics_hold_natively():
    session, printed = run(VALUES)
    assert printed == run(VALUES, jit=False)[1] == "[4498503, P { x: 1, y: 2999 }] P { x: 1, y: 2 }\n"
    # (the copy each iteration makes is the interpreter's MUT_LOCAL: the unit ran
    # natively, then was found slower than T0 and retired)
    assert [unit for unit in session.assumptions("copies") if unit.tier == "T2"]


REFS = """struct P { x, y }
func fill(p, n, v) {
    mut c := p
    for i in n {
        c.x := v
        c.y := i
        c.y := 0.5
    }
    return c
}
let p := P { x: 123456789012345679, y: 2.75 }
let big := 123456789012345678
mut r := fill(p, 3000, big)
"""


def test_reference_counts_stay_exact():
    session, _ = run(REFS)
    assert current_t2(session, "fill")
    p = session.vm.globals["p"]
    counts = []
    for _ in range(3):
        result = session.run_source("r := fill(p, 20000, big)\nr := null", "more.ruff")
        assert result.ok, result.error and result.error.message
        counts.append((sys.getrefcount(p), sys.getrefcount(p.slots[0]), sys.getrefcount(session.vm.globals["big"])))
    assert counts[1] == counts[2], counts
    assert p.slots == [123456789012345679, 2.75]
