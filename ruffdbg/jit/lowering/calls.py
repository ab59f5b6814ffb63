"""Calls (direct to native code when the types agree, else through the callee's
call cell or the VM, with the result checked or kept tagged) and counted ``for`` loops over
``range(...)`` or an int, which build no array."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.counted import POLL_WEIGHTS
from ruffdbg.jit.lowering.common import BOXED, I64, I64P, REACH_COUNTED, RESULT, TAGS, DirectSite
from ruffdbg.core.objects import Function
from ruffdbg.jit.types import RANGE, RANGE_ARGS, Closures, Kind


class CallsAndLoops:
    """(Part of ``Lowering``.) CALL, GET_ITER, FOR_ITER and their helpers."""

    def op_CALL(self, pc: int, op: int, argc: int, method: Any = None) -> None:
        """(``method``: the ``Callee`` of a method call, ``lowering/structs.py``: the
        receiver is its first argument and no callee is on the stack.)"""
        if method is None and pc in self.typed.native_pushes:
            self.native_push(pc)
            return
        if method is None and pc in self.typed.strings:   # T1's len(v) (lowering/texts.py)
            self.t1_length(pc)
            return
        if method is None and pc in self.typed.dict_loads:   # T1's has_key(d, k) (lowering/dicts.py)
            self.t1_has_key(pc)
            return
        if method is None and self.typed.pushed(pc) == RANGE_ARGS:
            self._range_arguments(pc, argc)
            return
        if method is None and pc not in self.typed.value_callees and self.native_builtin(pc, argc):
            return
        b = self.builder
        args = self.stack[len(self.stack) - argc:]
        callee = method or self.typed.value_callees.get(pc) or self.stack[-argc - 1][1].callee
        slow_stack = None   # T1: the stack a call of another value takes the generic path with
        closure = handle = None   # a closure called by its code: its address and handle
        if method is None and pc in self.typed.value_callees:
            if self.typed.tier == 1:
                slow_stack = self.slow_path_begin(pc)
            value = self.stack[-argc - 1][0]
            if isinstance(callee.function, Closures):
                closure, handle = self._guard_closure_code(pc, value, callee), b.extract_value(value, 1)
            else:
                self._guard_callee(pc, value, callee)
        arg_types = tuple(kind for _, kind in args)
        # None: inference found no way for the call to return normally (a recursion
        # with no base case); whatever comes back goes to the interpreter.
        result_type = self.typed.pushed(pc)
        if self.typed.tier == 1 or result_type == Kind.DYN:
            result_type = Kind.DYN
        polled = self._poll_before_calls(pc)
        # The stack limit, checked before the call like the interpreter does.
        too_deep = b.icmp_signed(">=", self.depth, ir.Constant(I64, self.runtime.max_depth))
        depth_guard = self.new_guard("depth", pc, "stack limit reached")
        self.deopt_if(too_deep, depth_guard)
        checked = polled + (depth_guard.id,)   # (the guards a direct call site's calls passed)
        # Where this frame is, for the Ruff stack if something below deopts.
        # (Its own alias class: the counters' and the interrupt word's reads move past it.)
        shadow_slot = b.gep(self.address(self.runtime.shadow), [b.sub(self.depth, ir.Constant(I64, 1))])
        self.alias.tag(b.store(self.unit_word(self.unit_id, pc), shadow_slot), "shadow")
        callee_depth = b.add(self.depth, ir.Constant(I64, 1))
        self._hand_over_cells(callee, closure, callee_depth)
        if self.typed.tier == 1:   # T1 passes every argument tagged
            args = [(self.to_dyn(value, kind), Kind.DYN) for value, kind in args]
            arg_types = (Kind.DYN,) * argc
        # the unit ABI: a tagged argument as (tag, bits), any other as its bits
        bits = [word for value, kind in args for word in
                ((self.tag_of(value, kind), self.bits_of(value, kind)) if kind == Kind.DYN else (self.to_bits(value, kind),))]
        # (tag, bits) per argument: what a T1 unit takes
        pairs = [part for value, kind in args for part in (self.tag_of(value, kind), self.bits_of(value, kind))]
        # T2 calls compiled code directly when the types agree (itself, or a compiled
        # unit: a T1 unit takes every argument tagged); T1 calls itself directly.
        # Every other call of a global Ruff function goes through its call cell: the
        # entry function of whatever unit it has (which checks the tags), or the VM
        # when it has none (or a T2 entry refuses these types).
        target = self.runtime.native_target(callee.function, arg_types) if self.typed.tier == 2 else None
        self._spill_promoted()   # (an OSR loop: the callee may read or write the globals it keeps)
        if self.typed.tier == 2 and self.region is None and getattr(callee.function, "code", None) is self.code \
                and arg_types == self.typed.param_types:
            self._direct_site(pc, self.unit_id, checked)
            pair = b.call(self.self_call, [callee_depth] + bits)
        elif target is not None and target.return_type == result_type:
            fn_type = ir.FunctionType(RESULT, [I64] * (1 + (2 * argc if target.tagged else len(bits))))

            def direct() -> ir.Value:
                other = target.unit != self.unit_id
                if other:
                    self.mark_running(target.unit, callee_depth)
                callee_unit = self.imports.function(f"rd.unit.{callee.function.code.name}", target.address, fn_type)
                result = b.call(callee_unit, [callee_depth] + (pairs if target.tagged else bits))
                if other:
                    self.mark_running(self.unit_id, self.depth)
                return result
            cell = self.runtime.call_cell(callee.function) if target.tagged else None
            if cell is not None:   # a T1 callee: its profile grows only through the VM, so sample it there
                pair = self._sampled(pc, (callee, handle), args, self.address(self.cell_of(callee.function, cell)),
                                     lambda: b.extract_value(direct(), 1),
                                     DirectSite(pc, target.unit, checked, True))
            else:
                self._direct_site(pc, target.unit, checked)
                pair = direct()
        elif self.typed.tier == 1 and getattr(callee.function, "code", None) is self.code \
                and not self.code.free_names:   # T1 recursion: itself, tagged
            pair = self._sampled(pc, (callee, None), args, self.address(self.cell_address), lambda: b.extract_value(
                b.call(self.function, [callee_depth] + pairs), 1), DirectSite(pc, self.unit_id, (), True))
        else:   # through the callee's call cell: whatever native code it has now, or the VM
            cell = self.runtime.call_cell(callee.function)
            pair = self._call_through_vm(pc, (callee, handle), args) if cell is None \
                else self._call_cell(pc, (callee, handle), args, cell)
        del self.stack[len(self.stack) - argc - (method is None):]
        self.promoted_in_home = bool(self.promoted_home)   # exits until the reload take them from there
        if result_type == Kind.DYN:
            self._dyn_call_result(pc, b.extract_value(pair, 1))
        else:
            self._check_call_result(pc, b.extract_value(pair, 0), b.extract_value(pair, 1), result_type)
        if slow_stack is not None:
            self.slow_path_end(pc, slow_stack, argc + 1, Kind.DYN)
        self._reload_promoted(pc + 1)

    def _guard_callee(self, pc: int, value: ir.Value, callee: Any) -> None:
        """Deopt (T1: take the slow path) unless the tagged ``value`` about to be called is ``callee.function``:
        a function value native code made (its id) or an object handle to it (the
        object table holds its address; the function table keeps it alive)."""
        b = self.builder
        tag, bits = b.extract_value(value, 0), b.extract_value(value, 1)
        function_id = self.function_id(callee.function)
        is_object = b.icmp_unsigned("==", tag, ir.Constant(I64, rt.TAG_OBJECT))
        address = self._object_address(b.select(is_object, bits, ir.Constant(I64, 0)))
        same = b.or_(b.and_(is_object, b.icmp_unsigned("==", address, ir.Constant(I64, id(callee.function)))),
                     b.and_(b.icmp_unsigned("==", tag, ir.Constant(I64, rt.TAG_FUNCTION)),
                            b.icmp_unsigned("==", bits, function_id)))
        guard = self.new_guard("callee", pc, f"{callee.global_name}: the called value is the function "
                                             f"{callee.global_name}")
        self.deopt_if(b.not_(same), guard)

    def _guard_closure_code(self, pc: int, value: ir.Value, callee: Any) -> ir.Value:
        """Deopt (T1: take the slow path) unless the tagged ``value`` about to be called
        is a closure of ``callee.function.code`` (an object handle to a ``Function``
        with that code: closures made by one ``func`` at different times share it, so
        the site stays monomorphic whatever they captured); its address. Three
        checks in order: each load needs the one before."""
        b = self.builder
        code = callee.function.code
        guard = self.new_guard("callee-code", pc, f"{callee.global_name}: the called value is {callee.function.text()}")
        if self.slow_path is not None:   # T1: no guard, another value takes the generic path
            self.guards.pop()
            other = self.slow_path
        else:
            other = self.shared_exit(guard)
        self.exit_if(b.icmp_unsigned("!=", b.extract_value(value, 0), ir.Constant(I64, rt.TAG_OBJECT)), other)
        address = self._object_address(b.extract_value(value, 1))
        self.exit_if(b.icmp_unsigned("!=", self._field(address, rt.OB_TYPE), self._address_of("Function", Function)),
                     other)
        code_id = self.imports.value(f"rd.code.{code.name}", id(code), nonzero=True)
        self.exit_if(b.icmp_unsigned("!=", self._field(address, rt.FUNCTION_CODE), code_id), other)
        return address

    def _hand_over_cells(self, callee: Any, closure: ir.Value | None, depth: ir.Value) -> None:
        """A code with captured variables reads its cells from the cells stack at its
        depth (runtime.NativeContext.cells; lowering/cells.py): the call writes the
        called closure's there, whichever way it goes -- its unit directly, its call
        cell's entry, the VM (which does not read them). ``closure``: its address,
        when the site calls closures of one code; else the callee is one closure (a
        global holding it, guarded), whose cells the function table keeps alive."""
        if not getattr(getattr(callee.function, "code", None), "free_names", ()):
            return
        if closure is not None:
            cells = self._field(closure, rt.FUNCTION_CELLS)
        else:
            cells = self.imports.value(f"rd.cells.{callee.global_name}", id(callee.function.cells), nonzero=True)
        self.alias.tag(self.builder.store(cells, self.cells_word(depth)), "cells")

    # An OSR loop keeps scalar globals in registers (its *promoted* globals). A
    # call may run any code (through a dict value, a struct method, a closure,
    # a builtin that calls back), which must see and may change them: before
    # the call they go to the unit's *home* words, which the JIT copies into
    # the globals whenever Python code runs below (``osr.OsrEntry.promoted_out``)
    # and back when it returns to native code; after the call they are reloaded
    # from there, their type guarded (a callee may have stored another type).

    def _spill_promoted(self) -> None:
        if not self.promoted_home:
            return
        b = self.builder
        for index in range(len(self.region.promoted)):
            kind = self.state_slots[self.code.nlocals + index]
            value = None if kind == Kind.UNSET else b.load(self.slot(self.code.nlocals + index, kind))
            tag, bits = self._tagged(value, Kind.NULL if kind == Kind.UNSET else kind)
            b.store(ir.Constant(I64, tag) if isinstance(tag, int) else tag, self.address(self.promoted_home, 2 * index))
            b.store(bits, self.address(self.promoted_home, 2 * index + 1))

    def home_pairs(self) -> list:
        """The promoted globals as the home words hold them (what an exit writes out
        while a call's effects are not reloaded yet)."""
        b = self.builder
        return [((b.load(self.address(self.promoted_home, 2 * index)),
                  b.load(self.address(self.promoted_home, 2 * index + 1))), BOXED)
                for index in range(len(self.region.promoted))]

    def _reload_promoted(self, pc: int) -> None:
        b = self.builder
        if not self.promoted_home or b.block.is_terminated:   # (a call expected never to return)
            self.promoted_in_home = False
            return
        for index, name in enumerate(self.region.promoted):
            slot = self.code.nlocals + index
            kind = self.state_slots[slot]
            tag = b.load(self.address(self.promoted_home, 2 * index))
            bits = b.load(self.address(self.promoted_home, 2 * index + 1))
            if kind == Kind.DYN:
                b.store(self.make_dyn(tag, bits), self.slot(slot, kind))
                continue
            if kind == Kind.UNSET:
                continue
            guard = self.new_guard("global-type", pc, f"global {name} is still {kind} after the call")
            self.deopt_if(b.icmp_signed("!=", tag, ir.Constant(I64, TAGS[kind])), guard)
            b.store(self.from_bits(bits, kind), self.slot(slot, kind))
        self.promoted_in_home = False

    def _poll_before_calls(self, pc: int) -> tuple[int, ...]:
        """The interrupt poll (the id of its guard, or none): at the first Ruff call of
        each block, instead of at the entry of a function that calls (one that makes
        no call polls at entry: frame._finish_entry_poll). A run that goes on calls,
        or loops (back-edges poll), so Ctrl-C and a pause still stop a recursion,
        at a call rather than at its callee's entry; its leaves (half of fib's
        calls) poll nothing, and a block calling several times polls before its
        first call only: what runs between two calls of a block is straight-line
        code and the callees' own polls. A T2 loop sweeps the object handles there
        too when a sweep is due (``ops._sweep_if_due``): a callee's results, a struct
        it built natively, are otherwise held until the outermost native call returns."""
        if self.polled_block == self.block_pc:
            return ()
        self.polled_block = self.block_pc
        guard = self._poll_interrupt(pc, before_call=True)
        if self.makes_handles(pc, pc) and any(header <= pc <= end for header, end in self.ownership.loop_ends.items()):
            self._sweep_if_due(pc)   # (T2, in a loop: one that calls never reaches its back-edge's poll)
        return (guard.id,)

    def _direct_site(self, pc: int, target: int, checked: tuple[int, ...]) -> None:
        """Record a direct call (its callee's entries are derived from it). A self-call
        that every entry reaches is counted here: deriving it would need the very
        entry count it makes (see CounterLayout). The back-edge counts kept in
        registers go to memory first: the callee's entries are derived from them,
        and a loop slowed down in its callee (slow motion, a pause) must not show
        its calls late."""
        self.flush_pending()
        counted = target == self.unit_id and self.reached_by_every_entry(pc)
        if counted:
            self.bump(self.layout.site(pc))
        self.sites.append(DirectSite(pc, target, checked, counted))

    def _check_call_result(self, pc: int, result: ir.Value, status: ir.Value, result_type: str | None) -> None:
        """After a call: OK -> unboxed result; boxed -> guard its tag; error -> propagate."""
        b = self.builder
        if result_type is None:
            tag, bits = self._boxed_result(pc, status)
            self.deopt_always(self.new_guard("call-result", pc + 1, "the call was expected never to return"),
                              stack=self.stack + [((tag, bits), BOXED)])
            return
        fast = b.block
        slow = self.function.append_basic_block(f"call_slow_pc{pc}")
        joined = self.function.append_basic_block(f"call_done_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK)), joined, slow)
        b.position_at_end(slow)
        tag, bits = self._boxed_result(pc, status)
        with_result = self.stack + [((tag, bits), BOXED)]
        # The callee ran in the interpreter: a safepoint, so a debugger step that
        # returns here stops in this frame, not after it (off the fast path, so
        # these checks count their passes).
        with self.guards_reached(REACH_COUNTED):
            self._poll_interrupt(pc + 1, with_result)
            guard = self.new_guard("call-result", pc + 1, f"call result is {result_type}")
            self.deopt_if(b.icmp_signed("!=", tag, ir.Constant(I64, TAGS[result_type])), guard, stack=with_result)
        boxed_end = b.block
        b.branch(joined)
        b.position_at_end(joined)
        self.push(self.from_bits(self.phi((result, fast), (bits, boxed_end)), result_type), result_type)

    def _dyn_call_result(self, pc: int, status: ir.Value) -> None:
        """A tagged result: whatever came back, from the ctx."""
        self.push(self.make_dyn(*self._boxed_result(pc, status)), Kind.DYN)
        self._poll_interrupt(pc + 1)   # (see _check_call_result)

    def _boxed_result(self, pc: int, status: ir.Value) -> tuple[ir.Value, ir.Value]:
        """After a call whose result comes back boxed: propagate an error, else
        load the (tag, bits) from the ctx."""
        b = self.builder
        failed = self.function.append_basic_block(f"call_error_pc{pc}")
        returned = self.function.append_basic_block(f"call_returned_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_ERROR)), failed, returned)
        b.position_at_end(failed)
        self.bump(self.layout.left(pc))   # (the run leaves native code here: its counts must say so)
        if self.in_try(pc):   # the frame's handler catches it: the interpreter takes over
            self.raise_pending(pc, status)
        else:
            self.leave(status, pc)
        b.position_at_end(returned)
        return b.load(self.ctx_word(rt.CTX_RET_TAG)), b.load(self.ctx_word(rt.CTX_RET_BITS))

    def _call_cell(self, pc: int, called: tuple, args, cell_address: int) -> ir.Value:
        """A call through the callee's call cell (runtime.call_cell): its current
        unit's entry function, which checks a T2 unit's argument tags; the VM runs
        the call when the cell is empty or the entry refused."""
        b = self.builder
        cell = self.address(self.cell_of(called[0].function, cell_address))
        entry = b.load(b.gep(cell, [ir.Constant(I64, rt.CELL_ENTRY)]))
        return self._sampled(pc, called, args, cell, lambda: self._call_entry(entry, args),
                             uncompiled=b.icmp_signed("==", entry, ir.Constant(I64, 0)))

    def _sampled(self, pc: int, called: tuple, args, cell: ir.Value, call_native, site: DirectSite | None = None,
                 uncompiled: ir.Value | None = None) -> ir.Value:
        """A native call (``call_native()`` emits it and returns its status: BOXED,
        ERROR, or ENTRY_GUARD when a T2 entry refused the types), with the VM
        running the call instead when the entry refused or the callee has no
        native code (``uncompiled``), and one call in the ``cell``'s sampling
        period (a T1 callee's profile grows only through the VM, and it must be
        able to reach T2). A direct call (``site``) is counted there: which way a
        call went is not known from the flow (the VM counts its own, an entry
        function its callee's)."""
        b = self.builder
        native = self.function.append_basic_block(f"call_native_pc{pc}")
        through_vm = self.function.append_basic_block(f"call_vm_pc{pc}")
        done = self.function.append_basic_block(f"call_done_pc{pc}")
        flagged_from = []   # (pc as the VM gets it, block) for each way into the VM
        if uncompiled is not None:
            compiled = self.function.append_basic_block(f"call_compiled_pc{pc}")
            flagged_from.append((pc, b.block))
            b.cbranch(uncompiled, through_vm, compiled)
            b.position_at_end(compiled)
        countdown = b.gep(cell, [ir.Constant(I64, rt.SAMPLE_COUNTDOWN)])
        left = b.sub(b.load(countdown), ir.Constant(I64, 1))
        b.store(left, countdown)
        rearm = self.function.append_basic_block(f"call_sample_pc{pc}")
        b.cbranch(b.icmp_signed("<=", left, ir.Constant(I64, 0)), rearm, native)
        b.position_at_end(rearm)
        self._rearm_sampling(cell)
        flagged_from.append((pc | rt.SAMPLED_CALL, b.block))   # a sample: it counts for the calls made natively
        b.branch(through_vm)
        b.position_at_end(native)
        self.flush_pending()   # (the callee's entries are derived from the counts: see _direct_site)
        if site is not None:
            self.sites.append(site)
        status = call_native()
        flagged_from.append((pc, b.block))
        entered = self.function.append_basic_block(f"call_entered_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_ENTRY_GUARD)), through_vm, entered)
        b.position_at_end(entered)
        if site is not None:
            self.bump(self.layout.site(pc))
        b.branch(done)
        b.position_at_end(through_vm)
        flagged = self.phi(*((ir.Constant(I64, value), block) for value, block in flagged_from))
        vm_status = b.extract_value(self._call_through_vm(pc, called, args, flagged), 1)
        vm_end = b.block
        b.branch(done)
        b.position_at_end(done)
        return b.insert_value(ir.Constant(RESULT, None), self.phi((status, entered), (vm_status, vm_end)), 1)

    def _rearm_sampling(self, cell: ir.Value) -> None:
        """The next sample comes after a pseudo-random count in [1, 2 * period), drawn
        from the generator in the call cell (runtime.call_cell): a fixed period would
        alias with the program's own patterns (a loop alternating int and float
        arguments would be sampled at one type only, and look stable)."""
        b = self.builder
        state_word = b.gep(cell, [ir.Constant(I64, rt.SAMPLE_RANDOM)])
        state = b.add(b.mul(b.load(state_word), ir.Constant(I64, 6364136223846793005)),
                      ir.Constant(I64, 1442695040888963407))   # (Knuth's MMIX LCG)
        b.store(state, state_word)
        period = b.load(b.gep(cell, [ir.Constant(I64, rt.SAMPLE_PERIOD)]))
        spread = b.urem(b.lshr(state, ir.Constant(I64, 33)), b.sub(b.add(period, period), ir.Constant(I64, 1)))
        b.store(b.add(spread, ir.Constant(I64, 1)), b.gep(cell, [ir.Constant(I64, rt.SAMPLE_COUNTDOWN)]))

    def _call_entry(self, entry: ir.Value, args) -> ir.Value:
        """Call a compiled function's entry function (arguments as tagged pairs in
        the transfer buffer, which the entry reads before anything runs); its
        status: the result is in the ctx (OK there means the entry boxed it)."""
        b = self.builder
        buffer = self._write_values(args)
        b.store(self.depth, self.ctx_word(rt.CTX_DEPTH))   # the entry enters at depth + 1
        entry_type = ir.FunctionType(I64, [I64P])
        b.call(b.inttoptr(entry, entry_type.as_pointer()), [buffer])
        self.mark_running(self.unit_id, self.depth)   # (the entry named its unit: this frame runs again)
        status = b.load(self.ctx_word(rt.CTX_STATUS))
        return b.select(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK)),
                        ir.Constant(I64, rt.STATUS_BOXED), status)

    def _call_through_vm(self, pc: int, called: tuple, args, pc_word: ir.Value | None = None) -> ir.Value:
        """Call a function that has no matching native code: the VM runs it (result boxed).
        (``called``: the ``Callee`` and, for a closure called by its code, the handle of
        the one this call calls, which the VM gets flagged ``runtime.CLOSURE_HANDLE``;
        ``pc_word``: the pc as the callback gets it, flagged when the call is a sample.)"""
        b = self.builder
        callee, handle = called
        callee_word = self.function_id(callee.function) if handle is None \
            else b.or_(handle, ir.Constant(I64, rt.CLOSURE_HANDLE))
        buffer = self._write_values(args)
        callback_type = ir.FunctionType(I64, [I64] * 5 + [I64P])
        callback = self.imports.function("rd.call_callback", self.runtime.call, callback_type)
        status = b.call(callback, [self.unit_id_value(), pc_word or ir.Constant(I64, pc), self.depth, callee_word,
                                   ir.Constant(I64, len(args)), buffer])
        return b.insert_value(ir.Constant(RESULT, None), status, 1)

    def _range_arguments(self, pc: int, argc: int) -> None:
        """``for v in range(...)``: no array is built; the loop counts (see op_GET_ITER).
        The checks the builtin makes are guards: the interpreter raises their errors."""
        b = self.builder
        args = [self._as_int(pc, value, kind) for value, kind in self.stack[len(self.stack) - argc:]]
        zero, one = ir.Constant(I64, 0), ir.Constant(I64, 1)
        start, stop, step = ([zero] + args + [one])[:3] if argc == 1 else (args + [one])[:3] if argc == 2 else args
        self.deopt_if(b.icmp_signed("==", step, zero), self.new_guard("error", pc, "range() step is zero"))
        count = self._range_count(start, stop, step)
        too_big = b.icmp_unsigned(">", count, ir.Constant(I64, 50_000_000))   # values.MAX_RESULT_LEN
        self.deopt_if(too_big, self.new_guard("error", pc, "range() result too long"))
        del self.stack[len(self.stack) - argc - 1:]
        self.push((start, stop, step, count), RANGE_ARGS)

    def _range_count(self, start: ir.Value, stop: ir.Value, step: ir.Value) -> ir.Value:
        """len(range(start, stop, step)) as an unsigned 64-bit count.

        The distance between two i64s always fits in 64 unsigned bits, so the
        arithmetic is unsigned (no 128-bit division: that would need a runtime
        library function the JIT does not link)."""
        b = self.builder
        one, zero = ir.Constant(I64, 1), ir.Constant(I64, 0)
        up = b.add(b.udiv(b.sub(b.sub(stop, start), one), step), one)
        down = b.add(b.udiv(b.sub(b.sub(start, stop), one), b.neg(step)), one)
        up = b.select(b.icmp_signed(">", stop, start), up, zero)
        down = b.select(b.icmp_signed(">", start, stop), down, zero)
        return b.select(b.icmp_signed(">", step, zero), up, down)

    def _as_int(self, pc: int, value: ir.Value, kind: str) -> ir.Value:
        """An int operand; a tagged one is guarded to be an int (T1 bails out otherwise)."""
        if kind != Kind.DYN:
            return value
        guard = self.new_guard("tag", pc, "expected an int")
        self.deopt_if(self.builder.not_(self.tag_is(self.tag_of(value, kind), rt.TAG_INT)), guard)
        return self.bits_of(value, kind)

    def op_GET_ITER(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        if kind == Kind.DYN:   # an array or a list, as its feedback says (lowering/iteration.py)
            self.native_get_iter(pc)
            return
        if kind == RANGE_ARGS:
            items = value
        else:   # iterating an int n: 0 .. n-1
            value = self._as_int(pc, value, kind)
            zero, one = ir.Constant(I64, 0), ir.Constant(I64, 1)
            items = (zero, value, one, self._range_count(zero, value, one))
        self.pop()
        self.push(items, RANGE)
        self.push(ir.Constant(I64, 0), Kind.INT)

    def op_FOR_ITER(self, pc: int, op: int, exit_target: int) -> None:
        b = self.builder
        start, _, step, count = self.stack[-2][0]
        position = self.stack[-1][0]
        saved = list(self.stack)
        more = self.function.append_basic_block(f"for_next_pc{pc}")
        done = self.function.append_basic_block(f"for_done_pc{pc}")
        loop = self.counted_by_header.get(pc)
        if loop is not None and loop.local is not None:
            # A `for` whose body steps an int local once per iteration is counted by that
            # local (a stepped loop): its limit is the local's, not the position's
            # (taken for the position, the loop ran past its count: nest seed 150022 #30).
            loop = None
        if loop is None:
            b.cbranch(b.icmp_unsigned("<", position, count), more, done)
        else:
            self._counted_for_iter(loop, position, count, more, done)
        b.position_at_end(done)
        if loop is not None:
            self.settle_counted(pc, saved, only=loop)
        self.bump(self.layout.taken(pc))   # the loop ended: a taken branch, as the interpreter counts it
        self.stack = saved[:-2]
        self._jump(exit_target)
        b.position_at_end(more)
        element = b.add(start, b.mul(position, step))
        self.stack = saved[:-1] + [(b.add(position, ir.Constant(I64, 1)), Kind.INT), (element, Kind.INT)]
        self._jump(pc + 1)

    def _counted_for_iter(self, loop, position: ir.Value, count: ir.Value, more: ir.Block, done: ir.Block) -> None:
        """A counted range loop's header (``lowering/counted.py``): one test while the
        position is below the limit; at the limit, the count decides between
        ending the loop and polling."""
        b = self.builder
        check = self.function.append_basic_block(f"for_limit_pc{loop.header}")
        poll = self.function.append_basic_block(f"poll_pc{loop.header}")
        below = b.icmp_unsigned("<", position, b.load(self.counted_words[loop.back_edge][1]))
        b.cbranch(below, more, check).set_weights(POLL_WEIGHTS[::-1])
        b.position_at_end(check)
        b.cbranch(b.icmp_unsigned("<", position, count), poll, done)
        b.position_at_end(poll)
        self.poll_counted(loop, position, self.stack)
        b.branch(more)
