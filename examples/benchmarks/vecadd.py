"""vecadd.py — vecadd.ruff in CPython: a class with __slots__, __add__ and a method, timed."""

import time


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def dot(self, o):
        return self.x * o.x + self.y * o.y


def run(n):
    acc = Vec(0, 0)
    step = Vec(3, -2)
    total = 0
    i = 0
    while i < n:
        acc = acc + step
        total += acc.dot(step)
        i += 1
    return [acc.x, acc.y, total]


t0 = time.perf_counter()
result = run(200000)
t1 = time.perf_counter()
print(f"acc = ({result[0]}, {result[1]}), total = {result[2]}")
print(f"elapsed_ms: {(t1 - t0) * 1000.0}")
