"""arraysum_cold.py — arraysum_cold.ruff in CPython: the same while loop over a list."""
import time


def sum_array(xs):
    total = 0
    i = 0
    n = len(xs)
    while i < n:
        total = total + xs[i]
        i = i + 1
    return total


xs = list(range(1000000))
t0 = time.perf_counter()
total = sum_array(xs)
print("sum =", total)
print("elapsed_ms:", (time.perf_counter() - t0) * 1000.0)
