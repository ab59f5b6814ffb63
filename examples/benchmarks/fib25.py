"""fib25.py — recursive fib(25) in CPython, timed like fib25.ruff."""

import time


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


t0 = time.perf_counter()
result = fib(25)
t1 = time.perf_counter()
print(f"fib(25) = {result}")
print(f"elapsed_ms: {(t1 - t0) * 1000.0}")
