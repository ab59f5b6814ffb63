"""Recursive inlining: the *twins* of a self-recursive T2 unit.

A unit lowered with ``twin=True`` calls ``<unit>_twin`` at its self-calls. The
twins are copies of the unit's function made from its IR text, chained: the
first calls the second, ..., the last calls the unit back. The engine links
them in and LLVM inlines every one (the first is marked always-inline there, the
others here), so one native call runs ``levels + 1`` levels of the recursion:
fib(30) makes a third of the calls with two twins, half with one. Every copy is
the same code -- the same guards, counters, exits and unit id, at its own depth
-- so a deopt in any of them finds its frame on the shadow stack as in the unit.
Each copy gets its own debug scope (a ``DISubprogram`` and its locations), so
the assembly still maps every inlined instruction to its line and pc.

The cost is compile time and code size, both growing with the copies (with c
self-call sites, ``c + c**2 + ...`` inlined bodies), so ``levels_for`` spends a
budget of IR lines: fib gets two twins, a big function or one with many
self-calls one (what it had before). Measured on fib30 (``ruffdbg run
--no-cache examples/benchmarks/fib30.ruff``, 2-core machine under load, three
runs each): 2.7-2.8 ms with one twin, 2.1 with two, 1.9 with three, 1.8 with
four; the whole T2 compile of fib took 77-87 ms with one, 118-160 ms with two,
about 350 ms with four.
"""

from __future__ import annotations

import re

from ruffdbg.jit.lowering.common import LoweredUnit

TWIN = "_twin"        # the suffix of a unit's first twin's name (the second: _twin2 ...)
MAX_LEVELS = 2        # twins at most
BUDGET_LINES = 2400   # IR lines of inlined bodies (the copies' function text) at most
# No twin at all for a function whose instructions times self-call sites pass this:
# even one twin copies it once per site, and LLVM's time grows faster than the code
# (a quicksort of 82 instructions and two self-calls: its whole T2 compile 1.35 s,
# optimize 554 ms and codegen 673, most of a 10,000-element sort's run). The
# recursive functions of the examples and tests weigh 15-82.
MAX_TWINNED_WEIGHT = 120

_METADATA = re.compile(r"^!(\d+) = (.*)$", re.MULTILINE)


def twin_of(lowered: LoweredUnit) -> tuple[str, str, str]:
    """The twins of a unit lowered with ``twin=True``, as one module's IR text, and
    the first twin's two function names (it and its entry function, renamed out
    of the way; the engine makes both internal and inlines the twin)."""
    unit, entry, first = lowered.unit_name, lowered.entry_name, lowered.unit_name + TWIN
    text = lowered.ir_text
    body = _function_text(text, unit)
    chain = [first] + [f"{first}{index}" for index in range(2, levels_for(text, body, first) + 1)] + [unit]
    # The first twin: the whole module renamed (its calls go to the next in the chain).
    twin_text = _renamed(text, {unit: first, first: chain[1], entry: f"{first}_entry"})
    if len(chain) > 2:   # (it declared the next twin, defined below: the last one calls the unit)
        twin_text = re.sub(rf'^(declare [^\n]*)@"{re.escape(chain[1])}"\(', rf'\1@"{unit}"(', twin_text, flags=re.MULTILINE)
    next_id = 1 + max((int(number) for number, _ in _METADATA.findall(text)), default=0)
    for position in range(1, len(chain) - 1):
        copy, next_id = _scoped_copy(text, _renamed(body, {unit: chain[position], first: chain[position + 1]}), next_id)
        twin_text += "\n" + copy
    return twin_text, first, f"{first}_entry"


def levels_for(text: str, body: str, first: str) -> int:
    """How many twins: as many as the budget of inlined IR lines allows (at least one)."""
    calls = _calls_in(body, first)
    if calls == 0:   # (its self-calls go through its call cell: nothing to inline)
        return 1
    lines = body.count("\n")
    levels, inlined = 1, calls * lines
    while levels < MAX_LEVELS and inlined + calls ** (levels + 1) * lines <= BUDGET_LINES:
        levels += 1
        inlined += calls ** levels * lines
    return levels


def _calls_in(text: str, name: str) -> int:
    return len(re.findall(rf'call [^\n]*@"{re.escape(name)}"\(', text))


def _renamed(text: str, names: dict[str, str]) -> str:
    """``text`` with the functions named in ``names`` renamed (llvmlite quotes names: @"ruff_3")."""
    pattern = re.compile('@"?(' + "|".join(re.escape(name) for name in names) + r')\b"?')
    return pattern.sub(lambda match: f'@"{names[match.group(1)]}"', text)


def _function_text(text: str, name: str) -> str:
    """The definition of function ``name`` in a module's text, up to its closing brace."""
    start = re.search(rf'^define [^\n]*@"{re.escape(name)}"\(', text, re.MULTILINE).start()
    return text[start:text.index("\n}\n", start) + 3]


def _scoped_copy(text: str, body: str, next_id: int) -> tuple[str, int]:
    """A further twin's definition (``body``, renamed already): internal and always
    inlined, with its own copy of the debug scope (the subprogram and every
    location in it) numbered from ``next_id``; the text and the next free id."""
    nodes = dict(_METADATA.findall(text))
    scope = re.search(r"\)\s*!dbg !(\d+)", body.split("\n", 1)[0]).group(1)
    in_scope = re.compile(rf"scope: !{scope}\b")
    own = [scope] + [number for number, node in nodes.items() if in_scope.search(node) and number != scope]
    new = {number: str(next_id + index) for index, number in enumerate(own)}
    header, rest = body.split("\n", 1)
    header = re.sub(r"^define ", "define internal ", header)
    header = re.sub(r"\)(\s*!dbg)", r") alwaysinline\1", header, count=1)
    rest = re.sub(r"!dbg !(\d+)", lambda match: f"!dbg !{new.get(match.group(1), match.group(1))}", rest)
    header = re.sub(r"!dbg !(\d+)", lambda match: f"!dbg !{new[match.group(1)]}", header)
    definitions = "".join(f"!{new[number]} = {in_scope.sub(f'scope: !{new[scope]}', nodes[number])}\n" for number in own)
    return header + "\n" + rest + definitions, next_id + len(own)
