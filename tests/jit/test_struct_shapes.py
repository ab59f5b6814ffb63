"""Structs in T2 (jit/structs.py, lowering/structs.py): a monomorphic field site
loads natively behind a ``shape`` guard, a monomorphic method call or operator
overload calls the method's native code; what fails says what it saw, what
stays generic says why (the inline cache's state and shapes). Checked through
what a user sees: Session records, events and the CLI."""

from __future__ import annotations

from ruffdbg.cli import main
from ruffdbg.session import Policy, Session


def run(text: str, jit: bool = True) -> tuple[Session, str]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=100 if jit else None), write=output.append)
    result = session.run_source(text, "t.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output)


def same_as_t0(text: str) -> Session:
    session, printed = run(text)
    assert printed == run(text, jit=False)[1]
    return session


FIELDS = """struct Point { x, y }
struct Vec { x, y }
func norm1(p) { return p.x + p.y }
mut s := 0
for i in 300 { s += norm1(Point { x: i, y: 1.5 }) }
print(s)
for i in 3 { s += norm1(Vec { x: 2, y: 3 }) }
print(s)
"""


def test_a_monomorphic_field_site_loads_natively_and_a_new_shape_deopts_saying_what_it_saw():
    session = same_as_t0(FIELDS)
    first = [c for c in session.compiles("norm1") if c.tier == "T2"][0]
    assert first.tier == "T2" and first.generic_sites == ()
    shapes = [g for g in first.guards if g.kind == "shape"]
    assert [g.detail for g in shapes] == ["p.x: Point#1", "p.y: Point#1"]
    (unit, *_) = session.assumptions("norm1")
    assert {(a.kind, a.what) for a in unit.assumptions} >= {("receiver-shape", "p.x: Point#1")}
    (deopt,) = [g for g in session.deopt_groups("norm1") if g.kind == "deopt"]
    assert (deopt.guard_kind, deopt.reason, deopt.line) == ("shape", "p.x: expected Point#1, got Vec#1", 3)


METHODS = """struct Point {
    x, y
    func op_add(self, o) { return self.x * o.x + self.y * o.y }
    func sum(self) { return self.x + self.y }
}
func dots(a, b, n) {
    mut s := 0
    for i in n { s += a + b + a.sum() }
    return s
}
mut t := 0
for i in 200 { t += dots(Point { x: i, y: 2 }, Point { x: 3, y: 4 }, 5) }
print(t)
print(dots(Point { x: 1, y: 2 }, Point { x: 3, y: "4" }, 1) == null)
"""


def test_monomorphic_methods_and_operator_overloads_are_inlined():
    session, printed = run(METHODS.replace('print(dots(Point { x: 1, y: 2 }, Point { x: 3, y: "4" }, 1) == null)', ""))
    assert printed == run(METHODS.replace('print(dots(Point { x: 1, y: 2 }, Point { x: 3, y: "4" }, 1) == null)', ""),
                          jit=False)[1]
    dots = session.compiles("dots")[-1]
    assert dots.tier == "T2" and dots.generic_sites == ()   # a + b and a.sum(): inlined
    assert {g.detail for g in dots.guards if g.kind == "shape"} == {"a + b: Point#1", "a.sum(): Point#1"}
    inlined = {a.what for u in session.assumptions("dots") if u.current for a in u.assumptions
               if a.kind == "inlined-method"}
    assert inlined == {"Point.op_add inlined for receivers of Point#1", "Point.sum inlined for receivers of Point#1"}
    unit = [u for u in session.assumptions("dots") if u.current][-1]
    assert [site.text() for site in unit.inline_sites] == [
        "line 8, pc 9: inlined: a + b runs Point.op_add's body here (a failing check runs the call in the interpreter)",
        "line 8, pc 11: inlined: a.sum() runs Point.sum's body here (a failing check runs the call in the interpreter)"]


def test_an_error_inside_a_natively_called_method_is_raised_where_the_interpreter_raises_it(tmp_path, capsys):
    path = tmp_path / "m.ruff"
    path.write_text(METHODS)
    assert main(["run", "--no-jit", str(path)]) == 1
    expected = capsys.readouterr()
    assert main(["run", "--threshold", "100", str(path)]) == 1
    assert capsys.readouterr() == expected
    assert "Invalid binary operation: int * string" in expected.err


POLY = """struct A { x  func m(self) { return self.x } }
struct B { x  func m(self) { return self.x * 2 } }
func get(v) { return v.x + v.m() }
mut s := 0
for i in 300 { if i % 2 == 0 { s += get(A { x: i }) } else { s += get(B { x: i }) } }
print(s)
"""


def test_polymorphic_sites_stay_generic_naming_the_state_and_the_shapes(tmp_path, capsys):
    session = same_as_t0(POLY)
    assert [site.reason for site in session.function("get").generic_sites] == [
        "generic: field access v.x — poly(2) A#1 B#1: native field loads need one shape",
        "generic: method call v.m(...) — poly(2) A#1 B#1: native method calls need one shape"]
    path = tmp_path / "poly.ruff"
    path.write_text(POLY)
    assert main(["ir", str(path), "--func", "get", "--threshold", "100", "--no-cache"]) == 0
    assert "; line 3, pc 1: generic: field access v.x — poly(2) A#1 B#1" in capsys.readouterr().out


def test_struct_values_keep_their_fields_in_shape_order():
    session, printed = run("""struct P { b, a  func f(self) { return self.a } }
let p := P { a: 1, b: [2] }
mut q := p
q.b[0] := 5
print(p, q, p == q, p.f(), P { b: 0, a: 1 } == P { a: 1, b: 0 })""", jit=False)
    assert printed == "P { a: 1, b: [2] } P { a: 1, b: [5] } false 1 true\n"


def test_a_struct_redeclared_in_the_repl_is_a_new_shape_that_hot_code_checks():
    from ruffdbg.repl.commands import Shell
    shell = Shell(Policy(threshold=100))
    for text in ("struct P { x, y  func s(self) { return self.x - self.y } }",
                 "func f(p) { return p.x * 10 + p.s() }",
                 "mut t := 0", "for i in 300 { t := t + f(P { x: i, y: 1 }) }"):
        assert shell.execute(text) == ""
    assert shell.session.function("f").tier == "T2"
    # declared again: other field order, another method body; old values keep the old shape
    assert shell.execute("let old := P { x: 2, y: 1 }") == ""
    assert shell.execute("struct P { y, x  func s(self) { return self.y } }") == ""
    assert shell.execute("print(f(P { x: 3, y: 5 }), f(old))") == "35 21\n"
    deopts = [e.detail["reason"] for e in shell.session.events.since(0) if e.kind == "deopt"]
    assert deopts == ["p.x: expected P#1, got P#2"]


SHORT_METHOD = """struct V {
    x, y
    func dot(self, o) { if self.x > 0 { return self.x * o.x + self.y * o.y } return 0 }
}
func native_loop(v, n) {
    mut s := 0
    for i in n { s += v.dot(v) }
    return s
}
let v := V { x: 2, y: 3 }
mut t := 0
for i in 400 {
    try { t += v.dot(v) } except e { print(e) }
}
print(t, native_loop(v, 300))
"""


def test_a_short_method_is_interpreted_from_the_interpreter_and_called_natively_from_native_code():
    session = same_as_t0(SHORT_METHOD)
    dot = session.function("dot")
    assert dot.tier == "T2"
    assert dot.reason.startswith("called from the interpreter it is interpreted: entering native code costs more")
    # native_loop's OSR unit calls dot's native code directly
    kinds = [(a.kind, a.what) for unit in session.assumptions("native_loop") for a in unit.assumptions]
    assert ("receiver-shape", "v.dot(): V#1") in kinds
    assert any(kind == "callee-unit" and "(dot, T2," in what for kind, what in kinds)
    sites = [site.reason for unit in session.assumptions("native_loop") for site in unit.inline_sites]
    assert "called, not inlined: v.dot() — V.dot not inlined: pc 3: GREATER (inlined bodies read parameters, " \
           "fields and constants, compute and build structs)" in sites
