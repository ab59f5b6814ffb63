"""The reference's seeded generator, so ``set_random_seed(n)`` gives its numbers.

The reference seeds Rust's ``StdRng`` (rand 0.8: ChaCha with 12 rounds) with
``seed_from_u64`` (the 64-bit seed stretched into the 256-bit key by PCG32),
reads the keystream as 32-bit words four blocks at a time, and derives:
``random()`` from the top 53 bits of a 64-bit word; an int range by Lemire's
widening multiply with rejection (``gen_range``). Written from those
algorithms' published descriptions (the ChaCha spec, RFC 8439's quarter round).
"""

from __future__ import annotations

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)   # "expand 32-byte k"
_ROUNDS = ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
           (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _M32


def _block(key: list[int], counter: int) -> list[int]:
    """One 64-byte ChaCha12 block as 16 words (64-bit counter, stream 0)."""
    start = [*_CONSTANTS, *key, counter & _M32, counter >> 32, 0, 0]
    x = list(start)
    for _ in range(6):                      # 12 rounds: 6 column + diagonal pairs
        for a, b, c, d in _ROUNDS:
            x[a] = (x[a] + x[b]) & _M32
            x[d] = _rotl(x[d] ^ x[a], 16)
            x[c] = (x[c] + x[d]) & _M32
            x[b] = _rotl(x[b] ^ x[c], 12)
            x[a] = (x[a] + x[b]) & _M32
            x[d] = _rotl(x[d] ^ x[a], 8)
            x[c] = (x[c] + x[d]) & _M32
            x[b] = _rotl(x[b] ^ x[c], 7)
    return [(x[i] + start[i]) & _M32 for i in range(16)]


def _signed(v: int) -> int:
    return v - (1 << 64) if v >> 63 else v


class ChaCha12:
    def __init__(self, seed: int):
        state = seed & _M64
        key = []
        for _ in range(8):                  # PCG32 (XSH RR) output words
            state = (state * 6364136223846793005 + 11634580027462260723) & _M64
            xorshifted = (((state >> 18) ^ state) >> 27) & _M32
            rot = state >> 59
            key.append(((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & _M32)
        self.key = key
        self.counter = 0
        self.words: list[int] = []
        self.index = 64

    def _refill(self) -> None:
        self.words = []
        for _ in range(4):
            self.words += _block(self.key, self.counter)
            self.counter = (self.counter + 1) & _M64
        self.index = 0

    def next_u64(self) -> int:
        if self.index < 63:
            lo, hi = self.words[self.index], self.words[self.index + 1]
            self.index += 2
        elif self.index >= 64:
            self._refill()
            lo, hi = self.words[0], self.words[1]
            self.index = 2
        else:                               # the low half ends one buffer, the high half starts the next
            lo = self.words[63]
            self._refill()
            hi = self.words[0]
            self.index = 1
        return (hi << 32) | lo

    def random(self) -> float:
        """A float in [0, 1)."""
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))

    def int_inclusive(self, low: int, high: int) -> int:
        """An int in [low, high] (i64 bounds, low <= high)."""
        span = (high - low + 1) & _M64
        if span == 0:                       # the whole i64 range
            return _signed(self.next_u64())
        zone = ((span << (64 - span.bit_length())) & _M64) - 1
        while True:
            product = self.next_u64() * span
            if product & _M64 <= zone:
                return _signed((low + (product >> 64)) & _M64)
