"""nested3000.py — nested loops, 3000 x 3000, best of 3 (like nested3000.ruff)."""
import time


def nested(n):
    s = 0
    for i in range(n):
        for j in range(n):
            s = s + (i + j) % 7
    return s


best, result = float("inf"), 0
for _ in range(3):
    t0 = time.perf_counter()
    result = nested(3000)
    best = min(best, (time.perf_counter() - t0) * 1000.0)
print("nested(3000) =", result)
print("elapsed_ms:", best)
