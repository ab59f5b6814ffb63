"""loop10m.py — a 10,000,000-iteration loop in a function, best of 5 (like loop10m.ruff)."""
import time


def sum_to(n):
    total = 0
    i = 0
    while i < n:
        total = total + i
        i = i + 1
    return total


best, result = float("inf"), 0
for _ in range(5):
    t0 = time.perf_counter()
    result = sum_to(10000000)
    best = min(best, (time.perf_counter() - t0) * 1000.0)
print("sum_to(10000000) =", result)
print("elapsed_ms:", best)
