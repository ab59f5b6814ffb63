"""Profile reports: derived execution counts, type feedback states, the stability rule."""

from __future__ import annotations

from ruffdbg.profile.report import site_state, type_profile
from ruffdbg.profile.stability import StabilityRule
from ruffdbg.session import Session

LOOPS = """func work(n) {
    mut total := 0
    for i in range(n) {
        if i % 2 == 0 {
            total := total + i
        } else {
            total := total - 1
        }
    }
    return total
}
work(10)
work(4)
"""


def run(text: str) -> Session:
    session = Session(write=lambda _text: None)
    result = session.run_source(text, "t.ruff")
    assert result.ok, result.error
    return session


def test_line_hits_are_derived_from_branch_counters():
    stats = run(LOOPS).function("work")
    assert stats.calls == 2
    assert stats.line_hits[2] == 2          # mut total := 0
    assert stats.line_hits[4] == 14         # the if, once per iteration
    assert stats.line_hits[5] == 7          # even i
    assert stats.line_hits[7] == 7          # odd i
    assert stats.line_hits[3] == 16         # the for header: 14 iterations + 2 exits
    assert stats.line_hits[10] == 2         # return
    assert [loop.iterations for loop in stats.loops] == [14]


def test_site_feedback_names_ruff_types_and_states():
    session = run("func add(a, b) { return a + b }\nadd(1, 2)\nadd(1.5, 2.5)\nadd(\"a\", \"b\")\n")
    site = next(s for s in session.function("add").sites if s.opcode == "ADD")
    assert site.counts == {("int", "int"): 1, ("float", "float"): 1, ("string", "string"): 1}
    assert site.state == "polymorphic"


def test_stability_rule_needs_samples_and_share():
    rule = StabilityRule()
    assert not type_profile("n", {"int": rule.samples - 1}, rule).stable
    assert type_profile("n", {"int": 90, "float": 10}, rule).stable
    assert not type_profile("n", {"int": 89, "float": 11}, rule).stable
    assert type_profile("n", {"int": 10, "float": 10}, StabilityRule(samples=10, share=0.5)).stable
    assert [site_state(n) for n in (0, 1, 3, 5)] == ["uninitialized", "monomorphic", "polymorphic", "megamorphic"]


def test_argument_profile_of_a_function_that_changes_types():
    session = run("func f(x) { return x }\nfor i in range(100) { f(i) }\nfor i in range(5) { f(1.5) }\n")
    (arg,) = session.function("f").args
    assert arg.counts == {"int": 100, "float": 5}
    assert arg.dominant == "int" and arg.stable


def test_handler_entries_count_the_except_block():
    session = run("func f(i) {\n try { return 10 / i } except e { return 0 }\n}\nfor i in range(3) { f(i) }\n")
    assert session.function("f").line_hits[2] == 3
