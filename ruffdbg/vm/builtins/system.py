"""The program's surroundings: exit, input, args, environment variables, the
working directory, sleep, extra output (println, eprint, debug), and the
network and process builtins ruffdbg does not provide.

``exit(code)`` raises ``core.errors.ProgramExit``: no ``try`` catches it, it passes
through the VM and the JIT, and the Session reports it as how the run ended
(``ruffdbg run`` exits with that status; the REPL and the TUI say so and go on).
``args()`` returns the VM's ``program_args`` when there are any, else the
reference's ``RUFF_SCRIPT_ARGS`` environment variable (arguments separated by
U+001F), else ``[]``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any

from ruffdbg.core.errors import ProgramExit, RuffError
from ruffdbg.core.objects import Builtin, StructType, StructValue
from ruffdbg.core.values import debug_repr, to_string
from ruffdbg.vm.builtins.registry import builtin, number_arg, register, string_arg


def os_message(error: OSError) -> str:
    """An OSError worded as Rust's io::Error displays it: ``No such file or directory (os error 2)``."""
    if error.errno is not None and error.strerror:
        return f"{error.strerror} (os error {error.errno})"
    return str(error)


@builtin("exit", 0, 1)
def _exit(ctx: Any, args: list) -> None:
    """exit([code]): end the program now with exit status code (0 by default)."""
    code = 0
    if args:
        value = args[0]
        if type(value) is int:
            code = value
        elif type(value) is float and value == value and abs(value) < 2**31:
            code = int(value)
        else:
            raise RuffError("exit() requires a numeric exit code when provided")
    flush = getattr(sys.stdout, "flush", None)
    if flush is not None:
        flush()
    raise ProgramExit(code & 0xFF if code >= 0 else code % 256)


@builtin("input", 0, 1)
def _input(ctx: Any, args: list) -> str:
    """input([prompt]): write prompt, read one line from standard input (without its line ending); "" at end of input."""
    if args:
        if type(args[0]) is not str:
            raise RuffError("input() requires a string prompt when provided")
        ctx.write(args[0])
        flush = getattr(sys.stdout, "flush", None)
        if flush is not None:
            flush()
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    return line.rstrip()


@builtin("args", 0)
def _args(ctx: Any, args: list) -> list:
    """args(): the program's command-line arguments (strings)."""
    if ctx.program_args:
        return list(ctx.program_args)
    packed = os.environ.get("RUFF_SCRIPT_ARGS")
    if packed is not None:
        return packed.split("\x1f")
    return []


# --------------------------------------------------------------------------
# Environment variables


def _name(fname: str, args: list) -> str:
    return string_arg(fname, args[0], 1)


@builtin("env", 1)
def _env(ctx: Any, args: list) -> str:
    """env(name): the variable's value, "" when it is not set."""
    return os.environ.get(_name("env", args), "")


@builtin("env_or", 2)
def _env_or(ctx: Any, args: list) -> str:
    """env_or(name, default): the variable's value, or default when it is not set."""
    value = os.environ.get(_name("env_or", args))
    return string_arg("env_or", args[1], 2) if value is None else value


def _env_required_value(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise RuffError(f"Environment variable '{name}' not found")
    return value


@builtin("env_int", 1)
def _env_int(ctx: Any, args: list) -> int:
    """env_int(name): the variable parsed as an int (an error if unset or not an int)."""
    name = _name("env_int", args)
    value = _env_required_value(name)
    try:
        number = int(value.strip("+") if value.startswith("+") else value, 10)
        if value != value.strip() or "_" in value or not -(2**63) <= number < 2**63:
            raise ValueError
        return number
    except ValueError:
        raise RuffError(f"Environment variable '{name}' value '{value}' is not a valid integer") from None


@builtin("env_float", 1)
def _env_float(ctx: Any, args: list) -> float:
    """env_float(name): the variable parsed as a float (an error if unset or not a number)."""
    name = _name("env_float", args)
    value = _env_required_value(name)
    try:
        if value != value.strip() or "_" in value:
            raise ValueError
        return float(value)
    except ValueError:
        raise RuffError(f"Environment variable '{name}' value '{value}' is not a valid float") from None


@builtin("env_bool", 1)
def _env_bool(ctx: Any, args: list) -> bool:
    """env_bool(name): true for true/1/yes/on, false for false/0/no/off (any case); else an error."""
    name = _name("env_bool", args)
    value = _env_required_value(name)
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise RuffError(f"Environment variable '{name}' value '{value}' is not a valid bool")


@builtin("env_required", 1)
def _env_required(ctx: Any, args: list) -> str:
    """env_required(name): the variable's value; an error when it is not set."""
    name = _name("env_required", args)
    value = os.environ.get(name)
    if value is None:
        raise RuffError(f"Required environment variable '{name}' is not set")
    return value


@builtin("env_set", 2)
def _env_set(ctx: Any, args: list) -> None:
    """env_set(name, value): set the variable for this program (and what it starts)."""
    name = _name("env_set", args)
    value = string_arg("env_set", args[1], 2)
    if not name or "=" in name or "\0" in name or "\0" in value:
        raise RuffError(f"env_set() invalid variable name or value: '{name}'")
    os.environ[name] = value
    return None


@builtin("env_list", 0, aliases=("os_environ",))
def _env_list(ctx: Any, args: list) -> dict:
    """env_list(): every environment variable, as a dict."""
    return dict(os.environ)


# --------------------------------------------------------------------------
# Working directory, sleep, output


@builtin("os_getcwd", 0)
def _os_getcwd(ctx: Any, args: list) -> str:
    """os_getcwd(): the current working directory."""
    try:
        return os.getcwd()
    except OSError as error:
        raise RuffError(f"Cannot get current directory: {os_message(error)}") from None


@builtin("os_chdir", 1)
def _os_chdir(ctx: Any, args: list) -> bool:
    """os_chdir(path): change the working directory; true."""
    path = string_arg("os_chdir", args[0])
    try:
        os.chdir(path)
    except (OSError, ValueError) as error:
        why = os_message(error) if isinstance(error, OSError) else str(error)
        raise RuffError(f"Cannot change directory to '{path}': {why}") from None
    return True


@builtin("sleep", 1)
def _sleep(ctx: Any, args: list) -> None:
    """sleep(ms): wait ms milliseconds."""
    ms = number_arg("sleep", args[0])
    if ms != ms or ms < 0:
        raise RuffError("sleep() duration must be a non-negative number")
    time.sleep(min(ms, 86_400_000) / 1000.0)
    return None


@builtin("println")
def _println(ctx: Any, args: list) -> None:
    """println(a, b, ...): as print."""
    ctx.write(" ".join(to_string(a) for a in args) + "\n")
    return None


@builtin("eprint")
def _eprint(ctx: Any, args: list) -> None:
    """eprint(a, b, ...): as print, on standard error."""
    print(" ".join(to_string(a) for a in args), file=sys.stderr, flush=True)
    return None


@builtin("debug")
def _debug(ctx: Any, args: list) -> None:
    """debug(a, b, ...): "[DEBUG] " and the values in the reference's debug form (Int(1), String("a"))."""
    ctx.write("[DEBUG] " + " ".join(debug_repr(a) for a in args) + "\n")
    return None


# --------------------------------------------------------------------------
# Not provided: network, HTTP servers, processes

UNAVAILABLE = (
    "http_get", "http_post", "http_put", "http_delete", "http_request", "http_get_binary", "http_get_stream",
    "parallel_http", "http_server", "http_listen", "oauth2_auth_url", "oauth2_get_token",
    "tcp_listen", "tcp_accept", "tcp_connect", "tcp_send", "tcp_receive", "tcp_close", "tcp_set_nonblocking",
    "udp_bind", "udp_send_to", "udp_receive_from", "udp_close",
    "execute", "execute_status", "spawn_process", "pipe_commands",
    "async_http_get", "async_http_post", "ai_chat", "ai_embedding", "ai_stream_chat", "ai_tool_loop",
)


def _unavailable(name: str) -> None:
    def impl(ctx: Any, args: list) -> None:
        raise RuffError(f"{name} is not available in ruffdbg")

    impl.__doc__ = f"{name}: not available in ruffdbg (no network, HTTP servers or processes)."
    register(name, impl, ())


for _each in UNAVAILABLE:
    _unavailable(_each)


# --------------------------------------------------------------------------
# arg_parser(): a struct value (type "struct", named ArgParser) whose methods are
# builtins. ``add_argument`` takes the long name, then key/value pairs (short,
# type, required, help, default), and returns a new parser (parsers are values).


def _argument_specs(parser: Any) -> list[dict]:
    return [spec for spec in parser.fields.get("_args", []) if type(spec) is dict and type(spec.get("long")) is str]


def _add_argument(ctx: Any, args: list) -> Any:
    parser, rest = args[0], args[1:]
    spec: dict = {"long": rest[0] if rest and type(rest[0]) is str else ""}
    options: dict = {}
    i = 1
    while i < len(rest):
        key = rest[i]
        if type(key) is str and i + 1 < len(rest):
            options[key] = rest[i + 1]
            i += 2
        else:
            i += 1
    wanted = {"short": str, "type": str, "required": bool, "help": str, "default": str}
    given = {k: v for k, v in options.items() if k in wanted and type(v) is wanted[k]}
    if "short" in given:
        spec["short"] = given["short"]
    spec["type"] = given.get("type", "string")
    spec["required"] = given.get("required", False)
    spec["help"] = given.get("help", "")
    if "default" in given:
        spec["default"] = given["default"]
    return StructValue(parser.type, {**parser.fields, "_args": [*parser.fields.get("_args", []), spec]})


def _help(ctx: Any, args: list) -> str:
    parser = args[0]
    name = parser.fields.get("_app_name")
    description = parser.fields.get("_description")
    text = f"{name if type(name) is str else 'program'}\n\n{description if type(description) is str else ''}\n\nOptions:\n"
    for spec in _argument_specs(parser):
        short = spec.get("short")
        line = f"  {short}, {spec['long']}" if type(short) is str else f"      {spec['long']}"
        kind = spec.get("type", "string")
        if kind != "bool":
            line += f" <{kind}>"
        if spec.get("required") is True:
            line += " (required)"
        if type(spec.get("default")) is str:
            line += f" [default: {spec['default']}]"
        text += line + "\n"
        if spec.get("help"):
            text += f"        {spec['help']}\n"
    return text


def _parse_number(kind: type, text: str) -> Any:
    """Rust's ``parse``: no surrounding spaces, no ``_`` separators."""
    if kind is int and not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    if kind is float and (text != text.strip() or "_" in text):
        return None
    try:
        return kind(text)
    except ValueError:
        return None


def _parse(ctx: Any, args: list) -> dict:
    specs = _argument_specs(args[0])
    given = _args(ctx, [])
    result: dict = {}
    found: set = set()
    positional: list = []
    i = 0
    while i < len(given):
        word = given[i]
        if not word.startswith("-"):
            positional.append(word)
            i += 1
            continue
        spec = next((s for s in specs if word == s["long"] or word == s.get("short")), None)
        if spec is None:
            raise RuffError(f"Unknown argument: {word}")
        key = spec["long"].lstrip("-")
        found.add(key)
        kind = spec.get("type", "string")
        if kind == "bool":
            result[key] = True
        elif kind in ("string", "int", "float"):
            if i + 1 >= len(given):
                raise RuffError(f"Argument {spec['long']} requires a value")
            i += 1
            if kind == "string":
                result[key] = given[i]
            else:
                value = _parse_number(int if kind == "int" else float, given[i])
                if value is None or (kind == "int" and not -2**63 <= value < 2**63):
                    article = "an integer" if kind == "int" else "a float"
                    raise RuffError(f"Argument {spec['long']} requires {article} value, got: {given[i]}")
                result[key] = value
        else:
            raise RuffError(f"Unknown argument type: {kind}")
        i += 1
    for spec in specs:
        key = spec["long"].lstrip("-")
        if key in found:
            continue
        if spec.get("required") is True:
            raise RuffError(f"Required argument {spec['long']} is missing")
        default, kind = spec.get("default"), spec.get("type", "string")
        if type(default) is str:
            if kind == "bool":
                result[key] = default == "true"
            elif kind in ("int", "float"):
                value = _parse_number(int if kind == "int" else float, default)
                result[key] = value if value is not None else (0 if kind == "int" else 0.0)
            else:
                result[key] = default
        else:
            result[key] = False if kind == "bool" else None
    if positional:
        result["_positional"] = positional
    return result


ARG_PARSER = StructType("ArgParser", ["_args", "_app_name", "_description"], methods={
    "add_argument": Builtin("add_argument", _add_argument),
    "parse": Builtin("parse", lambda ctx, args: _parse(ctx, _method_arity("parse", args))),
    "help": Builtin("help", lambda ctx, args: _help(ctx, _method_arity("help", args))),
})


def _method_arity(name: str, args: list) -> list:
    if len(args) != 1:
        raise RuffError(f"{name} expects 0 arguments, got {len(args) - 1}")
    return args


@builtin("arg_parser", 0)
def _arg_parser(ctx: Any, args: list) -> StructValue:
    """arg_parser(): a command-line parser; .add_argument(long, "short", s, "type", t,
    "required", b, "help", h, "default", d) returns a new one, .help() its text,
    .parse() a dict of the program's arguments (``_positional``: the rest)."""
    return StructValue(ARG_PARSER, {"_args": [], "_app_name": "", "_description": ""})
