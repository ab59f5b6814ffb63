"""The tiering decisions, as pure functions of a profile, a function's state and
the policy: no LLVM, no VM, no lock. ``Jit`` gathers the facts, asks here, and
carries out the answer (compiling, invalidating, re-arming ``hot_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ruffdbg.compiler.opcodes import OPCODES, Op
from ruffdbg.jit.policy import TierPolicy
from ruffdbg.jit.types import SCALARS, Kind
from ruffdbg.jit.views import State

STOPPED = (State.BLACKLISTED, State.NOT_COMPILABLE)   # no more tiering for these

# What makes a function's native run longer than its instructions: a loop, a call.
LEAF_BREAKERS = frozenset((Op.JUMP_BACK, Op.CALL, Op.CALL_METHOD))

# Guards that check a speculation (a profile's types, a call's result type, the
# function a global holds): their failures count toward despecialization.
# Any other guard failing is a bail-out (something only the interpreter does).
SPECULATIVE = ("type", "call-result", "global-unchanged", "global-type", "elements-kind", "shape", "declared-shape",
               "virtual-struct", "callee", "callee-code")


def stable_types(profiles: Iterable[Any]) -> tuple[str, ...] | None:
    """The type T2 takes each argument as (``report.ArgumentProfile``s), if every one
    is stable; else None. A scalar is unboxed (and guarded at entry); any other type
    (array, string, struct ...) is passed tagged (``dyn``), as T1 passes everything,
    and what T2 does with it is left generic."""
    profiles = list(profiles)
    if not all(profile.stable for profile in profiles):
        return None
    return tuple(native_type(profile.dominant) for profile in profiles)


def native_type(ruff_type_name: str) -> str:
    """How native code holds a value of this Ruff type: its scalar kind, or tagged."""
    return ruff_type_name if ruff_type_name in SCALARS else Kind.DYN


def dominant_types(arg_types: list[dict], type_name, least_share: float = 0.0) -> tuple[str, ...] | None:
    """The most seen type of each argument, stable or not (for compiling on request),
    as ``native_type``; None when an argument was never seen. ``type_name`` turns a
    profiled Python type into a Ruff type name. An argument whose most seen type
    has less than ``least_share`` of its samples is ``dyn``."""
    if not all(arg_types):
        return None
    return tuple(_dominant_type(seen, type_name, least_share) for seen in arg_types)


def _dominant_type(seen: dict, type_name, least_share: float) -> str:
    most, count = max(seen.items(), key=lambda item: item[1])
    return native_type(type_name(most)) if count >= least_share * sum(seen.values()) else Kind.DYN


def speculated_types(stable: tuple[str, ...] | None, dominant: tuple[str, ...] | None,
                     loop_hot: bool) -> tuple[str, ...] | None:
    """The argument types to specialize a hot function on: the stable ones; or, for
    a function whose loop already runs natively (OSR), the types seen most even
    before they are stable -- its next call is worth T2 now, and a wrong guess
    deopts like any other."""
    if stable is not None or not loop_hot:
        return stable
    return dominant


def why_not_t2(profiles: Iterable[Any], rule: Any, again_at: int) -> str:
    """Why a function that tiered up got T1 rather than T2 (its arguments'
    ``report.TypeProfile``s judged by the stability ``rule``), and when it is
    looked at again: every T1 function says so in the views."""
    for profile in profiles:
        if profile.samples < rule.samples:
            why = f"argument {profile.name} has {profile.samples} of the {rule.samples} samples T2 needs"
        elif not profile.stable:
            why = f"argument {profile.name} is unstable ({profile.shares()})"
        else:
            continue
        return f"T2 not tried: {why}; looked at again at call {again_at}"
    return f"T2 not tried yet; looked at again at call {again_at}"


@dataclass(frozen=True)
class HotPlan:
    """What to do when a function reaches its call-count mark."""

    stop: bool = False                       # never look again (hot_at = NEVER)
    later: bool = False                      # look again after recheck_every calls, compile nothing
    t2_types: tuple[str, ...] | None = None  # try T2 for these argument types first
    t1: bool = False                         # then T1, if T2 was not tried or failed


def hot_gate(state: State, held: bool, stepping: bool, policy: TierPolicy) -> HotPlan | None:
    """Whether a function that reached its call-count mark may tier up at all now
    (None: yes, see ``hot_choice``)."""
    if state in STOPPED or not policy.enabled:
        return HotPlan(stop=True)
    if held or stepping:
        return HotPlan(later=True)   # once released, it may tier up
    return None


def hot_choice(stable: tuple[str, ...] | None, t2_refused: set, current_tier: int) -> HotPlan:
    """A stable profile gets T2 (falling back to T1 when T2 cannot compile it);
    an unstable one gets T1 and is looked at again later, so it can still
    specialize once its types settle. ``stable`` is ``stable_types`` of its
    arguments; ``current_tier`` that of its valid unit (0 without one)."""
    t2_types = stable if stable is not None and stable not in t2_refused else None
    return HotPlan(t2_types=t2_types, t1=current_tier < 1)


@dataclass(frozen=True)
class DespecializeVerdict:
    window: tuple[int, int]       # the unit's (failures, attempts) window from now on
    despecialize: bool = False
    failures: int = 0             # in the window, when it despecializes
    attempts: int = 0


def judge_speculation(failures: int, attempts: int, window: tuple[int, int], policy: TierPolicy) -> DespecializeVerdict:
    """Speculation failing too often (more than ``despecialize_rate`` of the entries)?

    The rate is taken over a window of recent entries (``failures`` and
    ``attempts`` are totals since the unit was built; ``window`` the totals when
    the window began), so a unit that ran cleanly for a long time still gives up
    quickly once its types change. A window is closed every five times the
    minimum number of entries."""
    window_failures, window_attempts = failures - window[0], attempts - window[1]
    if window_attempts >= 5 * policy.despecialize_min_entries:
        window = (failures, attempts)   # start a new window
    if window_attempts < policy.despecialize_min_entries:
        return DespecializeVerdict(window)
    if window_failures / window_attempts <= policy.despecialize_rate:
        return DespecializeVerdict(window)
    return DespecializeVerdict(window, True, window_failures, window_attempts)


def after_deopt(guard_kind: str, osr: bool, state: State) -> str | None:
    """What a deopt counts as: "speculation" (may despecialize), "bail-out" (native
    code met what only the interpreter does: recompiling would not help) or None
    (an OSR loop's bail-out, or the function is blacklisted already)."""
    if guard_kind in SPECULATIVE:
        return "speculation"
    if not osr and state != State.BLACKLISTED:
        return "bail-out"
    return None


def too_many(count: int, policy: TierPolicy) -> bool:
    """More despecializations or bail-outs than the policy allows: blacklist."""
    return count > policy.blacklist_after


def short_method(code: Any, limit: int = TierPolicy.short_method, methods_only: bool = True) -> str | None:
    """Why a method's (or, not ``methods_only``, a function's) native code is not
    entered from the interpreter (see ``TierPolicy.short_method``: ``limit``), or None."""
    ops = [op for op, _ in code.instrs]
    if (methods_only and code.owner is None) or len(ops) > limit or any(op in LEAF_BREAKERS for op in ops):
        return None
    return (f"called from the interpreter it is interpreted: entering native code costs more than its "
            f"{len(ops)} instructions (no loop, no call); native callers call it natively")


def inline_body(code: Any) -> bool:
    """Whether T2 runs every instruction of ``code`` inline: none the opcode table
    sends to the generic path (its ``jit`` column) but field loads and the struct
    literals it builds natively (``structs.literal_site``)."""
    from ruffdbg.jit import structs   # (structs imports this module)
    return all(OPCODES[op].jit is None or op == Op.GET_FIELD
               or op == Op.NEW_STRUCT and structs.literal_site(code, pc) is not None
               for pc, (op, _) in enumerate(code.instrs))


def t1_slower(generic: int, total: int, policy: TierPolicy, tier: int = 1, kept_at: str = "T0",
              evidence: int | None = None) -> str | None:
    """Why ``tier`` (T1, or T2: the same rule) would run slower than the tier below, or
    None. ``generic``: instructions the profile saw run that it would hand to the
    interpreter; ``total``: all it saw run; ``kept_at``: where the code stays;
    ``evidence``: the least ``total`` judged (default ``policy.t1_evidence``)."""
    if total < (policy.t1_evidence if evidence is None else evidence) or generic * policy.t1_generic_cost <= total \
            or total <= 0:   # (no instruction seen run: no evidence, whatever the operator feedback says)
        return None
    return (f"kept at {kept_at}: T{tier} would be slower ({generic * 100 // total}% of the instructions run would "
            f"take its generic path, a call into the interpreter costing about {policy.t1_generic_cost} "
            f"interpreted instructions)")
