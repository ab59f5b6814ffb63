"""What a user sees from the ``ruffdbg`` command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ruffdbg.cli import main
from ruffdbg.jit.engine import STAGES

FIB = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
print(fib(20))
"""


def write(tmp_path: Path, text: str, name: str = "prog.ruff") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_run_prints_program_output(tmp_path, capsys):
    assert run(capsys, "run", write(tmp_path, FIB)) == (0, "6765\n", "")


def test_syntax_error_is_a_diagnostic_with_caret(tmp_path, capsys):
    path = write(tmp_path, "let x := 1\nprint(x +)\n")
    status, out, err = run(capsys, "run", path)
    assert status == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{path}:2:10: error: Unexpected token ')'" or lines[0].startswith(f"{path}:2:")
    assert "print(x +)" in lines[1]
    assert lines[2].rstrip().endswith("^")
    assert "Traceback" not in err


def test_runtime_error_shows_message_caret_and_ruff_stack(tmp_path, capsys):
    path = write(tmp_path, "func div(a, b) {\n    return a / b\n}\nfunc outer() { return div(1, 0) }\nprint(\"before\")\nouter()\n")
    status, out, err = run(capsys, "run", path)
    assert status == 1 and out == "before\n"
    lines = err.splitlines()
    assert lines[0] == f"{path}:2:14: error: Division by zero"
    assert lines[1].strip().endswith("return a / b")
    assert lines[2].index("^") == lines[1].index("/")
    assert lines[3:] == [
        "Ruff stack (most recent call last):",
        f"  at <script> ({path}:6)",
        f"  at outer ({path}:4)",
        f"  at div ({path}:2)",
    ]


def test_deep_recursion_works_and_runaway_recursion_is_stack_overflow(tmp_path, capsys):
    deep = write(tmp_path, "func down(n) { if n == 0 { return 0 } return 1 + down(n - 1) }\nprint(down(10000))\n")
    assert run(capsys, "run", deep) == (0, "10000\n", "")
    runaway = write(tmp_path, "func forever(n) { return forever(n + 1) }\nforever(0)\n", "runaway.ruff")
    status, _, err = run(capsys, "run", runaway)
    assert status == 1
    assert err.splitlines()[0].endswith("error: Stack overflow")


def test_missing_file_is_one_line_diagnostic(tmp_path, capsys):
    status, _, err = run(capsys, "run", str(tmp_path / "nope.ruff"))
    assert status == 2
    assert err == f"ruffdbg: error: cannot read {tmp_path / 'nope.ruff'}: no such file or folder\n"


def test_bad_argument_gives_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "x.ruff", "--threshold", "zero"])
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_dis_lists_pc_line_opcode_and_meaning(tmp_path, capsys):
    status, out, _ = run(capsys, "dis", write(tmp_path, FIB), "--func", "fib")
    assert status == 0
    assert out.splitlines()[0] == "code fib(n)  line 1, 1 locals"
    assert any("LOAD_GLOBAL" in line and "(fib)" in line for line in out.splitlines())
    assert any(line.split()[:4] == ["2", "0", "LOAD_LOCAL", "0"] for line in out.splitlines())
    assert ">>" in out  # jump targets are marked


def test_dis_counts_shows_execution_counts(tmp_path, capsys):
    status, out, _ = run(capsys, "dis", write(tmp_path, FIB), "--func", "fib", "--counts")
    assert status == 0
    assert out.splitlines()[1].rstrip().endswith("x21891")  # fib(20) makes 21891 calls


def test_dis_unknown_function(tmp_path, capsys):
    status, _, err = run(capsys, "dis", write(tmp_path, FIB), "--func", "nope")
    assert status == 2 and "no function named 'nope'" in err and "fib" in err


def test_hotspots_marks_hot_stable_function_as_candidate(tmp_path, capsys):
    status, out, _ = run(capsys, "hotspots", write(tmp_path, FIB))
    assert status == 0
    fib_row = next(line for line in out.splitlines() if line.strip().startswith("fib "))
    assert "21891" in fib_row and fib_row.rstrip().endswith("yes")
    assert "Hot loops" in out and "Type profiles" in out


def test_stats_json(tmp_path, capsys):
    program = write(tmp_path, FIB + "mut i := 0\nwhile i < 100 { i := i + 1 }\n")
    stats_path = tmp_path / "stats.json"
    assert run(capsys, "run", program, "--no-jit", "--stats-json", str(stats_path))[0] == 0
    stats = json.loads(stats_path.read_text())
    fib = stats["functions"]["fib"]
    assert (fib["tier"], fib["state"], fib["calls"]) == ("T0", "interpreted", 21891)
    assert fib["args"][0]["types"] == {"int": 21891} and fib["args"][0]["stable"] is True
    assert stats["functions"]["<script>"]["loops"] == [{"line": 7, "pc": 10, "iterations": 100, "native_iterations": 0}]


def test_stats_json_with_the_jit(tmp_path, capsys):
    stats_path = tmp_path / "stats.json"
    assert run(capsys, "run", write(tmp_path, FIB), "--stats-json", str(stats_path))[0] == 0
    fib = json.loads(stats_path.read_text())["functions"]["fib"]
    assert (fib["tier"], fib["state"], fib["reason"], fib["calls"], fib["deopts"]) == ("T2", "optimized", None, 21891, 0)
    (compile_,) = fib["compiles"]
    assert compile_["tier"] == "T2" and set(compile_["ms"]) == {*STAGES, "total"} - {"load", "helpers"}   # (no code cache: tests/conftest.py; fib calls no shared helper)
    kinds = {guard["kind"] for guard in fib["guards"]}
    assert {"type", "overflow", "global-unchanged", "depth", "interrupt"} <= kinds
    assert all(guard["fail"] == 0 for guard in fib["guards"])
    # Speculation guards count passes too: the callee check runs on every recursive call.
    assert any(guard["kind"] == "global-unchanged" and guard["pass"] > 10000 for guard in fib["guards"])


def test_trace_jit_prints_tier_events(tmp_path, capsys):
    program = write(tmp_path, "func f(x) { return x + 1 }\nmut i := 0\nwhile i < 100 { f(i); i := i + 1 }\nprint(f(0.5))\n")
    status, out, err = run(capsys, "run", program, "--threshold", "1", "--trace-jit")
    assert (status, out) == (0, "1.5\n")
    lines = err.splitlines()
    assert any("compiled" in line and "f T2" in line and "x: int" in line for line in lines)
    assert any("deopt" in line and "x: expected int, got float" in line for line in lines)


SPIN_AT_TOP = "mut n := 0\nwhile true {\n    n := n + 1\n}\n"
SPIN_NATIVE = "func spin() {\n    mut n := 0\n    while true { n := n + 1 }\n}\nspin()\n"
SPIN_NATIVE_FOR = "func spin() {\n    mut n := 0\n    for i in 1000000000000 { n := n + 1 }\n}\nspin()\n"


@pytest.mark.parametrize("program, flags, where", [
    (SPIN_AT_TOP, [], "at <script> ({path}:2)"),
    (SPIN_NATIVE, ["--threshold", "1"], "at spin ({path}:3)"),   # compiled to native code at its first call
    (SPIN_NATIVE_FOR, ["--threshold", "1"], "at spin ({path}:3)"),   # a for loop keeps its range on the stack
], ids=["interpreter", "native", "native-for"])
def test_ctrl_c_stops_an_infinite_loop_with_its_location(tmp_path, program, flags, where):
    started_file = tmp_path / "started"
    # The program says it has started (so a loaded machine's slow start-up is not
    # mistaken for a missed Ctrl-C), then spins; its loop stays on line 2 or 3.
    program = program.replace("mut n := 0", f'mut n := 0; write_file("{started_file}", "yes")', 1)
    path = write(tmp_path, program)
    process = subprocess.Popen([sys.executable, "-m", "ruffdbg.cli", "run", path, *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    try:
        deadline = time.monotonic() + 30
        while not started_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)   # into the loop (native code: compiled and entered)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()   # never leave a spinning program behind if the test fails
    assert time.monotonic() - started < 1.0
    assert process.returncode == 130
    assert "interrupted" in err.splitlines()[0]
    assert err.splitlines()[-1].strip() == where.format(path=path)


def test_ir_and_asm_map_back_to_lines_and_pcs(tmp_path, capsys):
    program = write(tmp_path, FIB)
    status, out, _ = run(capsys, "ir", program, "--func", "fib")
    assert status == 0
    assert out.startswith("; fib(n: int) at T2 -> int;")
    assert "llvm.sadd.with.overflow" in out or "add nsw" in out or "sadd" in out
    assert any(line.rstrip().endswith("; line 3, pc 16") for line in out.splitlines())   # the + of fib(n-1) + fib(n-2)
    status, raw, _ = run(capsys, "ir", program, "--func", "fib", "--raw")
    assert status == 0 and "alloca" in raw and "alloca" not in out
    status, asm, _ = run(capsys, "asm", program, "--func", "fib")
    assert status == 0 and "ruff_" in asm and "; line 2, pc 2" in asm


def test_ir_says_why_t2_left_a_site_generic_or_why_there_is_no_code(tmp_path, capsys):
    program = write(tmp_path, 'func greet(name) {\n    return ["hi", name]\n}\nprint(greet("bo"))\n')
    status, out, _ = run(capsys, "ir", program, "--func", "greet")
    assert status == 0
    assert out.splitlines()[1] == "; line 2, pc 2: generic: array literal — allocation stays in the interpreter"
    params = ", ".join(f"p{i}" for i in range(33))
    program = write(tmp_path, f"func wide({params}) {{ return p0 }}\nprint(wide({', '.join(['1'] * 33)}))\n")
    status, _, err = run(capsys, "ir", program, "--func", "wide")
    assert status == 1
    assert err.strip() == "ruffdbg: wide has no T2 code: NYI: more than 32 parameters at line 1"


@pytest.mark.parametrize("flags", [["--no-jit"], [], ["--threshold", "1"]], ids=["T0", "default", "eager"])
def test_exit_ends_the_run_with_its_status_in_every_tier(tmp_path, capsys, flags):
    program = tmp_path / "bye.ruff"
    program.write_text('func stop(n) {\n    if n > 40 { exit(7) }\n    return n\n}\n'
                       'for i in range(100) {\n    try { stop(i) } except e { print("caught") }\n}\nprint("not reached")\n')
    assert main(["run", str(program), *flags]) == 7
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_arguments_after_the_program_reach_args(tmp_path, capsys):
    program = tmp_path / "echo.ruff"
    program.write_text("print(args())\n")
    assert main(["run", str(program), "--threshold", "1", "--", "a b", "--c"]) == 0
    assert capsys.readouterr().out == '[a b, --c]\n'


def test_python_dash_m_ruffdbg_is_the_same_command_line(tmp_path):
    path = write(tmp_path, "print(6 * 7)\n")
    done = subprocess.run([sys.executable, "-m", "ruffdbg", "run", path], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "42\n", "")
    done = subprocess.run([sys.executable, "-m", "ruffdbg", "run", str(tmp_path / "missing.ruff")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and done.stderr.count("\n") == 1
