"""The persistent code cache (jit/codecache.py): a later run reuses machine code,
and shows exactly what a run that compiled it shows; what must not hit, does not;
bad files are ignored; the folder stays bounded."""

from __future__ import annotations

import os
import threading

import pytest

from ruffdbg import cli
from ruffdbg.jit import codecache, compiling
from ruffdbg.jit.engine import Levels
from ruffdbg.session import Policy, Session
from ruffdbg.exports import stats_document

# A T2 function that deopts (a float after ints), a T1 function with a string
# constant and generic ops, a hot loop (OSR), recursion (the twin).
PROGRAM = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
func half(x) { return x / 2 }
func label(i) { return "item " + to_string(i) }
func wrap(x) { return x % 2.5 }   # (LLVM calls fmod: a symbol of the process, not an import)
mut total := 0
for i in 30000 { total := total + i % 7 }
mut out := ""
for i in 60 { out := label(i) }
for i in 300 { half(i) }
mut w := 0.0
for i in 300 { w := w + wrap(i + 0.5) }
print(fib(18), total, out, half(3.0), w)
"""


# (smaller, for the tests that run a program many times)
SMALL = """func half(x) { return x / 2 }
for i in 300 { half(i) }
print(half(3.0))
"""


def run(source: str, cache, threshold: int = 40) -> tuple[Session, str]:
    printed: list[str] = []
    session = Session(Policy(jit=True, threshold=threshold, code_cache=cache), write=printed.append)
    assert session.run_source(source, "prog.ruff").ok
    return session, "".join(printed)


def seen(session: Session) -> dict:
    """What the views show of every function: tier, counts, guards with their counts."""
    out = {}
    for name in ("fib", "half", "label", "wrap", "<script>"):
        stats = session.function(name)
        out[name] = (stats.tier, stats.calls, stats.deopts,
                     tuple((g.kind, g.pc, g.detail, g.passed, g.failed) for g in stats.guards),
                     tuple(row.count for row in session.bytecode(name).rows))
    return out


def compiles(session: Session) -> list:
    return [record for record in session.jit.history.records.values() if record.kind != "display"]


def test_a_warm_run_loads_every_compile_and_shows_what_a_cold_run_shows(tmp_path):
    cold, cold_out = run(PROGRAM, str(tmp_path))
    assert all(not r.unit.compiled.cached for r in compiles(cold)) and len(compiles(cold)) >= 4
    assert cold.jit.code_cache.stats.stores == len(compiles(cold))
    warm, warm_out = run(PROGRAM, str(tmp_path))
    records = compiles(warm)
    assert warm_out == cold_out == "2584 89995 item 59 1.5 300\n"
    assert [r.unit.compiled.cached for r in records] == [True] * len(records)
    assert seen(warm) == seen(cold)
    # a hit is the code a compile makes: the same optimized IR, no optimize or codegen stage
    assert [r.unit.compiled.ir_after for r in records] == [r.unit.compiled.ir_after for r in compiles(cold)]
    assert all("load" in r.ms and "optimize" not in r.ms and "codegen" not in r.ms for r in records)
    # the views say so
    listing = warm.native_listing("fib", "ir", 2)
    assert listing.cached and "machine code from the code cache" in listing.header
    events = [e for e in warm.events.since(0) if e.kind == "compiled"]
    assert events and all(e.detail.get("cached") is True for e in events)
    assert all(c.cached for c in warm.compiles("fib")) and "(code from the cache)" in warm.compiles("fib")[0].trigger_text
    stats = stats_document(warm)
    assert stats["code_cache"]["hits"] == len(records) and stats["code_cache"]["misses"] == 0
    assert stats["functions"]["fib"]["compiles"][0]["cached"] is True


def test_a_changed_program_other_types_or_another_version_never_hit(tmp_path, monkeypatch):
    run(SMALL, str(tmp_path))
    changed, out = run(SMALL.replace("x / 2", "x / 4"), str(tmp_path))
    assert out == "0.75\n"
    half = [r for r in compiles(changed) if r.function == "half"]
    assert half and not any(r.unit.compiled.cached for r in half)
    assert any(r.unit.compiled.cached for r in compiles(changed) if r.function == "<script>")   # (the loop did not change)
    floats, _ = run(SMALL.replace("for i in 300 { half(i) }", "for i in 300 { half(i + 0.5) }"), str(tmp_path))
    half = [r for r in compiles(floats) if r.function == "half" and r.tier == 2]
    assert half and not any(r.unit.compiled.cached for r in half)   # (T1 code, untyped, may be shared)
    codecache._fingerprint.cache_clear()
    monkeypatch.setattr(codecache, "_fingerprint", lambda: b"llvm 99.0")   # (another LLVM, ruffdbg ...)
    upgraded, _ = run(SMALL, str(tmp_path))
    assert not any(r.unit.compiled.cached for r in compiles(upgraded))


def test_code_made_at_other_llvm_levels_never_hits(tmp_path, monkeypatch):
    """The key holds both -O levels (compiling.LEVELS): code a code generator
    made at another level is never reused."""
    assert len({codecache.key("ir", None, Levels(1, codegen)) for codegen in (0, 3)}) == 2
    assert len({codecache.key("ir", None, Levels(passes, 3)) for passes in (1, 2)}) == 2
    first, _ = run(SMALL, str(tmp_path))
    assert any(r.tier == 1 for r in compiles(first))
    monkeypatch.setattr(compiling, "LEVELS", {tier: Levels(levels.passes, 0) for tier, levels in compiling.LEVELS.items()})
    other, out = run(SMALL, str(tmp_path))
    assert out == "1.5\n" and not any(r.unit.compiled.cached for r in compiles(other))


def test_truncated_corrupt_and_misplaced_files_are_ignored_and_replaced(tmp_path):
    _, expected = run(PROGRAM, str(tmp_path))
    files = sorted(tmp_path.glob("*.code"))
    assert len(files) >= 4
    files[0].write_bytes(files[0].read_bytes()[:100])            # truncated
    data = bytearray(files[1].read_bytes())
    data[len(data) // 2] ^= 0xFF
    files[1].write_bytes(bytes(data))                            # a flipped byte
    files[2].write_bytes(files[3].read_bytes())                  # another unit's entry under this name
    again, out = run(PROGRAM, str(tmp_path))
    stats = again.jit.code_cache.stats
    assert out == expected and (stats.rejected, stats.stores) == (3, 3)
    assert sum(r.unit.compiled.cached for r in compiles(again)) == len(files) - 3
    assert sorted(tmp_path.iterdir()) == files   # (replaced, and no temporary file left behind)


def test_an_entry_needing_symbols_the_unit_does_not_provide_is_not_linked(tmp_path):
    cache = codecache.CodeCache(tmp_path)
    first, _ = run(PROGRAM, cache.directory)
    record = next(r for r in compiles(first) if r.function == "half")
    key = cache.key(record.unit.compiled.ir_before, None, record.unit.compiled.levels)
    good = cache.load(key, set(record.unit.compiled.imports), record.unit.compiled.symbols)
    assert good is not None
    assert cache.load(key, {"rd.ctx"}, record.unit.compiled.symbols) is None         # (would abort in LLVM)
    cache.store(key, good.object_code, good.ir_after)
    assert cache.load(key, set(record.unit.compiled.imports), ("ruff_other",)) is None
    assert cache.stats.rejected == 2


def test_concurrent_writers_leave_whole_entries(tmp_path):
    cache = codecache.CodeCache(tmp_path)
    blobs = [bytes([n]) * 50_000 for n in range(8)]
    threads = [threading.Thread(target=codecache.CodeCache(tmp_path).store, args=("k" * 64, blob, "ir"))
               for blob in blobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.name for p in tmp_path.iterdir()] == ["k" * 64 + ".code"]
    entry = codecache._decode((tmp_path / ("k" * 64 + ".code")).read_bytes(), "k" * 64)
    assert entry is not None and entry.object_code in blobs
    assert cache.load("k" * 64, set()) is None   # (not an object file: refused, removed)


def test_the_folder_is_trimmed_oldest_use_first(tmp_path):
    cache = codecache.CodeCache(tmp_path, max_bytes=40_000)
    for n in range(3):
        cache.store(f"{n:064d}", b"x" * 12_000, "")
        os.utime(tmp_path / f"{n:064d}.code", (1000 + n, 1000 + n))
    os.utime(tmp_path / f"{0:064d}.code")   # used just now (a hit touches its entry)
    cache.store(f"{3:064d}", b"x" * 12_000, "")   # past 40,000 bytes: trimmed to 30,000
    left = sorted(p.name[:1] for p in tmp_path.glob("*.code"))
    assert cache.size() <= 30_000 and left == ["0", "0"] and (tmp_path / f"{3:064d}.code").exists()


def test_default_folder_and_the_suite_setting(monkeypatch, tmp_path):
    assert codecache.from_setting(True) is None   # tests/conftest.py: the suite keeps nothing
    monkeypatch.setenv(codecache.ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert codecache.default_directory() == tmp_path / "ruffdbg"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert codecache.default_directory() == tmp_path / ".cache" / "ruffdbg"
    monkeypatch.setenv(codecache.ENV, str(tmp_path / "mine"))
    assert codecache.from_setting(True).directory == tmp_path / "mine"


def test_cli_cache_flags(tmp_path, capsys):
    program = tmp_path / "half.ruff"
    program.write_text(SMALL)
    folder = tmp_path / "cache"
    for _ in range(2):
        assert cli.main(["run", str(program), "--threshold", "40", "--cache", str(folder), "--trace-jit"]) == 0
    out, err = capsys.readouterr()
    compiled = [line for line in err.splitlines() if "] compiled" in line]
    assert out == "1.5\n1.5\n"
    half = len(compiled) // 2
    assert not any("cached=True" in line for line in compiled[:half])
    assert all("cached=True" in line and "optimize_ms" not in line for line in compiled[half:])
    assert cli.main(["run", str(program), "--no-cache", "--threshold", "40", "--trace-jit"]) == 0
    assert "cached=True" not in capsys.readouterr().err
    assert cli.main(["run", str(program), "--cache", str(program)]) == 2
    assert capsys.readouterr().err == f"ruffdbg: error: --cache {program}: not a folder\n"
    assert cli.main(["run", str(program), "--cache", str(program / "sub")]) == 2
    assert capsys.readouterr().err == f"ruffdbg: error: --cache {program / 'sub'}: cannot write there (Not a directory)\n"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", str(program), "--cache", str(folder), "--no-cache"])
    assert exit_.value.code == 2
