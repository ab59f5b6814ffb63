"""Debug locations: every instruction carries (Ruff line, bytecode pc)."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.jit.lowering.common import I32


class DebugInfo:
    """(Part of ``Lowering``.) The module's debug info and ``locate(pc)``."""

    def _debug_info(self) -> None:
        """Debug locations map every instruction back to its bytecode: line = the
        Ruff source line, column = pc + 1. They survive optimization and reach
        the assembly as ``.loc`` directives (see ``jit.texts``)."""
        m = self.module
        di_file = m.add_debug_info("DIFile", {"filename": f"{self.code.name}.ruff", "directory": "."})
        unit = m.add_debug_info("DICompileUnit", {
            "language": ir.DIToken("DW_LANG_C"), "file": di_file, "producer": "ruffdbg", "runtimeVersion": 0,
            "isOptimized": True, "emissionKind": ir.DIToken("LineTablesOnly")}, is_distinct=True)
        subroutine = m.add_debug_info("DISubroutineType", {"types": m.add_metadata([])})
        self.scope = m.add_debug_info("DISubprogram", {
            "name": self.code.name, "file": di_file, "line": self.code.first_line, "type": subroutine,
            "isLocal": False, "isDefinition": True, "unit": unit, "scopeLine": self.code.first_line,
            "spFlags": ir.DIToken("DISPFlagDefinition")}, is_distinct=True)
        self.function.set_metadata("dbg", self.scope)
        m.add_named_metadata("llvm.dbg.cu", unit)
        m.add_named_metadata("llvm.module.flags", [ir.Constant(I32, 2), "Debug Info Version", ir.Constant(I32, 3)])
        self.locations: dict[int, Any] = {}

    def locate(self, pc: int) -> None:
        """Attach what follows to bytecode ``pc`` (and its source line)."""
        if pc not in self.locations:
            self.locations[pc] = self.module.add_debug_info(
                "DILocation", {"line": self.code.lines[pc] or self.code.first_line, "column": pc + 1, "scope": self.scope})
        self.builder.debug_metadata = self.locations[pc]
