"""Element kinds as users see them: the `elements` events a transition logs (the
site as the source reads, old -> new kind, the value that caused it), the deopt
explorer's groups, the kinds INDEX and STORE_INDEX sites saw; the same in every tier."""

from __future__ import annotations

import pytest

from ruffdbg.session import Policy, Session

PROGRAM = """func fill(n) {
    mut xs := []
    for i in range(n) { xs := push(xs, i) }
    return xs
}
func total(xs) {
    mut t := 0
    for i in range(len(xs)) { t := t + xs[i] }
    return t
}
func spoil(xs, v) {
    mut ys := xs
    ys[0] := v
    return ys
}
mut sum := 0
for round in range(30) { sum := sum + total(fill(8)) }
print(sum, total(spoil(fill(3), 2)), spoil([0.5], 1), spoil([true], 1.5))
"""


def run(policy: Policy) -> Session:
    session = Session(policy, write=lambda text: None)
    result = session.run_source(PROGRAM)
    assert result.ok, result.error
    return session


def transitions(session: Session) -> list[tuple]:
    return [(e.function, e.line, e.detail["site"], e.detail["old"], e.detail["new"], e.detail["shape"])
            for e in session.events.since(0) if e.kind == "elements"]


@pytest.mark.parametrize("threshold", [None, 1])
def test_transitions_are_logged_with_site_kinds_and_cause_in_every_tier(threshold):
    session = run(Policy(jit=threshold is not None, threshold=threshold or 1000))
    seen = transitions(session)
    # 31 arrays filled from empty, one per fill call; each transition once.
    assert seen.count(("fill", 3, "push(xs, i)", "empty", "int", "int at [0]")) == 31
    assert ("spoil", 13, "ys[0] := v", "float", "any", "int at [0]") in seen
    assert ("spoil", 13, "ys[0] := v", "bool", "any", "float at [0]") in seen
    # storing an int into an int array is no transition
    assert not [t for t in seen if t[3] == "int" and t[4] == "any"]


def test_deopt_explorer_groups_transitions_by_site():
    session = run(Policy(jit=False))
    groups = [g for g in session.deopt_groups() if g.kind == "elements"]
    fill = next(g for g in groups if g.function == "fill")
    assert (fill.count, fill.reason, fill.line, fill.cause) == (31, "push(xs, i): empty -> int", 3, "int at [0]")
    assert {g.reason for g in groups if g.function == "spoil"} == {"ys[0] := v: float -> any", "ys[0] := v: bool -> any"}


def test_index_sites_count_arrays_by_element_kind():
    stats = run(Policy(jit=False)).function("total")
    index = next(site for site in stats.sites if site.opcode == "INDEX")
    assert index.counts == {("array<int>", "int"): 8 * 30 + 3}
    store = next(site for site in run(Policy(jit=False)).function("spoil").sites if site.opcode == "STORE_INDEX")
    assert store.counts == {("array<int>",): 1, ("array<float>",): 1, ("array<bool>",): 1}
