"""Zip archives on Python's ``zipfile``: zip_create, zip_add_file, zip_add_dir,
zip_close and unzip, with the reference's results and messages. Extraction
refuses entries that would land outside the output directory.
"""

from __future__ import annotations

import os
import zipfile
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.registry import builtin
from ruffdbg.vm.builtins.system import os_message

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 1 << 30


class ZipArchive:
    """A zip file being written (``writer`` is None once closed)."""

    def __init__(self, writer: zipfile.ZipFile, path: str):
        self.writer: zipfile.ZipFile | None = writer
        self.path = path

    def __str__(self) -> str:
        return "<unknown>"


def _why(error: BaseException) -> str:
    return os_message(error) if isinstance(error, OSError) else str(error)


@builtin("zip_create", 1)
def _zip_create(ctx: Any, args: list) -> ZipArchive:
    """zip_create(path): a new zip archive written to path (finish it with zip_close)."""
    path = args[0]
    if type(path) is not str:
        raise RuffError("zip_create requires a string path argument")
    try:
        return ZipArchive(zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED), path)
    except (OSError, ValueError) as error:
        raise RuffError(f"Failed to create zip file '{path}': {_why(error)}") from None


def _open_archive(name: str, args: list) -> zipfile.ZipFile:
    archive = args[0]
    if type(archive) is not ZipArchive or type(args[1]) is not str:
        raise RuffError(f"{name} requires (ZipArchive, string_path) arguments")
    if archive.writer is None:
        raise RuffError("Zip archive has been closed")
    return archive.writer


@builtin("zip_add_file", 2)
def _zip_add_file(ctx: Any, args: list) -> bool:
    """zip_add_file(archive, path): add the file under its own name; true."""
    writer = _open_archive("zip_add_file", args)
    source = args[1]
    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise RuffError(f"Failed to read source file '{source}': {_why(error)}") from None
    writer.writestr(os.path.basename(source), data)
    return True


@builtin("zip_add_dir", 2)
def _zip_add_dir(ctx: Any, args: list) -> bool:
    """zip_add_dir(archive, dir): add the directory's contents, recursively, by their paths inside it; true."""
    writer = _open_archive("zip_add_dir", args)
    root = args[1]

    def add(directory: str, prefix: str) -> None:
        try:
            names = sorted(os.listdir(directory))
        except OSError as error:
            raise RuffError(f"Failed to read directory: {_why(error)}") from None
        for name in names:
            path = os.path.join(directory, name)
            inside = f"{prefix}/{name}" if prefix else name
            if os.path.isdir(path):
                writer.writestr(inside + "/", b"")
                add(path, inside)
            else:
                try:
                    with open(path, "rb") as handle:
                        writer.writestr(inside, handle.read())
                except OSError as error:
                    raise RuffError(f"Failed to read '{path}': {_why(error)}") from None

    add(root, "")
    return True


@builtin("zip_close", 1)
def _zip_close(ctx: Any, args: list) -> bool:
    """zip_close(archive): finish writing the archive; true."""
    archive = args[0]
    if type(archive) is not ZipArchive:
        raise RuffError("zip_close requires a ZipArchive argument")
    if archive.writer is None:
        raise RuffError("Zip archive has already been closed")
    try:
        archive.writer.close()
    except (OSError, ValueError) as error:
        raise RuffError(f"Failed to finalize zip archive: {_why(error)}") from None
    finally:
        archive.writer = None
    return True


@builtin("unzip", 2)
def _unzip(ctx: Any, args: list) -> list:
    """unzip(zip_path, out_dir): extract every entry below out_dir; the extracted files' paths."""
    zip_path, out_dir = args
    if type(zip_path) is not str or type(out_dir) is not str:
        raise RuffError("unzip requires (string_zip_path, string_output_dir) arguments")
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile, ValueError) as error:
        raise RuffError(f"Failed to open zip archive '{zip_path}': {_why(error)}") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise RuffError(f"Archive contains {len(entries)} entries which exceeds maximum entry count ({MAX_ENTRIES})")
        if sum(entry.file_size for entry in entries) > MAX_TOTAL_BYTES:
            raise RuffError(f"Archive extraction exceeds maximum total extraction size ({MAX_TOTAL_BYTES} bytes)")
        try:
            os.makedirs(out_dir, exist_ok=True)
        except OSError as error:
            raise RuffError(f"Failed to create output directory '{out_dir}': {_why(error)}") from None
        root = os.path.realpath(out_dir)
        extracted = []
        for entry in entries:
            name = entry.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise RuffError(f"Unsafe archive entry '{name}': path escapes the output directory")
            target = os.path.join(out_dir, *[p for p in parts if p])
            if not os.path.realpath(target).startswith(root):
                raise RuffError(f"Unsafe archive entry '{name}': path escapes the output directory")
            try:
                if entry.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
                with archive.open(entry) as source, open(target, "wb") as sink:
                    sink.write(source.read())
            except (OSError, zipfile.BadZipFile, ValueError) as error:
                raise RuffError(f"Failed to extract '{name}': {_why(error)}") from None
            extracted.append(target)
        return extracted


