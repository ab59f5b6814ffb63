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
import sys
import time
from typing import Any

from ruffdbg.core.errors import ProgramExit, RuffError
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
    "parallel_http", "http_server", "http_listen", "http_response", "json_response", "html_response",
    "redirect_response", "set_header", "set_headers", "oauth2_auth_url", "oauth2_get_token",
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
