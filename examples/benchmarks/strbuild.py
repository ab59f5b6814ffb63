"""strbuild.py — strbuild.ruff in CPython: the same string built the same way, timed."""

import time


def build(n):
    text = ""
    i = 0
    while i < n:
        text += f"item {i % 1000};"
        i += 1
    return text


t0 = time.perf_counter()
text = build(30000)
t1 = time.perf_counter()
print(f"len(build(30000)) = {len(text)}")
print(f"elapsed_ms: {(t1 - t0) * 1000.0}")
