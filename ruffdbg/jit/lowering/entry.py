"""The companion ``i64 entry(i64* tagged_args)`` the interpreter calls through ctypes."""

from __future__ import annotations


from llvmlite import ir

from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import I64, I64P, REACH_INTERPRETER, TAGS, fast_names
from ruffdbg.jit.types import Kind


class EntryFunction:
    """(Part of ``Lowering``.) The entry function: argument tag guards, the call, the outcome in the ctx."""

    def _entry_function(self) -> None:
        """``i64 entry(i64* tagged_args)``: check tags, call the unit, leave the outcome in the ctx.

        The interpreter set CTX_DEPTH to its frame count (the caller included).
        """
        entry = fast_names(ir.Function(self.module, ir.FunctionType(I64, [I64P]), name=self.entry_name))
        (argv,) = entry.args
        b = ir.IRBuilder(entry.append_basic_block("entry"))
        self.builder = b
        status_word = self.ctx_word(rt.CTX_STATUS)
        if self.region is not None:
            # OSR: the frame is already on the interpreter's stack (CTX_DEPTH counts it).
            depth = b.load(self.ctx_word(rt.CTX_DEPTH))
            self.mark_running(self.unit_id, depth)
            pair = b.call(self.function, [depth])
            status = b.extract_value(pair, 1)
            b.store(status, status_word)
            # (A tagged result, STATUS_BOXED, is in the ctx already: keep it.)
            with b.if_then(b.icmp_signed("!=", status, ir.Constant(I64, rt.STATUS_BOXED))):
                b.store(b.extract_value(pair, 0), self.ctx_word(rt.CTX_RET_BITS))
            if self.typed.return_type != Kind.DYN:   # (a dyn result always comes back boxed)
                with b.if_then(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK))):
                    b.store(ir.Constant(I64, TAGS[self.typed.return_type or Kind.NULL]), self.ctx_word(rt.CTX_RET_TAG))
            b.ret(ir.Constant(I64, 0))
            return
        bits = []
        for index, kind in enumerate(self.typed.param_types):
            if kind == Kind.DYN:   # T1: no speculation, so no entry guard
                bits.append(b.load(b.gep(argv, [ir.Constant(I64, 2 * index)])))
                bits.append(b.load(b.gep(argv, [ir.Constant(I64, 2 * index + 1)])))
                continue
            tag = b.load(b.gep(argv, [ir.Constant(I64, 2 * index)]))
            guard = self.new_guard("type", 0, f"{self.code.params[index]}: expected {kind}", REACH_INTERPRETER)
            refuse = entry.append_basic_block(f"refuse_{self.code.params[index]}")
            accept = entry.append_basic_block(f"accept_{self.code.params[index]}")
            b.cbranch(b.icmp_signed("!=", tag, ir.Constant(I64, TAGS[kind])), refuse, accept)
            b.position_at_end(refuse)
            self.bump(self.layout.failed(guard.id))
            b.store(ir.Constant(I64, rt.STATUS_ENTRY_GUARD), status_word)
            b.ret(ir.Constant(I64, 0))
            b.position_at_end(accept)   # (passes: the entries, counted below)
            bits.append(b.load(b.gep(argv, [ir.Constant(I64, 2 * index + 1)])))
        self.bump(self.layout.entered)   # (native callers' entries are derived from it: jit/counts.py)
        depth = b.add(b.load(self.ctx_word(rt.CTX_DEPTH)), ir.Constant(I64, 1))
        self.mark_running(self.unit_id, depth)   # (the profiler's word: driver.mark_running)
        pair = b.call(self.function, [depth] + bits)
        status = b.extract_value(pair, 1)
        b.store(status, status_word)
        done = entry.append_basic_block("box_result")
        finished = entry.append_basic_block("finished")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK)), done, finished)
        b.position_at_end(done)
        return_type = self.typed.return_type or Kind.NULL
        if return_type == Kind.DYN:   # T1 units hand back tagged results themselves (STATUS_BOXED)
            return_type = Kind.NULL
        b.store(ir.Constant(I64, TAGS[return_type]), self.ctx_word(rt.CTX_RET_TAG))
        b.store(b.extract_value(pair, 0), self.ctx_word(rt.CTX_RET_BITS))
        b.branch(finished)
        b.position_at_end(finished)
        b.ret(ir.Constant(I64, 0))
