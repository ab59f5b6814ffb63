"""The standard-library builtins (vm/builtins families beyond the core).

Most behaviour is covered by the conformance programs tests/programs/builtin_*.ruff
(run in every tier by the differential test); here: what those cannot show
(exit statuses, standard input, program arguments, files in a temporary
directory), and a sweep calling every builtin with every argument count from
a pool of odd values: each must return a value or raise RuffError, never a
Python exception.
"""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins import BUILTINS
from ruffdbg.core.errors import ProgramExit
from ruffdbg.vm.builtins.system import UNAVAILABLE
from ruffdbg.vm.interpreter import VM


def run(tmp_path: Path, source: str, *flags: str, stdin: str = "", env: dict | None = None):
    program = tmp_path / "main.ruff"
    program.write_text(source, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "ruffdbg.cli", "run", str(program), *flags],
                          input=stdin, capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("flags", [["--no-jit"], [], ["--threshold", "1"]])
def test_exit_ends_the_program_with_its_status_in_every_tier(tmp_path, flags):
    source = 'print("before")\nfunc stop(n) { exit(n) }\nfor i in range(20) { if i == 10 { stop(7) } }\nprint("after")\n'
    result = run(tmp_path, source, *flags)
    assert (result.returncode, result.stdout, result.stderr) == (7, "before\n", "")


def test_exit_without_a_code_is_success(tmp_path):
    result = run(tmp_path, 'print(1)\nexit()\nprint(2)\n')
    assert (result.returncode, result.stdout) == (0, "1\n")


def test_input_reads_lines_and_args_come_from_the_environment(tmp_path):
    source = 'name := input("name? ")\nprint("hello " + name)\nprint("[" + input() + "]")\nprint(args())\n'
    result = run(tmp_path, source, stdin="Ada\n", env={"RUFF_SCRIPT_ARGS": "one\x1ftwo"})
    assert result.stdout == "name? hello Ada\n[]\n[one, two]\n"
    assert result.returncode == 0


def test_unavailable_builtins_are_ruff_errors_with_a_stack(tmp_path):
    result = run(tmp_path, 'func serve() { http_server(8080) }\nserve()\n')
    assert result.returncode == 1
    assert "error: http_server is not available in ruffdbg" in result.stderr
    assert "at serve" in result.stderr and "Traceback" not in result.stderr


def test_a_failing_callback_is_caught_around_the_builtin(tmp_path):
    source = ('func bad(x) { return x / 0 }\n'
              'try { map([1], bad) } except err { print(err.message, err.stack) }\n')
    for flags in (["--no-jit"], ["--threshold", "1"]):
        result = run(tmp_path, source, *flags)
        assert result.stdout == "Division by zero [bad]\n", flags


def test_files_in_a_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    vm = VM(write=lambda text: None)

    def call(name, *args):
        return BUILTINS[name].fn(vm, list(args))

    assert call("write_file", "a.txt", "héllo\n") is True
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    assert call("read_file", "a.txt") == "héllo\n"
    with pytest.raises(RuffError, match="^Cannot read file 'nope': No such file or directory \\(os error 2\\)$"):
        call("read_file", "nope")
    call("create_dir", "d/e")
    assert call("list_dir", ".") == ["a.txt", "d"]
    with pytest.raises(RuffError, match="path is a directory"):
        call("delete_file", "d")


# --------------------------------------------------------------------------
# The sweep: no Python exception escapes any builtin

POOL = [None, True, -1, 2.5, "", "x", [], [1, "a"], {}, {"k": 1}]
SKIP = {"exit", "sleep"} | set(UNAVAILABLE)


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A scratch working directory, environment and standard input."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("line\n" * 1000))
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _arg_counts(builtin) -> list[int]:
    return list(builtin.arities) if builtin.arities else [0, 1, 2, 3]


@pytest.mark.parametrize("name", sorted(set(BUILTINS) - SKIP))
def test_no_python_exception_for_any_arguments(name, sandbox, tmp_path, monkeypatch):
    builtin = BUILTINS[name]
    assert builtin.fn.__doc__, f"{name} has no docstring"
    vm = VM(write=lambda text: None)
    start = os.getcwd()
    for count in _arg_counts(builtin):
        for args in itertools.islice(itertools.product(POOL, repeat=count), 400):
            try:
                builtin.fn(vm, list(args))
            except RuffError:
                pass
            finally:
                os.chdir(start)
    if builtin.arities and 5 not in builtin.arities:
        with pytest.raises(RuffError, match="expects"):
            builtin.fn(vm, [None] * 5)


@pytest.mark.parametrize("name", ["exit"])
def test_exit_raises_program_exit(name):
    with pytest.raises(ProgramExit) as stopped:
        BUILTINS[name].fn(VM(write=lambda text: None), [3])
    assert stopped.value.status == 3
    with pytest.raises(RuffError, match="numeric exit code"):
        BUILTINS[name].fn(VM(write=lambda text: None), ["x"])
