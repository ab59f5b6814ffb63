"""Every command that takes a path, with every kind of bad path: a one-line
diagnostic on stderr and a non-zero exit, never a traceback or "internal error"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ruffdbg.cli import EXIT_INTERNAL, main
from ruffdbg.repl.commands import Shell


def make_bad(kind: str, root: Path) -> Path:
    """A path of ``kind`` under ``root``."""
    if kind == "missing":
        return root / "missing.ruff"
    if kind == "folder":
        (root / "folder").mkdir()
        return root / "folder"
    if kind == "binary":
        (root / "binary").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe")
        return root / "binary"
    if kind == "not-utf8":
        (root / "latin1.ruff").write_bytes(b'print("caf\xe9")\n')
        return root / "latin1.ruff"
    if kind == "inside-a-file":
        (root / "plain").write_text("x")
        return root / "plain" / "prog.ruff"
    if kind == "a-file":
        (root / "plain.txt").write_text("x")
        return root / "plain.txt"
    if kind == "unreadable":
        (root / "secret.ruff").write_text("print(1)\n")
        (root / "secret.ruff").chmod(0)
        return root / "secret.ruff"
    raise AssertionError(kind)


INPUT_KINDS = ["missing", "folder", "binary", "not-utf8", "inside-a-file"] + \
    (["unreadable"] if os.geteuid() != 0 else [])   # (root reads anything)
OUTPUT_FOLDER_KINDS = ["a-file", "inside-a-file"]

# Each command with "{}" where the path goes, and the kinds of bad path it is given.
COMMANDS = [
    (["run", "{}"], INPUT_KINDS),
    (["dis", "{}"], INPUT_KINDS),
    (["dis", "--counts", "{}"], INPUT_KINDS),
    (["ir", "--func", "f", "{}"], INPUT_KINDS),
    (["asm", "--func", "f", "{}"], INPUT_KINDS),
    (["hotspots", "{}"], INPUT_KINDS),
    (["tui", "{}"], INPUT_KINDS),
    (["test", "{}"], INPUT_KINDS),
    (["screenshot", "--out", "{}"], OUTPUT_FOLDER_KINDS),
    (["bench", "--dir", "{}"], ["missing", "folder", "a-file", "inside-a-file"]),
]
CASES = [(argv, kind) for argv, kinds in COMMANDS for kind in kinds]


@pytest.mark.parametrize("argv,kind", CASES, ids=[f"{' '.join(a[:-1]) or a[0]}-{k}" for a, k in CASES])
def test_bad_path_is_one_line_and_a_failure(argv: list[str], kind: str, tmp_path: Path, capsys):
    path = make_bad(kind, tmp_path)
    status = main([str(path) if word == "{}" else word for word in argv])
    out, err = capsys.readouterr()
    assert status not in (0, EXIT_INTERNAL)
    assert len(err.splitlines()) == 1 and err.startswith("ruffdbg"), err
    assert str(path.name) in err or str(path.parent.name) in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_load_in_the_repl_with_a_bad_path_is_one_line(kind: str, tmp_path: Path):
    path = make_bad(kind, tmp_path)
    shell = Shell()
    report = shell.execute(f":load {path}")
    assert report.startswith(f"error: cannot read {path}: ") and report.count("\n") == 1
    assert shell.execute("1 + 1") == "2\n"


def test_the_real_command_prints_no_traceback(tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "ruffdbg.cli", "run", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == f"ruffdbg: error: cannot read {tmp_path}: it is a folder, not a file\n"


def test_bench_on_a_folder_with_a_non_utf8_or_untimed_program_says_so_in_one_line(tmp_path):
    (tmp_path / "a.ruff").write_bytes(b"print(\xff)\n")
    for expected in ("not UTF-8 text", "printed no 'elapsed_ms: X' line"):
        done = subprocess.run([sys.executable, "-m", "ruffdbg.cli", "bench", "--dir", str(tmp_path), "--runs", "1"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and "Traceback" not in done.stderr and "internal error" not in done.stderr
        assert expected in done.stderr
        (tmp_path / "a.ruff").write_text("print(1)\n")
