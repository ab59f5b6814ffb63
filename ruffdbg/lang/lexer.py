"""The Ruff lexer: source text to a flat list of tokens.

Token kinds are upper-case names for literal classes (``INT``, ``FLOAT``,
``STRING``, ``IDENT``, ``EOF``) and the token's own text for keywords and
operators (``let``, ``:=``, ``&&``), so the parser can compare kinds directly.

Strings are decoded here. A string containing ``${...}`` keeps its
interpolations as lists of tokens lexed in place from the original text, so
every token inside an interpolation already carries its true line and column
and the parser only has to parse them as an expression.

Keywords and operators that belong to Ruff but not to the core we support
(``import``, ``async`` ...) are lexed as ordinary tokens; the parser rejects them
with a "not supported" diagnostic, so the lexer stays a faithful tokenizer.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Union

from .diagnostics import RuffSyntaxError, Source

INT = "INT"
FLOAT = "FLOAT"
STRING = "STRING"
IDENT = "IDENT"
EOF = "EOF"

CORE_KEYWORDS = frozenset(
    "let mut const func return if else loop while for in break continue "
    "try except throw struct self null true false match case enum yield export async await".split()
)
# Reserved words usable only inside type annotations.
TYPE_KEYWORDS = frozenset("int float string bool".split())
# Ruff keywords and operators outside the core: lexed, then rejected by the parser.
UNSUPPORTED_KEYWORDS = frozenset(
    "import from spawn impl trait".split()
)
UNSUPPORTED_OPERATORS: frozenset[str] = frozenset()
KEYWORDS = CORE_KEYWORDS | TYPE_KEYWORDS | UNSUPPORTED_KEYWORDS

# Longest first, so "..." wins over "." and ":=" over ":".
OPERATORS = (
    "...",
    "::", ":=", "==", "!=", "<=", ">=", "&&", "||", "->",
    "+=", "-=", "*=", "/=", "%=", "??", "?.", "|>",
    "+", "-", "*", "/", "%", "=", "<", ">", "!", "?",
    "(", ")", "[", "]", "{", "}", ",", ";", ":", ".",
)

I64_MAX = 2**63 - 1
# Strings nested inside interpolations (``"${ "${ ... }" }"``) recurse in the
# lexer; each level is also an expression nesting level for the parser.
MAX_INTERPOLATION_DEPTH = 256

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "$": "$"}


@dataclass
class Token:
    """One token. ``value`` is the decoded literal (int, float, string parts, name)."""

    kind: str
    text: str
    line: int
    col: int
    value: object = None


@dataclass
class Interpolation:
    """The ``${...}`` part of a string: its tokens, ending with EOF at the closing ``}``."""

    tokens: list[Token]
    line: int  # position of the "$"
    col: int


# A STRING token's value: literal text and interpolations, in order.
StringPart = Union[str, Interpolation]


@contextmanager
def recursion_headroom(limit: int = 20_000) -> Iterator[None]:
    """Temporarily allow deeper Python recursion; the nesting limits bound the real depth.

    Expressions nested 256 deep take several Python frames per level, which
    exceeds CPython's default limit of 1000. The previous limit is restored.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def tokenize(source: Source) -> list[Token]:
    """Split ``source`` into tokens, ending with an EOF token.

    Raises RuffSyntaxError for malformed input.
    """
    with recursion_headroom():
        return _Lexer(source.text).run()


def _is_ident_start(ch: str) -> bool:
    return ch == "_" or ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _is_ident_char(ch: str) -> bool:
    return _is_ident_start(ch) or ("0" <= ch <= "9")


def _is_digit(ch: str) -> bool:
    # str.isdigit() would accept "²" and other non-ASCII digits.
    return "0" <= ch <= "9"


@dataclass
class _Lexer:
    text: str
    pos: int = 0
    line: int = 1
    col: int = 1
    interp_depth: int = 0
    # Where the last real token ended: EOF is placed there, so "found end of
    # file" points just after the last code rather than past trailing comments.
    end_line: int = 1
    end_col: int = 1

    # ------------------------------------------------------------ driving

    def run(self) -> list[Token]:
        self.reject_null_byte()
        if self.text.startswith("\ufeff"):
            self.pos = 1  # a UTF-8 byte order mark some editors write; not a column
        tokens = []
        while True:
            tok = self.next_token()
            if tok is None:
                break
            tokens.append(tok)
        tokens.append(Token(EOF, "", self.end_line, self.end_col))
        return tokens

    def reject_null_byte(self) -> None:
        """A NUL anywhere (even in a comment or string) is an error, reported where it is."""
        index = self.text.find("\0")
        if index < 0:
            return
        before = self.text[:index].replace("\r\n", "\n").replace("\r", "\n")
        line = before.count("\n") + 1
        col = len(before) - before.rfind("\n")
        raise self.error("Null byte in source", line, col)

    def next_token(self) -> Token | None:
        """The next token, or None at end of text."""
        self.skip_trivia()
        if self.pos >= len(self.text):
            return None
        line, col, start = self.line, self.col, self.pos
        ch = self.text[self.pos]
        if _is_digit(ch):
            tok = self.lex_number(line, col)
        elif _is_ident_start(ch):
            tok = self.lex_word(line, col)
        elif ch == '"':
            tok = self.lex_string(line, col)
        else:
            tok = self.lex_operator(line, col)
        tok.text = self.text[start : self.pos]
        self.end_line, self.end_col = self.line, self.col
        return tok

    # ------------------------------------------------------------ characters

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def advance(self) -> str:
        """Consume one character, keeping line/col right for \\n, \\r\\n and lone \\r."""
        ch = self.text[self.pos]
        self.pos += 1
        if ch == "\n" or (ch == "\r" and self.peek() != "\n"):
            self.line += 1
            self.col = 1
        elif ch != "\r":
            self.col += 1
        return ch

    def error(self, message: str, line: int | None = None, col: int | None = None) -> RuffSyntaxError:
        return RuffSyntaxError(message, line or self.line, col or self.col)

    # ------------------------------------------------------------ trivia

    def skip_trivia(self) -> None:
        """Skip whitespace and comments (``#``, ``//``, ``///``, ``/* */``)."""
        while self.pos < len(self.text):
            ch = self.peek()
            if ch in " \t\r\n":
                self.advance()
            elif ch == "#" or (ch == "/" and self.peek(1) == "/"):
                self.skip_line()
            elif ch == "/" and self.peek(1) == "*":
                self.skip_block_comment()
            else:
                return

    def skip_line(self) -> None:
        while self.pos < len(self.text) and self.peek() not in "\r\n":
            self.advance()

    def skip_block_comment(self) -> None:
        # Block comments do not nest: the first "*/" ends the comment.
        line, col = self.line, self.col
        end = self.text.find("*/", self.pos + 2)
        if end < 0:
            raise self.error("Unterminated block comment", line, col)
        while self.pos < end + 2:
            self.advance()

    # ------------------------------------------------------------ numbers and words

    def lex_number(self, line: int, col: int) -> Token:
        start = self.pos
        self.take_digits()
        is_float = self.peek() == "." and _is_digit(self.peek(1))
        if is_float:
            self.advance()
            self.take_digits()
        # "123abc" or "1.5e3" is one malformed literal, not a number and a name.
        if _is_ident_char(self.peek()):
            while _is_ident_char(self.peek()):
                self.advance()
            raise self.error(f"Malformed number literal: {self.text[start:self.pos]}", line, col)
        digits = self.text[start : self.pos]
        if is_float:
            return Token(FLOAT, digits, line, col, float(digits))
        value = int(digits)
        if value > I64_MAX:
            raise self.error(f"Integer literal too large: {digits}", line, col)
        return Token(INT, digits, line, col, value)

    def take_digits(self) -> None:
        while _is_digit(self.peek()):
            self.advance()

    def lex_word(self, line: int, col: int) -> Token:
        start = self.pos
        while _is_ident_char(self.peek()):
            self.advance()
        word = self.text[start : self.pos]
        kind = word if word in KEYWORDS else IDENT
        return Token(kind, word, line, col, word)

    # ------------------------------------------------------------ operators

    def lex_operator(self, line: int, col: int) -> Token:
        for op in OPERATORS:
            if self.text.startswith(op, self.pos):
                for _ in op:
                    self.advance()
                return Token(op, op, line, col)
        ch = self.peek()
        shown = ch if ch.isprintable() else repr(ch)[1:-1]
        raise self.error(f"Invalid character '{shown}'", line, col)

    # ------------------------------------------------------------ strings

    def lex_string(self, line: int, col: int) -> Token:
        """A double-quoted string; its value is a list of str and Interpolation parts."""
        self.advance()  # opening quote
        parts: list[StringPart] = []
        chunk: list[str] = []
        while True:
            ch = self.peek()
            # A backslash at the end of the line escapes nothing: still unterminated.
            if ch == "" or ch in "\r\n" or (ch == "\\" and self.peek(1) in ("", "\r", "\n")):
                raise self.error("Unterminated string", line, col)
            if ch == '"':
                self.advance()
                break
            if ch == "\\":
                chunk.append(self.lex_escape())
            elif ch == "$" and self.peek(1) == "{":
                if chunk:
                    parts.append("".join(chunk))
                    chunk = []
                parts.append(self.lex_interpolation())
            else:
                chunk.append(self.advance())
        if chunk or not parts:
            parts.append("".join(chunk))
        return Token(STRING, "", line, col, parts)

    def lex_escape(self) -> str:
        line, col = self.line, self.col
        self.advance()  # backslash
        ch = self.peek()
        if ch in ESCAPES:
            self.advance()
            return ESCAPES[ch]
        shown = ch if ch.isprintable() else repr(ch)[1:-1]
        raise self.error(f"Invalid escape sequence '\\{shown}'", line, col)

    def lex_interpolation(self) -> Interpolation:
        """Lex the tokens of ``${ ... }`` up to the ``}`` that balances the ``${``.

        Lexing token by token (rather than scanning characters) means nested
        strings, and the braces and quotes inside them, are skipped correctly.
        """
        line, col = self.line, self.col
        if self.interp_depth >= MAX_INTERPOLATION_DEPTH:
            raise self.error(f"Expression nesting too deep (limit {MAX_INTERPOLATION_DEPTH})", line, col)
        self.advance()  # $
        self.advance()  # {
        self.interp_depth += 1
        tokens: list[Token] = []
        depth = 0
        while True:
            tok = self.next_token()
            if tok is None:
                raise self.error("Unterminated string interpolation", line, col)
            if tok.kind == "{":
                depth += 1
            elif tok.kind == "}":
                if depth == 0:
                    tokens.append(Token(EOF, "}", tok.line, tok.col))
                    break
                depth -= 1
            tokens.append(tok)
        self.interp_depth -= 1
        return Interpolation(tokens, line, col)


def describe(tok: Token) -> str:
    """How a token is named in a message: ``'}'``, ``'foo'``, ``end of file``."""
    if tok.kind == EOF:
        # The EOF that ends an interpolation stands for its closing brace.
        return "'}'" if tok.text == "}" else "end of file"
    text = tok.text if len(tok.text) <= 24 else tok.text[:21] + "..."
    return f"'{text}'"
