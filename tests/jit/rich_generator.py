"""A second, independent generator of random Ruff programs: what users write, not what a JIT likes.

``program_generator.py`` stays inside the scalar sweet spot (ints and floats,
loops, calls). This one reaches every opcode and every kind of value:

- values: ints at the i64 edges, floats (inf, nan, -0.0), bools, null,
  strings, arrays, dicts, structs (fields, methods, ``op_add`` ... ``op_not``)
  and closures (captured variables read, written and mutated in place);
- a *kernel* function is called from a hot driver loop whose arguments change
  type at a random iteration (``flip``), so every guard of every kind of site
  (arithmetic, compare, index, field, call, iteration) fails at some point;
- functions stored in locals, arrays, dicts and struct fields and called from
  there; globals and global functions redefined while hot (from the driver,
  from a closure, from a struct method);
- try/except around code that fails (overflow, division by zero, bad index,
  missing key, bad operand types, ``throw``), inside kernels and around them;
- break/continue/return inside nested ``while``, ``loop``, ``for ... in
  range(...)``, and ``for`` over arrays, dicts, strings and ints;
- deep recursion (up to and past the 20,000-frame limit) and mutual recursion;
- loops whose length straddles the hotness marks (1, 37, 1000), so OSR can
  happen at any iteration.

Termination and determinism are by construction: every loop counts to a
constant, recursion decreases an int parameter to a base case, nothing reads
the clock. Every driver call is inside ``try``, so a runtime error stops one
call, not the program (a few programs also end in an uncaught error on
purpose, which is a valid outcome to compare).

``generate(rng)`` builds a program from a ``random.Random`` (fast, for
campaigns: ``tests/jit/campaign.py``); ``programs()`` is the hypothesis
strategy over it (``st.randoms``), used by ``tests/jit/test_differential.py``.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

INTS = ["0", "1", "2", "3", "-1", "7", "10", "-5", "100", "255"]
EDGE_INTS = ["9223372036854775807", "(-9223372036854775807 - 1)", "-9223372036854775807",
             "4611686018427387904", "3037000500", "9223372036854775806"]
FLOATS = ["0.5", "1.5", "-2.25", "0.1", "0.0", "-0.0", "1000000.5", "3.0"]
SPECIAL_FLOATS = ["pow(10.0, 400.0)", "-pow(10.0, 400.0)", "(pow(10.0, 400.0) - pow(10.0, 400.0))",
                  "parse_float(\"nan\")", "(0.0 * -1.0)"]
STRINGS = ['""', '"a"', '"ab"', '"héllo"', '"0"', '"x y"', '"null"']
BINOPS = ["+", "-", "*", "/", "%"]
CMPS = ["<", "<=", ">", ">=", "==", "!="]
BUILTINS1 = ["len", "type", "to_string", "str", "abs", "to_int", "to_float", "to_bool", "floor", "keys"]
HOT_MARKS = [1, 2, 36, 37, 38, 999, 1000, 1001]


class RichGen:
    def __init__(self, rng: random.Random, deep: bool = True):
        self.r = rng
        self.n = 0
        self.plain = False  # this kernel sticks to what the JIT compiles (set per kernel)
        self.deep = deep  # False: recursion stays under 60 frames (campaigns looking past a known deep-recursion bug)

    # ------------------------------------------------------------ helpers

    def pick(self, xs):
        return self.r.choice(xs)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def fresh(self, base: str) -> str:
        self.n += 1
        return f"{base}{self.n}"

    # ------------------------------------------------------------ values

    def scalar(self) -> str:
        k = self.r.random()
        if k < 0.35:
            return self.pick(INTS)
        if k < 0.5:
            return self.pick(EDGE_INTS)
        if k < 0.65:
            return self.pick(FLOATS)
        if k < 0.72:
            return self.pick(SPECIAL_FLOATS)
        if k < 0.8:
            return self.pick(["true", "false"])
        if k < 0.87:
            return "null"
        return self.pick(STRINGS)

    def value(self, depth: int = 1) -> str:
        """Any literal value: a scalar, or (with depth) an array, dict, struct or closure."""
        if depth <= 0 or self.chance(0.55):
            return self.scalar()
        k = self.pick(["array", "array", "dict", "struct", "closure", "func"])
        if k == "array":
            return "[" + ", ".join(self.value(depth - 1) for _ in range(self.r.randint(0, 3))) + "]"
        if k == "dict":
            keys = self.r.sample(["a", "b", "k", "0", "1"], self.r.randint(0, 3))
            return "{" + ", ".join(f'"{key}": {self.value(depth - 1)}' for key in keys) + "}"
        if k == "struct":
            return f"(V {{ x: {self.value(depth - 1)}, y: {self.value(depth - 1)} }})"
        if k == "closure":
            return "mk_adder(" + self.pick(INTS + FLOATS[:2]) + ")"
        return self.pick(["inc", "dbl", "mk_adder(1)", "func(q) { return q }"])

    def atom(self, sc: list[str]) -> str:
        if sc and self.chance(0.6):
            return self.pick(sc)
        return self.scalar()

    def expr(self, sc: list[str], depth: int = 2) -> str:
        """An expression over the names in ``sc`` that may fail at run time (the kernel's try catches it)."""
        if depth <= 0:
            return self.atom(sc)
        if self.plain:
            return self.plain_expr(sc, depth)
        k = self.r.random()
        if k < 0.3:
            return f"({self.expr(sc, depth - 1)} {self.pick(BINOPS)} {self.expr(sc, depth - 1)})"
        if k < 0.4:
            return f"({self.expr(sc, depth - 1)} {self.pick(CMPS)} {self.expr(sc, depth - 1)})"
        if k < 0.47:
            return f"({self.expr(sc, depth - 1)} {self.pick(['&&', '||'])} {self.expr(sc, depth - 1)})"
        if k < 0.52:
            return f"(-{self.expr(sc, depth - 1)})"
        if k < 0.56:
            return f"(!{self.expr(sc, depth - 1)})"
        if k < 0.62:
            index = self.pick(["0", "1", "-1", f"len({self.atom(sc)}) - 1", '"a"', '"k"'])
            return f"{self.expr(sc, depth - 1)}[{index}]"
        if k < 0.66:
            return f"{self.atom(sc)}.{self.pick(['x', 'y', 'f'])}"
        if k < 0.72:
            return f"{self.pick(BUILTINS1)}({self.expr(sc, depth - 1)})"
        if k < 0.76:
            return f'"<${{{self.expr(sc, depth - 1)}}}|${{{self.atom(sc)}}}>"'
        if k < 0.80:
            return f"[{self.expr(sc, depth - 1)}, {self.atom(sc)}]"
        if k < 0.83:
            return f'{{"a": {self.expr(sc, depth - 1)}, "k": {self.atom(sc)}}}'
        if k < 0.86:
            return f"(V {{ x: {self.expr(sc, depth - 1)}, y: {self.atom(sc)} }})"
        if k < 0.90:
            callee = self.pick(["inc", "dbl", "G_FN", "fns[0]", "fns[1]", 'table["f"]', "holder.f",
                                "mk_adder(2)", "holder.run"])
            if callee == "holder.run":
                return f"holder.run({self.expr(sc, depth - 1)})"
            return f"{callee}({self.expr(sc, depth - 1)})"
        if k < 0.93:
            return f"{self.atom(sc)}.{self.pick(['norm', 'sum'])}()"
        if k < 0.95:
            return self.pick(["G", "G_ARR[0]", 'G_D["k"]', "G_V.x"])
        if k < 0.97:
            return self.recursion(sc, depth)
        if k < 0.995:
            return self.newer_expr(sc, depth)
        return self.atom(sc)

    def newer_expr(self, sc: list[str], depth: int) -> str:
        """The newer language: variants and match, ?, ?., ??, |>, spread, generators."""
        e, a = self.expr(sc, depth - 1), self.atom(sc)
        return self.pick([
            f"area(Shape::Circle({e}))", f"area(Shape::Rect({e}, {a}))", "area(Shape::Dot)",
            f"twice_checked({e})", f"(Some({e}) == Some({a}))", f"({e} ?? {a})", f"{a}?.x", "G_V?.y",
            f"({e} |> inc)", f"[...G_ARR, {e}]", f'{{...G_D, "a": {e}}}',
            "upto(3).collect()", f"upto(2).map(func(q) {{ return q + {a} }}).collect()",
        ])

    def plain_expr(self, sc: list[str], depth: int) -> str:
        """What the JIT compiles today: arithmetic, compares, logic, calls of globals and builtins, G."""
        k = self.r.random()
        if k < 0.4:
            return f"({self.expr(sc, depth - 1)} {self.pick(BINOPS)} {self.expr(sc, depth - 1)})"
        if k < 0.55:
            return f"({self.expr(sc, depth - 1)} {self.pick(CMPS)} {self.expr(sc, depth - 1)})"
        if k < 0.62:
            return f"({self.expr(sc, depth - 1)} {self.pick(['&&', '||'])} {self.expr(sc, depth - 1)})"
        if k < 0.67:
            return f"(-{self.expr(sc, depth - 1)})"
        if k < 0.70:
            return f"(!{self.expr(sc, depth - 1)})"
        if k < 0.78:
            return f"{self.pick(['inc', 'dbl', 'G_FN', 'bump', 'ident'])}({self.expr(sc, depth - 1)})"
        if k < 0.84:
            return f"{self.pick(['abs', 'len', 'type', 'to_string', 'to_int', 'to_float', 'floor'])}({self.atom(sc)})"
        if k < 0.88:
            return "G"
        if k < 0.92:
            return self.recursion(sc, depth)
        return self.atom(sc)

    def recursion(self, sc: list[str], depth: int) -> str:
        """A call of a (bounded) self- or mutually recursive function, whatever the operand's type."""
        e = self.expr(sc, depth - 1)
        return self.pick([f"fib({e})", f"rsum({self.atom(sc)}, {e})", f"ev({e})", f"od({self.atom(sc)})"])

    # ------------------------------------------------------------ statements

    def block(self, sc: list[str], mut: list[str], depth: int, ind: str, loop: bool,
              budget: int) -> list[str]:
        out: list[str] = []
        for _ in range(self.r.randint(1, 3)):
            out += self.stmt(sc, mut, depth, ind, loop, budget)
        return out

    def stmt(self, sc, mut, depth, ind, loop, budget) -> list[str]:
        kinds = ["assign", "assign", "compound", "store", "print", "global", "closure_call"]
        if depth > 0 and budget >= 4:
            kinds += ["if", "while", "for_range", "for_iter", "loop", "try", "call_hold", "arrays"]
        if not self.plain:
            kinds += ["destructure", "match", "closure_make"]
        if self.plain:  # what the JIT compiles: no containers, closures, try or global stores in this function
            kinds = [k for k in kinds if k not in ("store", "try", "closure_call")]
        if loop:
            kinds += ["break", "continue"]
        kinds += ["return"]
        k = self.pick(kinds)
        if k == "assign" and mut:
            return [f"{ind}{self.pick(mut)} := {self.expr(sc)}"]
        if k == "compound" and mut:
            return [f"{ind}{self.pick(mut)} {self.pick(['+=', '-=', '*=', '/=', '%='])} {self.expr(sc, 1)}"]
        if k == "store" and mut:
            t = self.pick(mut)
            path = self.pick(["[0]", '["k"]', ".x", "[0][0]", ".y.x", "[-1]", '["a"][0]'])
            op = self.pick([":=", ":=", "+="])
            return [f"{ind}{t}{path} {op} {self.expr(sc, 1)}"]
        if k == "print":
            return [f"{ind}print({', '.join(self.expr(sc, 1) for _ in range(self.r.randint(1, 2)))})"]
        if k == "global" and self.plain:  # the write happens in a callee, the caller keeps G in a register
            return [f"{ind}{self.pick(['set_g', 'bump', 'set_g_fn'])}({self.expr(sc, 1)})"]
        if k == "global":
            return [self.pick([f"{ind}G := {self.expr(sc, 1)}", f"{ind}G_ARR[0] := {self.expr(sc, 1)}",
                               f'{ind}G_D["k"] := {self.expr(sc, 1)}', f"{ind}G_V.x := {self.expr(sc, 1)}",
                               f"{ind}G_FN := {self.pick(['inc', 'dbl', 'mk_adder(3)', 'func(q) { return [q] }'])}",
                               f"{ind}set_g({self.expr(sc, 1)})", f"{ind}G_V.setg({self.expr(sc, 1)})",
                               f"{ind}G += 1"])]
        if k == "destructure":
            p, q = self.fresh("p"), self.fresh("q")
            return [self.pick([f"{ind}let [{p}, ...{q}] := [{self.expr(sc, 1)}, {self.atom(sc)}, 3]",
                               f'{ind}let {{{p}, ...{q}}} := {{"{p}": {self.expr(sc, 1)}, "b": {self.atom(sc)}}}']),
                    f"{ind}print({p}, {q})"]
        if k == "match":
            w = self.fresh("w")
            return [f"{ind}match {self.expr(sc, 1)} {{",
                    f"{ind}    case 0: {{ print(\"zero\") }}",
                    f"{ind}    case Ok({w}): {{ print(\"ok\", {w}) }}",
                    f"{ind}    case [{w}, _]: {{ print(\"pair\", {w}) }}",
                    f"{ind}    case {w} if {w} == {self.atom(sc)}: {{ print(\"same\") }}",
                    f"{ind}    default: {{ print(\"other\") }}",
                    f"{ind}}}"]
        if k == "closure_make":   # made in hot code, capturing a local, a parameter or a loop variable
            f, captured = self.fresh("f"), self.pick(sc)
            body = self.pick([f"return q + {captured}", f"return [q, {captured}]",
                              *([f"{self.pick(mut)} := q; return {captured}"] if mut else [])])
            return [f"{ind}let {f} := func(q) {{ {body} }}", f"{ind}print({f}({self.expr(sc, 1)}))"]
        if k == "closure_call":
            return [f"{ind}{self.pick(['bump', 'G_CL'])}({self.expr(sc, 1)})"]
        if k == "return":
            return [f"{ind}if {self.expr(sc, 1)} {{", f"{ind}    return {self.expr(sc, 1)}", f"{ind}}}"]
        if k in ("break", "continue"):
            return [f"{ind}if {self.expr(sc, 1)} {{", f"{ind}    {k}", f"{ind}}}"]
        if k == "if":
            lines = [f"{ind}if {self.expr(sc, 1)} {{", *self.block(sc, mut, depth - 1, ind + "    ", loop, budget)]
            if self.chance(0.5):
                lines += [f"{ind}}} else {{", *self.block(sc, mut, depth - 1, ind + "    ", loop, budget)]
            return lines + [f"{ind}}}"]
        if k == "try":
            e = self.fresh("e")
            body = self.block(sc, mut, depth - 1, ind + "    ", loop, budget)
            if self.chance(0.3):
                thrown = self.pick(['"boom"', "1", "null", "[1]"])
                body.append(f"{ind}    throw({thrown})")
            handler = self.pick([f'print("caught", {e}.message)', f"print({e}.message, {e}.line)", "G += 1",
                                 f"print({e})"])
            return [f"{ind}try {{", *body, f"{ind}}} except {e} {{", f"{ind}    {handler}", f"{ind}}}"]
        if k == "arrays":
            return self.array_loop(sc, ind) if self.chance(0.5) else self.stable_loop(sc, ind)
        if k == "call_hold":
            h = self.fresh("h")
            callee = self.pick(["inc", "dbl", "G_FN", "mk_adder(5)", "holder.f"])
            return [f"{ind}let {h} := {callee}", f"{ind}print({h}({self.expr(sc, 1)}))"]
        n = self.pick([2, 3, 5, 8]) if budget < 40 else self.pick([2, 5, 12, 40, budget])
        inner = budget // max(n, 1)
        v = self.fresh("v")
        if k == "while":
            return [f"{ind}mut {v} := 0", f"{ind}while {v} < {n} {{", f"{ind}    {v} += 1",
                    *self.block(sc + [v], mut, depth - 1, ind + "    ", True, inner), f"{ind}}}"]
        if k == "loop":
            return [f"{ind}mut {v} := 0", f"{ind}loop {{", f"{ind}    {v} += 1",
                    f"{ind}    if {v} > {n} {{", f"{ind}        break", f"{ind}    }}",
                    *self.block(sc + [v], mut, depth - 1, ind + "    ", True, inner), f"{ind}}}"]
        if k == "for_range":
            it = self.pick([f"range({n})", f"{n}", f"range(-2, {n})", f"range({n}, 0, -1)",
                            f"range(9223372036854775800, 9223372036854775807, {max(1, 7 // n)})",
                            f"range(-9223372036854775807 - 1, -9223372036854775807 + {n})"])
            return [f"{ind}for {v} in {it} {{",
                    *self.block(sc + [v], mut, depth - 1, ind + "    ", True, inner), f"{ind}}}"]
        if self.plain:
            it = self.pick([f"to_string({self.atom(sc)})", "G_ARR", "G_D", '"héllo"', str(n)])
            return [f"{ind}for {v} in {it} {{", *self.block(sc + [v], mut, depth - 1, ind + "    ", True, 8),
                    f"{ind}}}"]
        # never a bare variable: it may hold an int near 2**63 (a loop that long never ends)
        it = self.pick([f"to_string({self.atom(sc)})", f"[{self.atom(sc)}, {self.atom(sc)}]", "G_ARR", "G_D", '"héllo"', "[1, 2.5, null, \"s\"]",
                        "[9223372036854775807, -9223372036854775807 - 1, 9223372036854775806]",
                        '{"a": 1, "b": 2}'])
        # iterating a non-iterable value is a runtime error: fine, caught by the driver's try
        return [f"{ind}for {v} in {it} {{", *self.block(sc + [v], mut, depth - 1, ind + "    ", True, 8),
                f"{ind}}}"]

    # ------------------------------------------------------------ program

    PRELUDE = """struct V {
    x, y, f
    func norm(self) { return self.x * self.x + self.y * self.y }
    func sum(self) { return self.x + self.y }
    func run(self, q) { return self.f(q) }
    func setg(self, q) { G := q; return self }
    func op_add(self, o) { return V { x: self.x + o.x, y: self.y + o.y } }
    func op_sub(self, o) { return V { x: self.x - o, y: self.y } }
    func op_mul(self, k) { return V { x: self.x * k, y: self.y * k } }
    func op_div(self, k) { return V { x: self.x / k, y: self.y } }
    func op_mod(self, k) { return V { x: self.x % k, y: self.y } }
    func op_neg(self) { return V { x: -self.x, y: self.y } }
    func op_not(self) { return self.x == 0 }
}
func inc(q) { return q + 1 }
func dbl(q) { return q * 2 }
func mk_adder(n) { return func(q) { return q + n } }
func set_g(q) { G := q }
func set_g_fn(q) { if q { G_FN := dbl } else { G_FN := inc } }
func ident(q) { return q }
mut G := 0
mut G_ARR := [1, 2, 3]
mut G_D := {"k": 1, "a": [2]}
mut G_V := V { x: 1, y: 2, f: inc }
mut G_FN := inc
mut CNT := 0
func bump(q) { CNT := CNT + 1; return q }
mut G_CL := mk_adder(0)
let fns := [inc, dbl]
let table := {"f": dbl}
let holder := V { x: 0, y: 0, f: dbl }
enum Shape { Dot, Circle(r), Rect(w, h) }
func area(s) {
    match s {
        case Shape::Circle(r): { return r * r * 3 }
        case Shape::Rect(w, h): { return w * h }
        case _: { return 0 }
    }
}
func* upto(n) {
    mut i := 0
    while i < n {
        yield i
        i += 1
    }
}
func checked(q) {
    if type(q) != "int" { return Err("not an int") }
    return Ok(q)
}
func twice_checked(q) {
    v := checked(q)?
    return Ok(v * 2)
}
func even(n) { if n <= 0 { return true } return odd(n - 1) }
func odd(n) { if n <= 0 { return false } return even(n - 1) }
func deep(n, acc) { if n <= 0 { return acc } return deep(n - 1, acc + 1) }
func fib(n) { if !(n >= 2 && n < 11) { return n } return fib(n - 1) + fib(n - 2) }
func rsum(n, acc) { if !(n > 0 && n < 40) { return acc } return rsum(n - 1, acc + n) }
func ev(n) { if !(n > 0 && n < 60) { return n } return od(n - 1) }
func od(n) { if !(n > 0 && n < 60) { return n } return ev(n - 1) + 1 }
"""

    def array_loop(self, sc: list[str], ind: str) -> list[str]:
        """An array (of ints, floats, bools, strings or arrays, or empty) loaded, stored
        into and pushed onto in a loop -- T2's native element paths and pushes -- with
        an alias kept across the stores (copy-on-write) and, now and then, a value of
        another kind (a transition)."""
        arr, alias, i = self.fresh("arr"), self.fresh("al"), self.fresh("j")
        kind = self.pick(["int", "float", "bool", "empty", "str", "rows"])
        items = {"int": ["1", "2", "-7", "9223372036854775807", "0"], "float": ["0.5", "-1.25", "3.0", "0.0"],
                 "bool": ["true", "false"], "empty": [], "str": ['"a"', '"bc"', '""'],
                 "rows": ["[1]", "[2, 3]", "[]"]}[kind]
        element = {"int": f"{i} * 3", "float": f"{i} * 0.5", "bool": f"{i} % 2 == 0", "empty": f"{i}",
                   "str": f'"s${{{i}}}"', "rows": f"[{i}, {i} * 2]"}[kind]
        odd = self.pick([element, element, element, self.expr(sc, 1), "null", '"s"'])
        n = self.pick([3, 8, 40])
        lines = [f"{ind}mut {arr} := [{', '.join(self.r.sample(items, min(len(items), 3)))}]",
                 f"{ind}mut {alias} := {self.pick([arr, '[]'])}",
                 f"{ind}for {i} in range({n}) {{",
                 f"{ind}    {arr} := push({arr}, {element})"]
        body = []   # in any order: an alias or an escape before or after the stores (jit/ownership.py)
        if self.chance(0.5):
            body.append(f"{ind}    {arr}[{i} % len({arr})] := {self.pick([element, odd])}")
        if self.chance(0.5):
            body.append(f"{ind}    {arr}[-1] := {arr}[{i} % len({arr})]")
        if self.chance(0.3):
            body.append(f"{ind}    if {i} == {n // 2} {{ {alias} := {arr} }}")
        if self.chance(0.2):
            body.append(f"{ind}    {arr} := push({arr}, {odd})")
        if self.chance(0.2):   # stores in a loop inside, every round
            body.append(f"{ind}    for k in range(2) {{ {arr}[k % len({arr})] := {element} }}")
        if self.chance(0.15):   # the array escapes into a call mid-loop
            body.append(f"{ind}    if {i} % 7 == 3 {{ {alias} := push([], {arr})[0] }}")
        self.r.shuffle(body)
        return lines + body + [f"{ind}}}", f"{ind}print(len({arr}), {arr}[0], {arr}[-1], len({alias}), {alias})"]

    def stable_loop(self, sc: list[str], ind: str) -> list[str]:
        """Arrays a loop nest reads and stores into in place without pushing -- what T2
        finds once per loop entry (ownership.stable_arrays) -- with what could make that
        stale now and then: a reassignment between inner loops, an alias, a value of
        another kind, the array handed to a call, a local that is no array at all."""
        xs, ys, r, i = self.fresh("xs"), self.fresh("ys"), self.fresh("r"), self.fresh("i")
        kind = self.pick(["int", "float", "bool"])
        make = {"int": lambda n: f"[{', '.join(str(v * 3 - 4) for v in range(n))}]",
                "float": lambda n: f"[{', '.join(f'{v * 0.5 - 1.0}' for v in range(n))}]",
                "bool": lambda n: f"[{', '.join('true' if v % 2 else 'false' for v in range(n))}]"}[kind]
        step = {"int": f"{xs}[{i}] + {ys}[{i} % len({ys})]", "float": f"{xs}[{i}] * 0.5 + {ys}[{i} % len({ys})]",
                "bool": f"!{xs}[{i}]"}[kind]
        odd = self.pick([step, step, "null", '"s"', "1.5", "2", self.expr(sc, 1)])
        rounds = self.pick([3, 20, 60])
        inner = self.pick([f"for {i} in range(len({xs})) {{", f"mut {i} := 0\n{ind}    while {i} < len({xs}) {{"])
        body = [f"{ind}        {xs}[{i}] := {step}"]
        if self.chance(0.3):
            body.append(f"{ind}        if {r} == {rounds - 2} && {i} == 0 {{ {xs}[{i}] := {odd} }}")
        if self.chance(0.3):
            body.append(f"{ind}        if {i} == 1 {{ {ys} := {xs} }}")
        if inner.startswith("mut"):
            body.append(f"{ind}        {i} += 1")
        around = []
        if self.chance(0.3):
            around.append(f"{ind}    if {r} % 7 == 3 {{ {xs} := {make(self.pick([2, 5, 9]))} }}")
        if self.chance(0.25):
            around.append(f"{ind}    if {r} % 5 == 4 {{ {ys} := {self.pick(['null', make(3), xs])} }}")
        if self.chance(0.2):
            around.append(f"{ind}    print(len(push([], {xs})[0]), {xs}[0])")
        self.r.shuffle(around)
        lines = [f"{ind}mut {xs} := {make(self.pick([4, 6, 40]))}", f"{ind}mut {ys} := {make(3)}",
                 f"{ind}for {r} in range({rounds}) {{", *around[:1], f"{ind}    {inner}", *body, f"{ind}    }}",
                 *around[1:], f"{ind}}}"]
        if self.chance(0.4):   # reads only, 1,000s of iterations: what T0 compiles into a loop function
            c = self.fresh("c")
            read = f"if {xs}[{i}] {{ {c} += 1 }}" if kind == "bool" else f"{c} := {c} + {xs}[{i}]"
            lines += [f"{ind}mut {c} := 0", f"{ind}for {r} in range(60) {{",
                      f"{ind}    for {i} in range(len({xs})) {{ {read} }}", f"{ind}}}", f"{ind}print({c})"]
        return lines + [f"{ind}print({xs}, len({ys}))"]

    def kernel(self, name: str, recursive: bool = False) -> list[str]:
        """A function the driver calls hot; ``recursive``: it also calls itself, ``d`` (its last
        parameter, an int from the driver) levels deep, with operands of any type."""
        self.plain = self.chance(0.6)
        values = ["a", "b"][: self.r.randint(1, 2)]
        params = values + (["d"] if recursive else [])
        sc = list(params)
        mut = []
        lines = [f"func {name}({', '.join(params)}) {{"]
        if self.chance(0.2):   # the body starts with a loop (pc 0 is its header) that changes a parameter's type
            p = self.pick(values)
            again = self.pick([f"{p} + 0.5", f"{p} * 2", f"to_float({p})", f"{p} > 1", "null", f"-{p}", self.expr(sc, 1)])
            lines += ["    loop {", f"        {p} := {again}",
                      "        if bump(1) > 0 {", "            break", "        }", "    }"]
        for loc in ["x", "y", "z"][: self.r.randint(1, 3)]:
            first = self.scalar() if self.plain else self.value(2)
            lines.append(f"    mut {loc} := {self.pick([first, self.expr(sc, 1), self.atom(sc)])}")
            sc.append(loc)
            mut.append(loc)
        if not self.plain and self.chance(0.3):  # a captured local, read and written by a closure
            lines += ["    mut cap := 0", "    let cl := func(q) { cap := cap + 1; return q }"]
            sc.append("cap")
            mut.append("cap")
            lines.append(f"    {self.pick(mut)} := cl({self.atom(sc)})")
        if not self.plain and self.chance(0.25):  # a captured container, mutated in place by the closure (MUT_FREE)
            lines += ["    mut capa := [0, 1]", "    let cl2 := func(q) { capa[0] := q; return capa[0] }",
                      f"    {self.pick(mut)} := cl2({self.atom(sc)})"]
        if not self.plain and self.chance(0.15):  # a binding error known at compile time, raised at run time (FAIL)
            lines += ["    let lk := 1", "    try {", "        lk := 2", "    } except ef {", "        CNT += 1", "    }"]
        for _ in range(self.r.randint(2, 5)):
            body = self.stmt(sc, mut, 3, "        ", False, 200)
            if not self.plain and self.chance(0.6):  # most statements guarded, so a failing one does not hide the rest
                e = self.fresh("s")
                handler = self.pick(["CNT += 1", f"print({e}.message)", f"x := {e}.message"])
                lines += ["    try {", *body, f"    }} except {e} {{", f"        {handler}", "    }"]
            else:
                lines += [line[4:] for line in body]
        if recursive:
            again = ", ".join(self.expr(sc, 1) for _ in values)
            lines += ["    if d > 0 {", f"        {self.pick(mut)} := {name}({again}, d - 1)", "    }"]
        result = [self.expr(sc, 1), self.pick(sc)] + ([] if self.plain else ["[" + ", ".join(mut) + "]"])
        lines += [f"    return {self.pick(result)}", "}"]
        return lines

    def arg_phase(self) -> str:
        """An argument expression of the driver's counter ``i``, for one phase of the run."""
        return self.pick(["i", "i * 3 - 7", "i + 0.5", "i / 4.0", "i % 3 == 0", "null", '"s${i}"',
                          "[i, i + 1]", '{"k": i, "a": [i]}', "V { x: i, y: 1, f: inc }", "mk_adder(i)",
                          "9223372036854775807 - i", "-9223372036854775807 - 1 + i", "i * 1.0 - 0.0",
                          self.value(2)])

    def driver(self, name: str, arity: int, recursive: bool = False) -> list[str]:
        n = self.pick(HOT_MARKS + [5, 50, 120, 300, 1200])
        flip = self.r.randint(0, n)
        period = self.pick([1, 7, 50, 1000])
        k = self.fresh("k")
        depth = [self.pick(["i % 6", "5", "i % 2"])] if recursive else []
        before = ", ".join([self.arg_phase() for _ in range(arity)] + depth)
        after = ", ".join([self.arg_phase() for _ in range(arity)] + depth)
        # a value changing type mid-run: one call per phase (Ruff has no conditional expression)
        redefine = self.pick(["G_FN := dbl", "G := 2.5", 'G := "g"', "inc := dbl",
                              "G_V := V { x: 1.5, y: null, f: dbl }", "G_CL := mk_adder(1.5)", 'G_ARR := ["s"]'])
        return [f"mut sig{k} := 0", f"for i in range({n}) {{", "    mut r := null", "    try {",
                f"        if i < {flip} {{", f"            r := {name}({before})", "        } else {",
                f"            r := {name}({after})", "        }", f"    }} except e{k} {{",
                f"        r := e{k}.message", "    }",
                f"    sig{k} := sig{k} + len(to_string(r))",
                f"    if i % {period} == 0 || i >= {n - 2} {{", "        print(i, r)", "    }",
                *([f"    if i == {self.r.randint(0, n)} {{", f"        {redefine}", "    }"]
                  if self.chance(0.4) else []),
                "}", f"print(\"sig\", sig{k}, G, CNT)"]

    def tail(self) -> list[str]:
        out = []
        if self.chance(0.15):
            d = self.pick([10, 300, 2000, 19990, 20001, 25000] if self.deep else [10, 30, 59])
            start = self.pick(["0", "0.5", '""', "null"])
            out += ["try {", f"    print(deep({d}, {start}))",
                    "} except e {", "    print(e.message)", "}"]
        if self.chance(0.3):
            depths = [10, 301, 4000] if self.deep else [10, 31, 58]
            out.append(f"print(even({self.pick(depths)}), odd({self.pick(depths)}))")
        if self.chance(0.1):  # end in an uncaught runtime error
            out.append(f"print({self.expr(['G', 'CNT'], 2)})")
        return out


def generate(rng: random.Random, kernels: int | None = None, deep: bool = True) -> str:
    g = RichGen(rng, deep)
    chunks = [RichGen.PRELUDE.rstrip("\n")]
    count = kernels or rng.randint(1, 3)
    for index in range(count):
        recursive = rng.random() < 0.25
        lines = g.kernel(f"t{index}", recursive)
        chunks.append("\n".join(lines))
        arity = lines[0].count(",") + 1 - recursive
        chunks.append("\n".join(g.driver(f"t{index}", arity, recursive)))
    chunks.append("\n".join(g.tail()))
    if rng.random() < 0.15:   # a hot kernel called once more, outside any try: its error (if any) ends the program
        args = [g.arg_phase() for _ in range(arity)] + (["3"] if recursive else [])
        chunks.append(f"mut i := {rng.choice([0, 1, 36, 999, 1000])}\nprint(t{count - 1}({', '.join(args)}))")
    return "\n".join(chunks) + "\n"


def programs() -> st.SearchStrategy[str]:
    """Hypothesis strategy: a program from a hypothesis-controlled ``random.Random``."""
    return st.randoms(use_true_random=False).map(generate)


if __name__ == "__main__":  # print one program: python -m tests.jit.rich_generator SEED
    import sys

    print(generate(random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 0)), end="")
