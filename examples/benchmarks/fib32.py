"""fib32.py — recursive fib(32), best of 5 runs after a warm-up (like fib32.ruff)."""
import time


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


fib(20)
best, result = float("inf"), 0
for _ in range(5):
    t0 = time.perf_counter()
    result = fib(32)
    best = min(best, (time.perf_counter() - t0) * 1000.0)
print("fib(32) =", result)
print("elapsed_ms:", best)
