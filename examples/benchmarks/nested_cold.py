"""nested_cold.py — nested_cold.ruff in CPython."""
import time


def nested(n):
    total = 0
    i = 0
    while i < n:
        j = 0
        while j < n:
            total = total + i * j % 7
            j = j + 1
        i = i + 1
    return total


t0 = time.perf_counter()
total = nested(1000)
print("total =", total)
print("elapsed_ms:", (time.perf_counter() - t0) * 1000.0)
