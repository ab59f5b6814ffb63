"""Every view judges type stability by the one rule in force (Session.stability)."""

from __future__ import annotations

from ruffdbg.repl.commands import Shell
from ruffdbg.session import Policy, Session
from ruffdbg.textviews import hotspots_report
from ruffdbg.tui.profiles import profiles_text

# f's argument is an int 70% of the time: unstable by the default rule, stable by 60%.
PROGRAM = """func f(x) { return x + 1 }
mut i := 0
while i < 300 {
    if i % 10 < 7 { f(i) } else { f(0.5) }
    i := i + 1
}
"""


def session(**changes) -> Session:
    session = Session(Policy(threshold=100000), write=lambda text: None)
    if changes:
        session.update_policy(**changes)
    assert session.run_source(PROGRAM).ok
    return session


def test_the_default_rule_everywhere():
    s = session()
    spot = next(spot for spot in s.hotspots() if spot.stats.name == "f")
    assert not spot.stable and not s.function("f").args[0].stable
    report = hotspots_report(s)
    assert "Type profiles (stable: at least 60 samples and 90% one type)" in report
    assert "stable: >= 90% of type samples" in report
    assert "stable = at least 60 samples and 90% one type" in profiles_text(s.function("f"), s.stability).plain


def test_an_edited_rule_everywhere():
    s = session(stable_samples=10, stable_share=0.6)
    spot = next(spot for spot in s.hotspots() if spot.stats.name == "f")
    assert spot.stable and s.function("f").args[0].stable
    report = hotspots_report(s)
    assert "Type profiles (stable: at least 10 samples and 60% one type)" in report
    assert "stable: >= 60% of type samples" in report
    text = profiles_text(s.function("f"), s.stability).plain
    assert "stable = at least 10 samples and 60% one type" in text and "arg x: int 70%, float 30%" in text
    assert "(300 samples, stable)" in text


def test_the_repl_says_which_rule_judged():
    shell = Shell(Policy(threshold=100000))
    shell.execute(PROGRAM)
    shell.execute("0")
    assert shell.session.update_policy(stable_share=0.6) is None
    out = shell.execute(":profile f").splitlines()
    assert out[0].endswith("stable = at least 60 samples and 60% one type")
    assert out[1] == "  arg x: int 70%, float 30% (300 samples, stable)"
