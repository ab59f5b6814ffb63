"""Arrays made the frame's own before the outermost loop whose every iteration
makes them owned (``jit/ownership.py``): in nbody's shape the copy-or-check of
each stored-into array runs once, before the step loop, rather than on every
entry of the innermost loop; what the user sees is the same output and counts
as the interpreter's, and one ownership check per array in ``ruffdbg ir``."""

from __future__ import annotations

import re

import pytest

from tests.jit.test_native_counters import counts, run

NEST = """func simulate(steps, xs0, vs0) {
    mut xs := xs0
    mut vs := vs0
    let n := 4
    for step in steps {
        for i in n {
            for j in range(i + 1, n) {
                let d := xs[i] - xs[j]
                vs[i] -= d * 0.001
                vs[j] += d * 0.001
            }
        }
        for i in n { xs[i] += 0.01 * vs[i] }
    }
    return [xs, vs]
}
let X := [1.0, 2.0, 3.0, 4.5]
let V := [0.5, 0.25, 0.125, 0.0625]
for round in 40 { print(simulate(300, X, V)) }
print(X, V)
"""


@pytest.mark.parametrize("threshold", [None, 1, 37])
def test_output_and_counts_are_the_interpreters(threshold):
    interpreted, expected = run(NEST, jit=False)
    native, output = run(NEST, threshold=threshold)
    assert output == expected
    assert counts(native) == counts(interpreted)
    assert native.function("simulate").tier == "T2"


def test_each_array_is_checked_and_found_once_before_the_step_loop():
    session, _ = run(NEST)
    ir = session.native_text("simulate", "ir", tier=2, raw=True)
    step_loop = int(re.search(r"(\d+)\s+FOR_ITER", session.disassemble("simulate")).group(1))
    checked = re.findall(r"^own_before_loop_(\d+)_pc\d+:", ir, re.MULTILINE)
    assert sorted(checked) == ["3", "4"]   # xs and vs (locals 3 and 4), each once
    found = set(re.findall(r"^stable_object_(\d+)_loop(\d+):", ir, re.MULTILINE))
    assert found == {("3", str(step_loop)), ("4", str(step_loop))}   # kind, storage, length: once per run
