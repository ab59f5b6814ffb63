"""llvmlite: verify, optimize, generate machine code, and keep the texts.

Facts from LLVMLITE_NOTES (checked on this machine): the new pass manager is
``create_pipeline_tuning_options`` + ``create_pass_builder``.

Machine code lives in one ORC LLJIT for the whole process; each unit is a
library of its own, alive while its ``ResourceTracker`` is referenced. Why not
an MCJIT engine per unit (what this module did first): each engine holds its own
target machine and memory manager, about 0.8 MB a unit that is never given
back; an LLJIT library costs about 16 KB and dropping its tracker unloads it,
so a long run that recompiles keeps its memory flat.
"""

from __future__ import annotations

import itertools
import threading
import time
import zlib
from dataclasses import dataclass

import llvmlite.binding as llvm

_lock = threading.Lock()
_jit: llvm.LLJIT | None = None
_libraries = itertools.count()
DROPPED = "; (texts dropped: this compile is older than the compile history keeps)"


def _lljit() -> llvm.LLJIT:
    global _jit
    if _jit is None:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _jit = llvm.create_lljit_compiler(llvm.Target.from_default_triple().create_target_machine(opt=3))
    return _jit


class CompiledModule:
    """Machine code for one unit, with its texts and the time of each stage.

    The IR texts are kept compressed (a T1 unit's IR is tens of KB, several
    times its machine code, and views read few of them); the assembly is made
    only when asked for. ``release`` unloads the machine code of a unit that
    can no longer run, keeping the texts for the views."""

    def __init__(self, ir_before: str, ir_after: str, opt_level: int, ms: dict[str, float],
                 addresses: dict[str, int], library: object, twin: tuple[str, str, str] | None = None) -> None:
        self._ir_before = zlib.compress(ir_before.encode(), 1)
        # The twin linked in before optimizing (recursive inlining), for re-running the passes
        self._twin = None if twin is None else (zlib.compress(twin[0].encode(), 1), *twin[1:])
        self._ir_after = zlib.compress(ir_after.encode(), 1)
        self.opt_level = opt_level
        self.ms = ms
        self.addresses = addresses
        self.library = library   # the unit's ResourceTracker: its machine code lives while this does
        self._assembly: bytes | None = None

    @property
    def has_texts(self) -> bool:
        """False once ``drop_texts`` ran (the compile history let this compile go)."""
        return self._ir_before is not None

    @property
    def ir_before(self) -> str:
        return zlib.decompress(self._ir_before).decode() if self._ir_before is not None else DROPPED

    @property
    def ir_after(self) -> str:
        return zlib.decompress(self._ir_after).decode() if self._ir_after is not None else DROPPED

    @property
    def twin(self) -> tuple[str, str, str] | None:
        return None if self._twin is None else (zlib.decompress(self._twin[0]).decode(), *self._twin[1:])

    def drop_texts(self) -> None:
        """Free the IR and assembly (the compile history keeps only so many compiles)."""
        self._ir_before = self._ir_after = self._assembly = self._twin = None

    @property
    def assembly(self) -> str:
        """The native assembly, generated when first asked for: emitting it is a
        second code generation, which would double every compile's latency."""
        if self._ir_after is None:
            return DROPPED
        if self._assembly is None:
            with _lock:
                module = llvm.parse_assembly(self.ir_after)
                machine = llvm.Target.from_default_triple().create_target_machine(opt=self.opt_level)
                self._assembly = zlib.compress(machine.emit_assembly(module).encode(), 1)
        return zlib.decompress(self._assembly).decode()

    @property
    def loaded(self) -> bool:
        return self.library is not None

    def release(self) -> None:
        """Unload the machine code (the caller knows no activation can still be in it)."""
        self.library = None
        self.addresses = {}


def compile_module(ir_text: str, opt_level: int, symbols: list[str], global_names: list[str],
                   ir_build_ms: float, twin: tuple[str, str, str] | None = None) -> CompiledModule:
    """Optimize at -O``opt_level`` and generate code; look up the addresses of
    the functions ``symbols`` and the global variables ``global_names``. A
    ``twin`` (IR text, function, its entry function) is linked in, private and
    always inlined (recursive inlining: ``compiling.py``)."""
    with _lock:
        lljit = _lljit()
        started = time.perf_counter()
        module = _parse(ir_text, twin)
        module.verify()
        target = llvm.Target.from_default_triple()
        tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
        passes = llvm.create_pass_builder(target.create_target_machine(opt=opt_level), tuning)
        passes.getModulePassManager().run(module, passes)
        optimized = time.perf_counter()
        ir_after = str(module)
        builder = llvm.JITLibraryBuilder().add_ir(module)
        for name in (*symbols, *global_names):
            builder.export_symbol(name)
        library = builder.link(lljit, f"unit{next(_libraries)}")
        done = time.perf_counter()
        addresses = {name: library[name] for name in (*symbols, *global_names)}
    ms = {
        "ir": round(ir_build_ms, 3),
        "optimize": round((optimized - started) * 1000, 3),
        "codegen": round((done - optimized) * 1000, 3),
    }
    ms["total"] = round(sum(ms.values()), 3)
    return CompiledModule(ir_text, ir_after, opt_level, ms, addresses, library, twin)


def object_code(ir_text: str) -> bytes:
    """An ELF object of ``ir_text`` (optimized IR), generated with the JIT's target
    machine settings: what a perf map reads its function sizes from
    (``jit/perfmap.py``; only made when one is asked for)."""
    with _lock:
        module = llvm.parse_assembly(ir_text)
        return llvm.Target.from_default_triple().create_target_machine(opt=3).emit_object(module)


def _parse(ir_text: str, twin: tuple[str, str, str] | None) -> llvm.ModuleRef:
    """The unit's module, its ``twin`` (if any) linked in, private and always inlined."""
    module = llvm.parse_assembly(ir_text)
    if twin is not None:
        module.link_in(llvm.parse_assembly(twin[0]))
        for name in twin[1:]:
            module.get_function(name).linkage = "internal"
        module.get_function(twin[1]).add_function_attribute("alwaysinline")
    return module


# ------------------------------------------------------------ pass by pass
# LLVM's -O pipelines are built inside LLVM (``PassBuilder.getModulePassManager``)
# and cannot be split into steps from llvmlite. This is ruffdbg's reconstruction
# of their main function-simplification and module passes, from the passes
# llvmlite exposes one by one, in LLVM's order; each runs alone on the output of
# the one before, so the IR after each pass can be shown.
PIPELINE = {
    1: ("always_inliner", "sroa", "simplify_cfg", "sccp", "instruction_combine", "simplify_cfg", "aggressive_dce",
        "global_dead_code_eliminate"),
    3: ("always_inliner", "sroa", "simplify_cfg", "sccp", "instruction_combine", "aggressive_instcombine", "jump_threading",
        "simplify_cfg", "reassociate", "loop_simplify", "lcssa", "loop_rotate", "loop_deletion",
        "loop_unroll", "sroa", "new_gvn", "sccp", "instruction_combine", "jump_threading", "mem_copy_opt",
        "dead_store_elimination", "aggressive_dce", "simplify_cfg", "instruction_combine",
        "tail_call_elimination", "ipsccp", "global_opt", "dead_arg_elimination", "global_dead_code_eliminate",
        "constant_merge"),
}


@dataclass(frozen=True)
class PassStep:
    """One pass run alone: its name, its time, and the IR after it."""

    name: str
    ms: float
    ir: str


def pass_by_pass(ir_text: str, opt_level: int, twin: tuple[str, str, str] | None = None
                 ) -> tuple[str, list[PassStep]]:
    """(The input IR as LLVM prints it, its twin linked in as for compiling, and
    the IR after each pass of ``PIPELINE``.)"""
    with _lock:
        _lljit()   # (initializes the native target)
        machine = llvm.Target.from_default_triple().create_target_machine(opt=opt_level)
        module = _parse(ir_text, twin)
        start = str(module)
        steps = []
        for name in PIPELINE[3 if opt_level >= 2 else 1]:
            passes = llvm.create_pass_builder(machine, llvm.create_pipeline_tuning_options(speed_level=opt_level))
            manager = llvm.create_new_module_pass_manager()
            getattr(manager, f"add_{name}_pass")()
            started = time.perf_counter()
            manager.run(module, passes)
            steps.append(PassStep(name.replace("_", "-"), round((time.perf_counter() - started) * 1000, 3),
                                  str(module)))
    return start, steps
