"""Struct methods and operator methods inlined into T2 callers (jit/inlining.py,
lowering/inlined.py): what a user sees, and every check in an inlined body
running the call in the interpreter (same output, same errors and stacks)."""

from __future__ import annotations

from ruffdbg.cli import main
from ruffdbg.repl.commands import Shell
from ruffdbg.session import Policy
from tests.jit.test_struct_shapes import same_as_t0

VEC = """struct Vec {
    x, y
    func op_add(self, o) { return Vec { x: self.x + o.x, y: self.y + o.y } }
    func dot(self, o) { return self.x * o.x + self.y * o.y }
}
func run(n) {
    mut acc := Vec { x: 0, y: 0 }
    let step := Vec { x: 3, y: -2 }
    mut total := 0
    for i in n {
        acc := acc + step
        total += acc.dot(step)
    }
    return [acc.x, acc.y, total]
}
print(run(3000))
"""


def test_the_loop_runs_both_methods_inline_with_an_int_total():
    session = same_as_t0(VEC)
    (unit,) = [u for u in session.assumptions("run") if u.current]
    assert {(a.kind, a.what) for a in unit.assumptions} >= {
        ("inlined-method", "Vec.op_add inlined for receivers of Vec#1"),
        ("inlined-method", "Vec.dot inlined for receivers of Vec#1"),
        ("osr-entry-type", "total: int"),   # (the inlined dot is an int: total stays unboxed)
        ("struct-as-fields", "acc kept as the fields of a Vec#1 (int, int): built only where the frame leaves "
                             "native code"),
        ("struct-as-fields", "step kept as the fields of a Vec#1 (int, int): built only where the frame leaves "
                             "native code")}   # (step: only read in the loop, unpacked on entry)
    assert not any(a.kind == "callee-unit" for a in unit.assumptions)   # (nothing is called)
    assert [site.reason for site in unit.inline_sites] == [
        "inlined: acc + step runs Vec.op_add's body here (a failing check runs the call in the interpreter)",
        "inlined: acc.dot() runs Vec.dot's body here (a failing check runs the call in the interpreter)"]


def test_the_ir_listing_and_the_assumptions_name_the_inlined_sites(tmp_path, capsys):
    path = tmp_path / "vec.ruff"
    path.write_text(VEC)
    assert main(["ir", str(path), "--func", "run", "--threshold", "100", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "; line 11, pc 17: inlined: acc + step runs Vec.op_add's body here" in out
    assert "_make_Vec_1_int_int" in out   # (acc kept as its fields: built only where it leaves native code)


def test_a_method_that_is_not_inlined_says_why():
    session = same_as_t0("""struct V { x  func get(self, k) { mut s := 0  for i in k { s += self.x }  return s } }
func f(v, n) { mut t := 0  for i in n { t += v.get(2) }  return t }
print(f(V { x: 3 }, 2000))
""")
    reasons = [site.reason for u in session.assumptions("f") for site in u.inline_sites]
    assert reasons and all(reason.startswith("called, not inlined: v.get() — V.get not inlined: pc ")
                           for reason in reasons)


def test_errors_inside_an_inlined_method_have_the_methods_frame(tmp_path, capsys):
    text = VEC.replace("print(run(3000))", """print(run(3000))
func bad(n, o) { mut v := Vec { x: 1, y: 1 }  for i in n { v := v + o }  return v }
print(bad(2000, Vec { x: 1, y: 1 }))
print(bad(5, Vec { x: 1, y: "1" }))""")
    path = tmp_path / "bad.ruff"
    path.write_text(text)
    assert main(["run", "--no-jit", str(path)]) == 1
    expected = capsys.readouterr()
    assert "Invalid binary operation: int + string" in expected.err and "at op_add" in expected.err
    for threshold in ("1", "37", "100"):
        assert main(["run", "--no-cache", "--threshold", threshold, str(path)]) == 1
        assert capsys.readouterr() == expected


def test_a_struct_declared_again_builds_its_new_shape_in_an_inlined_literal():
    texts = ("struct P { x, y  func op_add(self, o) { return P { x: self.x + o.x, y: self.y + o.y } } }",
             "func f(a, b) { return a + b }",
             "mut t := P { x: 0, y: 0 }", "for i in 300 { t := f(t, P { x: i, y: 1 }) }",
             "let old := P { x: 2, y: 1 }",
             "struct P { y, x, z  func op_add(self, o) { return 0 } }",
             "print(t, f(old, old), f(P { x: 1, y: 1, z: 1 }, old))")
    outputs = []
    for jit in (True, False):
        shell = Shell(Policy(jit=jit, threshold=100 if jit else None))
        outputs.append([shell.execute(text) for text in texts])
    assert outputs[0] == outputs[1]
    assert outputs[0][-1] == "P { x: 44850, y: 300 } P { x: 4, y: 2, z: null } 0\n"
