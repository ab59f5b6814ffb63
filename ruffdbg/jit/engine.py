"""llvmlite: verify, optimize, generate machine code, and keep the texts.

Facts from LLVMLITE_NOTES (checked on this machine): the new pass manager is
``create_pipeline_tuning_options`` + ``create_pass_builder``.

Machine code lives in ORC LLJITs; each unit is a library of its own, alive
while its ``ResourceTracker`` is referenced, in an LLJIT that takes 64 of them
(``jit/libraries.py``: what a library leaves behind goes with its LLJIT). Why
not an MCJIT engine per unit (what this module did first): each engine holds
its own target machine and memory manager, about 0.8 MB a unit that is never
given back; an LLJIT library costs about 16 KB and dropping its tracker unloads
it, so a long run that recompiles keeps its memory flat.

Code is generated as an object file (with the target machine settings the LLJIT
has: ``_machine``, small code model, position-independent) and linked by JITLink with the unit's imports bound (``lowering.common.Imports``): the
IR holds no address of the process, so the object can be kept on disk and
linked again by a later run (``jit/codecache.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
import time
import zlib
from dataclasses import dataclass
from types import MappingProxyType

import llvmlite.binding as llvm
from llvmlite.binding.newpassmanagers import NewPassManager

from ruffdbg.jit import libraries
from ruffdbg.jit.codecache import CodeCache

_lock = threading.Lock()
_jit_machine: llvm.TargetMachine | None = None
# A compile's stages, in order, each with its time in ``CompiledModule.ms`` (and
# "total"): inference, lowering to IR text, parsing and verifying it, LLVM's
# passes, machine code (an object file, linked into the LLJIT), the code cache
# (``jit/codecache.py``: a hit replaces parse, optimize and codegen), and
# installing the unit.
STAGES = ("infer", "ir", "helpers", "parse", "optimize", "codegen", "load", "install")
DROPPED = "; (texts dropped: this compile is older than the compile history keeps)"
NOT_YET = "; (not optimized yet: the compile is still queued or compiling in the background)"
# ``CompiledModule._ir_after`` of a compile whose optimized IR was not printed (no
# code cache to store it in): made again from the IR before when a view asks.
_LAZY = b""
# A unit's debug info is line tables (``lowering/debuginfo.py``: what the assembly
# view, jitdump and the perf map read -- from code they generate again from the
# optimized IR). The code that runs is generated from the same IR with the compile
# unit's emission kind NoDebug: the same machine code (checked over the examples'
# compiles; the locations stay in the IR, only the tables are not written) and
# about 1 ms less of code generation per compile at the p50. The optimized IR is
# kept with its line tables.
_LINE_TABLES, _NO_TABLES = "emissionKind: LineTablesOnly", "emissionKind: NoDebug"


@dataclass(frozen=True)
class Levels:
    """What LLVM is asked for, per tier (``compiling.LEVELS``)."""

    passes: int    # the -O level of the function simplification pipeline (``optimize``)
    codegen: int   # the code generator's -O level (``_emit``)


def _jit_target() -> llvm.TargetMachine:
    """The target machine LLJITs are made with (the native target initialized first)."""
    global _jit_machine
    if _jit_machine is None:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _jit_machine = _machine()
    return _jit_machine


class CompiledModule:
    """Machine code for one unit, with its texts and the time of each stage.

    Made from the unit's IR text before LLVM sees it (``generate`` runs the LLVM
    stages, perhaps on the compiler thread: ``jit/background.py``). The IR texts
    are kept compressed (a T1 unit's IR is tens of KB, several times its
    machine code, and views read few of them); the assembly is made only when
    asked for. ``release`` unloads the machine code of a unit that can no longer
    run, keeping the texts for the views."""

    def __init__(self, ir_before: str, levels: Levels, ir_build_ms: float,
                 twin: tuple[str, str, str] | None = None, imports: dict[str, int] | None = None,
                 cache: CodeCache | None = None, symbols: tuple[str, str] = ("", "")) -> None:
        self._ir_before = zlib.compress(ir_before.encode(), 1)
        self._ir_text: str | None = ir_before   # (the same, plain, until ``generate`` parsed it)
        # The twin linked in before optimizing (recursive inlining), for re-running the passes
        self._twin = None if twin is None else (zlib.compress(twin[0].encode(), 1), *twin[1:])
        self._ir_after = zlib.compress(NOT_YET.encode(), 1)
        self.levels = levels
        self.ms = {"ir": round(ir_build_ms, 3), "total": round(ir_build_ms, 3)}
        self.imports = imports or {}   # the external symbols the code is linked against (lowering.Imports)
        self.cache = cache             # where machine code is looked up and kept (None: not kept)
        self.cached = False            # the machine code came from the cache (no optimize, no codegen)
        self.symbols = symbols         # (the unit's function, its entry function)
        self.addresses: dict[str, int] = {}
        self.library: libraries.Library | None = None   # its machine code lives while this is loaded
        self.generated = False
        self._assembly: bytes | None = None

    def generate(self, symbols: list[str], global_names: list[str] = ()) -> None:
        """Optimize and generate code at ``levels`` -- or take both from the
        code cache -- then link it; look up the addresses of the functions
        ``symbols`` and the global variables ``global_names``. The twin (IR text,
        function, its entry function) is linked in, private and always inlined
        (recursive inlining: ``compiling.py``). Stage times: ``parse`` (text to
        module, twin linked, verified), ``optimize``, ``codegen`` (an object
        file, linked), ``load`` (the cache: a hit's read and link, or a miss's
        lookup and store)."""
        exported = (*symbols, *global_names)
        with _lock:
            _jit_target()
            started = time.perf_counter()
            key = hit = None
            if self.cache is not None:
                key = self.cache.key(self.ir_before, self.twin, self.levels)
                hit = self.cache.load(key, set(self.imports), exported)
            if hit is not None and not self._link_cached(hit.object_code, exported):
                hit = None
            if hit is not None:
                self._ir_after = zlib.compress(hit.ir_after.encode(), 1)
                self.cached = True
                self.ms["load"] = round((time.perf_counter() - started) * 1000, 3)
            else:
                looked_up = time.perf_counter()
                twin = self.twin
                if twin is not None:
                    twin = (twin[0].replace(_LINE_TABLES, _NO_TABLES), *twin[1:])
                with _parsed((self._ir_text or self.ir_before).replace(_LINE_TABLES, _NO_TABLES), twin) as module:
                    self._ir_text = None
                    module.verify()
                    parsed = time.perf_counter()
                    optimize(module, self.levels.passes)
                    optimized = time.perf_counter()
                    # Printed only for the code cache: the views ask for few units'
                    # optimized IR, which ``ir_after`` then makes again (LLVM's passes
                    # give the same IR for the same input). Printing and compressing it
                    # was about 0.8 ms of every compile.
                    ir_after = str(module).replace(_NO_TABLES, _LINE_TABLES) if self.cache is not None else None
                    self._ir_after = _LAZY if ir_after is None else zlib.compress(ir_after.encode(), 1)
                    object_code = _emit(module, self.levels)
                self._link(object_code, exported)
                done = time.perf_counter()
                if self.cache is not None:
                    self.cache.store(key, object_code, ir_after)
                    self.ms["load"] = round(((looked_up - started) + (time.perf_counter() - done)) * 1000, 3)
                self.ms.update(parse=round((parsed - looked_up) * 1000, 3),
                               optimize=round((optimized - parsed) * 1000, 3),
                               codegen=round((done - optimized) * 1000, 3))
        self.ms["total"] = round(sum(self.ms[stage] for stage in STAGES if stage in self.ms), 3)
        self.generated = True

    def _link_cached(self, object_code: bytes, exported: tuple[str, ...]) -> bool:
        """Link code from the cache; False (counted as refused) when LLVM will not."""
        try:
            self._link(object_code, exported)
        except RuntimeError:
            stats = self.cache.stats
            stats.hits, stats.misses, stats.rejected = stats.hits - 1, stats.misses + 1, stats.rejected + 1
            return False
        return True

    def _link(self, object_code: bytes, exported: tuple[str, ...]) -> None:
        """Load an object file into the JIT as a library of its own, its imports
        bound to this process's addresses, and look up ``exported``."""
        builder = llvm.JITLibraryBuilder().add_object_img(object_code)
        for name, value in self.imports.items():
            builder.import_symbol(name, value)
        for name in exported:
            builder.export_symbol(name)
        self.library = libraries.link(builder, _jit_target())
        self.addresses = {name: self.library[name] for name in exported}

    @property
    def opt_level(self) -> int:
        """The -O level of the passes (what the pass-by-pass view reconstructs)."""
        return self.levels.passes

    @property
    def has_texts(self) -> bool:
        """False once ``drop_texts`` ran (the compile history let this compile go)."""
        return self._ir_before is not None

    @property
    def ir_before(self) -> str:
        return zlib.decompress(self._ir_before).decode() if self._ir_before is not None else DROPPED

    @property
    def ir_after(self) -> str:
        if self._ir_after is None or self._ir_before is None:
            return DROPPED
        if self._ir_after == _LAZY:
            self._ir_after = zlib.compress(self._optimized_again().encode(), 1)
        return zlib.decompress(self._ir_after).decode()

    def _optimized_again(self) -> str:
        """The optimized IR, made again as ``generate`` made it (not printed then)."""
        with _lock, _parsed(self.ir_before, self.twin) as module:
            optimize(module, self.levels.passes)
            return str(module)

    @property
    def twin(self) -> tuple[str, str, str] | None:
        return None if self._twin is None else (zlib.decompress(self._twin[0]).decode(), *self._twin[1:])

    @property
    def text_bytes(self) -> int:
        """The bytes its kept texts take (what the compile history's bound counts)."""
        twin = self._twin[0] if self._twin is not None else None
        return sum(len(text) for text in (self._ir_before, self._ir_after, self._assembly, twin, self._ir_text)
                   if text is not None)

    def drop_texts(self) -> None:
        """Free the IR and assembly (the compile history keeps only so many compiles)."""
        self._ir_before = self._ir_after = self._assembly = self._twin = self._ir_text = None

    def forget(self) -> None:
        """Its compile no longer shown (``jit/compaction.py``): its texts, and the
        symbols it was linked against, go."""
        self.drop_texts()
        self.imports = self.addresses = _NOTHING
        self.cache = None

    @property
    def assembly(self) -> str:
        """The native assembly, generated when first asked for: emitting it is a
        second code generation, which would double every compile's latency."""
        if self._ir_after is None:
            return DROPPED
        if not self.generated:
            return NOT_YET
        if self._assembly is None:
            ir_after = self.ir_after   # (before taking the lock: it may take it to make the text)
            with _lock, _parsed(ir_after) as module:   # (made as the object was: the same machine)
                self._assembly = zlib.compress(_emit(module, self.levels, assembly=True).encode(), 1)
        return zlib.decompress(self._assembly).decode()

    @property
    def function_address(self) -> int:
        return self.addresses[self.symbols[0]]

    @property
    def entry_address(self) -> int:
        return self.addresses[self.symbols[1]]

    @property
    def loaded(self) -> bool:
        return self.library is not None

    def release(self) -> None:
        """Unload the machine code (the caller knows no activation can still be in it)."""
        if self.library is not None:
            self.library.close()
        self.library = None
        self.addresses = _NOTHING


_machines: dict[int, llvm.TargetMachine] = {}
_NOTHING: dict = MappingProxyType({})   # (the imports and addresses of every compacted unit: none)


def optimize(module: llvm.ModuleRef, opt_level: int) -> None:
    """ruffdbg's pipeline at -O``opt_level``: inline the twin (``always-inliner``)
    and drop what is dead, run LLVM's function simplification pipeline of that
    level on each function, and drop what became dead. Not LLVM's whole -O
    pipeline: its module passes (the CGSCC inliner, IPSCCP, function attributes,
    global opt) and its late loop passes (vectorizer, runtime unroll, loop
    distribution) find little in a unit -- one function, its entry function and
    small helpers -- and took about a third of optimize's time; over the
    examples' compiles the code LLVM made was the same size and the benchmarks
    ran as fast (README, Performance)."""
    with _pass_builder(opt_level) as passes:
        _module_passes(module, passes, "always_inliner", "global_dead_code_eliminate")
        for function in [f for f in module.functions if not f.is_declaration]:
            _run(passes.getFunctionPassManager(), function, passes)   # (a fresh manager each: one cannot run twice)
        _module_passes(module, passes, "global_dead_code_eliminate")


def _module_passes(module: llvm.ModuleRef, passes: llvm.PassBuilder, *names: str) -> None:
    manager = llvm.create_new_module_pass_manager()
    for name in names:
        getattr(manager, f"add_{name}_pass")()
    _run(manager, module, passes)


def _run(manager: NewPassManager, target: object, passes: llvm.PassBuilder) -> None:
    """Run a pass manager once and free it. llvmlite 0.50's pass managers never
    free themselves: ``ModulePassManager``/``FunctionPassManager`` list
    ``ObjectRef`` before ``NewPassManager`` among their bases, so ``close()``
    and ``__del__`` reach ``ObjectRef._dispose``, which does nothing, and every
    pass of the pipeline with its buffers stayed allocated -- about 105 KB per
    compile of a T2 unit (malloc's bytes in use, 200 compiles of one unit).
    Disposed here by ``NewPassManager._dispose``, then detached so that
    nothing disposes it twice."""
    try:
        manager.run(target, passes)
    finally:
        NewPassManager._dispose(manager)
        manager.detach()


@contextmanager
def _pass_builder(opt_level: int) -> Iterator[llvm.PassBuilder]:
    """A pass builder for one compile, closed (with its tuning options) after it.
    Not one per level reused: every run llvmlite makes with a pass builder
    registers instrumentation callbacks in the builder's
    ``PassInstrumentationCallbacks``, which are never removed and are called by
    every later pass, so a reused builder made each compile slower than the one
    before (one T2 unit compiled 1,000 times over: 38 ms a compile at first,
    84 ms at the end; with a builder per compile 23 ms throughout). What a
    builder per compile still leaves behind is its callbacks object, which
    llvmlite allocates and nothing deletes: about 1 KB a compile."""
    if opt_level not in _machines:
        _machines[opt_level] = llvm.Target.from_default_triple().create_target_machine(opt=opt_level)
    tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
    passes = llvm.create_pass_builder(_machines[opt_level], tuning)
    try:
        yield passes
    finally:
        passes.close()
        tuning.close()


def _emit(module: llvm.ModuleRef, levels: Levels, assembly: bool = False) -> bytes | str:
    """``module``'s object file (or its assembly) at ``levels.codegen``, with the
    settings the LLJITs are made with (``_jit_target``), so the code is what the JIT
    would have made of the IR. One target machine per level, kept (the LLJIT
    owns its own)."""
    if levels.codegen not in _emitters:
        _emitters[levels.codegen] = _machine(levels.codegen)
    machine = _emitters[levels.codegen]
    return machine.emit_assembly(module) if assembly else machine.emit_object(module)


_emitters: dict[int, llvm.TargetMachine] = {}


def _machine(codegen_level: int = 3) -> llvm.TargetMachine:
    """A target machine units are generated with: the small code model,
    position-independent. A unit's imports are symbols bound anywhere in the
    address space (native memory, callbacks, other units), so the code reaches
    them through GOT entries (``movq rd.ctx@GOTPCREL(%rip)``) and call stubs that
    JITLink allocates with the unit's code, and calls within the unit -- fib's
    recursion -- are direct. The JIT default, the large code model, made every
    address a 64-bit immediate (``movabsq``), kept in callee-saved registers
    across calls, and every call indirect: fib30 2.19 -> 2.02 ms (ARCHITECTURE,
    *Native counters*)."""
    return llvm.Target.from_default_triple().create_target_machine(opt=codegen_level, codemodel="small", reloc="pic")


def object_code(ir_text: str, levels: Levels) -> bytes:
    """An ELF object of ``ir_text`` (optimized IR), generated as its unit's was
    (``levels``): what a perf map reads its function sizes from
    (``jit/perfmap.py``; only made when one is asked for)."""
    with _lock, _parsed(ir_text) as module:
        return _emit(module, levels)


@contextmanager
def _parsed(ir_text: str, twin: tuple[str, str, str] | None = None) -> Iterator[llvm.ModuleRef]:
    """The module of ``ir_text`` (``_parse``) in an LLVM context of its own, freed
    with it afterwards. In the process's global context every parse left its
    types and uniqued constants and metadata behind (about 1.8 KB a compile of
    one T2 unit, 300 parses)."""
    context = llvm.create_context()
    module = None
    try:
        module = _parse(ir_text, twin, context)
        yield module
    finally:
        if module is not None:
            module.close()
        context.close()


def _parse(ir_text: str, twin: tuple[str, str, str] | None, context: llvm.ContextRef) -> llvm.ModuleRef:
    """The unit's module, its ``twin`` (if any) linked in, private and always inlined."""
    module = llvm.parse_assembly(ir_text, context=context)
    if twin is not None:
        module.link_in(llvm.parse_assembly(twin[0], context=context))
        for name in twin[1:]:
            module.get_function(name).linkage = "internal"
        module.get_function(twin[1]).add_function_attribute("alwaysinline")
    return module


# ------------------------------------------------------------ pass by pass
# LLVM's function simplification pipeline is built inside LLVM
# (``PassBuilder.getFunctionPassManager``) and cannot be split into steps from
# llvmlite. Its passes in LLVM's order (LLVM 22, listed with -print-before-all on
# a unit with one loop: the loop passes run once per loop), each with the
# llvmlite pass that runs it alone, or None where llvmlite has none.
_F1 = (("sroa", "sroa"), ("early-cse", None), ("simplifycfg", "simplify_cfg"), ("instcombine", "instruction_combine"),
       ("libcalls-shrinkwrap", None), ("simplifycfg", "simplify_cfg"), ("reassociate", "reassociate"),
       ("loop-simplify", "loop_simplify"), ("lcssa", "lcssa"), ("loop-instsimplify", None),
       ("loop-simplifycfg", None), ("licm", None), ("loop-rotate", "loop_rotate"), ("licm", None),
       ("simple-loop-unswitch", None), ("simplifycfg", "simplify_cfg"), ("instcombine", "instruction_combine"),
       ("loop-simplify", "loop_simplify"), ("lcssa", "lcssa"), ("loop-idiom", None), ("indvars", None),
       ("loop-deletion", "loop_deletion"), ("loop-full-unroll", None), ("sroa", "sroa"),
       ("memcpyopt", "mem_copy_opt"), ("sccp", "sccp"), ("bdce", None), ("instcombine", "instruction_combine"),
       ("coro-elide", None), ("adce", "aggressive_dce"), ("simplifycfg", "simplify_cfg"),
       ("instcombine", "instruction_combine"))
_F2 = (("sroa", "sroa"), ("early-cse", None), ("speculative-execution", None), ("jump-threading", "jump_threading"),
       ("correlated-propagation", None), ("simplifycfg", "simplify_cfg"), ("instcombine", "instruction_combine"),
       ("aggressive-instcombine", "aggressive_instcombine"), ("libcalls-shrinkwrap", None),
       ("tailcallelim", "tail_call_elimination"), ("simplifycfg", "simplify_cfg"), ("reassociate", "reassociate"),
       ("constraint-elimination", None), ("loop-simplify", "loop_simplify"), ("lcssa", "lcssa"),
       ("loop-instsimplify", None), ("loop-simplifycfg", None), ("licm", None), ("loop-rotate", "loop_rotate"),
       ("licm", None), ("simple-loop-unswitch", None), ("simplifycfg", "simplify_cfg"),
       ("instcombine", "instruction_combine"), ("loop-simplify", "loop_simplify"), ("lcssa", "lcssa"),
       ("loop-idiom", None), ("indvars", None), ("loop-deletion", "loop_deletion"), ("loop-full-unroll", None),
       ("sroa", "sroa"), ("vector-combine", None), ("mldst-motion", None), ("gvn", "new_gvn"), ("sccp", "sccp"),
       ("bdce", None), ("instcombine", "instruction_combine"), ("jump-threading", "jump_threading"),
       ("correlated-propagation", None), ("adce", "aggressive_dce"), ("memcpyopt", "mem_copy_opt"),
       ("dse", "dead_store_elimination"), ("move-auto-init", None), ("loop-simplify", "loop_simplify"),
       ("lcssa", "lcssa"), ("licm", None), ("coro-elide", None), ("simplifycfg", "simplify_cfg"),
       ("instcombine", "instruction_combine"))
# ``optimize``'s whole pipeline per level, the same way.
PIPELINE = {level: (("always-inline", "always_inliner"), ("globaldce", "global_dead_code_eliminate"), *passes,
                    ("globaldce", "global_dead_code_eliminate"))
            for level, passes in ((1, _F1), (2, _F2))}


def unshown_passes(opt_level: int) -> tuple[str, ...]:
    """LLVM's passes of the pipeline that ``pass_by_pass`` cannot run alone."""
    return tuple(dict.fromkeys(name for name, ours in PIPELINE[_level(opt_level)] if ours is None))


def _level(opt_level: int) -> int:
    return 2 if opt_level >= 2 else 1


@dataclass(frozen=True)
class PassStep:
    """One pass run alone: its name, its time, and the IR after it."""

    name: str
    ms: float
    ir: str


def pass_by_pass(ir_text: str, opt_level: int, twin: tuple[str, str, str] | None = None
                 ) -> tuple[str, list[PassStep]]:
    """(The input IR as LLVM prints it, its twin linked in as for compiling, and
    the IR after each pass of ``PIPELINE`` that llvmlite can run alone.)"""
    with _lock:
        _jit_target()   # (initializes the native target)
        with _parsed(ir_text, twin) as module:
            start = str(module)
            steps = []
            for name in [ours for _, ours in PIPELINE[_level(opt_level)] if ours is not None]:
                with _pass_builder(opt_level) as passes:
                    manager = llvm.create_new_module_pass_manager()
                    getattr(manager, f"add_{name}_pass")()
                    started = time.perf_counter()
                    _run(manager, module, passes)
                    steps.append(PassStep(name.replace("_", "-"), round((time.perf_counter() - started) * 1000, 3),
                                          str(module)))
    return start, steps
