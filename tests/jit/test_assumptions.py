"""What each unit assumes, as the user sees it: ``Session.assumptions``, the
REPL's ``:assumptions``, ``--stats-json`` and the event that says which
assumption broke. (The programs where an OSR loop's promoted global is written
by code it calls are tests/programs/jit_osr_global_*.ruff, run in every mode by
the differential tests.)"""

from __future__ import annotations

import json

import pytest

from ruffdbg.cli import main
from ruffdbg.repl.commands import Shell
from ruffdbg.session import Policy, Session

# An OSR loop keeping the global g in a register, calling a function whose
# helper (reached through a dict) writes g.
PROMOTED = """mut g := 0
let ops := {"bump": func() { g = g + 100 }}
func h(i) {
    if i % 500 == 7 { ops["bump"]() }
    return 1
}
func work(n) {
    mut i := 0
    while i < n {
        h(i)
        g = g + 1
        i = i + 1
    }
}
work(3000)
print(g)
"""

# use calls sq natively (both T2 on ints); then sq sees floats and is despecialized,
# which retires use: its assumption that unit of sq stays is what broke.
CALLEE_RETIRED = """func sq(x) { return x * x }
func use(x) { return sq(x) + 1 }
mut t := 0
for i in 3000 { t = t + use(i) }
mut f := 0.0
for i in 3000 { f = f + sq(i + 0.5) }
print(t, f)
"""


def run(text: str, threshold: int | None = None) -> tuple[Session, list[str]]:
    out: list[str] = []
    session = Session(Policy(jit=True, threshold=threshold), write=out.append)
    result = session.run_source(text, "test.ruff")
    assert result.error is None
    return session, "".join(out).splitlines()


def test_an_osr_loop_lists_its_promoted_global_and_the_guards_behind_its_assumptions():
    session, out = run(PROMOTED, threshold=100)
    assert out == ["3600"]   # the writes made through the dict value are not lost
    [unit] = [u for u in session.assumptions("work") if u.loop_line is not None]
    assert unit.tier == "T2" and unit.loop_line == 9 and unit.current
    kinds = {a.kind for a in unit.assumptions}
    assert {"promoted-global", "global-type", "callee-identity", "osr-entry-type"} <= kinds
    promoted = next(a for a in unit.assumptions if a.kind == "promoted-global")
    assert promoted.what == "global g kept in a register (int)"
    assert promoted.enforced == "synced at calls" and promoted.function == "work" and promoted.line == 9
    # Every assumption a guard checks names that guard, and the guard is the function's.
    guards = {f"guard #{g.id}": g for g in session.function("work").guards}
    checked = [a for a in unit.assumptions if a.enforced.startswith("guard #")]
    assert checked and all(guards[a.enforced].detail == a.what and guards[a.enforced].pc == a.pc for a in checked)
    retype = next(a for a in checked if a.kind == "global-type")
    assert retype.what == "global g is still int after the call" and retype.line == 10


def test_a_whole_function_unit_assumes_its_argument_types_and_callees():
    session, _ = run(CALLEE_RETIRED)
    first = session.assumptions("use")[0]
    assert first.tier == "T2" and first.loop_line is None
    texts = [a.text() for a in first.assumptions]
    assert any(t.startswith("argument-type: x: expected int (guard #") for t in texts)
    assert any(t.startswith("callee-identity: global sq still holds function sq (guard #") for t in texts)
    assert any(a.kind == "callee-unit" and a.enforced == "watch" and "(sq, T2, int)" in a.what
               for a in first.assumptions)


def test_retired_units_stay_listed_and_the_event_names_the_broken_assumption():
    session, out = run(CALLEE_RETIRED)
    assert out == ["8995503500 8999999750"]   # (as --no-jit prints)
    units = session.assumptions("sq")
    assert [u.current for u in units][-1] is True and not all(u.current for u in units)
    assert not any(u.current for u in session.assumptions("use"))
    events = session.events.since(0)
    invalidated = next(e for e in events if e.kind == "invalidated" and e.function == "use")
    assert invalidated.detail["assumption"].startswith("callee-unit: unit #")
    assert "(sq, T2, int) is called directly (watch;" in invalidated.detail["assumption"]
    assert invalidated.detail["unit"] == session.assumptions("use")[0].unit
    despecialized = next(e for e in events if e.kind == "despecialized" and e.function == "sq")
    assert despecialized.detail["assumption"].startswith("argument-type: x: expected int (guard #")
    assert "assumption=argument-type: x: expected int" in despecialized.describe()   # (the REPL's :events)


def test_the_repl_shows_each_units_assumptions():
    shell = Shell(Policy(threshold=100))
    shell.execute(PROMOTED)
    text = shell.execute(":assumptions work")
    assert "OSR loop at line 9 (current):" in text
    assert "promoted-global   global g kept in a register (int)  [synced at calls; line 9, pc" in text
    assert "global-type       global g is still int after the call  [guard #" in text
    assert ":assumptions NAME" in shell.execute(":help")
    assert shell.execute(":assumptions").startswith("error: usage: :assumptions NAME")
    assert shell.execute(":assumptions nothing").startswith("error: no function named nothing")


def test_a_function_never_compiled_has_no_units():
    shell = Shell(Policy())
    shell.execute("func f(x) { return x }\nf(1)")
    assert shell.execute(":assumptions f") == "f has no compiled code\n"


def test_stats_json_has_each_units_assumptions(tmp_path, capsys):
    path = tmp_path / "promoted.ruff"
    path.write_text(PROMOTED)
    stats = tmp_path / "stats.json"
    assert main(["run", str(path), "--threshold", "100", "--stats-json", str(stats)]) == 0
    work = json.loads(stats.read_text())["functions"]["work"]
    loop = next(u for u in work["units"] if u["loop_line"] == 9)
    assert loop["tier"] == "T2" and loop["current"] is True
    promoted = next(a for a in loop["assumptions"] if a["kind"] == "promoted-global")
    assert promoted == {"kind": "promoted-global", "what": "global g kept in a register (int)", "function": "work",
                        "pc": promoted["pc"], "line": 9, "enforced": "synced at calls"}
    assert any(a["kind"] == "global-type" and a["enforced"].startswith("guard #") for a in loop["assumptions"])


def test_without_the_jit_there_are_no_assumptions():
    session = Session(Policy(jit=False), write=lambda _: None)
    session.run_source(PROMOTED, "test.ruff")
    assert session.assumptions("work") == []
    with pytest.raises(KeyError):
        session.assumptions("nothing")


# The loop keeps g (an int) in a register; every 50th call a closure in a dict
# makes it a float: the reload after the call fails its global-type guard.
RETYPED = """mut g := 0
let ops := {"flip": func() { g = g + 0.5 }}
func h(i) {
    if i % 50 == 49 { ops["flip"]() }
    return 1
}
func work(n) {
    mut i := 0
    while i < n {
        h(i)
        g = to_int(g) + 1
        i = i + 1
    }
}
work(20000)
print(g)
"""


def test_an_osr_loop_retired_for_a_failing_global_type_says_so():
    session, out = run(RETYPED, threshold=100)
    assert out == ["20000"]   # (as --no-jit prints)
    retired = next(e for e in session.events.since(0) if e.kind == "invalidated" and e.function == "work")
    assert retired.detail["assumption"].startswith("global-type: global g is still int after the call (guard #")
    unit = next(u for u in session.assumptions("work") if u.unit == retired.detail["unit"])
    assert not unit.current and unit.loop_line == 9


def test_an_immutable_global_is_a_constant_watched_for_redeclaration():
    shell = Shell(Policy(threshold=100))
    shell.execute("let K := 2")
    shell.execute("func f(n) {\n    mut t := 0\n    for i in range(n) { t := t + K }\n    return t\n}")
    shell.execute("for r in range(300) { f(3) }")
    assert shell.execute("print(f(10))").strip() == "20"
    text = shell.execute(":assumptions f")
    assert "immutable-global  global K = 2  [watch; line 3, pc" in text
    shell.execute("let K := 3")   # a REPL input declares K again: f's units are retired
    assert shell.execute("print(f(10))").strip() == "30"
    retired = [e for e in shell.session.events.since(0) if e.kind == "invalidated" and e.function == "f"]
    assert any(e.detail.get("assumption", "").startswith("immutable-global: global K = 2 (watch;") for e in retired)


STABLE = """func step(xs, vs, n) {
    mut out := vs
    for r in range(n) {
        for i in range(len(xs)) { out[i] := out[i] + xs[i] * 0.5 }
    }
    return out
}
func rebinding(n) {
    mut xs := [1.0, 2.0]
    mut t := 0.0
    for r in range(n) {
        t := t + xs[r % 2]
        if r % 100 == 99 { xs := [t, 1.0] }
    }
    return t
}
for k in range(30) { step([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], 50) }
print(step([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], 50), rebinding(1000))
"""


def test_a_loop_finds_its_arrays_once_and_says_so():
    session, out = run(STABLE, threshold=20)
    assert out == ["[25, 50, 75] 352458941136658300"]   # (as --no-jit prints)
    [unit] = [u for u in session.assumptions("step") if u.loop_line is None]
    stable = {a.what: a for a in unit.assumptions if a.kind == "stable-array"}
    # xs is only read: the same array for the whole nest; out is stored into in
    # every iteration's inner loop, so it is made the frame's own (maybe copied)
    # once, before the outer loop: the same array for the whole nest too
    assert set(stable) == {"xs: the same array (its kind, storage and length) while the loop at line 3 runs",
                           "out: the same array (its kind, storage and length) while the loop at line 3 runs"}
    assert {a.enforced for a in stable.values()} == {"found on loop entry"}
    # a loop that assigns the array checks it at every access
    assert not any(a.kind == "stable-array" for u in session.assumptions("rebinding") for a in u.assumptions)


def test_an_array_of_another_kind_in_a_stable_loop_deopts_at_its_elements_kind_guard():
    session, out = run("""func total(xs) {
    mut t := 0
    for i in range(len(xs)) { t := t + xs[i] }
    return t
}
for k in range(40) { total([1, 2, 3]) }
print(total([1, 2, 3]), total([1.5, 2.5]))
""", threshold=20)
    assert out == ["6 4"]   # (as --no-jit prints)
    [deopt] = [e for e in session.events.since(0) if e.kind == "deopt" and e.function == "total"]
    assert deopt.detail["guard_kind"] == "elements-kind"
    assert deopt.detail["reason"] == "xs[i]: expected int elements, got array<float> (float at [0])"
