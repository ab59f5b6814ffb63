"""Property tests: whatever the input, parse() returns a Program or raises RuffSyntaxError.

Any other exception (IndexError, RecursionError, ...) is a parser bug.
"""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruffdbg.lang import ast
from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
from ruffdbg.lang.parser import parse

RUFF_TOKENS = [
    # keywords, core and outside the core
    *"let mut const func return if else loop while for in break continue try except throw "
    "struct self null true false int float string bool match enum import async test".split(),
    # operators and punctuation
    *":= = += -= *= /= %= == != < <= > >= + - * / % ! && || -> ( ) [ ] { } , ; : . ? "
    "?? |> ... ?.".split(),
    # identifiers, literals, strings with and without interpolation, comments
    "x", "y", "Point", "print", "Ok", "0", "42", "3.14", "9223372036854775807",
    '""', '"s"', '"a ${x} b"', '"${ {"k": 1}["k"] }"', '"${', '"\\n"', "# c\n", "/* c */",
    "\n", "$", "@", "\0",
]

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_syntax_error(text: str) -> None:
    limit = sys.getrecursionlimit()
    try:
        program = parse(Source("fuzz.ruff", text))
    except RuffSyntaxError as err:
        assert err.line >= 1 and err.col >= 1
        assert err.message
    else:
        assert isinstance(program, ast.Program)
    assert sys.getrecursionlimit() == limit


@SETTINGS
@given(st.lists(st.sampled_from(RUFF_TOKENS), max_size=60))
def test_token_soup(tokens: list[str]) -> None:
    parse_or_syntax_error(" ".join(tokens))


@SETTINGS
@given(st.lists(st.sampled_from(["(", "[", "{", "-", "!", "if x {", '"${', "f(", "x := "]), max_size=400))
def test_deep_openers_never_overflow_the_python_stack(openers: list[str]) -> None:
    parse_or_syntax_error("".join(openers))


@SETTINGS
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    parse_or_syntax_error(text)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    parse_or_syntax_error(data.decode("utf-8", errors="replace"))
