"""``ruffdbg ir/asm --compile ID``, ``ir --passes`` and ``ir --func '<script>'``."""

from __future__ import annotations

from pathlib import Path

from ruffdbg.cli import main

# With --threshold 50: f at T1 (#0), the loop by OSR (#1), f at T2 (#2), which
# retires #1 (it called f through the VM), so the loop is compiled again (#3).
PROGRAM = """func f(x) { return x * 3 + 1 }
mut t := 0
for i in range(300) { t := t + f(i) }
print(t)
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def program(tmp_path: Path) -> str:
    path = tmp_path / "prog.ruff"
    path.write_text(PROGRAM)
    return str(path)


def test_ir_and_asm_of_a_compile_by_id(tmp_path, capsys):
    path = program(tmp_path)
    status, out, err = run(capsys, "ir", path, "--compile", "2", "--threshold", "50")
    assert (status, err) == (0, "")
    assert out.startswith("; f(x: int) at T2 -> int; compile #2 (after opt);")
    status, raw, _ = run(capsys, "ir", path, "--compile", "#2", "--raw", "--threshold", "50")
    assert status == 0 and "compile #2 (before opt)" in raw.splitlines()[0] and "alloca" in raw
    status, asm, _ = run(capsys, "asm", path, "--compile", "2", "--func", "f", "--threshold", "50")
    assert status == 0 and "compile #2 (assembly)" in asm.splitlines()[0] and "ruff_f:" in asm


def test_ir_of_the_script_shows_its_osr_loops(tmp_path, capsys):
    status, out, _ = run(capsys, "ir", program(tmp_path), "--func", "<script>", "--threshold", "50")
    assert status == 0
    assert out.startswith("; <script>(t: int, i: int) at T2 -> null; compile #3 (after opt, OSR loop at line 3);")


def test_passes_show_the_optimizer_pass_by_pass(tmp_path, capsys):
    status, out, _ = run(capsys, "ir", program(tmp_path), "--func", "f", "--passes", "--threshold", "50")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "; compile #2: f(x: int) at T2, whole: the optimizer pass by pass"
    assert "reconstruction of the -O2 pipeline" in lines[1] and "not run alone here: early-cse" in lines[1]
    assert lines[3] == "; (no change: always-inliner)"   # (f does not call itself: no twin to inline)
    assert lines[4].startswith("=== global-dead-code-eliminate  ")   # (declarations f does not use)
    assert any(line.startswith("=== sroa  ") and line.endswith(" ms") for line in lines)
    assert any(line.startswith("-") and "alloca" in line for line in lines)
    assert any(line.startswith("; (no change: ") for line in lines)


def test_bad_compile_ids_are_usage_errors(tmp_path, capsys):
    path = program(tmp_path)
    status, out, err = run(capsys, "ir", path, "--compile", "7", "--threshold", "50")
    assert status == 2 and out == "" and "error: no compile #7 (compiles: #0, #1, #2, #3)" in err
    status, _, err = run(capsys, "asm", path, "--compile", "1", "--func", "f", "--threshold", "50")
    assert status == 2 and "error: no compile #1 of f" in err
    status, _, err = run(capsys, "ir", path)
    assert status == 2 and "error: say which code: --func NAME or --compile ID" in err
