"""Loop nests with a ``try`` for the differential tests: what OSR must get right
when a hot loop sits inside other loops of every kind and errors are caught
inside the nest.

Each program is one function: two or three nested loops (``for`` over a range,
an int, a dict, a string or an array; ``while``), with ``continue`` or ``break``
here and there, a ``try`` at a random level, and at the bottom an operation that
fails at some iterations (a division by zero, a missing key, a ``throw``, an
index out of bounds) or changes a value's type, and perhaps a ``return`` from
inside the nest. It is called with a short run and a longer one, so that OSR
enters at different iterations. (It found a loop entered and left at every few
iterations at ``--threshold 1``: ``test_osr``'s
``test_a_loop_whose_native_runs_keep_ending_at_once_stays_interpreted``.)

    python -m tests.jit.nest_generator SEED    # prints the program of SEED
"""

from __future__ import annotations

import random
import sys

ITERABLES = ("range(N)", "D", "S", "A", "N")


def _failing_line(r: random.Random, indent: str) -> list[str]:
    every = r.randint(5, 400)
    kind = r.choice(["div", "key", "throw", "index", "type", "none"])
    lines = [f"{indent}s := s + {r.randint(1, 5)}"]
    if kind == "div":
        lines.append(f"{indent}s := s + 100 / ((s + {r.randint(0, 50)}) % {every})")
    elif kind == "key":
        lines.append(f'{indent}if s % {every} == 0 {{ s := s + D["zz"] }}')
    elif kind == "throw":
        lines.append(f'{indent}if s % {every} == 3 {{ throw "t${{s}}" }}')
    elif kind == "index":
        lines.append(f"{indent}s := s + A[s % (len(A) + {r.randint(0, 2)})] % 3")
    elif kind == "type":
        lines.append(f"{indent}if s % {every} == 2 {{ s := s + 0.5 }}")
    if r.random() < 0.3:
        lines.append(f"{indent}if s > {r.randint(1000, 100000)} {{ return [s, len(log)] }}")
    return lines


def generate(r: random.Random, longest: int = 200) -> str:
    """One program; ``longest`` bounds the loops' length (the nest runs up to its cube)."""
    depth = r.randint(2, 3)
    try_at = r.randrange(depth + 1)   # the loop level the try opens at (depth: around the body)
    lines = ["func work(D, S, A, N) {", "    mut s := 0", "    mut log := []"]
    indent = "    "
    closing: list[str] = []   # what closes each opened level, innermost last
    for level in range(depth + 1):
        if level == try_at:
            lines.append(f"{indent}try {{")
            closing.append(f"{indent}}} except e {{ log := push(log, e.message) }}")
            indent += "    "
        if level == depth:
            break
        name = f"v{level}"
        if r.random() < 0.7:
            lines.append(f"{indent}for {name} in {r.choice(ITERABLES)} {{")
            leave = "continue"
        else:
            lines += [f"{indent}mut {name} := 0", f"{indent}while {name} < N {{", f"{indent}    {name} := {name} + 1"]
            leave = "break"
        closing.append(f"{indent}}}")
        indent += "    "
        if r.random() < 0.3:
            lines.append(f"{indent}if s % {r.randint(3, 9)} == 1 {{ {leave} }}")
    lines += _failing_line(r, indent)
    while closing:
        lines.append(closing.pop())
    lines += ["    return [s, len(log)]", "}",
              'let D := {"a": 1, "b": 2, "c": 3, "d": 4}', 'let S := "wxyz"', "let A := [1, 2, 3, 4, 5, 6, 7]"]
    for n in (r.randint(2, max(2, longest // 7)), r.randint(longest // 7, longest)):
        lines.append(f"print(work(D, S, A, {n}))")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(generate(random.Random(int(sys.argv[1]))), end="")
