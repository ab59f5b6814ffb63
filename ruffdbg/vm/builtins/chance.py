"""Random numbers: random, random_int, random_choice, random_id, uuid_v4 and
set_random_seed / clear_random_seed.

One generator per process (Python's ``random.Random``, Mersenne Twister),
seeded from the system until ``set_random_seed(n)``; after that the sequence is
the same on every run and in every tier, and ``random``, ``random_int`` and
``random_choice`` give the reference's own numbers (its seeded ChaCha12, see
``chacha.py``). Programs compared across tiers must seed.
"""

from __future__ import annotations

import random as _random
import uuid
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.chacha import ChaCha12
from ruffdbg.vm.builtins.registry import array_arg, builtin, number_arg

_GENERATOR = _random.Random()
_SEEDED: list[ChaCha12 | None] = [None]     # the reference's generator, once seeded
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@builtin("set_random_seed", 1)
def _set_random_seed(ctx: Any, args: list) -> None:
    """set_random_seed(n): make the random functions repeat the same sequence for n."""
    seed = args[0]
    if type(seed) is float and seed == seed:
        seed = int(seed)
    if type(seed) is not int:
        raise RuffError("set_random_seed requires a number argument")
    _GENERATOR.seed(seed & 0xFFFFFFFFFFFFFFFF, version=2)
    _SEEDED[0] = ChaCha12(seed)
    return None


@builtin("clear_random_seed", 0)
def _clear_random_seed(ctx: Any, args: list) -> None:
    """clear_random_seed(): back to unpredictable numbers."""
    _GENERATOR.seed(None)
    _SEEDED[0] = None
    return None


@builtin("random", 0)
def _random_float(ctx: Any, args: list) -> float:
    """random(): a float in [0, 1)."""
    seeded = _SEEDED[0]
    return seeded.random() if seeded is not None else _GENERATOR.random()


@builtin("random_int", 2)
def _random_int(ctx: Any, args: list) -> int:
    """random_int(min, max): an int from min to max, both included."""
    low = number_arg("random_int", args[0], 1)
    high = number_arg("random_int", args[1], 2)
    if low != low or high != high or abs(low) > 2**63 or abs(high) > 2**63:
        raise RuffError("random_int requires finite number arguments")
    low_i, high_i = int(low), int(high)
    low_i, high_i = (min(max(v, -2**63), 2**63 - 1) for v in (low_i, high_i))   # Rust's saturating `as i64`
    if low_i > high_i:
        raise RuffError(f"random_int() empty range: {low_i} > {high_i}")
    seeded = _SEEDED[0]
    return seeded.int_inclusive(low_i, high_i) if seeded is not None else _GENERATOR.randint(low_i, high_i)


@builtin("random_choice", 1)
def _random_choice(ctx: Any, args: list) -> Any:
    """random_choice(arr): one element (0 for an empty array, as the reference)."""
    arr = array_arg("random_choice", args[0])
    if not arr:
        return 0
    seeded = _SEEDED[0]
    return arr[seeded.int_inclusive(0, len(arr) - 1) if seeded is not None else _GENERATOR.randrange(len(arr))]


@builtin("random_id", 1)
def _random_id(ctx: Any, args: list) -> str:
    """random_id(n): n random characters from a-z and 0-9."""
    n = args[0]
    if type(n) is not int:
        raise RuffError("random_id requires an integer length argument")
    if n < 0:
        raise RuffError("random_id length must be >= 0")
    if n > 10_000_000:
        raise RuffError("random_id() result too large")
    return "".join(_GENERATOR.choice(_ALPHABET) for _ in range(n))


@builtin("uuid_v4", 0)
def _uuid_v4(ctx: Any, args: list) -> str:
    """uuid_v4(): a random UUID (from the seeded generator when a seed is set)."""
    return str(uuid.UUID(int=_GENERATOR.getrandbits(128), version=4))
