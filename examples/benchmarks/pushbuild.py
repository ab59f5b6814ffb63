"""pushbuild.py — pushbuild.ruff in CPython (append in place, as Ruff's push may), timed."""

import time


def build(n):
    xs = []
    i = 0
    while i < n:
        xs.append(i * 3)
        i += 1
    return xs


t0 = time.perf_counter()
xs = build(300000)
total = 0
for x in xs:
    total += x
t1 = time.perf_counter()
print(f"sum = {total}")
print(f"elapsed_ms: {(t1 - t0) * 1000.0}")
