"""Tiering policy: when to compile, when to give up. Constants from DESIGN.md.

All of it is plain data so views can show it and the CLI can change it
(``--threshold N`` sets every hotness threshold; ``--no-jit`` disables tiers).
"""

from __future__ import annotations

from dataclasses import dataclass

from ruffdbg.profile.stability import DEFAULT_SAMPLES, DEFAULT_SHARE, StabilityRule

NEVER = 1 << 62   # a hotness threshold that is never reached


@dataclass
class TierPolicy:
    enabled: bool = True
    t2_calls: int = 1000            # calls before a function is considered for T2
    osr_backedges: int = 1000       # iterations of one loop before it is entered natively (OSR)
    recheck_every: int = 64         # calls between re-checks of a not-yet-stable profile
    stable_samples: int = DEFAULT_SAMPLES   # the stability rule (profile/stability.py)
    stable_share: float = DEFAULT_SHARE
    despecialize_rate: float = 0.10  # guard failures per entry that despecialize a T2 unit
    despecialize_min_entries: int = 20
    blacklist_after: int = 3         # more despecializations/bail-outs than this: blacklisted
    # T1's generic path (a call into the interpreter per instruction) costs about this
    # many interpreted instructions: a function that would spend more time there than
    # the interpreter spends on all of it stays at T0 (judged once the profile has
    # seen ``t1_evidence`` instructions run).
    t1_generic_cost: int = 20
    t1_evidence: int = 1_000
    # ... and a unit built on little evidence (a low threshold, a function called
    # once) is judged again by the same rule on its own native run: after this
    # many trips through the generic path, then after twice as many, and so on.
    # One that ran slower than the tier below is retired, its running
    # activations leave at their next safepoint, and it is not built again
    # (nbody at --threshold 1: `simulate`, called once, ran 13x slower at T1
    # than at T0 and could never reach T2's native arrays by OSR).
    t1_judge_callbacks: int = 64
    # Native code calls a T1 function directly, so the interpreter no longer sees
    # those calls: one in this many goes through it instead, so the callee's
    # profile keeps growing and it can still reach T2. A sample costs a trip
    # through the VM (about 25 us): at 16, a recursive T1 function spent 95% of
    # its time there; at 256, a settling profile needs 16 times more calls.
    sample_native_calls: int = 256
    # Entering native code from the interpreter (boxing the arguments, the ctypes
    # call, unboxing the result) costs about 2 us, what the interpreter spends on
    # some 10-20 instructions: a struct method with at most this many
    # instructions, no loop and no call (so its native run is that short too) is
    # called natively only by native callers; called by the interpreter, it is
    # interpreted (vecadd's `acc.dot(step)` from an interpreted loop: 25 % slower
    # entered natively) and not even compiled until a native caller needs it.
    # A global function that short is compiled and entered from the interpreter
    # as usual until it has been entered this many times from it: then it too is
    # interpreted there (a loop kept at T0 calling `sq(i)` ran 40 % slower than at
    # --no-jit), while native callers go on calling it natively.
    short_method: int = 24
    short_function_entries: int = 4096
    # A function whose loop already runs natively is compiled whole at its next
    # call on the types its arguments showed most, stable or not
    # (tiering.speculated_types); an argument whose most seen type has less than
    # this share of its samples is compiled as dyn rather than guessed (an
    # argument half floats, half strings: guessed float, 11 deopts at entry, a
    # despecialization and a second compile as dyn, 2.2 s of LLVM more).
    speculate_share: float = 0.75
    # A function (or an OSR loop) of more bytecode instructions than this is not
    # compiled (HotSpot's huge-method limit): LLVM's time grows faster than the
    # code (tests/programs/jit_chain_500_plus, a function of 500 dynamic `+`:
    # 5.9 s of CPU at --threshold 1 against 0.6 s for the whole run at T0), and
    # nothing that size runs long enough to repay it. The largest function of
    # the examples and test programs has 298.
    max_unit_instructions: int = 500
    # ... nor one of more instructions times locals than this: every deopt exit
    # writes the whole frame, so its IR grows with both (a generated function of
    # 472 instructions and 32 locals: 2.6 MB of IR, 2 s a compile, compiled 10
    # times in a run the interpreter finishes in 1.4 s). nbody's simulate, the
    # largest the examples compile, weighs 298 x 24 = 7,152 (1.1 MB of IR).
    max_unit_weight: int = 10_000
    # A unit retired for speed rather than for a broken assumption (replaced by
    # T2 code, ran slower, despecialized) is still correct code: a caller that
    # calls it directly and weighs more than this (instructions x locals, about
    # 150 ms of LLVM) keeps calling it -- its code stays loaded -- rather than
    # being rebuilt; nor is such a caller rebuilt just to call a newly compiled
    # callee directly (it reaches it through the call cell). A generated
    # function weighing 4,160 was rebuilt three times for its callees (3.4 s of
    # LLVM in a run the interpreter finishes in 1.3 s).
    rebuild_weight: int = 1_000
    # T2 compiles (whole functions and OSR loops) run their LLVM stages on the
    # compiler thread while the function goes on in its current tier
    # (jit/background.py). Off by default: then every compile happens at the
    # moment it is decided, so which tier ran what -- the events, the reports,
    # the tests -- is the same on every run. A program's output never depends
    # on it either way.
    background: bool = False
    # A T1 unit with no loop gets its machine code from LLVM's -O0 code generator
    # (compiling.QUICK_T1): about 3x faster to make (the examples' T1 compiles:
    # p50 29 -> 20 ms CPU), but a call of it runs slower (values kept on the
    # stack between blocks: a small callee in a hot native loop 1.5x slower).
    # Off: a T1 unit is where a function whose types never settle runs for good.
    t1_quick_codegen: bool = False

    @classmethod
    def from_cli(cls, jit: bool, threshold: int | None) -> "TierPolicy":
        policy = cls(enabled=jit)
        if threshold is not None:
            policy.t2_calls = policy.osr_backedges = threshold
            policy.recheck_every = max(1, min(threshold, policy.recheck_every))
        return policy

    @property
    def stability(self) -> StabilityRule:
        """The rule in force: the JIT and every view judge profiles by it."""
        return StabilityRule(self.stable_samples, self.stable_share)

    @property
    def first_check(self) -> int:
        return self.t2_calls if self.enabled else NEVER

    @property
    def osr_at(self) -> int:
        return self.osr_backedges if self.enabled else NEVER

    @property
    def unit_limits(self) -> dict[str, int]:
        """The size limits ``inference.infer`` applies to a unit."""
        return {"max_instructions": self.max_unit_instructions, "max_weight": self.max_unit_weight}
