"""``ruffdbg bench``'s rows: what the programs print, side by side."""

from __future__ import annotations

from ruffdbg import bench

TOY = """# bench: jit-only
func f(n) {
    mut s := 0
    for i in n { s := s + i }
    return s
}
let t0 := performance_now()
f(1000)
print("elapsed_ms:", performance_now() - t0)
print("steady_ms:", 0.25)
"""


def test_a_benchmark_that_prints_its_steady_state_gets_a_steady_row(tmp_path):
    (tmp_path / "toy.ruff").write_text(TOY)
    (tmp_path / "toy.py").write_text('print("elapsed_ms: 2.0")\nprint("steady_ms: 1.0")\n')
    results = bench.run_one(tmp_path / "toy.ruff", 1, tmp_path)
    assert [result.name for result in results] == ["toy", "toy steady"]
    assert results[1].times_ms == {"JIT": [0.25], "CPython": [1.0]}
    rows = bench.format_results(results, 1).splitlines()
    steady = next(row for row in rows if row.startswith("toy steady") and " JIT " in row)
    assert steady.split()[-3:] == ["0.250", "4.0", "-"]   # 4x faster than CPython's steady state; no C twin
    assert next(row for row in rows if row.startswith("toy ") and " CPython " in row).split()[-3] == "2.000"


def test_a_benchmark_without_a_steady_state_gets_one_row(tmp_path):
    (tmp_path / "toy.ruff").write_text(TOY.replace('print("steady_ms:", 0.25)\n', ""))
    assert [result.name for result in bench.run_one(tmp_path / "toy.ruff", 1, tmp_path)] == ["toy"]
