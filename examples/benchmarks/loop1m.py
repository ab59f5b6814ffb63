"""loop1m.py — sum of 0..999,999 in a while loop, in CPython, timed like loop1m.ruff."""

import time


def sum_to(n):
    total = 0
    i = 0
    while i < n:
        total += i
        i += 1
    return total


t0 = time.perf_counter()
result = sum_to(1000000)
t1 = time.perf_counter()
print(f"sum_to(1000000) = {result}")
print(f"elapsed_ms: {(t1 - t0) * 1000.0}")
