"""fib30_cold.py — the first call of fib(30) (CPython has no warm-up to do)."""
import time


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


t0 = time.perf_counter()
result = fib(30)
print("fib(30) =", result)
print("elapsed_ms:", (time.perf_counter() - t0) * 1000.0)
