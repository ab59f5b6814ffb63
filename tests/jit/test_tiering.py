"""The tiering decisions alone: pure functions of profile, state and policy (no LLVM, no VM)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ruffdbg.jit import tiering
from ruffdbg.jit.policy import TierPolicy
from ruffdbg.jit.views import State
from ruffdbg.profile.report import TypeProfile
from ruffdbg.profile.stability import StabilityRule
from ruffdbg.session import Policy, Session


def profile(dominant: str, stable: bool = True) -> SimpleNamespace:
    return SimpleNamespace(dominant=dominant, stable=stable)


def test_stable_scalar_arguments_give_their_types():
    assert tiering.stable_types([profile("int"), profile("float")]) == ("int", "float")
    assert tiering.stable_types([]) == ()
    assert tiering.stable_types([profile("int"), profile("float", stable=False)]) is None
    assert tiering.stable_types([profile("string")]) == ("dyn",)   # T2 takes it tagged


def test_dominant_types_ignore_stability_but_need_every_argument_seen():
    name = {int: "int", float: "float", str: "string"}.get
    assert tiering.dominant_types([{int: 3, float: 2}], name) == ("int",)
    assert tiering.dominant_types([{int: 3}, {}], name) is None
    assert tiering.dominant_types([{str: 5}], name) == ("dyn",)
    # (what the JIT speculates on: a type seen in fewer than least_share of the samples is not guessed)
    assert tiering.dominant_types([{int: 3, float: 2}, {float: 9, int: 1}], name, 0.75) == ("dyn", "float")


@pytest.mark.parametrize("state", [State.BLACKLISTED, State.NOT_COMPILABLE])
def test_stopped_functions_are_never_looked_at_again(state):
    assert tiering.hot_gate(state, False, False, TierPolicy()) == tiering.HotPlan(stop=True)


def test_a_disabled_jit_stops_and_a_held_or_stepping_function_waits():
    assert tiering.hot_gate(State.INTERPRETED, False, False, TierPolicy(enabled=False)).stop
    assert tiering.hot_gate(State.INTERPRETED, True, False, TierPolicy()) == tiering.HotPlan(later=True)
    assert tiering.hot_gate(State.BASELINE, False, True, TierPolicy()) == tiering.HotPlan(later=True)
    assert tiering.hot_gate(State.DESPECIALIZED, False, False, TierPolicy()) is None


def test_stable_profile_tries_t2_then_t1_and_unstable_gets_t1():
    assert tiering.hot_choice(("int",), set(), 0) == tiering.HotPlan(t2_types=("int",), t1=True)
    assert tiering.hot_choice(("int",), set(), 1) == tiering.HotPlan(t2_types=("int",), t1=False)
    assert tiering.hot_choice(None, set(), 0) == tiering.HotPlan(t1=True)
    assert tiering.hot_choice(("int",), {("int",)}, 1) == tiering.HotPlan()   # T2 refused these types


def test_speculation_failing_over_the_rate_in_the_window_despecializes():
    policy = TierPolicy(despecialize_rate=0.10, despecialize_min_entries=20)
    assert not tiering.judge_speculation(5, 19, (0, 0), policy).despecialize   # too few entries yet
    assert not tiering.judge_speculation(2, 20, (0, 0), policy).despecialize   # 10 %: not over
    verdict = tiering.judge_speculation(3, 20, (0, 0), policy)
    assert verdict.despecialize and (verdict.failures, verdict.attempts) == (3, 20)
    # A long clean run closes its window: the failures that follow are judged on their own.
    clean = tiering.judge_speculation(0, 1000, (0, 0), policy)
    assert clean.window == (0, 1000) and not clean.despecialize
    assert tiering.judge_speculation(5, 1030, clean.window, policy).despecialize


def test_what_a_deopt_counts_as_and_when_to_give_up():
    assert tiering.after_deopt("call-result", False, State.OPTIMIZED) == "speculation"
    assert tiering.after_deopt("overflow", False, State.BASELINE) == "bail-out"
    assert tiering.after_deopt("overflow", True, State.OPTIMIZED) is None          # an OSR loop
    assert tiering.after_deopt("tag", False, State.BLACKLISTED) is None
    assert not tiering.too_many(3, TierPolicy(blacklist_after=3))
    assert tiering.too_many(4, TierPolicy(blacklist_after=3))


def test_a_t1_function_says_why_t2_was_not_tried():
    rule = StabilityRule(samples=60, share=0.9)
    few = TypeProfile("n", {"int": 3}, 3, "int", 1.0, False)
    mixed = TypeProfile("a", {"int": 50, "float": 50}, 100, "int", 0.5, False)
    array = TypeProfile("xs", {"array": 100}, 100, "array", 1.0, True)
    steady = TypeProfile("k", {"int": 100}, 100, "int", 1.0, True)
    assert tiering.why_not_t2([steady, few], rule, 40) == \
        "T2 not tried: argument n has 3 of the 60 samples T2 needs; looked at again at call 40"
    assert tiering.why_not_t2([mixed], rule, 9) == \
        "T2 not tried: argument a is unstable (int 50%, float 50%); looked at again at call 9"
    # (a stable array is no reason: T2 takes it tagged)
    assert tiering.stable_types([array, steady]) == ("dyn", "int")
    assert tiering.why_not_t2([array], rule, 9) == "T2 not tried yet; looked at again at call 9"


def test_a_t2_try_held_back_is_not_repeated_at_every_call(monkeypatch):
    """Each T2 try costs an inference of the function: one the cost rule (or a
    refusal) held back is looked at again less and less often, not at each call
    (at --threshold 1 a campaign program spent 15 s re-inferring one function)."""
    from ruffdbg.jit.compiling import Compiling

    tries: list[str] = []
    infer = Compiling._infer

    def counted(self, code, types):
        tries.append(code.name)
        return infer(self, code, types)

    monkeypatch.setattr(Compiling, "_infer", counted)
    program = """func t(a, d) {
    mut x := a.norm()
    return x
}
mut n := 0
for i in range(2000) {
    try { if i < 1600 { t(null, i % 2) } else { t({"k": i}, i % 2) } } except e { n := n + 1 }
}
print(n)
"""
    output: list[str] = []
    session = Session(Policy(jit=True, threshold=1), write=output.append)
    assert session.run_source(program, "t.ruff").ok
    assert output == ["2000\n"]
    # (doubling from call 1: about log2(2000), and the T2 unit built once and judged
    # slower on its own run; it was 321)
    assert tries.count("t") <= 14
