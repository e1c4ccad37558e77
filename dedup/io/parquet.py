"""Parquet files: rows in, as plain records; rows out, with the same schema.

Parquet support needs pyarrow (the ``parquet`` extra: ``pip install
'dedup-news[parquet]'``); it is imported only when a ``.parquet`` file is met, so
the core stays light for the JSONL and text corpora most users hold.
Only the columns the reader needs (the id, the text and the metadata
fields) are read, one row group batch at a time.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator

from dedup.io.records import RecordFields

_METADATA_COLUMNS = ("date", "source", "url", "title")
BATCH_ROWS = 4096

PARQUET_HINT = "reading Parquet needs pyarrow: pip install '.[parquet]' in a checkout of dedup (or pip install 'dedup-news[parquet]')"


def _pyarrow_parquet():
    """``pyarrow.parquet``, or :class:`ImportError` with the install hint."""
    try:
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ImportError(PARQUET_HINT) from err
    return pq


def parquet_records(path: str | os.PathLike, fields: RecordFields, report: Callable[[str, str], None]) -> Iterator[tuple[dict[str, Any], str]]:
    """The rows of a Parquet file as records, each with its origin (``path:row``).

    Args:
        path: The Parquet file.
        fields: Where the id and the text are (the top-level column of a
            dotted path is read whole).
        report: ``report(origin, message)`` for a file that cannot be read.

    Yields:
        ``(record, origin)``; rows are numbered from 1.
    """
    try:
        pq = _pyarrow_parquet()
        handle = pq.ParquetFile(path)
    except ImportError as err:
        report(str(path), f"{err}; skipped")
        return
    except Exception as err:  # pyarrow raises its own error classes for damaged files
        report(str(path), f"not a readable Parquet file ({type(err).__name__}: {err}); skipped")
        return
    names = set(handle.schema_arrow.names)
    wanted = {fields.id_field.split(".")[0], fields.text_field.split(".")[0], *_METADATA_COLUMNS}
    columns = [name for name in handle.schema_arrow.names if name in wanted or name in (fields.id_field, fields.text_field)]
    if not {fields.id_field, fields.id_field.split(".")[0]} & names or not {fields.text_field, fields.text_field.split(".")[0]} & names:
        report(str(path), f"has no '{fields.id_field}' or '{fields.text_field}' column (columns: {', '.join(sorted(names))}); use --id-field / --text-field; skipped")
        return
    row = 0
    try:
        for batch in handle.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            for record in batch.to_pylist():
                row += 1
                yield record, f"{path}:{row}"
    except Exception as err:
        report(f"{path}:{row + 1}", f"Parquet data damaged ({type(err).__name__}: {err}); the rest of the file is skipped")


def parquet_tables(path: str | os.PathLike) -> Iterator[Any]:
    """The whole rows of a Parquet file, one ``pyarrow.Table`` per batch (for rewriting it)."""
    pq = _pyarrow_parquet()
    handle = pq.ParquetFile(path)
    for batch in handle.iter_batches(batch_size=BATCH_ROWS):
        yield batch


def parquet_schema(path: str | os.PathLike) -> Any:
    """The Arrow schema of a Parquet file (kept, with its metadata, when it is rewritten)."""
    return _pyarrow_parquet().ParquetFile(path).schema_arrow
