"""script_words.py — script_words.ruff in CPython: top-level code, timed."""
import time

t0 = time.perf_counter()
words = []
for i in range(200000):
    words.append(f"w{i * 7 % 1000}")
counts = {}
for w in words:
    if w in counts:
        counts[w] = counts[w] + 1
    else:
        counts[w] = 1
sample = ""
for i in range(0, len(words), 500):
    sample = sample + words[i]
total = 0
for w in words:
    total += counts[w]
print(f"distinct = {len(counts)}, sample length = {len(sample)}, total = {total}")
print(f"elapsed_ms: {(time.perf_counter() - t0) * 1000.0}")
