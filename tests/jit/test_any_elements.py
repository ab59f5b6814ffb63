"""T2's native element loads of arrays of kind any (lowering/arrays.py ``_load_any``):
a hot loop over an array of strings has no generic index site, the values and
reference counts are exact, and the handle table stays bounded."""

from __future__ import annotations

import sys

from tests.jit.t2_units import current_t2, run

WORDS = """func lengths(words, rounds) {
    mut total := 0
    let n := len(words)
    for r in rounds {
        for i in n { total := total + len(words[i]) + len(words[-1 - i]) }
    }
    return total
}
mut words := []
for i in 100 { words := push(words, "w${i}") }
print(lengths(words, 30))
"""


def test_a_hot_loop_over_an_array_of_strings_has_no_generic_index_site():
    session, printed = run(WORDS)
    assert printed == run(WORDS, jit=False)[1]
    units = current_t2(session, "lengths")
    assert units
    for unit in units:
        assert not [site for site in unit.generic_sites if "index" in site.text()], unit.generic_sites
    assert "handle_put" in session.native_text("lengths", "ir")


REFS = """func read(xs, n) {
    mut t := 0
    mut s := ""
    for i in n {
        t := t + len(xs[i % 3]) + xs[3]
        s := xs[i % 3]
    }
    return [t, s]
}
let xs := ["text", [1, 2, 3], {"k": 1}, 7]
mut r := read(xs, 3000)
"""


def test_reference_counts_stay_exact_and_handles_bounded():
    session, _ = run(REFS)
    xs = session.vm.globals["xs"]
    assert current_t2(session, "read")
    items = [item for item in (xs.items if hasattr(xs, "items") else xs) if type(item) is not int]   # (7: immortal)
    counts = []
    for rounds in (20000, 20000, 200000):
        result = session.run_source(f"r := read(xs, {rounds})\nr := null", "more.ruff")
        assert result.ok, result.error and result.error.message
        counts.append(([sys.getrefcount(item) for item in items], sys.getrefcount(xs)))
        assert len(session.jit.handles) == 0   # (all released when the outermost native call returned)
    assert counts[0] == counts[1] == counts[2]
