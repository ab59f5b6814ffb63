"""Tokens: literals, strings and interpolation, comments, positions and lexer errors."""

from __future__ import annotations

import pytest

from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
from ruffdbg.lang.lexer import EOF, FLOAT, IDENT, INT, STRING, Interpolation, Token, tokenize


def lex(text: str) -> list[Token]:
    return tokenize(Source("t.ruff", text))


def kinds(text: str) -> list[str]:
    return [tok.kind for tok in lex(text)][:-1]  # without EOF


def lex_error(text: str) -> RuffSyntaxError:
    with pytest.raises(RuffSyntaxError) as info:
        lex(text)
    return info.value


def string_value(text: str) -> list:
    (tok,) = lex(text)[:-1]
    assert tok.kind == STRING
    return tok.value


# ---------------------------------------------------------------- basics


def test_empty_source_is_just_eof() -> None:
    (tok,) = lex("")
    assert (tok.kind, tok.line, tok.col) == (EOF, 1, 1)


def test_eof_sits_after_the_last_token_not_after_trailing_comments() -> None:
    eof = lex("x\n# trailing\n\n")[-1]
    assert (eof.kind, eof.line, eof.col) == (EOF, 1, 2)


def test_positions_are_one_based_lines_and_columns() -> None:
    toks = lex("let x := 1\n  y")
    assert [(t.text, t.line, t.col) for t in toks[:-1]] == [
        ("let", 1, 1), ("x", 1, 5), (":=", 1, 7), ("1", 1, 10), ("y", 2, 3),
    ]


def test_crlf_and_lone_cr_line_endings() -> None:
    toks = lex("a\r\nb\rc")
    assert [(t.text, t.line, t.col) for t in toks[:-1]] == [("a", 1, 1), ("b", 2, 1), ("c", 3, 1)]


def test_leading_byte_order_mark_is_skipped() -> None:
    (tok,) = lex("\ufeffx")[:-1]
    assert (tok.text, tok.col) == ("x", 1)


def test_keywords_type_words_and_identifiers() -> None:
    assert kinds("let mut const func self null true false") == [
        "let", "mut", "const", "func", "self", "null", "true", "false",
    ]
    assert kinds("int float string bool") == ["int", "float", "string", "bool"]
    # Ok/Err/Some/None are plain identifiers; keyword prefixes do not count.
    assert kinds("Ok Err Some None letter iffy _x x1") == [IDENT] * 8


def test_outside_core_keywords_and_operators_are_tokens_for_the_parser_to_reject() -> None:
    assert kinds("match enum async") == ["match", "enum", "async"]
    assert kinds("a ?? b |> c ... d?.e") == [IDENT, "??", IDENT, "|>", IDENT, "...", IDENT, "?.", IDENT]


def test_operators_take_the_longest_match() -> None:
    assert kinds(":= : == = != ! <= < >= > && || -> - += -= *= /= %= ?") == [
        ":=", ":", "==", "=", "!=", "!", "<=", "<", ">=", ">", "&&", "||", "->", "-",
        "+=", "-=", "*=", "/=", "%=", "?",
    ]
    assert kinds("a:=b") == [IDENT, ":=", IDENT]


# ---------------------------------------------------------------- numbers


def test_integers() -> None:
    toks = lex("0 42 007")
    assert [(t.kind, t.value) for t in toks[:-1]] == [(INT, 0), (INT, 42), (INT, 7)]


def test_i64_max_fits_and_one_more_is_an_error() -> None:
    (tok,) = lex("9223372036854775807")[:-1]
    assert tok.value == 2**63 - 1
    err = lex_error("x := 9223372036854775808")
    assert err.message == "Integer literal too large: 9223372036854775808"
    assert (err.line, err.col) == (1, 6)


def test_floats_are_only_digits_dot_digits() -> None:
    toks = lex("1.5 0.25 10.0")
    assert [(t.kind, t.value) for t in toks[:-1]] == [(FLOAT, 1.5), (FLOAT, 0.25), (FLOAT, 10.0)]
    # "1." and ".5" are not floats: an int and a dot, a dot and an int.
    assert kinds("1.") == [INT, "."]
    assert kinds(".5") == [".", INT]
    assert kinds("1.foo") == [INT, ".", IDENT]


def test_negative_number_is_a_minus_token() -> None:
    assert kinds("-5") == ["-", INT]


@pytest.mark.parametrize("text", ["123abc", "1.5e3", "0x1F", "1e10"])
def test_malformed_number_literals(text: str) -> None:
    err = lex_error(text)
    assert err.message == f"Malformed number literal: {text}"
    assert (err.line, err.col) == (1, 1)


# ---------------------------------------------------------------- strings


def test_plain_string() -> None:
    assert string_value('"hello world"') == ["hello world"]
    assert string_value('""') == [""]


def test_escapes() -> None:
    assert string_value(r'"a\nb\tc\rd\\e\"f\$g"') == ['a\nb\tc\rd\\e"f$g']


def test_invalid_escape_is_an_error_at_the_backslash() -> None:
    err = lex_error(r'x := "ab\qc"')
    assert err.message == "Invalid escape sequence '\\q'"
    assert (err.line, err.col) == (1, 9)


@pytest.mark.parametrize("text", ['"abc', '"abc\ndef"', '"abc\r\n"', '"abc\\'])
def test_unterminated_string(text: str) -> None:
    err = lex_error(text)
    assert err.message == "Unterminated string"
    assert (err.line, err.col) == (1, 1)


def test_dollar_without_brace_is_literal() -> None:
    assert string_value('"cost: $5 $"') == ["cost: $5 $"]


def test_escaped_dollar_does_not_interpolate() -> None:
    assert string_value(r'"\${x}"') == ["${x}"]


def test_interpolation_parts_and_inner_token_positions() -> None:
    parts = string_value('"a ${x + 1} b"')
    assert parts[0] == "a " and parts[2] == " b"
    interp = parts[1]
    assert isinstance(interp, Interpolation)
    assert (interp.line, interp.col) == (1, 4)
    assert [(t.kind, t.col) for t in interp.tokens] == [(IDENT, 6), ("+", 8), (INT, 10), (EOF, 11)]


def test_interpolation_with_nested_strings_and_braces() -> None:
    parts = string_value('"${to_upper("x")} ${ {"a": 1}["a"] }"')
    first, space, second = parts
    assert space == " "
    assert [t.kind for t in first.tokens] == [IDENT, "(", STRING, ")", EOF]
    assert [t.kind for t in second.tokens] == ["{", STRING, ":", INT, "}", "[", STRING, "]", EOF]


def test_nested_interpolation_inside_interpolation() -> None:
    (outer,) = string_value('"${ "in ${y}" }"')
    (inner_string,) = outer.tokens[:-1]
    assert inner_string.kind == STRING
    assert inner_string.value[0] == "in "
    assert inner_string.value[1].tokens[0].text == "y"


def test_interpolation_on_a_later_line_has_true_positions() -> None:
    toks = lex('x\n  "${ abc }"')
    interp = toks[1].value[0]
    assert (interp.tokens[0].line, interp.tokens[0].col) == (2, 7)


def test_unterminated_interpolation() -> None:
    err = lex_error('"abc ${x')
    assert err.message == "Unterminated string interpolation"
    assert (err.line, err.col) == (1, 6)


# ---------------------------------------------------------------- comments


def test_all_comment_styles_are_skipped() -> None:
    text = "a # hash\nb // slashes\nc /// doc\nd /* block\n still */ e"
    assert [t.text for t in lex(text)[:-1]] == ["a", "b", "c", "d", "e"]


def test_block_comments_do_not_nest() -> None:
    assert [t.text for t in lex("/* a /* b */ c */")[:-1]] == ["c", "*", "/"]


def test_unterminated_block_comment() -> None:
    err = lex_error("x\n  /* never closed")
    assert err.message == "Unterminated block comment"
    assert (err.line, err.col) == (2, 3)


def test_comment_markers_inside_strings_are_text() -> None:
    assert string_value('"# not // a /* comment"') == ["# not // a /* comment"]


# ---------------------------------------------------------------- bad characters


@pytest.mark.parametrize("char", ["@", "~", "^", "&", "|", "`", "'", "é", "\\"])
def test_invalid_characters(char: str) -> None:
    err = lex_error(f"x {char} y")
    assert err.message == f"Invalid character '{char}'"
    assert (err.line, err.col) == (1, 3)


def test_nul_byte_is_an_error_even_in_comments() -> None:
    err = lex_error("x\n# a\0b")
    assert err.message == "Null byte in source"
    assert (err.line, err.col) == (2, 4)
    assert lex_error('"a\0"').message == "Null byte in source"


def test_token_text_is_the_source_slice() -> None:
    toks = lex('"a${b}" 1.25')
    assert [t.text for t in toks[:-1]] == ['"a${b}"', "1.25"]
