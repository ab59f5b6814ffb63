"""A unit's module as IR text, the same text as llvmlite's ``str(module)``, made
faster.

llvmlite prints each instruction through ``str.format`` of its type and
operands, each of which goes through ``__format__`` -> ``__str__`` -> a cached
string behind a Python-level ``try`` -- about half of the ``ir`` stage (about
1.7 of 3.7 s over the examples' compiles at --threshold 1 under cProfile). Here
the instructions lowering makes most (loads, stores, arithmetic, compares,
casts, branches, phis, returns, aggregates) are written out directly, with each
type's text looked up once per module; any other instruction (calls, GEPs,
allocas, atomics, selects ...) is printed by llvmlite itself. The text must be
byte for byte llvmlite's: it is the code cache's key and what the IR views show
(``tests/jit/test_printing.py`` checks both printers agree on every example's
units)."""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir
from llvmlite.ir import instructions as ins


class _Printer:
    """One module's printing: the text of each type, made once."""

    def __init__(self) -> None:
        self._types: dict[int, tuple[ir.Type, str]] = {}

    def type(self, type_: ir.Type) -> str:
        known = self._types.get(id(type_))
        if known is None:
            # (the type itself is kept too, so its id cannot be reused by another while printing)
            known = self._types[id(type_)] = (type_, str(type_))
        return known[1]

    @staticmethod
    def metadata(instr: ir.Instruction) -> str:
        """``_HasMetadata._stringify_metadata(leading_comma=True)``."""
        if not instr.metadata:
            return ""
        return "".join([f", !{name} {node.get_reference()}" for name, node in instr.metadata.items()])

    # Each returns the instruction's text after "%name = " (what llvmlite's
    # ``descr`` appends), before llvmlite's final ``rstrip``.

    def generic(self, instr: ir.Instruction) -> str:   # Instruction.descr: binary operators
        opname = " ".join([instr.opname, *instr.flags]) if instr.flags else instr.opname
        operands = ", ".join([op.get_reference() for op in instr.operands])
        return f"{opname} {self.type(instr.type)} {operands}{self.metadata(instr)}"

    def load(self, instr: ins.LoadInstr) -> str:
        pointer = instr.operands[0]
        align = f", align {instr.align}" if instr.align is not None else ""
        return (f"load {self.type(instr.type)}, {self.type(pointer.type)} {pointer.get_reference()}"
                f"{align}{self.metadata(instr)}")

    def store(self, instr: ins.StoreInstr) -> str:
        value, pointer = instr.operands
        align = f", align {instr.align}" if instr.align is not None else ""
        return (f"store {self.type(value.type)} {value.get_reference()}, {self.type(pointer.type)} "
                f"{pointer.get_reference()}{align}{self.metadata(instr)}")

    def compare(self, instr: ins.CompareInstr) -> str:
        left, right = instr.operands
        flags = "".join([" " + flag for flag in instr.flags])
        return (f"{instr.opname}{flags} {instr.op} {self.type(left.type)} {left.get_reference()}, "
                f"{right.get_reference()} {self.metadata(instr)}")

    def cast(self, instr: ins.CastInstr) -> str:
        value = instr.operands[0]
        return (f"{instr.opname} {self.type(value.type)} {value.get_reference()} to {self.type(instr.type)} "
                f"{self.metadata(instr)}")

    def terminator(self, instr: ins.Terminator) -> str:   # br, conditional br
        operands = ", ".join([f"{self.type(op.type)} {op.get_reference()}" for op in instr.operands])
        return f"{instr.opname} {operands}{self.metadata(instr)}"

    def ret(self, instr: ins.Ret) -> str:
        value = instr.return_value
        if value is None:
            return f"{instr.opname}{self.metadata(instr)}"
        return f"{instr.opname} {self.type(value.type)} {value.get_reference()}{self.metadata(instr)}"

    def phi(self, instr: ins.PhiInstr) -> str:
        incoming = ", ".join([f"[{value.get_reference()}, {block.get_reference()}]"
                              for value, block in instr.incomings])
        return f"phi {' '.join(instr.flags)} {self.type(instr.type)} {incoming} {self.metadata(instr)}"

    def extract(self, instr: ins.ExtractValue) -> str:
        aggregate = instr.aggregate
        indices = ", ".join([str(i) for i in instr.indices])
        return (f"extractvalue {self.type(aggregate.type)} {aggregate.get_reference()}, {indices} "
                f"{self.metadata(instr)}")

    def insert(self, instr: ins.InsertValue) -> str:
        aggregate, value = instr.aggregate, instr.value
        indices = ", ".join([str(i) for i in instr.indices])
        return (f"insertvalue {self.type(aggregate.type)} {aggregate.get_reference()}, {self.type(value.type)} "
                f"{value.get_reference()}, {indices} {self.metadata(instr)}")

    def instruction(self, instr: ir.Instruction) -> str:
        """llvmlite's ``str(instr)``."""
        write = _WRITERS.get(type(instr))
        if write is None:
            return str(instr)
        body = write(self, instr)
        if isinstance(instr.type, ir.VoidType):
            return body.rstrip()
        return f"{instr.get_reference()} = {body}".rstrip()

    def function(self, function: ir.Function) -> str:
        """llvmlite's ``str(function)``."""
        buf: list[str] = []
        function.descr_prototype(buf)
        if function.blocks:
            buf.append("{\n")
            for block in function.blocks:
                buf.append(f"{block._format_name()}:\n")
                buf += [f"  {self.instruction(instr)}\n" for instr in block.instructions]
            buf.append("}\n")
        return "".join(buf)


# Exact classes only: a subclass may print itself differently.
_WRITERS: dict[type, Callable[[_Printer, ir.Instruction], str]] = {
    ins.Instruction: _Printer.generic,
    ins.LoadInstr: _Printer.load,
    ins.StoreInstr: _Printer.store,
    ins.ICMPInstr: _Printer.compare,
    ins.FCMPInstr: _Printer.compare,
    ins.CastInstr: _Printer.cast,
    ins.Branch: _Printer.terminator,
    ins.ConditionalBranch: _Printer.terminator,
    ins.Ret: _Printer.ret,
    ins.PhiInstr: _Printer.phi,
    ins.ExtractValue: _Printer.extract,
    ins.InsertValue: _Printer.insert,
}


def module_text(module: ir.Module) -> str:
    """``str(module)``, the same text (see the module's docstring)."""
    printer = _Printer()
    lines = ['; ModuleID = "%s"' % (module.name,), 'target triple = "%s"' % (module.triple,),
             'target datalayout = "%s"' % (module.data_layout,), ""]
    lines += [it.get_declaration() for it in module.get_identified_types().values()]
    lines += [printer.function(value) if type(value) is ir.Function else str(value)
              for value in module.globals.values()]
    lines += module._get_metadata_lines()
    return "\n".join(lines)
