"""T1 compiles every opcode: what it has no inline code for, the interpreter's own
implementation runs (the generic path). Each program here runs at --threshold 1;
the function named must really be at T1 and print what T0 prints, errors included."""

from __future__ import annotations

import pytest

from ruffdbg.compiler.opcodes import Op
from ruffdbg.jit.compiling import LEVELS, QUICK_T1
from ruffdbg.session import Policy, Session
from tests.unjudged import keep_t1_units


def run(text: str, jit: bool, judged: bool = True, quick: bool = False) -> tuple[Session, str, str | None]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=1 if jit else None), write=output.append)
    if quick:
        session.jit.policy.t1_quick_codegen = True
    if jit and not judged:
        keep_t1_units(session)
    result = session.run_source(text, "t.ruff")
    error = None if result.ok else f"{result.error.message} {[(e.function, e.line) for e in result.error.stack]}"
    return session, "".join(output), error


CASES = {
    "index": ("f", """func f(a, d, s, i) { return a[i] + d["k"] + len(s[i]) }
for i in range(3) { print(f([1, 2, 3], {"k": 10}, "abc", i)) }"""),
    "build_string": ("f", """func f(n) { return "n=${n}, ${n * 2.5}, ${[n, null]}" }
for i in range(3) { print(f(i)) }"""),
    "build_array_dict": ("f", """func f(n) { return [n, [n + 1], {"a": n, "b": [n]}] }
for i in range(3) { print(f(i)) }"""),
    "string_concat_loop": ("f", """func f(n) {
  mut s = ""
  for i in range(n) { s = s + "x${i}" }
  return s
}
for i in range(4) { print(f(i)) }"""),
    "get_field": ("f", """struct P { x, y }
func f(p) { return p.x * p.y }
for i in range(3) { print(f(P { x: i, y: 3 })) }"""),
    "new_struct": ("f", """struct P { x, y = 7 }
func f(i) { return P { x: i } }
for i in range(3) { print(f(i)) }"""),
    "call_method": ("f", """struct C {
  n
  func get(self, k) { return self.n + k }
}
func f(c, k) { return c.get(k) }
for i in range(3) { print(f(C { n: i }, 10)) }"""),
    "operator_overload": ("f", """struct V {
  x
  func op_add(self, o) { return V { x: self.x + o.x } }
  func op_neg(self) { return V { x: -self.x } }
}
func f(a, b) { return (-(a + b)).x }
for i in range(3) { print(f(V { x: i }, V { x: 1 })) }"""),
    "globals": ("f", """mut total = 0
let base = 5
func f(n) { total = total + n + base
  return total }
for i in range(4) { print(f(i)) }
print(total)"""),
    "define_global_in_function": ("f", """func f(n) { return n }
for i in range(2) { print(f(i)) }"""),
    "closures": ("make", """func make(k) {
  mut count = k
  func inc(by) { count = count + by
    return count }
  return inc
}
for i in range(3) { let g = make(i)
  g(1)
  print(g(10)) }"""),
    "closure_called_in_native_code": ("inc", """func make(k) {
  mut count = k
  func inc(by) { count = count + by
    return count }
  return inc
}
let g = make(100)
for i in range(5) { print(g(i)) }"""),
    "computed_callee": ("f", """func twice(x) { return 2 * x }
func f(g, x) { return g(g(x)) }
for i in range(3) { print(f(twice, i)) }"""),
    "for_in_array": ("f", """func f(a) {
  mut t = 0
  for x in a { t = t + x }
  return t
}
for i in range(3) { print(f([1, 2, i])) }"""),
    "for_in_string_and_dict": ("f", """func f(s, d) {
  mut out = ""
  for c in s { out = out + c + "." }
  for k in d { out = out + k }
  return out
}
for i in range(2) { print(f("ab${i}", {"x": 1, "y": 2})) }"""),
    "break_continue_in_generic_loop": ("f", """func f(a) {
  mut t = 0
  for x in a {
    if x == 2 { continue }
    if x == 4 { break }
    t = t + x
  }
  return t
}
for i in range(3) { print(f([1, 2, 3, 4, 5])) }"""),
    "compound_assignment": ("f", """func f(n) {
  mut x = n
  x += 3
  x *= 2
  return x
}
for i in range(3) { print(f(i)) }"""),
    "try_catches_generic_op_error": ("f", """func f(a, i) {
  try { return a[i] } except e { return "caught: ${e.message}" }
}
for i in range(4) { print(f([1, 2], i)) }"""),
    "try_catches_error_in_callee": ("f", """func g(x) { if x > 1 { throw "too big: ${x}" }
  return x }
func f(x) {
  mut r = 0
  try { r = g(x) + 1 } except e { r = e.message }
  return r
}
for i in range(4) { print(f(i)) }"""),
    "try_catches_builtin_error": ("f", """func f(s) {
  try { return to_int(s) } except e { return -1 }
}
for s in ["1", "x", "3"] { print(f(s)) }"""),
    "throw_uncaught": ("f", """func f(x) { if x > 2 { throw "no: ${x}" }
  return x }
for i in range(5) { print(f(i)) }"""),
    "nested_try_and_rethrow": ("f", """func f(x) {
  try {
    try { if x == 1 { throw "inner" } } except e { throw "re-${e.message}" }
    return "ok"
  } except e2 { return e2.message }
}
for i in range(3) { print(f(i)) }"""),
    "error_in_generic_op_uncaught": ("f", """func f(a, i) { return a[i] }
for i in range(5) { print(f([1, 2, 3], i)) }"""),
    "string_compare_and_truthiness": ("f", """func f(s, t) {
  if s { print("nonempty") }
  if !(s == t) && s < t { return "less" }
  return s != t
}
for s in ["", "a", "b"] { print(f(s, "b")) }"""),
    "null_and_mixed_arithmetic": ("f", """func f(a, b) {
  if a == null { return "null" }
  return a + b
}
print(f(null, 1))
print(f(1, 2.5))
print(f("s", 1))
print(f(9223372036854775807, 1))"""),
    "cells": ("f", """func f(n) {
  mut x = n
  let g = func() { return x * 2 }
  x = x + 1
  return g()
}
for i in range(3) { print(f(i)) }"""),
}


@pytest.mark.parametrize("name", list(CASES))
def test_t1_runs_it_and_prints_what_t0_prints(name):
    function, program = CASES[name]
    _, expected, expected_error = run(program, jit=False)
    session, printed, error = run(program, jit=True)
    assert (printed, error) == (expected, expected_error)
    stats = session.function(function)
    assert stats.tier == "T1", f"{function}: {stats.tier} {stats.state} {stats.reason}"


@pytest.mark.parametrize("name", list(CASES))
def test_quick_t1_code_generation_prints_the_same_and_spares_loops(name):
    """TierPolicy.t1_quick_codegen: a T1 unit with no loop is generated at -O0
    (compiling.QUICK_T1), one with a loop as without it; either prints what T0 prints."""
    function, program = CASES[name]
    _, expected, expected_error = run(program, jit=False)
    session, printed, error = run(program, jit=True, quick=True)
    assert (printed, error) == (expected, expected_error)
    units = [r.unit for r in session.jit.history.records.values() if r.function == function and r.tier == 1]
    assert units
    loops = any(op == Op.JUMP_BACK for op, _ in units[0].code.instrs)
    assert {unit.compiled.levels for unit in units} == {LEVELS[1] if loops else QUICK_T1}


def test_a_string_loop_stays_at_t1_without_bailing_out():
    program = """func f(n) {
  mut s = ""
  mut i = 0
  while i < n { s = s + "ab"
    i = i + 1 }
  return len(s)
}
for i in range(50) { f(100) }
print(f(1000))"""
    session, printed, error = run(program, jit=True, judged=False)
    assert (printed, error) == ("2000\n", None)
    stats = session.function("f")
    assert (stats.tier, stats.deopts) == ("T1", 0)


def test_a_function_t1_would_run_slower_stays_at_t0_and_says_why():
    """At the default threshold the profile shows the mix: a function that would
    spend its time on the generic path stays in the interpreter, with the reason."""
    program = """func tag(i) { return ["item-", i] }
func num(x) { return x * 2 + 1 }
mut n = 0
for i in range(3000) { n = n + len(tag(i)) + num(i) }
print(n)"""
    output: list[str] = []
    session = Session(Policy(jit=True), write=output.append)
    assert session.run_source(program, "t.ruff").ok
    assert output == ["9006000\n"]
    tag = session.function("tag")
    assert (tag.tier, tag.state) == ("T0", "interpreted")
    assert tag.reason.startswith("kept at T0: T1 would be slower (25% of the instructions run")
    assert session.function("num").tier == "T2"


def test_mixed_int_and_float_operands_count_as_inline_for_the_cost_rule():
    """T1 computes int and float operands in any mix inline, so a function whose
    arguments flip between ints and floats (unstable: no T2) still gets T1."""
    program = """func blend(a, b) { return a * 3 + b * 2 - a / 2 }
mut total = 0.0
for i in range(3000) {
    if i % 2 == 0 { total = total + blend(i, 0.5) } else { total = total + blend(i * 1.0, 1) }
}
print(total)"""
    output: list[str] = []
    session = Session(Policy(jit=True), write=output.append)
    assert session.run_source(program, "t.ruff").ok
    blend = session.function("blend")
    assert blend.tier == "T1", blend.reason
    assert blend.reason.startswith("T2 not tried: argument a is unstable")


def test_the_t1_cost_rule():
    from ruffdbg.jit.policy import TierPolicy
    from ruffdbg.jit.tiering import t1_slower
    policy = TierPolicy()
    assert t1_slower(0, 10**6, policy) is None
    assert t1_slower(10**6 // policy.t1_generic_cost, 10**6, policy) is None
    assert t1_slower(10**5, 10**6, policy).startswith("kept at T0: T1 would be slower (10%")
    assert t1_slower(50, 100, policy) is None   # not enough evidence yet


@pytest.mark.parametrize("threshold", [1, 5, 50])
def test_native_code_calls_a_t1_unit_with_tagged_arguments(threshold):
    """A caller whose argument is tagged calls a T1 unit (which takes (tag, bits)
    pairs) natively: it used to build the call with one i64 and crash."""
    program = """func t1(x) { return "s${x}" }
func caller(n) {
  mut r = null
  mut i = 0
  while i < n {
    if i % 2 == 0 { r = 1 } else { r = 2.5 }
    r = t1(r)
    i = i + 1
  }
  return r
}
for k in range(200) { caller(3) }
print(caller(5))"""
    output: list[str] = []
    session = Session(Policy(jit=True, threshold=threshold), write=output.append)
    result = session.run_source(program, "t.ruff")
    assert result.ok and output == ["s1\n"]


COPY_ON_WRITE = """struct P { xs, tag }
func alias_local(n) {
  mut a = [1, 2, 3]
  mut b = a
  a[0] = n
  return "${a} ${b}"
}
func param(a, n) {
  a[1] = n
  return a
}
func nested(n) {
  mut m = [[1, 2], [3, 4]]
  let row = m[0]
  m[0][1] = n
  return "${m} ${row}"
}
func fields(n) {
  mut p = P { xs: [1], tag: "t" }
  let q = p
  p.xs[0] = n
  p.tag = "u"
  return "${p.xs} ${p.tag} ${q.xs} ${q.tag}"
}
func stack_alias(n) {
  mut a = [0, 0]
  a[0] = a
  a[1] = n
  return a
}
mut g = [10, 20]
func global_mut(n) {
  let before = g
  g[0] = n
  return "${g} ${before}"
}
func closure_cell(n) {
  mut c = [1, 2]
  let keep = c
  let f = func() { c[0] = n
    return c }
  return "${f()} ${keep} ${c}"
}
func loop_fill(n) {
  mut a = []
  for i in range(n) { a = push(a, 0) }
  let copy = a
  for i in range(n) { a[i] = i * i }
  return "${a} ${copy}"
}
func dict_mut(n) {
  mut d = {"k": [1]}
  let e = d
  d["k"][0] = n
  d["z"] = n
  return "${d} ${e}"
}
for i in range(3) {
  let orig = [7, 8, 9]
  print(alias_local(i))
  print(param(orig, i), orig)
  print(nested(i))
  print(fields(i))
  print(stack_alias(i))
  print(global_mut(i))
  print(closure_cell(i))
  print(loop_fill(i + 2))
  print(dict_mut(i))
}
print(g)
"""


def test_container_assignment_at_t1_copies_exactly_when_t0_does():
    """Copy-on-write reads reference counts; handles a T1 frame made (above its
    mark) are discounted, since the boxed frame shows that frame's holds: every
    alias (a local, a field, a global, a cell, a caller's value) still copies."""
    _, expected, _ = run(COPY_ON_WRITE, jit=False)
    session, printed, error = run(COPY_ON_WRITE, jit=True)
    assert (printed, error) == (expected, None)
    for name in ("alias_local", "param", "nested", "fields", "stack_alias", "global_mut", "closure_cell",
                 "loop_fill", "dict_mut"):
        assert session.function(name).tier == "T1", name


def test_array_assignment_in_a_t1_loop_does_not_copy():
    program = """func fill(n) {
  mut a = [0, 0, 0, 0]
  for i in range(n) { a[i % 4] = i }
  return a
}
for k in range(3) { fill(10) }
print(fill(5000))"""
    session, printed, error = run(program, jit=True, judged=False)
    assert (printed, error) == ("[4996, 4997, 4998, 4999]\n", None)
    assert session.function("fill").tier == "T1" and session.vm.cow_copies == 0
