"""loop10m_toplevel.py — the 10,000,000-iteration loop at module level."""
import time

t0 = time.perf_counter()
total = 0
i = 0
while i < 10000000:
    total = total + i
    i = i + 1
print("total =", total)
print("elapsed_ms:", (time.perf_counter() - t0) * 1000.0)
