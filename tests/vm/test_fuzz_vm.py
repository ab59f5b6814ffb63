"""Property tests for the whole pipeline: no input may reach the user as a Python traceback.

Random programs either run, stop with a Ruff runtime error, stop at a syntax
error, or are interrupted by a time limit (through the same safepoint Ctrl-C
uses). Any other exception is a ruffdbg bug.
"""

from __future__ import annotations

import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruffdbg.lang.diagnostics import RuffSyntaxError
from ruffdbg.session import Session
from tests.lang.test_fuzz_parser import RUFF_TOKENS

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TIME_LIMIT_S = 0.5

LITERALS = ["0", "1", "-1", "7", "9223372036854775807", "2.5", "0.0", '"ab"', '""', "true", "false",
            "null", "[1, 2.5, \"x\"]", "[]", '{"k": 1}', "{}", "x", "y", "xs", "d", "p", "f"]
BUILTINS = ["len", "to_string", "to_int", "to_float", "type", "push", "pop", "keys", "values", "has_key",
            "contains", "index_of", "slice", "split", "join", "trim", "to_upper", "substring", "replace",
            "repeat", "abs", "sqrt", "floor", "round", "min", "max", "pow", "range", "parse_int", "str"]
OPERATORS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"]


def expressions() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(LITERALS)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(OPERATORS), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "!"]), inner).map(lambda t: f"{t[0]}{t[1]}"),
            st.tuples(st.sampled_from(BUILTINS), st.lists(inner, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
            inner.map(lambda e: f'"s${{{e}}}"'),
            inner.map(lambda e: f"f({e})"),
            inner.map(lambda e: f"p.x + {e}"),
        )

    return st.recursive(leaf, extend, max_leaves=8)


def statements() -> st.SearchStrategy[str]:
    expr = expressions()
    return st.one_of(
        expr.map(lambda e: f"print({e})"),
        expr.map(lambda e: f"x := {e}"),
        expr.map(lambda e: f"xs[0] := {e}"),
        expr.map(lambda e: f"d[\"k\"] := {e}"),
        expr.map(lambda e: f"p.x := {e}"),
        expr.map(lambda e: f"if {e} {{ y := y + 1 }} else {{ y := y - 1 }}"),
        expr.map(lambda e: f"for i in {e} {{ y := y + 1; if y > 50 {{ break }} }}"),
        expr.map(lambda e: f"try {{ print({e}) }} except err {{ print(err.message) }}"),
        expr.map(lambda e: f"while y < 20 {{ y := y + 1; x := {e} }}"),
    )


PRELUDE = """
struct P { x = 1 }
func f(a) { return a }
mut x := 1
mut y := 0
mut xs := [1, 2, 3]
mut d := {"k": 1}
mut p := P { x: 2 }
"""


def run_with_time_limit(text: str) -> None:
    session = Session(write=lambda _text: None)
    timer = threading.Timer(TIME_LIMIT_S, session.interrupt, args=("time limit",))
    timer.start()
    try:
        result = session.run_source(text, "fuzz.ruff")
    except RuffSyntaxError:
        return
    finally:
        timer.cancel()
    if result.error is not None:
        # (`throw ""` is an error whose message is, rightly, empty)
        assert (result.error.message or "throw" in text) and result.error.stack


@SETTINGS
@given(st.lists(statements(), min_size=1, max_size=6))
def test_random_programs_run_or_fail_with_ruff_errors(stmts: list[str]) -> None:
    run_with_time_limit(PRELUDE + "\n".join(stmts))


@SETTINGS
@given(st.lists(st.sampled_from(RUFF_TOKENS), max_size=50))
def test_token_soup_runs_or_gives_a_diagnostic(tokens: list[str]) -> None:
    run_with_time_limit(" ".join(tokens))


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    run_with_time_limit(data.decode("utf-8", errors="replace"))
