"""The REPL as a user drives it (prompt_toolkit pipe input), and its :commands."""

from __future__ import annotations

import threading
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ruffdbg.cli import main
from ruffdbg.repl.app import RuffCompleter, needs_more_input, run_repl
from ruffdbg.repl.commands import Shell
from ruffdbg.session import Policy


def drive(text: str, policy: Policy | None = None, tui=None) -> list[str]:
    """Type ``text`` into the REPL, then Ctrl-D; return the lines it showed (the
    program's streamed output and the reports, in order)."""
    shown: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text(text)
        pipe.close()
        prompt = PromptSession(input=pipe, output=DummyOutput())
        extra = {"tui": tui} if tui else {}
        assert run_repl(policy or Policy(), prompt=prompt, write=lambda report: shown.append(report + "\n"),
                        stream=shown.append, **extra) == 0
    return "".join(shown).splitlines()[1:]   # after the banner


def test_multi_line_input_echo_and_errors_keep_definitions():
    printed = drive('func add(a, b) {\n    return a + b\n}\nadd(2, 3)\nprint("x")\nnope(1)\nadd(1, 1)\n')
    assert printed[0] == "5"
    assert printed[1] == "x"
    assert printed[2] == "<input-4>:1:1: error: Undefined variable: nope"
    assert printed[-1] == "2"


def test_continuation_while_braces_are_open():
    assert needs_more_input("func f() {")
    assert needs_more_input("let xs := [1,\n2")
    assert not needs_more_input("func f() { return 1 }")
    assert not needs_more_input(":dis f")
    assert needs_more_input('let s := "unterminated')


def completions(shell: Shell, text: str) -> list[str]:
    return [c.text for c in RuffCompleter(shell).get_completions(Document(text), None)]


def test_completion_of_keywords_builtins_names_and_commands():
    shell = Shell()
    shell.execute("func fibonacci(n) { return n }")
    assert "print" in completions(shell, "pri")
    assert "while" in completions(shell, "whi")
    assert "fibonacci" in completions(shell, "fibo")
    assert completions(shell, ":ti") == ["tiers", "time"]
    assert "fibonacci" in completions(shell, ":dis fi")


def test_interrupting_running_code_keeps_the_session():
    shell = Shell(Policy(threshold=1))
    shell.execute("let kept := 42\nfunc spin() { mut n := 0\n while true { n := n + 1 } }")
    timer = threading.Timer(0.5, shell.session.interrupt, args=("interrupted (Ctrl-C)",))
    timer.start()
    output = shell.execute("spin()")
    assert "interrupted: interrupted (Ctrl-C)" in output and "at spin" in output
    assert shell.execute("kept") == "42\n"


FIB = "func fib(n) {\n    if n < 2 { return n }\n    return fib(n - 1) + fib(n - 2)\n}\nfib(18)"


def test_commands_show_the_jit():
    shell = Shell()
    assert shell.execute(FIB) == "2584\n"
    assert shell.execute(":tiers") == "fib              T2  optimized\n"
    assert shell.execute(":dis fib").splitlines()[0] == "code fib(n)  line 1, 1 locals"
    assert "monomorphic: int,int" in shell.execute(":dis fib")
    assert shell.execute(":ir fib").startswith("; fib(n: int) at T2 -> int;")
    assert "; line 2, pc" in shell.execute(":asm fib")
    assert shell.execute(":profile fib").splitlines()[1].startswith("  arg n: int 100%")
    assert "global-unchanged" in shell.execute(":guards")
    assert "Hot functions" in shell.execute(":hotspots")
    assert "compiled       fib T2" in shell.execute(":events 5")
    assert shell.execute(":ir fib t1").startswith("; fib(n: dyn) at T1")


def test_jit_threshold_load_reset_help_and_errors(tmp_path: Path):
    shell = Shell()
    assert shell.execute(":jit off") == "JIT off\n"
    shell.execute("func f(x) { return x + 1 }\nmut i := 0\nwhile i < 2000 { f(i); i := i + 1 }")
    assert shell.execute(":tiers") == "f                T0  interpreted\n"
    assert shell.execute(":jit on") == "JIT on\n"
    assert shell.execute(":threshold 1") == "every hotness threshold is 1\n"
    shell.execute("f(1)")
    assert shell.execute(":tiers").split()[1] == "T2"
    program = tmp_path / "lib.ruff"
    program.write_text('func hello() { return "hello" }\nprint("loaded")\n')
    assert shell.execute(f":load {program}") == "loaded\n"
    assert shell.execute("hello()") == "hello\n"
    assert shell.execute(":reset") == "session reset\n"
    assert "Undefined variable: hello" in shell.execute("hello()")
    assert ":threshold N" in shell.execute(":help")
    assert shell.execute(":threshold zero") == "error: N must be a positive integer, not 'zero'\n"
    assert shell.execute(":load /no/such/file.ruff") == "error: cannot read /no/such/file.ruff: no such file or folder\n"


def test_ruffdbg_test_reports_a_diff_and_fails(tmp_path: Path, capsys):
    transcript = tmp_path / "t.rdbg"
    transcript.write_text("ruff> 1 + 1\n3\nruff> {{x}}\n")
    assert main(["test", str(transcript)]) == 1
    out = capsys.readouterr().out
    assert "-3\n+2" in out and "FAIL" in out and "0 passed, 1 failed" in out
    assert main(["test", str(transcript), "--update"]) == 0
    assert transcript.read_text().splitlines()[:2] == ["ruff> 1 + 1", "2"]


def test_tui_command_opens_the_tui_on_the_repl_session_and_comes_back():
    opened = []
    printed = drive('func sq(x) { return x * x }\nsq(3)\n:tui\nsq(4)\n',
                    tui=lambda shell: opened.append(shell.session.function("sq").calls))
    assert opened == [1]   # opened once, on the session that had run sq(3)
    assert printed == ["9", "16"]   # the session goes on after the TUI closed


def test_tui_command_in_a_scripted_session_says_it_cannot_open():
    assert Shell().execute(":tui") == "the TUI opens only in the interactive REPL\n"


def test_exit_in_the_repl_ends_the_input_not_the_session():
    printed = drive('mut kept := 41\nexit(3)\nkept + 1\n')
    assert printed[0] == "the program called exit(3)"
    assert printed[1] == "42"
