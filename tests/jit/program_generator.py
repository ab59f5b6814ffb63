"""A hypothesis strategy for random Ruff programs that exercise a JIT: ``programs()``.

Each program has 1-4 functions ``f0 .. f3`` (params ``a b c``, ``mut`` locals
``x y z``, bounded ``while`` loops, if/else, early returns, try/except, calls to
earlier functions, or a bounded self-recursion) and a top level that calls them
in loops of 50-500 iterations, with ints first and floats later. Values at the
i64 edges and occasional zero divisors make overflow and division errors
happen some of the time.

Termination is by construction: every loop counts up to a constant, recursion
only recurses while ``2 <= a <= cap`` (NaN-safe) on ``a - 1``/``a - 2``, and
calls only go to earlier functions. Every block is built against a work
budget (estimated statements executed, worst case; BUDGET per program), so a
program stays well under a second on the T0 interpreter (measured: at most
~0.15 s of run time at BUDGET = 300,000). About half the functions are "pure"
(no print, no try) and about half use ints only, so many can be compiled. Everything is drawn from hypothesis primitives,
so failing programs shrink towards fewer statements and simpler expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

BUDGET = 300_000  # estimated work units per program (about statements executed)
SMALL_INTS = ["1", "2", "3", "7", "10", "0", "-1", "-5", "100", "1000"]
FLOATS = ["0.5", "1.5", "2.25", "-3.75", "0.1", "1000000.5", "0.0"]
EDGE_INTS = ["9223372036854775807", "(-9223372036854775807 - 1)", "4611686018427387904",
             "3037000500", "-9223372036854775807"]
DIVISORS = ["2", "3", "7", "-4", "10", "1.5", "0.25"]
INT_DIVISORS = ["2", "3", "7", "-4", "10"]
CMP_OPS = ["<", "<=", ">", ">=", "==", "!="]


@dataclass
class Fn:
    name: str
    arity: int
    cost: int


@dataclass
class Scope:
    readable: list[str]       # names expressions may read
    writable: list[str]       # mut locals statements may assign
    ints_only: bool = False
    pure: bool = False        # no print and no try (what a young JIT compiles first)
    calls: list[Fn] = field(default_factory=list)


def wrap(text: str) -> str:
    atomic = text in EDGE_INTS or text.replace(".", "").isalnum()
    return text if atomic else f"({text})"


class Gen:
    def __init__(self, draw):
        self.draw = draw
        self.counters = 0
        self.prints = 0

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def chance(self, one_in: int) -> bool:
        """True one time in ``one_in``; shrinks to False (the plainer choice)."""
        return self.draw(st.integers(0, one_in - 1)) == one_in - 1

    # ------------------------------------------------------------ expressions

    def literal(self, sc: Scope) -> str:
        if self.chance(12):
            return self.pick(EDGE_INTS)
        if not sc.ints_only and self.chance(3):
            return self.pick(FLOATS)
        return self.pick(SMALL_INTS)

    def num(self, sc: Scope, depth: int, budget: int) -> tuple[str, int]:
        """A numeric expression and its cost (calls included, never above ``budget``)."""
        kinds = ["var", "var", "lit"] + (["bin", "bin", "bin", "bin", "neg", "call"] if depth > 0 else [])
        kind = self.pick(kinds)
        if kind == "var" and sc.readable:
            return self.pick(sc.readable), 1
        if kind == "bin":
            left, lc = self.num(sc, depth - 1, budget)
            op = self.pick(["+", "-", "*", "/", "%"])
            if op in "/%" and not self.chance(5):
                right, rc = self.pick(INT_DIVISORS if sc.ints_only else DIVISORS), 0
            else:
                right, rc = self.num(sc, depth - 1, budget - lc)
            return f"{wrap(left)} {op} {wrap(right)}", lc + rc + 1
        if kind == "neg":
            inner, cost = self.num(sc, depth - 1, budget)
            return f"-{wrap(inner)}", cost + 1
        callees = [fn for fn in sc.calls if fn.cost + 4 * fn.arity <= budget]
        if kind == "call" and callees:
            fn = self.pick(callees)
            args, cost = [], fn.cost + 2
            for _ in range(fn.arity):
                arg, ac = self.num(sc, 0, 0)
                args.append(arg)
                cost += ac
            return f"{fn.name}({', '.join(args)})", cost
        return self.literal(sc), 1

    def cond(self, sc: Scope, depth: int = 1) -> str:
        kind = self.pick(["cmp", "cmp", "and", "or", "not", "truthy"] if depth > 0 else ["cmp"])
        if kind in ("and", "or"):
            op = "&&" if kind == "and" else "||"
            return f"{wrap(self.cond(sc, depth - 1))} {op} {wrap(self.cond(sc, depth - 1))}"
        if kind == "not":
            return f"!({self.cond(sc, depth - 1)})"
        if kind == "truthy":
            return f"{wrap(self.num(sc, 0, 0)[0])} % 2"
        left, right = self.num(sc, 1, 0)[0], self.num(sc, 1, 0)[0]
        return f"{left} {self.pick(CMP_OPS)} {right}"

    # ------------------------------------------------------------- statements

    def block(self, sc: Scope, budget: int, depth: int, indent: str) -> tuple[list[str], int]:
        lines, cost = [], 0
        for _ in range(self.draw(st.integers(1, 4))):
            if budget - cost < 4:
                break
            stmt, sc_cost = self.statement(sc, budget - cost, depth, indent)
            lines += stmt
            cost += sc_cost
        return lines, cost

    def statement(self, sc: Scope, budget: int, depth: int, ind: str) -> tuple[list[str], int]:
        kinds = ["assign", "assign", "accumulate", "print", "return_if"]
        if depth > 0:
            kinds += ["if", "while", "while", "for", "try"]
        kind = self.pick(kinds)
        if sc.pure and kind in ("print", "try"):
            kind = "assign"
        if kind in ("while", "for") and budget < 60:
            kind = "assign"  # too little work left for a loop with a body
        if kind in ("assign", "accumulate") and sc.writable:
            target = self.pick(sc.writable)
            value, cost = self.num(sc, 2, budget - 2)
            if kind == "accumulate":
                op = self.pick(["+", "-", "*"])
                value = f"{target} {op} {wrap(value)}"
                if op == "*" or self.chance(2):
                    value = f"({value}) % {self.pick(['1000', '97', '1000003', '3.5'])}"
            return [f"{ind}{target} := {value}"], cost + 2
        if kind == "return_if":
            value, cost = self.num(sc, 2, budget - 2)
            return [f"{ind}if {self.cond(sc)} {{", f"{ind}    return {value}", f"{ind}}}"], cost + 2
        if kind == "if":
            then, then_cost = self.block(sc, budget - 2, depth - 1, ind + "    ")
            lines = [f"{ind}if {self.cond(sc)} {{", *then]
            other, other_cost = [], 0
            if self.chance(2):
                other, other_cost = self.block(sc, budget - 2, depth - 1, ind + "    ")
                lines += [f"{ind}}} else {{", *other]
            return lines + [f"{ind}}}"], max(then_cost, other_cost) + 2
        if kind == "while":
            counter = f"i{self.counters}"
            self.counters += 1
            inner = Scope(sc.readable + [counter], sc.writable, sc.ints_only, sc.pure, sc.calls)
            limit = min(self.draw(st.integers(2, 300)), max(1, budget // 12))
            body, body_cost = self.block(inner, budget // limit - 5, depth - 1, ind + "    ")
            return [f"{ind}mut {counter} := 0", f"{ind}while {counter} < {limit} {{", *body,
                    f"{ind}    {counter} := {counter} + 1", f"{ind}}}"], limit * (body_cost + 3) + 2
        if kind == "for":
            counter = f"i{self.counters}"
            self.counters += 1
            inner = Scope(sc.readable + [counter], sc.writable, sc.ints_only, sc.pure, sc.calls)
            limit = min(self.draw(st.integers(2, 300)), max(1, budget // 12))
            body, body_cost = self.block(inner, budget // limit - 5, depth - 1, ind + "    ")
            iterable = self.pick([f"range({limit})", f"{limit}", f"range(1, {limit + 1})", f"range({limit}, 0, -1)"])
            skip = self.pick(["", "continue", "break"])
            if skip:
                body = [f"{ind}    if {counter} == {self.draw(st.integers(0, limit))} {{", f"{ind}        {skip}",
                        f"{ind}    }}", *body]
            return [f"{ind}for {counter} in {iterable} {{", *body, f"{ind}}}"], limit * (body_cost + 3) + 2
        if kind == "try":
            body, cost = self.block(sc, budget - 12, depth - 1, ind + "    ")
            return [f"{ind}try {{", *body, f"{ind}}} except e {{",
                    f"{ind}    print(\"caught\", e.message)", f"{ind}}}"], cost + 12
        items = [self.num(sc, 1, 0)[0] if self.chance(2) else self.cond(sc, 0)
                 for _ in range(self.draw(st.integers(1, 3)))]
        self.prints += 1
        return [f"{ind}print(\"p{self.prints}\", {', '.join(items)})"], 10

    # -------------------------------------------------------------- functions

    def function(self, index: int, earlier: list[Fn]) -> tuple[list[str], Fn]:
        name = f"f{index}"
        params = ["a", "b", "c"][: self.draw(st.integers(1, 3))]
        budget = self.pick([100, 400, 1500])
        if self.chance(4):
            return self.recursive(name, params, earlier, budget)
        local_names = ["x", "y", "z"][: self.draw(st.integers(1, 3))]
        sc = Scope(list(params), [], not self.chance(2), not self.chance(2), earlier)
        lines, cost = [f"func {name}({', '.join(params)}) {{"], 3
        for local in local_names:
            value, vc = self.num(sc, 1, budget // 4)
            lines.append(f"    mut {local} := {value}")
            sc.readable.append(local)
            sc.writable.append(local)
            cost += vc + 1
        body, body_cost = self.block(sc, max(budget - cost, 4), 3, "    ")
        result, rc = self.num(sc, 1, 0)
        lines += [*body, f"    return {result}", "}"]
        return lines, Fn(name, len(params), cost + body_cost + rc + 1)

    def recursive(self, name: str, params: list[str], earlier: list[Fn], budget: int):
        """fib-like (two calls, cap <= 15) or countdown (one call, cap <= 60) on the first param."""
        fib = self.chance(2)
        cap = self.draw(st.integers(2, 15 if fib else 60))
        calls = _fib_calls(cap) if fib else cap + 1
        sc = Scope(list(params), [], calls=[fn for fn in earlier if fn.cost * calls <= budget])
        rest = "".join(f", {p}" for p in params[1:])
        base, base_cost = self.num(sc, 1, budget // calls)
        lines = [f"func {name}({', '.join(params)}) {{", f"    if a >= 2 && a <= {cap} {{"]
        if fib:
            op = self.pick(["+", "-", "+"])
            lines.append(f"        return {name}(a - 1{rest}) {op} {name}(a - 2{rest})")
            step_cost = 6
        else:
            lines.append(f"        mut r := {name}(a - 1{rest})")
            inner = Scope(sc.readable + ["r"], [], calls=sc.calls)
            value, step_cost = self.num(inner, 1, budget // calls)
            lines.append(f"        return {value}")
        lines += ["    }", f"    return {base}", "}"]
        return lines, Fn(name, len(params), calls * (step_cost + base_cost + 4))

    # -------------------------------------------------------------- top level

    def call_args(self, fn: Fn, counter: str, floats: bool) -> str:
        if floats:
            options = [f"{counter} * 0.5", f"{counter} + 0.25", "1.5", "-2.75", f"{counter} / 4.0"]
        else:
            options = [counter, f"{counter} % 7", f"{counter} - 100", "3", f"{counter} * 3", "-2"]
        return ", ".join(self.pick(options) for _ in range(fn.arity))

    def top_level(self, fns: list[Fn]) -> list[str]:
        lines, loops = [], self.draw(st.integers(1, 4))
        share = BUDGET // loops  # work units each top-level loop (and the call after it) may use
        for n in range(loops):
            fn = self.pick(fns)
            k, acc = f"k{n}", f"acc{n}"
            limit = min(self.draw(st.integers(50, 500)), max(1, share // (fn.cost + 6) - 1))
            flip_at = self.pick([limit, limit, limit * 2 // 3, limit - 1])
            call = f"{fn.name}({self.call_args(fn, k, False)})"
            body = [f"    {acc} := {acc} + {call}"]
            if flip_at < limit:
                body = [f"    if {k} < {flip_at} {{", "    " + body[0], "    } else {",
                        f"        {acc} := {acc} + {fn.name}({self.call_args(fn, k, True)})", "    }"]
            if self.chance(3):
                body = ["    try {", *("    " + line for line in body), "    } except e {",
                        "        print(e.message)", "    }"]
            period = self.pick([100, 50, 7, 1])
            report = [f"    if {k} % {period} == 0 {{", f"        print({k}, {acc})", "    }"]
            if self.chance(2):   # a for loop (k is the loop variable) or a while loop
                lines += [f"mut {acc} := 0", f"for {k} in range({limit}) {{", *body, *report, "}",
                          f"mut {k} := {limit}", f"print(\"{acc}\", {acc})"]
            else:
                lines += [f"mut {acc} := 0", f"mut {k} := 0", f"while {k} < {limit} {{", *body, *report,
                          f"    {k} := {k} + 1", "}", f"print(\"{acc}\", {acc})"]
            after = self.pick(["float", "edge", "none"])
            if after != "none":
                args = self.call_args(fn, k, True) if after == "float" else ", ".join(
                    self.pick(EDGE_INTS + SMALL_INTS[:3]) for _ in range(fn.arity))
                lines += (["try {", f"    print({fn.name}({args}))", "} except e {",
                           "    print(e.message)", "}"] if self.chance(2) else [f"print({fn.name}({args}))"])
        return lines


def _fib_calls(n: int) -> int:
    a, b = 1, 1  # calls for n = 0, 1
    for _ in range(n - 1):
        a, b = b, a + b + 1
    return b if n >= 1 else a


@st.composite
def programs(draw) -> str:
    gen = Gen(draw)
    fns: list[Fn] = []
    chunks: list[str] = []
    for index in range(draw(st.integers(1, 4))):
        lines, fn = gen.function(index, list(fns))
        fns.append(fn)
        chunks.append("\n".join(lines))
    chunks.append("\n".join(gen.top_level(fns)))
    return "\n\n".join(chunks) + "\n"
