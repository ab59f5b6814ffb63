"""dict_cold.py — dict_cold.ruff in CPython."""
import time


def dict_ops(n):
    table = {}
    i = 0
    while i < n:
        table[f"key{i}"] = i * 2
        i = i + 1
    total = 0
    i = 0
    while i < n:
        total = total + table[f"key{i}"]
        i = i + 1
    return total


t0 = time.perf_counter()
total = dict_ops(1000)
print("total =", total)
print("elapsed_ms:", (time.perf_counter() - t0) * 1000.0)
