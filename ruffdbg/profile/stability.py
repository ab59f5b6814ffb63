"""The type stability rule (DESIGN.md section 4): enough samples, mostly one type.

One rule decides whether the JIT specializes on a profile and whether every
view calls that profile stable, so the two can never disagree. The tier policy
(``jit.policy.TierPolicy``) holds the rule in force; the user edits it there.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SAMPLES = 60
DEFAULT_SHARE = 0.90


@dataclass(frozen=True)
class StabilityRule:
    samples: int = DEFAULT_SAMPLES   # at least this many observations
    share: float = DEFAULT_SHARE     # and at least this share of them of one type

    def holds(self, samples: int, share: float) -> bool:
        return samples >= self.samples and share >= self.share

    def dominant(self, counts: dict) -> tuple[object | None, float, bool]:
        """(the commonest key, its share, whether the rule holds) for ``counts``."""
        samples = sum(counts.values())
        if not samples:
            return None, 0.0, False
        key = max(counts, key=counts.get)
        share = counts[key] / samples
        return key, share, self.holds(samples, share)

    def describe(self) -> str:
        return f"at least {self.samples} samples and {self.share:.0%} one type"
