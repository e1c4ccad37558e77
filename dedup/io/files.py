"""Finding and opening input files safely.

Only regular files are ever read: a FIFO, socket or device (or a link to
one) inside a corpus folder is reported and never opened for reading, so it
can neither hang the scan nor stream without end. Compressed files (gzip,
bzip2, xz, zstd) are recognised by their first bytes, whatever their name,
and decompressed as they are read; the name under the compression suffix
(``news.jsonl.gz`` → ``.jsonl``) decides the format.
"""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path
from typing import IO, Callable, Iterator

COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zstd")
# The first bytes of each compressed format. bzip2's "BZh" is followed by a
# block size digit and the magic of a first block or of the end of stream, so
# a text file that happens to start with "BZh" is not taken for one.
_MAGIC = (
    ("gzip", re.compile(rb"\x1f\x8b")),
    ("bzip2", re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)")),
    ("xz", re.compile(rb"\xfd7zXZ\x00")),
    ("zstd", re.compile(rb"\x28\xb5\x2f\xfd")),
)
_MAGIC_BYTES = 10
_FILE_TYPES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)

Report = Callable[..., None]


class NotRegularFileError(OSError):
    """The path is a FIFO, socket, device or folder, not a file to read."""


def format_suffix(name: str) -> str:
    """The suffix that decides the format, under any compression suffix.

    Examples:
        >>> format_suffix("news.JSONL.gz"), format_suffix("a.txt"), format_suffix("x.zst")
        ('.jsonl', '.txt', '')
    """
    path = Path(name.lower())
    if path.suffix in COMPRESSION_SUFFIXES:
        path = path.with_suffix("")
    return path.suffix


def compression_of(head: bytes) -> str | None:
    """The compression format whose magic bytes ``head`` starts with, if any."""
    for name, magic in _MAGIC:
        if magic.match(head):
            return name
    return None


def file_type(mode: int) -> str:
    """What a non-regular file is, in words (``"a FIFO (named pipe)"``)."""
    return next((name for test, name in _FILE_TYPES if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike) -> IO[bytes]:
    """Open ``path`` for reading if, and only if, it is a regular file.

    The file is opened without blocking and checked before any read, so a
    FIFO never blocks the open and a device is never read.

    Raises:
        NotRegularFileError: If it is a FIFO, socket, device or folder.
        OSError: If it cannot be opened.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(f"{file_type(mode)}, not a regular file")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # replaced between the two looks
            raise NotRegularFileError(f"{file_type(mode)}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def decompressed(stream: IO[bytes]) -> tuple[IO[bytes], str | None]:
    """``stream`` decompressed as it is read, if its first bytes say so.

    Args:
        stream: A binary stream; wrapped in a buffer if it cannot peek.

    Returns:
        ``(readable stream of the content, compression name or None)``.
    """
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
    kind = compression_of(stream.peek(_MAGIC_BYTES)[:_MAGIC_BYTES])
    if kind == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=stream, mode="rb"), kind
    if kind == "bzip2":
        import bz2

        return bz2.BZ2File(stream), kind
    if kind == "xz":
        import lzma

        return lzma.LZMAFile(stream), kind
    if kind == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
        return io.BufferedReader(reader), kind  # type: ignore[arg-type]
    return stream, None


def open_input(path: str | os.PathLike) -> tuple[IO[bytes], str | None]:
    """Open a regular file, decompressing it if its first bytes say so.

    Returns:
        ``(stream, compression name or None)``; the caller closes the stream.

    Raises:
        NotRegularFileError: If ``path`` is not a regular file.
        OSError: If it cannot be opened.
    """
    raw = open_regular(path)
    try:
        return decompressed(raw)
    except BaseException:
        raw.close()
        raise


def stream_errors() -> tuple[type[BaseException], ...]:
    """The errors a damaged compressed stream raises while it is read."""
    import lzma

    errors: tuple[type[BaseException], ...] = (OSError, EOFError, lzma.LZMAError)
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover - zstandard is a dependency
        pass
    return errors


def walk(folder: Path, suffixes: tuple[str, ...], report: Report) -> Iterator[Path]:
    """Regular files under ``folder`` with one of ``suffixes``, in a stable order.

    The order is that of a sorted top-down walk: a folder's files, then each
    subfolder in turn. Hidden files and folders are left out, and links to
    folders are not followed. A file of another format (by its suffix), a
    subfolder that cannot be listed, a broken link, and a FIFO, socket or
    device with a readable suffix are reported through
    ``report(origin, message, kind)`` and skipped. The walk keeps its
    own stack, so a tree thousands of folders deep cannot exhaust Python's.

    Args:
        folder: Where to look.
        suffixes: Format suffixes to take (compressed forms are taken too).
        report: Called for each entry that is skipped.
    """
    pending = [str(folder)]
    while pending:
        root = pending.pop()
        try:
            with os.scandir(root) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as err:
            report(root, f"cannot list folder: {err.strerror}; its files are skipped", "unreadable")
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if _is_folder(entry):
                if not entry.is_symlink():
                    subfolders.append(entry.path)
            elif format_suffix(entry.name) in suffixes:
                path = _regular_file(Path(entry.path), report)
                if path is not None:
                    yield path
            else:
                report(entry.path, _unknown_format(entry.name, suffixes), "unknown-format")
        pending.extend(reversed(subfolders))


def _unknown_format(name: str, suffixes: tuple[str, ...]) -> str:
    """The message for a file in a folder whose suffix names no format read."""
    suffix = format_suffix(name)
    what = f"'{suffix}' is not a format dedup reads" if suffix else "a name without a format suffix"
    return f"{what}; skipped (dedup reads {' '.join(suffixes)}, and those compressed)"


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _regular_file(path: Path, report: Report) -> Path | None:
    """``path`` if it is (or links to) a regular file; else reported, ``None``."""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        kind = "broken link" if path.is_symlink() else "cannot read"
        report(str(path), f"{kind}: {err.strerror}; skipped", "unreadable")
        return None
    if stat.S_ISREG(mode):
        return path
    report(str(path), f"{file_type(mode)}, not a regular file; skipped without reading it", "not-regular")
    return None
