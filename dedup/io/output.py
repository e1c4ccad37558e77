"""Writing results to a file all at once: readers never see half a report."""

from __future__ import annotations

import os

from dedup.io.writers import atomic_text_file


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename.

    The temporary file sits in the same folder, so the rename is atomic: the
    path holds either its old content or all of the new one, never a part.
    A report produced piece by piece goes through
    :func:`dedup.io.writers.write_pieces` instead.

    Args:
        path: The file to write (replaced if it exists).
        text: What to write.

    Raises:
        OSError: If the folder does not exist or cannot be written.
    """
    with atomic_text_file(path) as handle:
        handle.write(text)
