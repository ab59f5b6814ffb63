"""T2 runs the math builtins and the number conversions inline (issue 11, item 5):
no call leaves native code for them, and their results and errors are the
interpreter's (the program tests/programs/jit_t2_math_builtins compares every
mode at the edges)."""

from ruffdbg.session import Policy, Session

LOOP = """
func work(n) {
  mut s := 0.0
  mut i := 0
  while i < n {
    s := s + sqrt(i) + floor(i / 3.0) + min(i, 5) + to_int(i * 0.5)
    i := i + 1
  }
  return s
}
work(200)
print(work(20000))
"""


def run(text: str, jit: bool) -> tuple[Session, list[str]]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=5), write=output.append)
    session.run_source(text, "builtins.ruff")
    return session, output


def test_math_builtins_run_inline_at_t2():
    session, output = run(LOOP, jit=True)
    assert output == run(LOOP, jit=False)[1]
    assert session.function("work").tier == "T2"
    ir = session.native_text("work", "ir", tier=2)
    assert "llvm.sqrt.f64" in ir and "llvm.floor.f64" in ir and "fptosi" in ir
    assert "call_vm_pc" not in ir   # no builtin call goes through the VM


def test_a_builtin_error_in_native_code_is_the_interpreters():
    session = Session(Policy(jit=True, threshold=5), write=[].append)
    result = session.run_source("func r(x) { return sqrt(x) }\nfor k in range(300) { r(k) }\nprint(r(-2))\n", "r.ruff")
    assert not result.ok
    assert result.error.message == "sqrt() domain error: value must be >= 0"
    assert [e.detail["reason"] for e in session.events.since(0) if e.kind == "deopt"] == ["sqrt() of a negative number"]


LENGTHS = """
func total(xs) {
  mut t := 0
  mut i := 0
  while i < len(xs) { t := t + xs[i] + len("héllo") + len({"a": i}); i := i + 1 }
  return t
}
func size(v) { return len(v) }
total([1, 2, 3])
print(total(range(3000)), total([1.5, 2.5]))
for i in range(20) { size([i]) + size("ab") + size({}) + size(range(i)) }
print(size(Set([1, 2, 2])), size(map([1], func(x) { return x })))
try { print(size(5)) } except e { print(e.message) }
"""


def test_len_of_arrays_strings_and_dicts_runs_inline_at_t2():
    session, output = run(LENGTHS, jit=True)
    assert output == run(LENGTHS, jit=False)[1]
    assert session.function("total").tier == "T2"
    ir = session.native_text("total", "ir", tier=2)
    assert "call_vm_pc" not in ir   # read from the object, no call into the VM
    assert "len-operand" in {guard.kind for guard in session.compiles("total")[-1].guards}
    # (a string constant's length is read natively too: nothing leaves for len())
    assert not [e for e in session.events.since(0) if e.kind == "deopt" and e.detail["guard_kind"] == "len-operand"]


def test_len_of_a_value_native_code_does_not_measure_leaves_for_the_interpreter():
    text = """func measure(items) {
  mut t := 0
  for x in items { t := t + len(x) }
  return t
}
for k in range(40) { measure(["ab", [1, 2], {"a": 1}, "c"]) }
print(measure([Set([1, 2, 2]), "xyz"]))
try { print(measure([5])) } except e { print(e.message) }
"""
    session, output = run(text, jit=True)
    assert output == run(text, jit=False)[1] == ["5\n", "len() expects a string, array or dict, got int\n"]
    assert [e.detail["guard_kind"] for e in session.events.since(0) if e.kind == "deopt"][:1] == ["len-operand"]


def test_len_of_a_string_constant_stays_native():
    # ``best`` holds the constant "" until a longer word comes: len() of it read the
    # constants table; it used to bail out, and after four bail-outs the function
    # was blacklisted at T0.
    text = """func longest(ws) {
  mut best := ""
  for w in ws { if len(w) > len(best) { best := w } }
  return best
}
mut k := 0
mut r := ""
while k < 1500 { r := longest(split("a bb ccc", " ")); k := k + 1 }
print(r, len("four"))
"""
    output: list[str] = []
    session = Session(Policy(jit=True), write=output.append)   # (stable types: T2)
    session.run_source(text, "longest.ruff")
    assert output == run(text, jit=False)[1]
    longest = session.function("longest")
    assert (longest.tier, longest.deopts) == ("T2", 0)


PUSHES = """
func build(n, v) {
  mut xs := []
  mut i := 0
  while i < n {
    xs := push(xs, v)
    i := i + 1
  }
  return xs
}
build(50, 1)
let ints := build(200000, 7)
let floats := build(200000, 2.5)
print(len(ints), ints[0], ints[199999], len(floats), floats[123456])
let copy := ints
print(len(push(copy, 1)), len(ints))
"""


def test_a_native_push_loop_calls_back_a_logarithmic_number_of_times():
    # Native code appends in place while the array has room; when it has none, the
    # VM's push appends and the storage is given room for as many again
    # (runtime.make_room): 200,000 pushes call back about log2(200,000 / 16) times, not
    # once every 1/16th of the way (Python's own growth: about 160 times).
    session, output = run(PUSHES, jit=True)
    assert output == run(PUSHES, jit=False)[1] == ["200000 7 7 200000 2.5\n", "200001 200000\n"]
    callbacks = sum(unit.callbacks for unit in session.jit.units if unit.code.name == "build")
    assert 0 < callbacks < 60, callbacks
