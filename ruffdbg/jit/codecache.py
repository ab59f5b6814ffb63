"""The persistent code cache: machine code kept on disk and reused by later runs.

What is kept, per unit: the object file LLVM made of the unit's IR and the IR
after optimization (for the views). Lowering leaves nothing of this process in
the IR -- every address and id is an external symbol (``lowering.common.Imports``)
bound when the object is linked -- so one object serves any process.

The key is a SHA-256 of the IR text before optimization (with its twin, if
recursive inlining linked one in), the -O levels of the passes and of the code
generator (``engine.Levels``), and what turns that text into code: the LLVM
and llvmlite versions, the target, ruffdbg's version and the source of
``engine.py`` (the passes and code generation), and this file's format. The
IR text is the whole input of the LLVM stages: it is made from the unit's
bytecode (and its inlined twin), its assumptions (argument and
call-result types, the globals and callees it guards, the OSR loop and entry
types), its tier and every policy knob lowering reads, so a change to any of
them is a different text and never hits; and a hit is exactly the code a
compile would make. (A hit still pays inference and lowering, a few ms, to
know its key; parse, optimize and codegen are what it saves.)

Files are ``KEY.code``: a magic word, a SHA-256 of the rest, the key again,
the object and the compressed IR. A file that is truncated, corrupt, stored
under another key's name or needs a symbol the unit does not provide is
ignored (and removed): the unit is compiled as if it were not there. Writers
write a temporary file and rename it, so concurrent runs never see half a
file. The folder is bounded: past ``MAX_BYTES`` the entries used longest ago
go first (a hit refreshes an entry's time).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.metadata
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ruffdbg.jit.objfile import ElfObject

if TYPE_CHECKING:
    from ruffdbg.jit.engine import Levels   # (engine imports this module)

FORMAT = 1
MAGIC = b"RDBGCODE"
MAX_BYTES = 64 * 1024 * 1024   # the folder's bound (entries are a few KB to a few hundred KB)
ENV = "RUFFDBG_CACHE"          # a folder, or "off": the default for runs that name none
SUFFIX = ".code"
_HEADER = struct.Struct("<8s32s64sI")   # magic, SHA-256 of what follows, key, object length


@dataclass(frozen=True)
class CachedCode:
    object_code: bytes
    ir_after: str


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    rejected: int = 0   # files found but not used (truncated, corrupt, not this unit's)
    error: str | None = None   # why nothing could be stored (the folder cannot be written)


def default_directory() -> Path | None:
    """``$RUFFDBG_CACHE`` ("off": none), else ``$XDG_CACHE_HOME/ruffdbg``, else
    ``~/.cache/ruffdbg``."""
    setting = os.environ.get(ENV, "").strip()
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        return (Path(base) if base else Path.home() / ".cache") / "ruffdbg"
    except RuntimeError:   # (no home folder to be found)
        return None


def from_setting(setting: bool | str | os.PathLike | None) -> "CodeCache | None":
    """The cache a run uses: ``True`` the default folder, a path that folder,
    ``False``/None none."""
    if setting is True:
        directory = default_directory()
        return CodeCache(directory) if directory is not None else None
    return CodeCache(Path(setting)) if setting else None


def check_folder(path: str) -> str | None:
    """Why ``path`` cannot hold a code cache (None: it can; it is created if need
    be), for a one-line usage error before anything runs."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        return f"--cache {path}: not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):   # (permissions alone do not say: a read-only disk, root)
            pass
    except OSError as error:
        return f"--cache {path}: cannot write there ({error.strerror or error})"
    return None


@lru_cache(maxsize=1)
def _fingerprint() -> bytes:
    """What turns IR text into machine code, besides the text itself."""
    import llvmlite
    import llvmlite.binding as llvm

    try:
        version = importlib.metadata.version("ruffdbg")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    engine = (Path(__file__).with_name("engine.py")).read_bytes()
    parts = (f"format {FORMAT}", f"ruffdbg {version}", f"llvmlite {llvmlite.__version__}",
             f"llvm {'.'.join(map(str, llvm.llvm_version_info))}", f"triple {llvm.get_default_triple()}",
             f"engine {hashlib.sha256(engine).hexdigest()}")   # (the passes, the target machine's settings)
    return "\n".join(parts).encode()


def key(ir_text: str, twin: tuple[str, str, str] | None, levels: Levels) -> str:
    digest = hashlib.sha256(_fingerprint())
    digest.update(f"\n-O{levels.passes} codegen -O{levels.codegen}\n".encode())
    digest.update(ir_text.encode())
    if twin is not None:
        digest.update(b"\ntwin " + "\n".join(twin[1:]).encode() + b"\n" + twin[0].encode())
    return digest.hexdigest()


class CodeCache:
    """One cache folder. Used under the engine's lock (one compile at a time)."""

    def __init__(self, directory: Path, max_bytes: int = MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._size: int | None = None   # bytes in the folder (counted at the first store)

    key = staticmethod(key)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def load(self, key: str, provided: set[str], exported: tuple[str, ...] = ()) -> CachedCode | None:
        """The code kept under ``key``, if a valid entry is there whose object needs
        only symbols in ``provided`` and defines the functions ``exported`` (checked
        before LLVM sees it: a symbol that does not resolve aborts the process)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            self.stats.misses += 1
            return None
        code = _decode(data, key)
        if code is not None and not _links(code.object_code, provided, exported):
            code = None
        if code is None:
            self.stats.rejected += 1
            self.stats.misses += 1
            _remove(path)
            return None
        self.stats.hits += 1
        try:
            os.utime(path)   # (recently used: trimmed last)
        except OSError:
            pass
        return code

    def store(self, key: str, object_code: bytes, ir_after: str) -> None:
        """Keep the code under ``key`` (a temporary file renamed into place); an
        error (a full disk, a folder that cannot be written) is noted, not raised:
        the run goes on without storing."""
        rest = key.encode().ljust(64, b"\0") + struct.pack("<I", len(object_code)) + object_code \
            + zlib.compress(ir_after.encode(), 6)
        data = MAGIC + hashlib.sha256(rest).digest() + rest
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".", suffix=".tmp", delete=False) as out:
                out.write(data)
            os.replace(out.name, self._path(key))
        except OSError as error:
            self.stats.error = f"cannot write the code cache in {self.directory}: {error.strerror or error}"
            return
        self.stats.stores += 1
        if self._size is None:
            self._size = self.size()
        else:
            self._size += len(data)
        if self._size > self.max_bytes:
            self._size = self.trim(self.max_bytes * 3 // 4)

    def entries(self) -> list[tuple[float, int, Path]]:
        """(last use, size, path) of every entry, oldest first."""
        out = []
        try:
            names = os.listdir(self.directory)
        except OSError:
            return []
        for name in names:
            if name.endswith(SUFFIX):
                path = self.directory / name
                try:
                    info = path.stat()
                except OSError:
                    continue
                out.append((info.st_mtime, info.st_size, path))
        return sorted(out)

    def size(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def trim(self, target: int) -> int:
        """Remove the entries used longest ago until the folder holds at most
        ``target`` bytes; the bytes left."""
        entries = self.entries()
        left = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if left <= target:
                break
            _remove(path)
            left -= size
        return left


def _decode(data: bytes, key: str) -> CachedCode | None:
    """An entry's contents, or None if it is not a whole, intact entry for ``key``."""
    if len(data) < _HEADER.size:
        return None
    magic, digest, stored_key, length = _HEADER.unpack_from(data)
    rest = data[len(MAGIC) + 32:]
    if magic != MAGIC or hashlib.sha256(rest).digest() != digest or stored_key.rstrip(b"\0") != key.encode():
        return None
    start = _HEADER.size
    if start + length > len(data):
        return None
    try:
        ir_after = zlib.decompress(data[start + length:]).decode()
    except (zlib.error, UnicodeDecodeError):
        return None
    return CachedCode(data[start:start + length], ir_after)


def _links(object_code: bytes, provided: set[str], exported: tuple[str, ...]) -> bool:
    """Whether the object defines ``exported`` and needs only ``provided`` symbols
    or, for the library calls LLVM makes itself (``memset``, ``fmod``), symbols
    this process has, as the JIT would find them."""
    try:
        elf = ElfObject(object_code)
        needed = elf.undefined()
        if needed is None or not set(exported) <= set(elf.functions()):
            return False
    except (struct.error, IndexError, ValueError):
        return False
    return all(name in provided or (not name.startswith("rd.") and _in_process(name)) for name in needed)


@lru_cache(maxsize=None)
def _in_process(name: str) -> bool:
    try:
        getattr(ctypes.CDLL(None), name)
    except (AttributeError, OSError):
        return False
    return True


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
