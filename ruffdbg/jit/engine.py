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
# A compile's stages, in order, each with its time in ``CompiledModule.ms`` (and
# "total"): inference, lowering to IR text, parsing and verifying it, LLVM's
# passes, machine code (linked into the LLJIT), and installing the unit.
STAGES = ("infer", "ir", "parse", "optimize", "codegen", "install")
DROPPED = "; (texts dropped: this compile is older than the compile history keeps)"
NOT_YET = "; (not optimized yet: the compile is still queued or compiling in the background)"


def _lljit() -> llvm.LLJIT:
    global _jit
    if _jit is None:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _jit = llvm.create_lljit_compiler(llvm.Target.from_default_triple().create_target_machine(opt=3))
    return _jit


class CompiledModule:
    """Machine code for one unit, with its texts and the time of each stage.

    Made from the unit's IR text before LLVM sees it (``generate`` runs the LLVM
    stages, perhaps on the compiler thread: ``jit/background.py``). The IR texts
    are kept compressed (a T1 unit's IR is tens of KB, several times its
    machine code, and views read few of them); the assembly is made only when
    asked for. ``release`` unloads the machine code of a unit that can no longer
    run, keeping the texts for the views."""

    def __init__(self, ir_before: str, opt_level: int, ir_build_ms: float,
                 twin: tuple[str, str, str] | None = None) -> None:
        self._ir_before = zlib.compress(ir_before.encode(), 1)
        # The twin linked in before optimizing (recursive inlining), for re-running the passes
        self._twin = None if twin is None else (zlib.compress(twin[0].encode(), 1), *twin[1:])
        self._ir_after = zlib.compress(NOT_YET.encode(), 1)
        self.opt_level = opt_level
        self.ms = {"ir": round(ir_build_ms, 3), "total": round(ir_build_ms, 3)}
        self.addresses: dict[str, int] = {}
        self.library: object = None   # the unit's ResourceTracker: its machine code lives while this does
        self.generated = False
        self._assembly: bytes | None = None

    def generate(self, symbols: list[str], global_names: list[str] = ()) -> None:
        """Optimize at -O``opt_level`` and generate code; look up the addresses of
        the functions ``symbols`` and the global variables ``global_names``. The
        twin (IR text, function, its entry function) is linked in, private and
        always inlined (recursive inlining: ``compiling.py``). Stage times:
        ``parse`` (text to module, twin linked, verified), ``optimize``, ``codegen``."""
        with _lock:
            lljit = _lljit()
            started = time.perf_counter()
            module = _parse(self.ir_before, self.twin)
            module.verify()
            parsed = time.perf_counter()
            passes = _pass_builder(self.opt_level)
            passes.getModulePassManager().run(module, passes)
            optimized = time.perf_counter()
            self._ir_after = zlib.compress(str(module).encode(), 1)
            builder = llvm.JITLibraryBuilder().add_ir(module)
            for name in (*symbols, *global_names):
                builder.export_symbol(name)
            self.library = builder.link(lljit, f"unit{next(_libraries)}")
            self.addresses = {name: self.library[name] for name in (*symbols, *global_names)}
            done = time.perf_counter()
        self.ms.update(parse=round((parsed - started) * 1000, 3), optimize=round((optimized - parsed) * 1000, 3),
                       codegen=round((done - optimized) * 1000, 3))
        self.ms["total"] = round(sum(self.ms[stage] for stage in STAGES if stage in self.ms), 3)
        self.generated = True

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
        if not self.generated:
            return NOT_YET
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


_builders: dict[int, tuple[llvm.TargetMachine, llvm.PassBuilder]] = {}


def _pass_builder(opt_level: int) -> llvm.PassBuilder:
    """One pass builder (and target machine) per level, made once: each compile
    asks it for a fresh module pass manager (a manager cannot run twice)."""
    if opt_level not in _builders:
        machine = llvm.Target.from_default_triple().create_target_machine(opt=opt_level)
        _builders[opt_level] = (machine, llvm.create_pass_builder(
            machine, llvm.create_pipeline_tuning_options(speed_level=opt_level)))
    return _builders[opt_level][1]


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
    2: ("always_inliner", "sroa", "simplify_cfg", "sccp", "instruction_combine", "aggressive_instcombine", "jump_threading",
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
        for name in PIPELINE[2 if opt_level >= 2 else 1]:
            passes = llvm.create_pass_builder(machine, llvm.create_pipeline_tuning_options(speed_level=opt_level))
            manager = llvm.create_new_module_pass_manager()
            getattr(manager, f"add_{name}_pass")()
            started = time.perf_counter()
            manager.run(module, passes)
            steps.append(PassStep(name.replace("_", "-"), round((time.perf_counter() - started) * 1000, 3),
                                  str(module)))
    return start, steps
