"""dict_hot.py — dict_hot.ruff in CPython: 1,000,000 reads of a dict of 1,000
string keys, each by an int's decimal text (what Ruff's `table[j]` reads), timed."""

import time


def make_table(n):
    table = {}
    for i in range(n):
        table[f"{i}"] = i * 3
    return table


def read_all(table, rounds, n):
    total = 0
    for r in range(rounds):
        for j in range(n):
            total = total + table[str(j)]
    return total


table = make_table(1000)
t0 = time.perf_counter()
total = read_all(table, 1000, 1000)
t1 = time.perf_counter()
print("total =", total)
print("elapsed_ms:", (t1 - t0) * 1000.0)
