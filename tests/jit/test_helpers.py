"""The native helpers units share (jit/helpers.py): built once per Jit, called
by every unit that needs one, shown after the units that call them, unloaded
with the last of those units."""

from __future__ import annotations

from ruffdbg.session import Policy, Session

TWO_READERS = """func total(d, n) {
    mut sum := 0
    mut i := 0
    while i < n { sum := sum + d["k${i % 3}"]; i := i + 1 }
    return sum
}
func longest(d, n) {
    mut best := 0
    mut i := 0
    while i < n { best := max(best, d["k${i % 3}"]); i := i + 1 }
    return best
}
let table := {"k0": 1, "k1": 5, "k2": 3}
print(total(table, 3000), longest(table, 3000))
"""


def run(text: str) -> tuple[Session, list[str]]:
    output: list[str] = []
    session = Session(Policy(jit=True, threshold=50), write=output.append)
    assert session.run_source(text, "helpers.ruff").ok
    return session, "".join(output).splitlines()


def helper_imports(unit) -> dict[str, int]:
    return {symbol: address for symbol, address in unit.compiled.imports.items() if symbol.startswith("rd.helper.")}


def test_units_reading_dicts_call_one_helper_built_once():
    session, out = run(TWO_READERS)
    assert out == ["9000 5"]   # (what --no-jit prints)
    readers = [unit for unit in session.jit.units if unit.valid and unit.code.name in ("total", "longest")]
    assert {unit.code.name for unit in readers} == {"total", "longest"}
    addresses = {helper_imports(unit).get("rd.helper.dict_get") for unit in readers}
    assert len(addresses) == 1 and None not in addresses   # (the same function, not a copy per unit)
    assert "dict_get" in session.jit.helpers.names
    ir_text = session.native_text("total", "ir")
    assert "@rd.helper.dict_get(" in ir_text   # (a call, and the helper's text after the unit's)
    assert "; shared helper rd_helper_dict_get" in ir_text and "PyDict_GetItemWithError" in ir_text
    raw = session.native_text("total", "ir", raw=True)   # (before opt: the helpers' too)
    helper_raw = raw[raw.index("; shared helper rd_helper_dict_get"):]
    assert helper_raw.splitlines()[1:] != ir_text[ir_text.index("; shared helper rd_helper_dict_get"):].splitlines()[1:]


def test_a_helper_is_unloaded_with_the_last_unit_that_calls_it():
    session, _ = run(TWO_READERS)
    jit = session.jit
    for unit in [unit for unit in jit.units if unit.valid]:
        jit.invalidate(unit, "retired: the test")
    jit.release_retired()
    assert jit.helpers.names == []
    # ... and built again when a unit needs it.
    assert session.run_source("print(total(table, 3000))\n", "again.ruff").ok
    assert "dict_get" in jit.helpers.names
