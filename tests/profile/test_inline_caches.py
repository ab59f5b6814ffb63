"""Inline caches as users see them: Session records, the ic events, the deopt
explorer's groups, the dis listing and `ruffdbg deopts`, --stats-json; the same
states whichever tier ran."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ruffdbg.cli import main
from ruffdbg.session import Policy, Session
from tests.unjudged import keep_t1_units

# getx's p.x goes mono (Point) -> poly (Vec, A, B) -> mega (C); size's v.len()
# is a polymorphic method call; add's a + b reaches op_add only for structs;
# first and maybe read dicts through ?. and through a field access that fails.
PROGRAM = """struct Point {
    x, y
    func len(self) { return self.x + self.y }
    func op_add(self, o) { return Point { x: self.x + o.x, y: self.y + o.y } }
}
struct Vec {
    x, y
    func len(self) { return self.x * self.y }
}
struct A { x }
struct B { x }
struct C { x }
func getx(p) { return p.x }
func size(v) { return v.len() }
func add(a, b) { return a + b }
func maybe(d) { return d?.x }
func spin(n) {
    mut total := 0
    for i in range(n) {
        total := total + getx(Point { x: i, y: 1 }) + size(Vec { x: 1, y: i }) + add(Point { x: i, y: 0 }, Point { x: 1, y: 1 }).x
        total := total + add(i, 1) + (maybe({"x": 1}) ?? 0)
    }
    return total
}
print(spin(60))
print(getx(Vec { x: 1, y: 2 }) + getx(A { x: 1 }) + getx(B { x: 1 }))
print(size(Point { x: 1, y: 2 }))
print(getx(C { x: 1 }))
"""


def run(policy: Policy, program: str = PROGRAM, judged: bool = True) -> Session:
    session = Session(policy, write=lambda text: None)
    if not judged:
        keep_t1_units(session)
    result = session.run_source(program)
    assert result.ok, result.error
    return session


def caches(session: Session, name: str) -> list[tuple]:
    return [(site.text, site.state, site.summary, site.shapes) for site in session.function(name).ics if site.listed]


@pytest.fixture(scope="module")
def t0() -> Session:
    return run(Policy(jit=False))


def test_sites_record_state_shapes_and_hits(t0):
    assert caches(t0, "getx") == [("p.x", "mega", "mega", [("Point#1", 60), ("Vec#1", 1), ("A#1", 1), ("B#1", 1),
                                                              ("C#1", 1)])]
    assert caches(t0, "size") == [("v.len()", "poly", "poly(2) Vec#1 Point#1", [("Vec#1", 60), ("Point#1", 1)])]
    # Ints at the + are type feedback, not a method call: only the structs are counted.
    assert caches(t0, "add") == [("a + b", "mono", "mono Point#1", [("Point#1", 60)])]
    assert caches(t0, "maybe") == [("d?.x", "mono", "mono dict", [("dict", 60)])]
    # (a struct literal's cache: the shape it built)
    assert caches(t0, "op_add") == [(text, "mono", "mono Point#1", [("Point#1", 60)])
                                    for text in ("self.x", "o.x", "self.y", "o.y", "Point {x, y}")]
    # The method call's type feedback is read from its cache.
    (site,) = [site for site in t0.function("size").sites if site.opcode == "CALL_METHOD"]
    assert site.counts == {("struct",): 61}


def test_transitions_are_events_and_grouped_like_deopts(t0):
    events = [(e.function, e.pc, e.detail["site"], e.detail["old"], e.detail["new"], e.detail["shape"])
              for e in t0.events.since(0) if e.kind == "ic" and e.function == "getx"]
    assert events == [("getx", 1, "p.x", "uninit", "mono", "Point#1"), ("getx", 1, "p.x", "mono", "poly", "Vec#1"),
                      ("getx", 1, "p.x", "poly", "mega", "C#1")]
    groups = [(g.kind, g.reason, g.count, g.line, g.pc, g.cause) for g in t0.deopt_groups("getx")]
    assert groups == [("ic", "p.x: uninit -> mono", 1, 13, 1, "Point#1"), ("ic", "p.x: mono -> poly", 1, 13, 1, "Vec#1"),
                      ("ic", "p.x: poly -> mega", 1, 13, 1, "C#1")]
    # Two methods called len: their sites are different groups (by line).
    assert sorted(g.line for g in t0.deopt_groups("len")) == [3, 3, 8, 8]


def test_listing_shows_the_ic_column(t0):
    rows = {row.instruction.opname: row for row in t0.bytecode("size").rows}
    assert rows["CALL_METHOD"].ic_text == "ic poly(2) Vec#1 Point#1"
    assert rows["CALL_METHOD"].annotation.endswith("monomorphic: struct · ic poly(2) Vec#1 Point#1")
    listing = t0.disassemble("add", counts=True)
    assert "monomorphic: struct,struct · ic mono Point#1" not in listing   # ints were seen too
    assert "ic mono Point#1" in listing


def test_a_redeclared_struct_is_a_new_shape():
    session = run(Policy(jit=False), "struct P { x }\nfunc f(p) { return p.x }\nprint(f(P { x: 1 }))\n")
    session.redefinition = True
    session.vm.redeclarable = set(session.vm.globals)
    assert session.run_source("struct P { x, y }\nprint(f(P { x: 2, y: 3 }))\n", "<input-2>").ok
    assert caches(session, "f") == [("p.x", "poly", "poly(2) P#1 P#2", [("P#1", 1), ("P#2", 1)])]


def test_states_are_the_same_in_every_tier(t0):
    # --threshold 1: everything runs at T1, whose generic path runs the interpreter's ops.
    native = run(Policy(threshold=1), judged=False)
    assert native.function("spin").tier == "T1"
    for name in ("getx", "size", "add", "maybe", "op_add", "spin"):
        assert caches(native, name) == caches(t0, name), name


def test_cli_deopts_dis_hotspots_and_stats_json_show_ic_sites(tmp_path: Path, capsys):
    program = tmp_path / "ics.ruff"
    program.write_text(PROGRAM)
    assert main(["deopts", "--no-jit", "--func", "getx", str(program)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ic            getx             x1")
    assert out[0].endswith("line 13, pc 1, by Point#1")
    assert out[1:6:2] == ["    p.x: uninit -> mono", "    p.x: mono -> poly", "    p.x: poly -> mega"]
    assert main(["dis", "--counts", "--func", "size", str(program)]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if "CALL_METHOD" in line]
    assert row.endswith("x61       monomorphic: struct · ic poly(2) Vec#1 Point#1")
    assert main(["hotspots", "--no-jit", str(program)]) == 0
    report = capsys.readouterr().out
    table = [line.split() for line in report[report.index("Inline caches not monomorphic"):].splitlines()]
    rows = [words for words in table if words and words[0] in ("getx", "size", "add", "maybe")]
    assert [words[:4] for words in rows] == [["getx", "13", "p.x", "mega"], ["size", "14", "v.len()", "poly(2)"]]
    assert rows[1][4:] == ["Vec#1", "Point#1", "Vec#1", "x60,", "Point#1", "x1"]
    stats_path = tmp_path / "stats.json"
    assert main(["run", "--no-jit", "--stats-json", str(stats_path), str(program)]) == 0
    document = json.loads(stats_path.read_text())
    assert document["schema"] == 2
    (site,) = document["functions"]["size"]["ics"]
    assert site == {"pc": 1, "line": 14, "kind": "method", "site": "v.len()", "state": "poly",
                    "shapes": [{"shape": "Vec#1", "hits": 60}, {"shape": "Point#1", "hits": 1}], "others": 0}
    assert [e["detail"]["new"] for e in document["events"] if e["kind"] == "ic" and e["function"] == "getx"] == [
        "mono", "poly", "mega"]
