"""Tier 0's struct fast paths keep Ruff's semantics and the profile exact: a
method call or an operator overload that hits its site's inline cache takes
the loop's inline frame switch, LOAD_LOCAL + GET_FIELD is a superinstruction,
a builtin's call-site feedback is counted in the callee slots, and a struct
literal fills its slots from a per-shape layout. Each program runs fused and
unfused (every instruction on its own) and must print, fail and profile alike;
the counts are checked against what the program did."""

from __future__ import annotations

from ruffdbg.compiler.opcodes import Op
from ruffdbg.compiler.peephole import describe_quick
from ruffdbg.profile.ics import ic_sites
from tests.vm.test_debugger import Running
from tests.vm.test_interpreter_fastpaths import profile_snapshot, run, same_both_ways

SHAPES = """struct Vec {
    x, y
    func op_add(self, o) { return Vec { x: self.x + o.x, y: self.y + o.y } }
    func dot(self, o) { return self.x * o.x + self.y * o.y }
    func len() { return x + y }
}
struct Box {
    w, h = 7, tag = "box"
    func dot(self, o) { return self.w * o.x }
}
struct Holder { f, v }
func pick(i, a, b) {
    if i % 2 == 0 { return a }
    return b
}
func sum(n) {
    mut acc := Vec { x: 0, y: 0 }
    let step := Vec { y: -2, x: 3 }
    mut total := 0
    for i in range(n) {
        acc := acc + step
        let shape := pick(i, acc, Box { w: i })
        total := total + shape.dot(step) + acc.len()
        if acc.x == step.x { total := total + 1000 }
    }
    let h := Holder { v: 5, f: func(a) { return a * 2 } }
    return [acc.x, acc.y, total, h.f(h.v), Box { w: 1 }.h, Box { w: 1 }.tag]
}
print(sum(10))
"""


def caches(code, name: str) -> list[tuple]:
    child = next(each for each in code.walk() if each.name == name)
    return [(site.text, site.state, site.shapes) for site in ic_sites(child)]


def test_methods_overloads_fields_and_literals_run_and_profile_alike_fused_or_not():
    out, err = same_both_ways(SHAPES)
    assert err is None
    assert out == "[30, -20, 1455, 10, 7, box]\n"
    _, _, _, fused = run(SHAPES)
    _, _, _, plain = run(SHAPES, fused=False)
    sum_code = next(each for each in fused.walk() if each.name == "sum")
    kinds = {describe_quick(sum_code, pc).split()[0] for pc in range(len(sum_code.instrs)) if describe_quick(sum_code, pc)}
    assert {"LOCAL_METHOD", "LOCAL_FIELD"} <= kinds     # shape.dot(step), acc.len(); acc.x
    assert caches(fused, "sum") == caches(plain, "sum")
    sites = {text: (state, shapes) for text, state, shapes in caches(fused, "sum")}
    # the exact hits: one per iteration, split by shape where the receiver alternates
    assert sites["acc + step"] == ("mono", [("Vec#1", 10)])
    assert sites["shape.dot()"] == ("poly", [("Vec#1", 5), ("Box#1", 5)])
    assert sites["acc.len()"] == ("mono", [("Vec#1", 10)])
    assert sites["acc.x"] == sites["acc.y"] == ("mono", [("Vec#1", 1)])
    assert sites["h.f()"] == ("mono", [("Holder#1", 1)])      # a field holding a function
    assert [site for site in caches(fused, "op_add") if site[1] != "uninit"] == [
        (text, "mono", [("Vec#1", 10)]) for text in ("self.x", "o.x", "self.y", "o.y", "Vec {x, y}")]


def test_method_and_operator_sites_record_no_callee_names_and_builtins_count_exactly():
    text = ("struct P { x\n func get(self) { return self.x } }\n"
            "func two(a) { return 2 }\n"
            "func f(n) {\n mut t := 0\n for i in range(n) {\n"
            "  mut g := two\n  if i < 3 { g := len }\n"
            "  t := t + P { x: len([i]) }.get() + g([1, 2])\n }\n return t\n}\nprint(f(5))\n")
    out, err = same_both_ways(text)
    assert (out, err) == ("15\n", None)
    _, _, _, code = run(text)
    f = next(each for each in code.walk() if each.name == "f")
    seen_at = {pc: seen for pc, seen in enumerate(f.profile.feedback) if f.instrs[pc][0] in (Op.CALL, Op.CALL_METHOD)}
    calls = sorted((sorted(seen.items()) for pc, seen in seen_at.items() if f.instrs[pc][0] == Op.CALL))
    # range once; len([i]) five times; g(...) len three times, then the function two
    assert calls == [[("len", 3), ("two", 2)], [("len", 5)], [("range", 1)]]
    assert [seen for pc, seen in seen_at.items() if f.instrs[pc][0] == Op.CALL_METHOD] == [{}]   # (its cache counts)


def test_errors_on_the_fast_paths_are_the_ops_errors_at_their_lines():
    cases = {
        "struct V { x\n func m(self, a) { return a } }\nlet v := V { x: 1 }\nprint(v.m(1))\nprint(v.m(1, 2))\n":
            ("V.m expects 1 arguments, got 2", 5),
        "struct V { x\n func m(self) { return 1 } }\nlet v := V { x: 1 }\nprint(v.m())\nprint(v.n())\n":
            ("Unknown method: n", 5),
        "struct V { x\n func op_add(self) { return 1 } }\nlet v := V { x: 1 }\nprint(v + v)\n":
            ("V.op_add expects 0 arguments, got 1", 4),
        "struct V { x }\nlet v := V { x: 1 }\nprint(v.x)\nprint(v.y)\n": None,
        "struct V { x }\nlet v := V { x: 1, z: 2 }\n": ("Struct V has no field z", 2),
    }
    for text, expected in cases.items():
        out, err = same_both_ways(text)
        if expected is not None:
            assert err == expected, text


def test_stepping_into_a_method_and_an_operator_overload_at_t0():
    program = ("struct Vec {\n    x, y\n"
               "    func op_add(self, o) { return Vec { x: self.x + o.x, y: self.y + o.y } }\n"
               "    func dot(self, o) { return self.x * o.x + self.y * o.y }\n}\n"
               "mut acc := Vec { x: 0, y: 0 }\n"
               "acc := acc + Vec { x: 1, y: 2 }\n"          # line 7
               "print(acc.dot(acc))\n")                     # line 8
    running = Running(program, threshold=None)
    running.session.toggle_breakpoint(7)
    running.start()
    assert running.paused().line == 7
    where = running.step("into")
    assert (where.function, where.line) == ("op_add", 3)
    assert [frame.function for frame in running.session.paused_frames()][-2:] == ["<script>", "op_add"]
    where = running.step("out")
    assert (where.function, where.line) == ("<script>", 7)
    assert running.step("over").line == 8
    assert running.step("into").function == "dot"
    running.finish()
    assert running.output == ["5\n"]
