"""The ``ruffdbg`` command line: run, dis, hotspots, bench, soak.

Every command is a thin view over a ``Session``. Errors the user caused (bad
program, bad arguments, missing file) are reported as diagnostics, never as a
Python traceback; exit status 1 for program errors, 2 for usage errors, 130
when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruffdbg import exports
from ruffdbg.files import FileError, describe_os_error, read_text_file, writable_folder
from ruffdbg.lang.diagnostics import RuffSyntaxError
from ruffdbg.session import Policy, RunResult, Session
from ruffdbg.textviews import UsageError, render_result

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in ruffdbg, not in the user's program
HOTSPOTS_SAMPLE_MS = 1.0   # the sampling profiler's interval: hotspots is a profiling run
TUI_SAMPLE_MS = 5.0        # coarser in the TUI, whose UI thread shares the GIL with the program


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ruffdbg",
        description="Run Ruff programs on a profiling bytecode VM and watch the JIT tiers work.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run a Ruff program")
    run.add_argument("file", help="the .ruff program")
    run.epilog = "Arguments after -- go to the program: ruffdbg run prog.ruff -- a b makes args() [a, b]."
    _add_engine_options(run)
    run.add_argument("--trace-jit", action="store_true",
                     help="print one line per tier event (compile, tier-up, deopt, ...) on stderr")
    run.add_argument("--stats-json", metavar="PATH",
                     help="write per-function tiers, calls, loops and type profiles as JSON ('-': standard "
                          "output; the program's output then goes to standard error)")
    _add_export_options(run)

    dis = commands.add_parser("dis", help="print the bytecode of a program")
    dis.add_argument("file")
    dis.add_argument("--func", metavar="NAME", help="only this function (<script> for the top level)")
    dis.add_argument("--counts", action="store_true",
                     help="run the program first and show how often each instruction ran")

    for kind, what in (("ir", "LLVM IR"), ("asm", "native assembly")):
        native = commands.add_parser(kind, help=f"run a program, then print a function's {what}")
        native.add_argument("file")
        native.add_argument("--func", metavar="NAME",
                            help="the function (<script>: the top level's OSR loops); its latest compile")
        native.add_argument("--compile", metavar="ID", type=_compile_id, dest="compile_id",
                            help="compile ID of the compile history (ids: the REPL's :compiles, the TUI)")
        native.add_argument("--tier", type=int, choices=(1, 2), default=2)
        native.add_argument("--threshold", type=_positive_int, metavar="N", help="make every hotness threshold N")
        _add_cache_options(native)
        if kind == "ir":
            native.add_argument("--raw", action="store_true", help="the IR before optimization")
            native.add_argument("--passes", action="store_true",
                                help="the optimizer pass by pass: a diff per pass that changed the IR, with times")

    tui = commands.add_parser("tui", help="the live debugger: watch the tiers work (default: a bundled demo)")
    tui.add_argument("file", nargs="?", help="the .ruff program (default: the bundled demo)")
    _add_engine_options(tui)
    _add_profiling_options(tui, TUI_SAMPLE_MS)

    shots = commands.add_parser("screenshot", help="regenerate the TUI screenshots (SVG) shown in the README")
    shots.add_argument("--out", default="screenshots", help="folder for the SVG files (default: screenshots)")

    repl = commands.add_parser("repl", help="an interactive Ruff session with :commands (the default)")
    _add_engine_options(repl)

    test = commands.add_parser("test", help="replay .rdbg transcripts and compare their output")
    test.add_argument("paths", nargs="+", metavar="PATH", help=".rdbg files or folders of them")
    test.add_argument("--update", action="store_true", help="rewrite the expected output of failing steps")
    _add_cache_options(test)

    hotspots = commands.add_parser("hotspots", help="run a program and report hot functions, loops, type stability")
    hotspots.add_argument("file")
    _add_engine_options(hotspots)
    _add_export_options(hotspots, HOTSPOTS_SAMPLE_MS)

    deopts = commands.add_parser("deopts", help="run a program and list its deopts and invalidations, grouped")
    deopts.add_argument("file")
    deopts.add_argument("--func", help="only this function's")
    _add_engine_options(deopts)

    bench = commands.add_parser("bench", help="time the benchmark programs against CPython")
    bench.add_argument("--dir", default=None, help="folder of NAME.ruff + NAME.py pairs (default: examples/benchmarks)")
    bench.add_argument("--runs", type=_positive_int, default=5, help="runs per program; the median is reported")
    bench.add_argument("--latency", action="store_true",
                       help="only compile latency: p50/p90 of each compile stage over the examples")
    bench.add_argument("names", nargs="*", help="only these benchmarks (e.g. fib25 loop1m)")
    _add_cache_options(bench, "the warm-cache runs of the *_cold benchmarks keep their code here (default: a "
                              "new temporary folder); --no-cache: no warm-cache runs")

    soak = commands.add_parser("soak", help="run JIT-churning rounds for a while and report memory (RSS)")
    soak.add_argument("--seconds", type=_positive_int, default=60, help="how long to run (default: 60)")
    soak.add_argument("--threshold", type=_positive_int, metavar="N", default=5,
                      help="every hotness threshold (default: 5, so the JIT works from the start)")
    soak.add_argument("--redefine", action="store_true",
                      help="redefine a function every round (new code, so a new compile) as a REPL user does")
    return parser


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-jit", action="store_true", help="run tier 0 (the interpreter) only")
    parser.add_argument("--threshold", type=_positive_int, metavar="N",
                        help="make every hotness threshold N")
    parser.add_argument("--background-compile", action="store_true",
                        help="compile T2 on a second thread while the code runs on in its tier "
                             "(default: compile at once, the same tiering on every run)")
    _add_cache_options(parser)


def _add_cache_options(parser: argparse.ArgumentParser, what: str | None = None) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--cache", metavar="DIR", help=what or (
        "keep machine code in DIR and reuse it in later runs (default: $RUFFDBG_CACHE, else "
        "$XDG_CACHE_HOME/ruffdbg or ~/.cache/ruffdbg)"))
    group.add_argument("--no-cache", action="store_true", help="compile everything, keep nothing (no code cache)")


def _cache_setting(args: argparse.Namespace) -> bool | str:
    """The code cache a command's runs use (``Policy.code_cache``); a ``--cache`` folder
    that cannot be written is a usage error before anything runs."""
    if args.no_cache:
        return False
    if args.cache is None:
        return True
    from ruffdbg.jit.codecache import check_folder
    why = check_folder(args.cache)
    if why is not None:
        raise FileError(why)
    return args.cache


def _add_export_options(parser: argparse.ArgumentParser, sample_ms: float | None = None) -> None:
    parser.add_argument("--trace-out", metavar="FILE.json",
                        help="write the tier events as a Chrome/Perfetto trace (compiles, deopts, tier changes)")
    _add_profiling_options(parser, sample_ms)


def _add_profiling_options(parser: argparse.ArgumentParser, sample_ms: float | None) -> None:
    parser.add_argument("--perf-map", action="store_true",
                        help="write /tmp/perf-PID.map so Linux perf names the native code of Ruff functions")
    parser.add_argument("--jitdump", action="store_true",
                        help="write /tmp/jit-PID.dump (perf's jitdump: code, names, source lines) for "
                             "`perf record -k mono` + `perf inject --jit`")
    default = f"default {sample_ms:g}" if sample_ms else "default: off"
    parser.add_argument("--sample-ms", type=_positive_float, metavar="MS", default=sample_ms,
                        help=f"sample which function and tier runs every MS milliseconds ({default})")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    # Everything after a "--" is the program's (its args()), whatever it looks like.
    program_args = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args.program_args = program_args
    if args.command is None:
        args = parser.parse_args(["repl"])
    handler = {"run": cmd_run, "dis": cmd_dis, "hotspots": cmd_hotspots, "deopts": cmd_deopts, "bench": cmd_bench,
               "ir": cmd_native, "asm": cmd_native, "repl": cmd_repl, "test": cmd_test, "tui": cmd_tui,
               "screenshot": cmd_screenshot, "soak": cmd_soak}[args.command]
    try:
        return handler(args)
    except UsageError as error:
        if not isinstance(error, FileError):   # (a bad path: the one line says it all)
            parser.print_usage(sys.stderr)
        print(f"ruffdbg: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks
        print(f"ruffdbg: internal error: {type(error).__name__}: {error}\n"
              "This is a bug in ruffdbg, not in your program; please report it with the program.",
              file=sys.stderr)
        return EXIT_INTERNAL


# ------------------------------------------------------------------ commands


def cmd_run(args: argparse.Namespace) -> int:
    exports.check_output_path(args.stats_json, "--stats-json")
    exports.check_output_path(args.trace_out, "--trace-out")
    if args.stats_json == exports.STDOUT and args.trace_out == exports.STDOUT:
        raise UsageError("--stats-json and --trace-out cannot both write to standard output")
    # JSON on standard output: the program's own output goes to standard error.
    json_out = exports.STDOUT in (args.stats_json, args.trace_out)
    session = _session(args, write=sys.stderr.write if json_out else None)
    if args.trace_jit:
        session.events.listeners.append(lambda event: print(event.describe(), file=sys.stderr, flush=True))
    session.set_program_args(args.program_args)
    status = _run_file(session, args.file)
    _write_exports(session, args)
    return status


def _write_exports(session: Session, args: argparse.Namespace) -> None:
    if getattr(args, "stats_json", None):
        exports.write_json(args.stats_json, exports.stats_document(session), "--stats-json")
    if args.trace_out:
        exports.write_json(args.trace_out, exports.trace_document(session, args.file), "--trace-out")


def cmd_dis(args: argparse.Namespace) -> int:
    session = Session(Policy(jit=False))
    if args.counts:
        status = _run_file(session, args.file, quiet=True)
        if status == EXIT_USAGE:
            return status
    elif not _compile_file(session, args.file):
        return EXIT_ERROR
    try:
        print(session.disassemble(args.func, counts=args.counts))
    except KeyError:
        names = ", ".join(["<script>", *session.function_names()])
        raise UsageError(f"no function named {args.func!r} (functions: {names})") from None
    return 0


def cmd_native(args: argparse.Namespace) -> int:
    """``ir`` / ``asm``: run the program (so the profile exists), then show the native
    code of ``--func``'s latest compile or of compile ``--compile``; ``--passes``:
    that compile's optimizer pass by pass."""
    from ruffdbg.jit.inference import NotCompilable

    if args.func is None and args.compile_id is None:
        raise UsageError("say which code: --func NAME or --compile ID")
    session = Session(Policy(jit=True, threshold=args.threshold, code_cache=_cache_setting(args)))
    status = _run_file(session, args.file, quiet=True)
    if status == EXIT_USAGE:
        return status
    try:
        if getattr(args, "passes", False):
            text = _passes_text(session, args)
        else:
            text = session.native_text(args.func, args.command, args.tier, raw=getattr(args, "raw", False),
                                       compile_id=args.compile_id)
    except KeyError:
        if args.compile_id is not None:
            raise UsageError(f"no compile #{args.compile_id}" + (f" of {args.func}" if args.func else "")
                             + f" (compiles: {_compile_ids(session)})") from None
        names = ", ".join(["<script>", *session.function_names()])
        raise UsageError(f"no function named {args.func!r} (functions: {names})") from None
    except (LookupError, NotCompilable) as why:
        print(f"ruffdbg: {args.func} has no T{args.tier} code: {getattr(why, 'reason', why)}", file=sys.stderr)
        return EXIT_ERROR
    print(text)
    return 0


def _passes_text(session: Session, args: argparse.Namespace) -> str:
    """``ir --passes``: of ``--compile``, or of the compile ``ir --func`` shows."""
    from ruffdbg.compiletexts import passes_text

    compile_id = args.compile_id
    if compile_id is None:
        compile_id = session.native_listing(args.func, "ir", args.tier).compile_id
    return passes_text(session.compile_passes(compile_id))


def _compile_ids(session: Session) -> str:
    ids = []
    if session.jit is not None:
        ids = sorted(c.id for name in {"<script>", *session.function_names()} if session.find_code(name)
                     for c in session.compiles(name))
    return ", ".join(f"#{i}" for i in ids) or "none: nothing was compiled"


def _compile_id(text: str) -> int:
    try:
        return int(text.lstrip("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a compile id: {text!r} (a number, as :compiles shows)") from None


def cmd_tui(args: argparse.Namespace) -> int:
    from ruffdbg.tui.app import run_tui

    path = Path(args.file) if args.file else None
    if path is not None:
        read_text_file(path)   # a missing, binary or undecodable file: a diagnostic, not a broken screen
    return run_tui(path, _policy(args))


def cmd_screenshot(args: argparse.Namespace) -> int:
    from ruffdbg.tui.screenshots import MomentMissed, take_screenshots

    out = writable_folder(args.out)
    try:
        paths = take_screenshots(out)
    except MomentMissed as error:
        print(f"ruffdbg screenshot: {error}", file=sys.stderr)
        return 1
    except OSError as error:   # (the folder changed under us)
        raise FileError(describe_os_error(out, error, "write into")) from None
    for path in paths:
        print(path)
    return 0


def cmd_repl(args: argparse.Namespace) -> int:
    from ruffdbg.repl.app import run_repl

    return run_repl(_policy(args))


def cmd_test(args: argparse.Namespace) -> int:
    """Replay transcripts: a diff per failing step, exit status 1 if any failed."""
    from ruffdbg.scripting.transcript import TranscriptError, run_file, transcript_files

    files = transcript_files(args.paths)   # (FileError for a path that is not a readable transcript)
    cache = _cache_setting(args)
    cache = False if cache is True else cache   # (replays keep no code unless --cache DIR: the same every time)
    failed = updated = 0
    for path in files:
        try:
            passed, diff = run_file(path, update=args.update, code_cache=cache)
        except (TranscriptError, FileError) as error:   # cannot be replayed (nor updated): say where
            where = f"{path}:{error.line}: error: {error.message}" if isinstance(error, TranscriptError) \
                else f"error: {error}"
            print(f"ruffdbg: {where}", file=sys.stderr)
            failed += 1
            print(f"FAIL  {path}")
            continue
        if passed:
            print(f"PASS  {path}")
        elif args.update:
            updated += 1
            print(f"UPDATED  {path}")
        else:
            failed += 1
            print(diff, end="\n\n")
            print(f"FAIL  {path}")
    print(f"{len(files) - failed - updated} passed, {failed} failed" + (f", {updated} updated" if updated else ""))
    return 1 if failed else 0


def cmd_hotspots(args: argparse.Namespace) -> int:
    exports.check_output_path(args.trace_out, "--trace-out")
    session = _session(args)
    status = _run_file(session, args.file, quiet=True)
    if status == EXIT_USAGE:
        return status
    from ruffdbg.textviews import hotspots_report

    if args.trace_out != exports.STDOUT:
        print(hotspots_report(session))
    _write_exports(session, args)
    return status


def cmd_deopts(args: argparse.Namespace) -> int:
    session = _session(args)
    status = _run_file(session, args.file, quiet=True)
    if status == EXIT_USAGE or not session.scripts:   # (not compiled: a syntax error was reported)
        return status
    from ruffdbg.textviews import deopt_lines

    if args.func is not None and session.find_code(args.func) is None:
        names = ", ".join(["<script>", *session.function_names()])
        raise UsageError(f"no function named {args.func!r} (functions: {names})")
    lines = deopt_lines(session.deopt_groups(args.func))
    print("\n".join(lines) if lines else "no deopts" + (f" in {args.func}" if args.func else ""))
    return status


def cmd_bench(args: argparse.Namespace) -> int:
    from ruffdbg.bench import run_benchmarks

    if args.dir is not None and not Path(args.dir).is_dir():
        raise FileError(f"no such folder: {args.dir}" if not Path(args.dir).exists()
                        else f"cannot read benchmarks from {args.dir}: it is a file, not a folder")
    if args.latency:
        from ruffdbg.bench import DEFAULT_DIR, run_latency
        return run_latency(DEFAULT_DIR.parent, _cache_setting(args))
    return run_benchmarks(args.dir, args.runs, args.names, _cache_setting(args))


def cmd_soak(args: argparse.Namespace) -> int:
    from ruffdbg.soak import soak

    print(soak(args.seconds, threshold=args.threshold, redefine=args.redefine).text())
    return 0


# ------------------------------------------------------------------ helpers


def _policy(args: argparse.Namespace) -> Policy:
    perf_map, jitdump = getattr(args, "perf_map", False), getattr(args, "jitdump", False)
    if args.no_jit and (perf_map or jitdump):
        flags = " and ".join(flag for flag, on in (("--perf-map", perf_map), ("--jitdump", jitdump)) if on)
        print(f"ruffdbg: {flags}: nothing to write with --no-jit (no native code runs)", file=sys.stderr)
    return Policy(jit=not args.no_jit, threshold=args.threshold, sample_ms=getattr(args, "sample_ms", None),
                  perf_map=perf_map, jitdump=jitdump, background_compile=args.background_compile,
                  code_cache=_cache_setting(args))


def _session(args: argparse.Namespace, write=None) -> Session:
    session = Session(_policy(args), write=write)
    for code_map in session.code_maps:
        if getattr(code_map, "warning", None):
            print(f"ruffdbg: {code_map.warning}", file=sys.stderr)
    return session


def _compile_file(session: Session, path: str):
    text = read_text_file(path)
    try:
        return session.compile(text, path, whole_program=True)
    except RuffSyntaxError as error:
        print(error.render(session.source_of(path)), file=sys.stderr)
        return None


def _run_file(session: Session, path: str, quiet: bool = False) -> int:
    """Run a program, reporting its errors; with ``quiet`` its output is dropped."""
    code = _compile_file(session, path)
    if code is None:
        return EXIT_ERROR
    if quiet:
        session.silence_output()
    result = session.run_code(code)   # in a worker with a deep stack; Ctrl-C interrupts it
    sys.stdout.flush()
    return report_result(session, result, path)


def report_result(session: Session, result: RunResult, path: str) -> int:
    """Print how the run ended (on stderr) and return the exit status."""
    rendered = render_result(result, session.source_of(path))
    if rendered is not None:
        print(rendered, file=sys.stderr)
    if result.error is not None:
        return EXIT_ERROR
    if result.exit_status is not None:
        return result.exit_status
    return EXIT_INTERRUPTED if result.interrupted is not None else 0


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
