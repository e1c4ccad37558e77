"""Machine-readable output of a scan, and the exit code: one place for both.

Exit codes: 0 the run completed (documents or pairs a stage failed on are
problems, not errors); 1 findings where findings fail the run (lint); 2 a
usage or input error (nothing usable was read), or an unexpected internal
error; 130 interrupted (Ctrl-C, SIGINT); 143 terminated (SIGTERM); 141 the
reader of the output went away (a closed pipe).
"""

from __future__ import annotations

import csv
import io
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from dedup.io.json_text import dumps, dumps_lines, dumps_lines_bytes, indented_items, indented_items_bytes
from dedup.results import SHARED_PASSAGE, GroupResult, ScanResult, collection_paused

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
# 128 + the signal's number, as a shell reports a process ended by it.
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_TERMINATED = 143

PAIR_COLUMNS = ("a", "b", "relation", "jaccard", "containment_a", "containment_b")
# Provenance columns of the CSV; empty where the scan measured no passages.
PROVENANCE_COLUMNS = (
    "found_by",
    "shared_share_a",
    "shared_share_b",
    "extent_a",
    "extent_b",
    "source",
    "derived",
    "direction_confidence",
    "relation_probability",
    "aligned",  # False for a pair reported from the passage index without an alignment, else empty
)
# Columns of a shared-passage group's row (relation ``shared_passage``; ``a`` and ``b`` empty), empty for a
# pair; there only when the scan reports groups, so that a CSV of pairs reads as it did.
GROUP_COLUMNS = ("group", "documents", "chars")


def to_json(result: ScanResult) -> str:
    """The whole result as one JSON object (see README, "JSON output").

    The text is exactly ``json.dumps(result.to_dict(), ensure_ascii=False,
    indent=2)``, encoded by orjson (:mod:`dedup.io.json_text`), with
    garbage collection paused over the per-document dicts.
    :func:`json_pieces` gives the same text in pieces.
    """
    return "".join(json_pieces(result))


# Rows turned into dicts and encoded at a time: the memory a piece of the
# report costs, whatever the size of the corpus.
ROWS_PER_PIECE = 500


def json_pieces(result: ScanResult, rows_per_piece: int = ROWS_PER_PIECE) -> Iterator[str]:
    """The text of :func:`to_json`, in pieces of at most ``rows_per_piece``
    documents, pairs or clusters, for writing as it is produced
    (:func:`dedup.io.writers.write_pieces`): neither the whole text nor a
    dict of every row is ever held.

    Args:
        result: The scan's result.
        rows_per_piece: Rows per piece of the long lists.

    Yields:
        Pieces whose concatenation is :func:`to_json`'s text.
    """
    # strings throughout: a row holding a lone surrogate is written as the
    # standard library writes it, where encoding it to UTF-8 would fail
    return _json_pieces(result, rows_per_piece, indented_items)


def json_byte_pieces(result: ScanResult, rows_per_piece: int = ROWS_PER_PIECE) -> Iterator[str | bytes]:
    """:func:`json_pieces` with the rows' pieces UTF-8 encoded, as orjson
    writes them (the short pieces between them are strings): a file written
    in bytes takes them as they are, never decoded and encoded again."""
    return _json_pieces(result, rows_per_piece, indented_items_bytes)


def _json_pieces(result: ScanResult, rows_per_piece: int, items_text: Callable[[list[Any], int], str | bytes]) -> Iterator[str | bytes]:
    """The pieces of :func:`json_pieces`, the rows' chunks made by ``items_text``
    (:func:`~dedup.io.json_text.indented_items` or its bytes twin)."""
    rows = {"documents": result.documents, "pairs": result.pairs, "clusters": result.clusters, "shared_passages": result.shared_passages}
    for number, (key, value) in enumerate(result.to_dict(rows=False).items()):
        head = ("{\n" if number == 0 else ",\n") + "  " + dumps(key) + ": "
        if key in rows:
            yield head
            yield from _list_pieces(rows[key], rows_per_piece, items_text)
        else:
            yield head + dumps_indented(value, 1)
    yield "\n}"


def _list_pieces(items: Iterable[Any], rows_per_piece: int, items_text: Callable[[list[Any], int], str | bytes]) -> Iterator[str | bytes]:
    """A list of result rows at depth 1, as ``json.dumps(..., indent=2)`` writes it, a chunk at a time
    (each chunk's text made by ``items_text``).

    The rows are read in one pass (a result may keep them in a file, which
    is read in order, not sliced)."""
    rows = iter(items)
    chunk = list(islice(rows, rows_per_piece))
    if not chunk:
        yield "[]"
        return
    yield "[\n"
    first = True
    while chunk:
        with collection_paused():
            text = items_text([item.to_dict() for item in chunk], 1)
        if not first:  # chunks join as items do
            yield ",\n"
        yield text
        first = False
        chunk = list(islice(rows, rows_per_piece))
    yield "\n  ]"


def dumps_indented(value: Any, depth: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, nested ``depth`` levels deep.

    Args:
        value: JSON-ready data.
        depth: Nesting level of ``value`` (its closing bracket is indented
            ``2 * depth`` spaces).

    Returns:
        The JSON text, without a trailing line break.
    """
    text = dumps(value, indent=True)
    # every line break of JSON text is a separator (strings escape theirs)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def to_jsonl(result: ScanResult) -> str:
    """One JSON object per pair, one per line; then one per shared-passage
    group (:func:`group_record`: ``relation`` is ``shared_passage``)."""
    return "".join(_jsonl_pieces(result, lines_text=dumps_lines))  # strings: see json_pieces


def _jsonl_pieces(
    result: ScanResult, rows_per_piece: int = ROWS_PER_PIECE, lines_text: Callable[[list[Any]], str | bytes] = dumps_lines_bytes,
) -> Iterator[str | bytes]:
    """The lines of :func:`to_jsonl`, a chunk of rows at a time, made by
    ``lines_text`` (UTF-8 encoded by default, for a file written in bytes)."""
    for rows, record in ((result.pairs, _pair_record), (result.shared_passages, group_record)):
        items = iter(rows)
        while chunk := list(islice(items, rows_per_piece)):
            with collection_paused():
                yield lines_text([record(item) for item in chunk])


def _pair_record(pair: Any) -> dict[str, Any]:
    return pair.to_dict()


def group_record(group: GroupResult) -> dict[str, Any]:
    """A shared-passage group as a row of the JSONL output: ``relation``
    ``shared_passage``, ``group`` its id, then its fields."""
    row = group.to_dict()
    return {"relation": SHARED_PASSAGE, "group": row.pop("id"), **row}


# A spreadsheet reads a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters other than line breaks and tabs, written as escapes;
# so are the bidi controls, which reorder what a spreadsheet shows
# ("invoice\u202efdp.exe" displayed as "invoiceexe.pdf").
_CSV_CONTROLS = (
    {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if code not in (0x09, 0x0A)}
    | {0x0D: "\\r"}
    | {code: f"\\u{code:04x}" for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
)


def csv_cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: a string that would start a
    formula gets a leading ``'``; a carriage return (which some readers
    take for the end of a row even inside quotes) is written as ``\\r``
    and any other control character but line breaks and tabs as ``\\xNN``
    (no escape sequence reaches a terminal the CSV is shown on), a bidi
    control as ``\\uNNNN``. Numbers
    are left as they are. JSON and JSONL keep ids exactly."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_STARTS):
        value = "'" + value
    return value.translate(_CSV_CONTROLS)


def to_csv(result: ScanResult) -> str:
    """Pairs as CSV with a header row (the flat pair fields and the
    provenance ones, empty where not measured), then a row per
    shared-passage group (with :data:`GROUP_COLUMNS`), each text cell
    neutralised by :func:`csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = PAIR_COLUMNS + PROVENANCE_COLUMNS + (GROUP_COLUMNS if result.shared_passages else ())
    writer.writerow(columns)
    for pair in result.pairs:
        row: dict[str, Any] = pair.to_dict()
        writer.writerow([csv_cell(row.get(c)) if row.get(c) is not None else "" for c in columns])
    for group in result.shared_passages:
        # the documents as one cell, a JSON list: an id may hold any separator
        row = {"relation": SHARED_PASSAGE, "group": group.id, "documents": dumps(group.member_ids()),
               "chars": group.chars, "source": group.source, "found_by": "passages"}
        writer.writerow([csv_cell(row.get(c)) if row.get(c) is not None else "" for c in columns])
    return buffer.getvalue()


FORMATTERS = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv}


def report_pieces(result: ScanResult, fmt: str) -> Iterator[str | bytes]:
    """The machine output of ``fmt`` (a key of :data:`FORMATTERS`) in pieces,
    the JSON object ended by a line break as the command line writes it.
    A piece is a string or UTF-8 bytes (the rows, as they were encoded), as
    :func:`dedup.io.writers.write_pieces` takes them."""
    if fmt == "json":
        yield from json_byte_pieces(result)
        yield "\n"
    elif fmt == "jsonl":
        yield from _jsonl_pieces(result)
    else:
        yield FORMATTERS[fmt](result)


def scan_exit_code(result: ScanResult) -> int:
    """0 when the scan ran; 2 when no document could be read."""
    return EXIT_ERROR if not result.documents else EXIT_OK


def lint_exit_code(findings: int, exit_zero: bool = False) -> int:
    """``dedup lint``: 1 when findings not in the baseline remain (0 with ``--exit-zero``), else 0.

    Errors (an unusable index, baseline, revision or input) exit with
    :data:`EXIT_ERROR` before there is a report.
    """
    return EXIT_FINDINGS if findings and not exit_zero else EXIT_OK
