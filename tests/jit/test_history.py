"""The compile history through the Session: ids, kinds, triggers, states, live
guard counts, events pointing at compiles, the bound, diffs and the pass view."""

from __future__ import annotations

import pytest

from ruffdbg.jit.engine import STAGES
from ruffdbg.session import Policy, Session

# f gets ints (T1, then T2 for int), then floats: its T2 guard fails, it is
# despecialized to T1 and re-specializes for float. The top-level loops run by OSR.
RETYPED = """func f(x) { return x * 2 + 1 }
mut t := 0
for i in range(200) { t := t + f(i) }
mut u := 0.0
for i in range(200) { u := u + f(1.5) }
print(t + u)
"""


def run(program: str, threshold: int = 50, **history) -> Session:
    session = Session(Policy(threshold=threshold), write=lambda text: None)
    for name, value in history.items():
        setattr(session.jit.history, name, value)
    assert session.run_source(program).ok
    return session


@pytest.fixture(scope="module")
def retyped() -> Session:
    return run(RETYPED)


def test_every_compile_of_a_function_is_kept_with_its_trigger_kind_and_state(retyped):
    compiles = retyped.compiles("f")
    assert [(c.tier, c.kind, c.types) for c in compiles] == [
        ("T1", "whole", ("x: dyn",)), ("T2", "whole", ("x: int",)),
        ("T1", "whole", ("x: dyn",)), ("T2", "whole", ("x: float",))]
    first, specialized, rebuilt, current = compiles
    assert first.trigger == "tier-up after 50 calls"
    assert specialized.trigger.startswith("tier-up after ")
    assert rebuilt.trigger.startswith("rebuilt after ") and f"(#{specialized.id} retired: despecialized)" in rebuilt.trigger
    assert [c.state_text for c in compiles] == ["retired: replaced", "retired: despecialized",
                                                "retired: replaced", "current"]
    assert [c.id for c in compiles] == sorted(c.id for c in compiles)
    # (every stage; "helpers" only in a compile that built the shared helpers it was the first to call)
    assert all(c.ms["total"] > 0 and set(c.ms) - {"helpers"} == {*STAGES, "total"} - {"load", "helpers"}
               for c in compiles)
    # Guards with live counts: the int compile's type guard failed (the floats).
    type_guard = next(g for g in specialized.guards if g.kind == "type")
    assert type_guard.failed > 0 and type_guard.passed > 0
    assert any(a.kind == "argument-type" for a in specialized.assumptions)
    assert retyped.compile_record(specialized.id) == specialized


def test_events_name_the_compile_they_concern(retyped):
    compiles = {c.id: c for c in retyped.compiles("f")}
    events = retyped.events.since(0)
    compiled = [e for e in events if e.kind == "compiled" and e.function == "f"]
    assert [e.detail["compile"] for e in compiled] == list(compiles)
    deopts = [e for e in events if e.kind == "deopt" and e.function == "f"]
    assert deopts and {e.detail["unit"] for e in deopts} == {c.id for c in compiles.values() if c.types == ("x: int",)}
    invalidated = [e for e in events if e.kind == "invalidated"]
    assert invalidated and all("unit" in e.detail for e in invalidated)


def test_osr_loops_are_compiles_of_the_script_with_a_compiled_event(retyped):
    loops = retyped.compiles("<script>")
    assert loops and all(c.kind == "osr" and c.kind_text in ("OSR at line 3", "OSR at line 5") for c in loops)
    assert loops[0].trigger == "OSR at iteration 50" and loops[0].types == ("i: int", "t: int")
    compiled = [e for e in retyped.events.since(0) if e.kind == "compiled" and e.function == "<script>"]
    assert [(e.detail["compile"], e.detail["kind"], e.line) for e in compiled] == \
        [(c.id, "osr", c.loop_line) for c in loops]
    text = retyped.native_text("<script>", "ir")
    assert text.count("; <script>(") == 2 and "OSR loop at line 3" in text and "OSR loop at line 5" in text


def test_forced_and_callee_first_compiles_say_so():
    session = run("""func leaf(n) { return n + 1 }
func outer(n) { return leaf(n) * 2 }
func cold(n) { return n - 1 }
mut i := 0
while i < 100 { outer(i); cold(i); i := i + 1 }
""", threshold=1000)
    assert session.compiles("outer") == [] and session.compiles("cold") == []
    assert session.force_compile("cold").ok
    assert [c.trigger for c in session.compiles("cold")] == ["forced by user"]
    assert session.force_compile("outer").ok
    assert [c.trigger for c in session.compiles("leaf")] == ["called by outer, compiled first"]


def test_the_history_is_bounded_and_drops_texts_of_old_compiles():
    session = run(RETYPED, per_function=2)
    kept = session.compiles("f")
    assert len(kept) == 2 and kept[-1].state == "current"
    dropped = min(c.id for c in kept) - 1
    with pytest.raises(KeyError):
        session.compile_record(dropped)
    assert not session.jit.units[dropped].compiled.has_texts


def test_a_function_that_never_ran_at_t2_shows_one_display_compile():
    session = run("""func mix(a, b) { return a * b }
for i in 300 { if i % 2 == 0 { mix(i, 2) } else { mix(0.5, i) } }
""")
    before = session.native_listing("mix", "ir", 2, raw=True)
    after = session.native_listing("mix", "ir", 2)
    assert before.compile_id == after.compile_id
    assert f"compile #{after.compile_id} (after opt)" in after.header
    assert f"compile #{before.compile_id} (before opt)" in before.header
    display = [c for c in session.compiles("mix") if c.kind == "display"]
    assert [c.id for c in display] == [after.compile_id] and display[0].state == "display-only"


def test_compile_diff_compares_types_guards_and_ir(retyped):
    ints, floats = [c.id for c in retyped.compiles("f") if c.tier == "T2"]
    diff = retyped.compile_diff(ints, floats)
    assert diff.types == (("0", "x: int", "x: float"),)
    only_ints = {(g.kind, g.detail) for g in diff.guards if g.in_a and not g.in_b}
    assert ("type", "x: expected int") in only_ints
    assert diff.ir[0] == f"--- compile #{ints}" and diff.ir[1] == f"+++ compile #{floats}"
    assert any(line.startswith("-") and "shl" in line for line in diff.ir[2:])   # x * 2 on ints
    assert any(line.startswith("+") and "fmul" in line for line in diff.ir[2:])
    # (the units' names say what the code is, not which unit: the same in both)
    assert not any(line.startswith(("-define", "+define")) for line in diff.ir[2:])


def test_passes_show_each_pass_that_changed_the_ir(retyped):
    compile_ = retyped.compiles("f")[-1]
    report = retyped.compile_passes(compile_.id)
    assert report.compile == compile_ and "reconstruction" in report.note
    inliner, dce, sroa = report.passes[:3]
    assert (inliner.name, inliner.changed) == ("always-inliner", False)   # f does not call itself
    assert dce.name == "global-dead-code-eliminate"
    assert sroa.name == "sroa" and sroa.changed                          # allocas promoted first
    assert report.changed and len(report.changed) < len(report.passes)  # some changed nothing
    assert all(step.ms >= 0 for step in report.passes)
    assert any(line.startswith("-") and "alloca" in line for line in sroa.diff)


def test_passes_of_a_recursive_function_inline_its_twin():
    session = run("""func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
print(fib(15))
""")
    report = session.compile_passes(session.compiles("fib")[-1].id)
    inliner = report.passes[0]
    assert inliner.name == "always-inliner" and inliner.changed
    assert any(line.startswith("-") and "call" in line and "_twin" in line for line in inliner.diff)


def test_the_history_is_bounded_by_the_bytes_of_its_texts_too():
    whole = run(RETYPED)
    budget = max(whole.jit.units[c.id].compiled.text_bytes for c in whole.compiles("f")) + 1
    session = run(RETYPED, text_bytes=budget)
    kept = list(session.jit.history.records.values())
    # (a compile that can still run is kept whatever its size)
    assert sum(r.unit.compiled.text_bytes for r in kept if not r.unit.valid) <= budget
    assert len(kept) < len(whole.jit.history.records)
    dropped = [unit for unit in session.jit.units if unit.id not in session.jit.history.records]
    assert dropped and not any(unit.compiled.has_texts for unit in dropped)
