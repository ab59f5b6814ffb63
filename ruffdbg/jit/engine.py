"""llvmlite: verify, optimize, generate machine code, and keep the texts.

Facts from LLVMLITE_NOTES (checked on this machine): the new pass manager is
``create_pipeline_tuning_options`` + ``create_pass_builder``; an MCJIT engine
takes ownership of its target machine, so every engine gets a fresh one and
every engine whose code may still run is kept alive here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import llvmlite.binding as llvm

_initialized = False
_lock = threading.Lock()


def _initialize() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


@dataclass
class CompiledModule:
    """Machine code for one unit, with its texts and the time of each stage."""

    ir_before: str
    ir_after: str
    opt_level: int
    ms: dict[str, float]
    addresses: dict[str, int] = field(default_factory=dict)
    engine: object = None   # keeps the machine code alive
    _assembly: str | None = None

    @property
    def assembly(self) -> str:
        """The native assembly, generated when first asked for: emitting it is a
        second code generation, which would double every compile's latency."""
        if self._assembly is None:
            with _lock:
                module = llvm.parse_assembly(self.ir_after)
                machine = llvm.Target.from_default_triple().create_target_machine(opt=self.opt_level)
                self._assembly = machine.emit_assembly(module)
        return self._assembly


def compile_module(ir_text: str, opt_level: int, symbols: list[str], global_names: list[str],
                   ir_build_ms: float) -> CompiledModule:
    """Optimize at -O``opt_level`` and generate code; look up the addresses of
    the functions ``symbols`` and the global variables ``global_names``."""
    with _lock:
        _initialize()
        started = time.perf_counter()
        module = llvm.parse_assembly(ir_text)
        module.verify()
        target = llvm.Target.from_default_triple()
        tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
        passes = llvm.create_pass_builder(target.create_target_machine(opt=opt_level), tuning)
        passes.getModulePassManager().run(module, passes)
        optimized = time.perf_counter()
        ir_after = str(module)
        engine = llvm.create_mcjit_compiler(module, target.create_target_machine(opt=opt_level))
        engine.finalize_object()
        done = time.perf_counter()
        addresses = {name: engine.get_function_address(name) for name in symbols}
        addresses.update({name: engine.get_global_value_address(name) for name in global_names})
    ms = {
        "ir": round(ir_build_ms, 3),
        "optimize": round((optimized - started) * 1000, 3),
        "codegen": round((done - optimized) * 1000, 3),
    }
    ms["total"] = round(sum(ms.values()), 3)
    return CompiledModule(ir_text, ir_after, opt_level, ms, addresses, engine)
