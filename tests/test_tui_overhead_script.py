"""Smoke test of examples/benchmarks/tui_overhead.py (the benchmark itself is not a test)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "benchmarks" / "tui_overhead.py"

PROGRAM = """# a tiny program: a few calls, a loop, some output
func square(x) {
    return x * x
}

func sum_squares(n) {
    mut total := 0
    for i in n {
        total := total + square(i)
    }
    return total
}

mut k := 0
while k < 3 {
    print("round", k, sum_squares(200))
    k := k + 1
}
print("elapsed_ms:", 1.5)
print("done")
"""


def load_script():
    spec = importlib.util.spec_from_file_location("tui_overhead", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_measure_runs_a_program_headless_and_under_the_tui(tmp_path: Path):
    script = load_script()
    path = tmp_path / "tiny.ruff"
    path.write_text(PROGRAM)
    result = script.measure(path, runs=1, warm_up=False)
    assert result.headless_median > 0 and result.tui_median > 0
    assert result.outputs_match
    assert result.headless_output == result.tui_output   # nothing varies in this program
    assert result.headless_output.startswith("round 0 ") and result.headless_output.endswith("done\n")
    assert result.tui[0].finished == "program finished"


def test_normalize_masks_only_elapsed_ms():
    script = load_script()
    assert script.normalize("x 1\nelapsed_ms: 12.5\n") == script.normalize("x 1\nelapsed_ms: 3\n")
    assert script.normalize("x 1\n") != script.normalize("x 2\n")
