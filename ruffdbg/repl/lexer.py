"""A Pygments lexer for Ruff (registered as a Pygments plugin: ``pygmentize -l ruff``)."""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from ruffdbg.vm.builtins import BUILTINS

KEYWORDS = ("let", "mut", "const", "func", "return", "if", "else", "loop", "while", "for", "in", "break",
            "continue", "try", "except", "throw", "struct")
CONSTANTS = ("true", "false", "null", "self")
TYPES = ("int", "float", "string", "bool")


class RuffLexer(RegexLexer):
    name = "Ruff"
    aliases = ["ruff"]
    filenames = ["*.ruff"]

    tokens = {
        "root": [
            (r"\s+", Text),
            (r"(//|#).*?$", Comment.Single),
            (r"/\*", Comment.Multiline, "block_comment"),
            (r"(func)(\s+)([A-Za-z_]\w*)", bygroups(Keyword, Text, Name.Function)),
            (r"(struct)(\s+)([A-Za-z_]\w*)", bygroups(Keyword, Text, Name.Class)),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(TYPES, suffix=r"\b"), Keyword.Type),
            (words(tuple(BUILTINS), suffix=r"\b"), Name.Builtin),
            (r"\d+\.\d+", Number.Float),
            (r"\d+", Number.Integer),
            (r'"', String, "string"),
            (r":=|[-+*/%]=|==|!=|<=|>=|&&|\|\||[-+*/%<>=!]", Operator),
            (r"[A-Za-z_]\w*", Name),
            (r"[(){}\[\],.;:]", Punctuation),
        ],
        "block_comment": [
            (r"[^*]+", Comment.Multiline),
            (r"\*/", Comment.Multiline, "#pop"),
            (r"\*", Comment.Multiline),
        ],
        "string": [
            (r'\\[ntr\\"$]', String.Escape),
            (r"\$\{", String.Interpol, "interpolation"),
            (r'[^"\\$]+', String),
            (r"\$", String),
            (r'"', String, "#pop"),
        ],
        "interpolation": [
            (r"\}", String.Interpol, "#pop"),
            include("root"),
        ],
    }
