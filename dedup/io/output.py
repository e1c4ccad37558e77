"""Writing results to a file all at once: readers never see half a report."""

from __future__ import annotations

import os
import tempfile
from typing import Iterable


def write_atomic(path: str | os.PathLike, text: str | Iterable[str]) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename.

    The temporary file sits in the same folder, so the rename is atomic: the
    path holds either its old content or all of the new one, never a part.

    Args:
        path: The file to write (replaced if it exists).
        text: What to write, or its pieces (written as they come).

    Raises:
        OSError: If the folder does not exist or cannot be written.
    """
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    fd, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            for piece in [text] if isinstance(text, str) else text:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
