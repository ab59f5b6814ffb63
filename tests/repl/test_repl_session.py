"""The REPL behaving like one: redefinition, errors at their own input, output
streamed and kept through Ctrl-C, per-command completion, ``test --update``."""

from __future__ import annotations

import threading
from pathlib import Path

from prompt_toolkit.document import Document

from ruffdbg.cli import main
from ruffdbg.harness import CTRL_C_REASON
from ruffdbg.repl.app import RuffCompleter
from ruffdbg.repl.commands import Shell
from ruffdbg.session import Policy

SQ_AND_USE = ("func sq(x) { return x * x }",
              "func use(n) {\n  mut t := 0\n  for i in range(n) { t := t + sq(i) }\n  return t\n}",
              "for k in range(30) { use(10) }")


def test_redefining_a_function_replaces_it_and_retires_native_code_that_depended_on_it():
    shell = Shell(Policy(threshold=5))
    for text in SQ_AND_USE:
        assert shell.execute(text) == ""
    assert shell.execute("use(4)") == "14\n"
    assert shell.session.function("use").tier == "T2"
    seen = shell.session.events.last(1)[0].seq
    assert shell.execute("func sq(x) { return x + 100 }") == ""   # no "Duplicate declaration"
    invalidated = [e for e in shell.session.events.since(seen) if e.kind == "invalidated"]
    assert invalidated and {e.function for e in invalidated} == {"use"}
    assert all(e.detail["reason"] == "global sq was redefined" for e in invalidated)
    assert invalidated[0].detail["assumption"].startswith("callee-identity: global sq still holds function sq")
    assert shell.execute("use(4)") == "406\n"                    # the new sq, in every tier
    assert shell.execute(":dis sq").splitlines()[3].split()[1] == "ADD"   # views show the new code
    assert "invalidated    use T2 (reason=global sq was redefined" in shell.execute(":events 5")
    shell.execute("for k in range(30) { use(10) }")   # hot again: compiled against the new sq
    assert shell.execute("use(4)") == "406\n" and shell.session.function("use").tier == "T2"


def test_redefining_globals_replaces_them_once_per_input():
    shell = Shell()
    shell.execute("let limit = 1")
    assert shell.execute("let limit = 2\nlimit") == "2\n"
    assert shell.execute("const limit = 3") == ""
    assert "Cannot reassign const binding: limit" in shell.execute("limit := 4")
    twice = shell.execute("let again = 1\nlet again = 2")
    assert twice.startswith("<input-5>:2:1: error: Duplicate declaration in the same scope: again")


def test_views_show_the_definition_that_took_effect():
    shell = Shell()
    shell.execute("func f() { return 1 }")
    shell.execute("func f() { return 2 }")
    assert shell.execute("f()") == "2\n"
    assert "LOAD_CONST     0      (2)" in shell.execute(":dis f")


def test_an_error_points_at_the_input_it_comes_from():
    shell = Shell()
    shell.execute("\nfunc div(x) {\n  return 10 / x\n}")
    shell.execute("let unrelated = 1")
    shell.execute("func twice(x) { return div(x) * 2 }")
    assert shell.execute("twice(0)").splitlines() == [
        "<input-1>:3:13: error: Division by zero",
        "    3 |   return 10 / x",
        "      |             ^",
        "Ruff stack (most recent call last):",
        "  at <script> (<input-4>:1)",
        "  at twice (<input-3>:1)",
        "  at div (<input-1>:3)",
    ]


def test_output_streams_while_an_input_runs_and_survives_ctrl_c():
    chunks: list[str] = []
    shell = Shell(Policy(threshold=5))

    def stream(text: str) -> None:
        chunks.append(text)
        if text == "started\n":   # only reachable while the input still runs
            shell.session.interrupt(CTRL_C_REASON)

    shell.stream = stream
    fallback = threading.Timer(10, shell.session.interrupt, args=("not streamed",))
    fallback.start()
    try:
        report = shell.execute('print("before")\nmut n := 0\n'
                               'while true {\n  n := n + 1\n  if n == 1000 { print("started") }\n}')
    finally:
        fallback.cancel()
    assert chunks == ["before\n", "started\n"]   # both shown before the input ended, and kept
    assert report.startswith("<input-1>:") and "interrupted: interrupted (Ctrl-C)" in report
    assert shell.execute("n >= 1000") == "" and chunks[-1] == "true\n"   # the session goes on


def spin_then_interrupt(shell: Shell, text: str) -> str:
    timer = threading.Timer(0.3, shell.session.interrupt, args=(CTRL_C_REASON,))
    timer.start()
    return shell.execute(text)


def test_a_ctrl_c_during_time_stops_it_and_leaks_nothing_into_later_inputs():
    shell = Shell()
    shell.execute("func spin() { mut n := 0\n while true { n := n + 1 } }\nfunc bad() { return 1 / 0 }")
    report = spin_then_interrupt(shell, ":time spin()")
    assert "interrupted: interrupted (Ctrl-C)" in report and report.endswith("(:time stopped in run 1 of 5)\n")
    assert shell.session.vm.frames == []
    assert shell.execute("bad()").splitlines()[-2:] == ["  at <script> (<input-2>:1)", "  at bad (<input-1>:3)"]
    shell.session.interrupt(CTRL_C_REASON)   # a Ctrl-C pressed as an input ended ...
    assert shell.execute("1 + 1") == "2\n"    # ... does not stop the next one


def completions(shell: Shell, text: str) -> list[str]:
    return [c.text for c in RuffCompleter(shell).get_completions(Document(text), None)]


def test_completion_is_per_command(tmp_path: Path, monkeypatch):
    (tmp_path / "prog.ruff").write_text("1")
    (tmp_path / "progs").mkdir()
    (tmp_path / "proposal.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    shell = Shell()
    shell.execute("let program_size = 3\nfunc process(n) { return n }")
    assert sorted(completions(shell, ":load pro")) == ["g.ruff", "gs"]   # paths: .ruff files and folders
    assert completions(shell, ":dis pro") == ["process"]                 # functions only, not globals
    assert completions(shell, ":ir process ") == ["t1", "t2", "raw"]
    assert completions(shell, ":jit o") == ["on", "off"]
    assert "program_size" in completions(shell, ":time pro")             # an expression: any name
    assert completions(shell, ":threshold 1") == []


def test_update_keeps_patterns_and_ellipses_that_still_match(tmp_path: Path, capsys):
    transcript = tmp_path / "t.rdbg"
    transcript.write_text(
        "ruff> for i in range(5) { print(i) }\nzero\n...\n4\nfive\n"
        "ruff> print(\"{{x}}\")\nwrong\n"
        "ruff> :time 1 + 1\nmedian {{[0-9.]+}} ms of 5 runs ({{[a-z ]+}})\nstale line\n"
        "ruff> 1 + 1\n{{[0-9]}}\n")
    assert main(["test", str(transcript), "--update"]) == 0
    assert transcript.read_text().splitlines() == [
        "ruff> for i in range(5) { print(i) }", "0", "...", "4",   # replaced, kept, kept, dropped
        'ruff> print("{{x}}")', "{{\\{\\{}}x}}",                     # a literal "{{", written to read literally
        "ruff> :time 1 + 1", "median {{[0-9.]+}} ms of 5 runs ({{[a-z ]+}})",
        "ruff> 1 + 1", "{{[0-9]}}",                                # a passing step is left alone
    ]
    capsys.readouterr()
    assert main(["test", str(transcript)]) == 0


def test_a_bad_regex_in_a_transcript_names_the_file_and_line(tmp_path: Path, capsys):
    transcript = tmp_path / "bad.rdbg"
    transcript.write_text("ruff> 1 + 1\n{{[0-9}}\n")
    assert main(["test", str(transcript)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ruffdbg: {transcript}:2: error: bad {{{{regex}}}}: ") and err.count("\n") == 1


def test_load_of_a_bad_file_is_one_line(tmp_path: Path):
    (tmp_path / "latin1.ruff").write_bytes(b'print("caf\xe9")\n')
    shell = Shell()
    assert shell.execute(f":load {tmp_path / 'latin1.ruff'}") == \
        f"error: cannot read {tmp_path / 'latin1.ruff'}: not UTF-8 text (byte 0xe9 on line 1)\n"
    assert shell.execute(f":load {tmp_path}") == f"error: cannot read {tmp_path}: it is a folder, not a file\n"


def test_a_bad_transcript_in_a_folder_fails_alone(tmp_path: Path, capsys):
    (tmp_path / "good.rdbg").write_text("ruff> 1 + 1\n2\n")
    (tmp_path / "latin1.rdbg").write_bytes(b"ruff> 1\n\xe9\n")
    assert main(["test", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert f"PASS  {tmp_path / 'good.rdbg'}" in out and "1 passed, 1 failed" in out
    assert err == f"ruffdbg: error: cannot read {tmp_path / 'latin1.rdbg'}: not UTF-8 text (byte 0xe9 on line 2)\n"


def test_redefining_a_recursive_function_retires_its_own_native_code():
    shell = Shell(Policy(threshold=2))
    shell.execute("func rec(n) {\n  if n < 2 { return n }\n  return rec(n - 1) + rec(n - 2)\n}")
    assert shell.execute("rec(15)") == "610\n" and shell.session.function("rec").tier == "T2"
    shell.execute("func rec(n) {\n  if n < 1 { return 0 }\n  return 1 + rec(n - 1)\n}")
    reasons = [e.detail["reason"] for e in shell.session.events.since(0) if e.kind == "invalidated"]
    assert "global rec was redefined" in reasons
    assert shell.execute("rec(15)") == "15\n" and shell.execute("rec(15)") == "15\n"
