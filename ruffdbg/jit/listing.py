"""What each row of a native listing is: a guard, a row of a deopt exit, the
exit's call of the deopt callback, or plain code.

Views style rows by these fields; they never parse the text. The IR side is
exact: lowering records the name of every deopt exit block with its guard id
(``LoweredUnit.exit_blocks``), so a row is an exit row when it sits in one of
those blocks, and a guard when it branches to one. An exit block only counts its
guard's failure and branches to the *deopt tail* its frame shape shares with
other exits (``LoweredUnit.exit_tails``: tail block -> guard ids), which writes
the frame out and calls back: its rows are exit rows of no one guard, the first
saying which guards share it. The assembly has no block
names (LLVM tail-merges the exits and prints no label comments), so there the
exits are the code that reaches, by straight-line control flow, a call of the
deopt callback, whose address the JIT owns.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ruffdbg.jit.texts import TextLine

GUARD, EXIT, EXIT_CALL = "guard", "exit", "exit call"

# ------------------------------------------------------------------- the IR

_IR_LABEL = re.compile(r'^"?([-\w.$]+)"?:')
_IR_LABEL_OPERAND = re.compile(r'\blabel %"?([-\w.$]+)"?')
_INLINED = re.compile(r"(\.i\d*)+$")   # LLVM's suffix on blocks it copied when inlining


def _exit_guard(name: str, exit_blocks: dict[str, int]) -> int | None:
    """The guard of an exit block, or of the copy the inliner made of one."""
    guard = exit_blocks.get(name)
    return guard if guard is not None else exit_blocks.get(_INLINED.sub("", name))


def _ir_opcode(stripped: str) -> str:
    """The instruction's opcode (``%x = call ...`` -> ``call``; ``tail call`` -> ``call``)."""
    words = stripped.split("=", 1)[1].split() if stripped.startswith("%") and "=" in stripped else stripped.split()
    while words and words[0] in ("tail", "musttail", "notail"):
        words = words[1:]
    return words[0] if words else ""


def _tail_note(guards: tuple) -> str:
    """What a shared deopt tail's first row says: whose exits branch to it."""
    named = ", ".join(f"#{guard}" for guard in guards if guard is not None)
    loop = " and the loop's exits" if None in guards else ""
    return f"deopt tail shared by guard{'s' if len(guards) > 1 else ''} {named}{loop}" if named else \
        "deopt tail of the loop's exits"


def annotate_ir(lines: list[TextLine], exit_blocks: dict[str, int],
                exit_tails: dict[str, tuple] | None = None) -> list[TextLine]:
    """Mark the rows of the exit blocks and deopt tails lowering recorded, and the
    branches into the exit blocks (the guards)."""
    exit_tails = exit_tails or {}
    out = []
    guard: int | None = None   # the guard whose exit block we are in (None: not in one)
    in_tail = False            # in a shared deopt tail
    for text_line in lines:
        text = text_line.text
        stripped = text.strip()
        label = _IR_LABEL.match(text) if text[:1] not in (" ", "\t") else None
        if label:
            guard = _exit_guard(label.group(1), exit_blocks)
            tail = exit_tails.get(label.group(1), exit_tails.get(_INLINED.sub("", label.group(1))))
            in_tail = tail is not None
            if guard is not None:
                text_line = replace(text_line, guard=guard, role=EXIT, starts_exit=True)
            elif in_tail:
                text_line = replace(text_line, role=EXIT, starts_exit=True, note=_tail_note(tail))
        elif stripped.startswith(("}", "define")):
            guard, in_tail = None, False
        elif in_tail:
            text_line = replace(text_line, role=EXIT_CALL if _ir_opcode(stripped) == "call" else EXIT)
        elif guard is not None:
            role = EXIT_CALL if _ir_opcode(stripped) == "call" else EXIT
            text_line = replace(text_line, guard=guard, role=role)
        elif _ir_opcode(stripped) == "br":
            guards = (_exit_guard(name, exit_blocks) for name in _IR_LABEL_OPERAND.findall(stripped))
            targets = [guard for guard in guards if guard is not None]
            if targets:
                text_line = replace(text_line, guard=targets[0], role=GUARD)
        out.append(text_line)
    return out


# ------------------------------------------------------------- the assembly

_ASM_MOVABS = re.compile(r"^movabsq\s+\$(\S+),\s*(%\w+)$")
_ASM_CALL_REGISTER = re.compile(r"^call\w*\s+\*(%\w+)$")
_ASM_CALL_DIRECT = re.compile(r"^call\w*\s+([\w.$]+?)(?:@PLT)?$")   # (position-independent code)


def _register64(name: str) -> str:
    """%eax -> %rax, %r12d -> %r12: a write to part of a register replaces it."""
    name = name.lstrip("%")
    match = re.fullmatch(r"(r\d+)[dwb]?", name)
    if match:
        return "%" + match.group(1)
    if len(name) == 3 and name[0] == "e":
        return "%r" + name[1:]
    return "%" + name


_ASM_ADD = re.compile(r"^addq\s+\$(-?\d+),\s*(%\w+)$")
_ASM_LEA = re.compile(r"^leaq\s+(-?\d+)\((%\w+)\),\s*(%\w+)$")


def _deopt_calls(texts: list[str], callback: str) -> set[int]:
    """Rows calling the deopt callback: ``callq rd.deopt_callback@PLT``, or
    ``callq *%reg`` where %reg was given its address (in listing order, within the
    function).

    Listing order is not control flow, and the return path after one exit's call
    often reuses the register that a later (shared) exit block calls through, so
    only constants count: a ``movabsq``, or (when LLVM rebases nearby constants on
    one, as it does with several callback addresses) a ``movabsq`` plus an
    ``addq``/``leaq`` offset. A register remembers each constant it was given."""
    calls: set[int] = set()
    held: dict[str, set] = {}
    # (an address, or -- code linked against imports -- the callback's symbol)
    target = int(callback) if callback.isdigit() else callback
    for index, stripped in enumerate(texts):
        if stripped.endswith(":") and not stripped.startswith("."):
            held.clear()   # a new function
            continue
        movabs = _ASM_MOVABS.match(stripped)
        call = _ASM_CALL_REGISTER.match(stripped)
        add = _ASM_ADD.match(stripped)
        lea = _ASM_LEA.match(stripped)
        if movabs:
            operand = movabs.group(1)
            held.setdefault(_register64(movabs.group(2)), set()).add(
                int(operand) if operand.lstrip("-").isdigit() else operand)
        elif add and _register64(add.group(2)) in held:
            register = _register64(add.group(2))
            held[register] |= {value + int(add.group(1)) for value in held[register] if isinstance(value, int)}
        elif lea and _register64(lea.group(2)) in held:
            # (built first: ``leaq 1(%rdx), %rdx`` adds to the very set it reads)
            moved = {value + int(lea.group(1)) for value in held[_register64(lea.group(2))] if isinstance(value, int)}
            held.setdefault(_register64(lea.group(3)), set()).update(moved)
        elif call and target in held.get(_register64(call.group(1)), ()):
            calls.add(index)
        elif (direct := _ASM_CALL_DIRECT.match(stripped)) and direct.group(1) == callback:
            calls.add(index)
    return calls


def _mnemonic(stripped: str) -> str:
    return stripped.split(None, 1)[0] if stripped else ""


def _operand(stripped: str) -> str:
    parts = stripped.split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def _blocks(texts: list[str]) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """Basic blocks as [start, end) row ranges, and the block each label starts."""
    blocks: list[tuple[int, int]] = []
    labels: dict[str, int] = {}
    start = 0
    for index, stripped in enumerate(texts):
        if stripped.endswith(":"):
            if index > start:
                blocks.append((start, index))
            start = index
            labels[stripped[:-1]] = len(blocks)
        elif _mnemonic(stripped).startswith(("j", "ret")):
            blocks.append((start, index + 1))
            start = index + 1
    if start < len(texts):
        blocks.append((start, len(texts)))
    return blocks, labels


def _asm_roles(texts: list[str], callback: str) -> dict[int, tuple[str, bool]]:
    """Deopt exits in assembly: blocks that reach a call of the deopt callback by
    straight-line code (fallthrough or ``jmp``), and the conditional jumps that
    lead to one or skip over one (the guards). Row -> (role, starts an exit)."""
    calls = _deopt_calls(texts, callback)
    blocks, labels = _blocks(texts)

    def last(block: int) -> str:
        return texts[blocks[block][1] - 1]

    def successors(block: int) -> list[int]:
        mnemonic, target = _mnemonic(last(block)), labels.get(_operand(last(block)))
        following = [block + 1] if block + 1 < len(blocks) else []
        if mnemonic.startswith("ret"):
            return []
        if mnemonic in ("jmp", "jmpq"):
            return [target] if target is not None else []
        if mnemonic.startswith("j"):
            return ([target] if target is not None else []) + following
        return following

    exits: dict[int, bool] = {}

    def is_exit(block: int) -> bool:
        if block not in exits:
            exits[block] = False   # a cycle is not a way out
            start, end = blocks[block]
            nexts = successors(block)
            conditional = _mnemonic(last(block)).startswith("j") and len(nexts) > 1
            exits[block] = any(index in calls for index in range(start, end)) or (
                not conditional and len(nexts) == 1 and is_exit(nexts[0]))
        return exits[block]

    roles: dict[int, tuple[str, bool]] = {}
    for block, (start, end) in enumerate(blocks):
        if is_exit(block):
            for index in range(start, end):
                roles[index] = (EXIT_CALL, False) if index in calls else (EXIT, False)
            if roles[start][0] == EXIT:
                roles[start] = (EXIT, True)
        elif len(successors(block)) > 1 and any(is_exit(b) for b in successors(block)):
            roles[end - 1] = (GUARD, False)
    return roles


def annotate_asm(lines: list[TextLine], callback_address: int | str) -> list[TextLine]:
    """Mark guards, exit rows and the calls of the deopt callback (at ``callback_address``,
    or the symbol it is linked as), and say what the bare addresses are: ``callq *%r12``
    means nothing on its own."""
    texts = [line.text.strip() for line in lines]
    callback = str(callback_address)
    roles = _asm_roles(texts, callback)
    out = []
    for index, (text_line, stripped) in enumerate(zip(lines, texts)):
        role, starts = roles.get(index, (None, False))
        note = "deopt callback" if role == EXIT_CALL else None
        movabs = _ASM_MOVABS.match(stripped)
        if movabs and movabs.group(1) == callback:
            note = "deopt callback address"
        if role is not None or note is not None:
            text_line = replace(text_line, role=role, starts_exit=starts, note=note)
        out.append(text_line)
    return out
