"""T2 leaves generic what it cannot specialize: a function or loop using arrays,
structs, strings, closures ... reaches T2 anyway; what T2 can type stays unboxed,
every other site runs T1's tagged or generic path and says why, per site, in
the views. Each program must print what T0 prints, errors included."""

from __future__ import annotations

from ruffdbg.cli import main
from ruffdbg.session import Policy, Session


def run(text: str, jit: bool = True, threshold: int | None = 100, warm: str | None = None,
        force: str | None = None) -> tuple[Session, str, str | None]:
    """Run ``text``; with ``force``: run ``warm`` first (no tier-up), force-compile
    that function (T2 from its profile, whatever the cost rule says), then ``text``."""
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=(10**6 if force else threshold) if jit else None),
                      write=output.append)
    if warm is not None:
        assert session.run_source(warm, "warm.ruff").ok
        if force and jit:
            assert session.force_compile(force).startswith(f"{force}: compiled at T2")
    result = session.run_source(text, "t.ruff")
    error = None if result.ok else f"{result.error.message} {[(e.function, e.line) for e in result.error.stack]}"
    return session, "".join(output), error


def same_as_t0(text: str, **options) -> Session:
    _, expected, expected_error = run(text, jit=False, warm=options.get("warm"))
    session, printed, error = run(text, **options)
    assert (printed, error) == (expected, expected_error)
    return session


def reasons(session: Session, name: str) -> list[str]:
    return [site.reason for site in session.function(name).generic_sites]


MIXED = """struct P { x, y }
func f(p, xs, n) {
  mut s = 0
  for i in range(n) { s = s + (i * 7) % 5 }
  return s + p.x + xs[1] + len([p.y])
}
mut t = 0
for k in range(150) { t = t + f(P { x: k, y: "a" }, [1, k, 3], 40) }
print(t)
print(f(P { x: 1, y: 2.5 }, [5, 6], 3))
"""


def test_structs_arrays_and_strings_reach_t2_with_a_reason_per_generic_site():
    session = same_as_t0(MIXED)
    f = session.function("f")
    assert (f.tier, f.state, f.deopts) == ("T2", "optimized", 0)
    # xs[1] on arrays of ints is a native load (jit/elements.py), p.x and p.y too (one
    # shape: jit/structs.py); the rest stays generic
    assert reasons(session, "f") == ["generic: array literal — allocation stays in the interpreter"]
    compile_ = session.compiles("f")[-1]
    assert (compile_.tier, compile_.types) == ("T2", ("p: dyn", "xs: dyn", "n: int"))
    assert [site.line for site in compile_.generic_sites] == [5]
    # the counted loop stays unboxed and checked: its guards are T2's own
    assert {g.kind for g in compile_.guards} >= {"type", "overflow", "division", "elements-kind", "bounds", "shape"}
    (unit,) = [u for u in session.assumptions("f") if u.current and u.loop_line is None]
    assert unit.generic_sites == compile_.generic_sites


# f's field sites see two shapes: they stay generic, saying so
MIXED_SHAPES = MIXED.replace("struct P { x, y }", """struct P { x, y }
struct Q { x, y }
func mk(k) {
  if k % 2 == 0 { return P { x: k, y: "a" } }
  return Q { x: k, y: "b" }
}""").replace('f(P { x: k, y: "a" }, [1, k, 3], 40)', "f(mk(k), [1, k, 3], 40)")


def test_the_cli_shows_generic_sites_in_ir_and_stats_json(tmp_path, capsys):
    path = tmp_path / "mixed.ruff"
    path.write_text(MIXED_SHAPES)
    assert main(["ir", str(path), "--func", "f", "--threshold", "100"]) == 0
    header = capsys.readouterr().out.splitlines()[:3]
    assert header[0].startswith("; f(p: dyn, xs: dyn, n: int) at T2 -> dyn; compile #")
    assert header[1:] == ["; line 10, pc 19: generic: field access p.x — poly(2) P#1 Q#1: native field loads need one shape",
                          "; line 10, pc 27: generic: field access p.y — poly(2) P#1 Q#1: native field loads need one shape"]
    import json
    assert main(["run", str(path), "--threshold", "100", "--stats-json", str(tmp_path / "s.json")]) == 0
    stats = json.loads((tmp_path / "s.json").read_text())["functions"]["f"]
    assert stats["tier"] == "T2"
    assert stats["generic_sites"][0] == {
        "pc": 19, "line": 10, "reason": "generic: field access p.x — poly(2) P#1 Q#1: native field loads need one shape"}
    assert stats["units"][-1]["generic_sites"] == stats["generic_sites"]


def test_t2_units_call_each_other_natively_with_tagged_arguments():
    program = """func g(xs, i) { return xs[i % 3] * 2 }
func f(xs, n) {
  mut s = 0
  for i in range(n) { s = s + g(xs, i) + (i * 3) % 7 }
  return s
}
mut t = 0
for k in range(150) { t = t + f([1, 2, k], 20) }
print(t)
print(f([1.5, 2, 3], 4))"""
    session = same_as_t0(program)
    assert session.function("f").tier == session.function("g").tier == "T2"
    kinds = {a.kind: a.what for u in session.assumptions("f") if u.current for a in u.assumptions}
    assert "callee-unit" in kinds and "g" in kinds["callee-unit"]   # a direct call, (tag, bits) for xs


def test_strings_through_t2_arithmetic_take_the_generic_path_without_deopting():
    warm = """func f(s, n) {
  mut k = 0
  for i in range(n) { k = k + i % 3 }
  if s { return s + "!" + to_string(k) }
  return s < "b"
}
for i in range(80) { f("a", 3) }"""
    program = 'print(f("x", 5))\nprint(f("", 2))\nprint(f(1, 2))\nprint(f(2.5, 2))'
    session = same_as_t0(program, warm=warm, force="f")
    f = session.function("f")
    assert (f.tier, f.deopts) == ("T2", 0)
    assert session.compiles("f")[-1].types == ("s: dyn", "n: int")


def test_a_closure_at_t2_reads_and_writes_its_cells_natively():
    warm = """func make(k) {
  mut c := k
  return func(by) {
    c += by
    return c
  }
}
let g := make(0)
for i in range(80) { g(1) }"""
    session = same_as_t0("print(g(5))\nlet h := make(100)\nprint(h(1))\nprint(g(0))", warm=warm, force="<anonymous>")
    assert session.function("<anonymous>").tier == "T2"
    assert not [text for text in reasons(session, "<anonymous>") if "captured variable" in text]


def test_a_captured_array_is_stored_through_the_slow_path_and_stays_exact():
    warm = """func make() {
  mut words := []
  return func(w) {
    words := push(words, w)
    return len(words)
  }
}
let add := make()
for i in range(80) { add("x") }"""
    session = same_as_t0('print(add("y"))\nprint(add("z"))', warm=warm, force="<anonymous>")
    closure = session.function("<anonymous>")
    assert (closure.tier, closure.deopts) == ("T2", 0)
    assert not [text for text in reasons(session, "<anonymous>") if "captured variable" in text]


OSR_ERROR = """func f(xs) {
  mut s = 0
  for i in range(10) {
    s = s + xs[i]
  }
  return s
}
func g(xs) {
  try {
    for i in range(10) { xs[i] = xs[i] * 2 }
  } except e { return "caught: ${e.message}" }
  return xs
}
print(g([1, 2, 3, 4, 5, 6, 7]))
print(f([1, 2, 3, 4, 5, 6, 7]))
"""


def test_an_osr_loop_over_an_array_raises_its_error_where_t0_does():
    session = same_as_t0(OSR_ERROR, threshold=5)
    osr = [c for c in session.compiles("f") if c.kind == "osr"]
    assert osr and osr[0].tier == "T2" and "xs: dyn" in osr[0].types
    # xs[i] is a native load; i = 7 fails its bounds guard and the interpreter raises
    assert {g.kind for g in osr[0].guards} >= {"elements-kind", "bounds"}
    assert any(e.kind == "deopt" and e.detail["guard_kind"] == "bounds" for e in session.events.since(0))


def test_t2_is_not_used_where_the_generic_path_would_make_it_slower():
    program = """func build(n) {
  mut out = ""
  for i in range(n) { out = out + "${len([i, out])}," }
  return len(out)
}
print(build(3000))"""
    session = same_as_t0(program, threshold=None)
    build = session.function("build")
    assert (build.tier, build.state) == ("T0", "interpreted")
    assert build.reason.startswith("loop at line 3 kept at T0: T2 would be slower (")
    assert not session.compiles("build")
    assert not [e for e in session.events.since(0) if e.kind == "not-compilable"]   # (it could compile)


def test_equality_of_ascii_strings_stays_in_native_code():
    warm = """func count(words, target) {
  mut n := 0
  for w in words { if w == target { n := n + 1 } }
  return n
}
let words := split("the quick brown fox jumps over the lazy dog the end", " ")
for i in range(80) { count(words, "the") }"""
    session = same_as_t0('print(count(words, "the"), count(words, "do"), count(["thé", "the"], "thé"))',
                         warm=warm, force="count")
    unit = session.function("count")
    assert unit.tier == "T2" and not reasons(session, "count")
    # the non-ASCII strings at the end took the interpreter's == (a slow path, not a deopt)
    assert unit.deopts == 0
