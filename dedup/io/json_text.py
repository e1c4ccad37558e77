"""JSON text exactly as the standard library writes it, encoded by orjson.

Every JSON the tool writes (the scan report, JSONL pairs, lint reports,
SARIF, the clean log, row files) is the text of ``json.dumps(value,
ensure_ascii=False)`` or of ``json.dumps(value, ensure_ascii=False,
indent=2)``: users diff reports and tests pin them. The standard library
writes indented JSON in pure Python, one generator step per value; orjson
writes it in native code, tens of times faster. The two agree on every
string, integer and float except these, which :func:`dumps` detects and
hands to the standard library instead:

* a float below 1e-4 in magnitude (``1e-05``: orjson writes ``0.00001``,
  and ``2.5e-7`` for ``2.5e-07``), found in orjson's text;
* a NaN or an infinity (the standard library writes ``NaN`` and
  ``Infinity``, orjson ``null``), found in the value's :mod:`marshal` bytes
  (in native code too): a float is a type byte and its eight bytes, and a
  non-finite one has all exponent bits set, a pair of bytes that UTF-8
  text never holds;
* what orjson refuses: integers beyond 64 bits, keys that are not strings,
  lone surrogates, float subclasses (NumPy's), and dataclasses and dates
  (which the standard library refuses too, and so still does). A UUID or
  a plain enum member, which the standard library refuses, orjson writes
  (as its string or value): no result holds one.

The checks can only send a value to the standard library when it did not
need to (a title holding ``0.00001``), never let a difference through.
Both searches are skipped for a value whose floats a walk over its dicts,
lists and tuples finds all plain (:func:`floats_as_stdlib_reference`, in
native code where ``dedup/io/_floats.c`` was built): the rows of a scan
report hold nulls, and searching them cost more than encoding them.
Compact text separates items with ``", "`` and keys with ``": "`` as the
standard library does; orjson writes no spaces, so it is made from the
indented text (a line break in JSON text is always a separator: strings
escape theirs).
"""

from __future__ import annotations

import importlib
import json
import marshal
import math
import re
from typing import Any, Callable, Iterable

import numpy as np
import orjson

_INDENT = orjson.OPT_INDENT_2
# Handed to :func:`_refuse`, so they fail as they do in the standard library.
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME

# orjson's spelling of a float below 1e-4: four zeros after the point, or a
# one-digit negative exponent (the standard library pads it to two).
_SMALL_DECIMAL = b"0.0000"
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")
# A marshalled float: its type byte ("g", with or without the reference flag).
_FLOAT_TYPE = 0x67
_COMMA_BREAK = re.compile(rb",\n *")
_BREAK = re.compile(rb"\n *")
# Between two records of a list of records indented by orjson.
_RECORD_BREAK = b"\n  },\n  {"
# The depth at which the float walk gives up (orjson refuses values nested past 254 levels).
_MAX_DEPTH = 256


def _compiled_floats() -> Callable[[Any], bool] | None:
    """The compiled float walk (``dedup/io/_floats.c``), or None where it was not built."""
    try:
        compiled = importlib.import_module("dedup.io._floats")
    except ImportError:  # pragma: no cover - depends on the build
        return None
    return compiled.floats_as_stdlib


# Whether orjson writes every float of a value as the standard library does
# (:func:`floats_as_stdlib_reference`); None where not built.
_floats_as_stdlib = _compiled_floats()


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _same_as_stdlib(value: Any, text: bytes) -> bool:
    """Whether orjson's ``text`` of ``value`` is the standard library's, apart from the layout."""
    if _floats_as_stdlib is not None and _floats_as_stdlib(value):
        return True  # no float the two spell apart: nothing to look for in the text
    if _SMALL_DECIMAL in text or _SHORT_EXPONENT.search(text):
        return False
    # orjson writes a NaN or an infinity as null: without one, there is none to look for
    return b"null" not in text or not _has_non_finite(value)


def floats_as_stdlib_reference(value: Any, depth: int = 0) -> bool:
    """Whether every float in ``value`` is one orjson writes as the standard
    library does: zero, or finite and at least 1e-4 in magnitude. False
    also where ``value`` holds anything but dicts, lists, tuples, strings,
    integers, None and floats (then its text is checked). The compiled walk
    (``dedup/io/_floats.c``) gives the same answer."""
    kind = type(value)
    if kind is float:
        return value == 0.0 or (1e-4 <= abs(value) and math.isfinite(value))
    if isinstance(value, (str, int)) or value is None:
        return True
    if depth >= _MAX_DEPTH:
        return False
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return False
    return all(floats_as_stdlib_reference(item, depth + 1) for item in value)


def _has_non_finite(value: Any) -> bool:
    """Whether ``value`` may hold a NaN or an infinity (True when it cannot be marshalled)."""
    try:
        packed = np.frombuffer(marshal.dumps(value, 4), dtype=np.uint8)
    except (ValueError, RecursionError):
        return True
    if len(packed) < 9:
        return False
    # a float's type byte, then its eight bytes, little-endian: exponent bits
    # all set means the seventh byte at least 0xF0 and the eighth 0x7F or 0xFF
    starts = (packed[:-8] & 0x7F) == _FLOAT_TYPE
    return bool((starts & (packed[7:-1] >= 0xF0) & ((packed[8:] & 0x7F) == 0x7F)).any())


def _orjson(value: Any, option: int) -> bytes | None:
    try:
        text = orjson.dumps(value, option=option | _PASSTHROUGH, default=_refuse)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return None
    return text if _same_as_stdlib(value, text) else None


def dumps_bytes(value: Any, indent: bool = False) -> bytes:
    """``json.dumps(value, ensure_ascii=False, indent=2 if indent else None)``, UTF-8 encoded.

    Args:
        value: JSON-ready data.
        indent: Two spaces per level, as ``indent=2``; else one line.

    Returns:
        The text, without a trailing line break.

    Raises:
        TypeError: If the standard library cannot encode ``value``.
        ValueError: As the standard library raises it (a circular reference).
        UnicodeEncodeError: If a string holds a lone surrogate.
    """
    text = _orjson(value, _INDENT)
    if text is None:
        return _stdlib(value, indent).encode("utf-8")
    return text if indent else _compact(text)


def dumps(value: Any, indent: bool = False) -> str:
    """:func:`dumps_bytes` as a string: exactly ``json.dumps(value,
    ensure_ascii=False, indent=2 if indent else None)``."""
    text = _orjson(value, _INDENT)
    if text is None:
        return _stdlib(value, indent)
    return (text if indent else _compact(text)).decode("utf-8")


def dumps_lines(values: Iterable[Any]) -> str:
    """One :func:`dumps` line per value, each ended by a line break (JSONL).

    A batch of records is encoded in one call and cut into its lines; a
    batch that does not cut cleanly is encoded a record at a time.
    """
    batch = list(values)
    lines = _batch_lines(batch)
    return "".join(dumps(value) + "\n" for value in batch) if lines is None else lines.decode("utf-8")


def dumps_lines_bytes(values: Iterable[Any]) -> bytes:
    """:func:`dumps_lines`, UTF-8 encoded (for a file written in bytes: no decoding and encoding again)."""
    batch = list(values)
    lines = _batch_lines(batch)
    return "".join(dumps(value) + "\n" for value in batch).encode("utf-8") if lines is None else lines


def _batch_lines(batch: list[Any]) -> bytes | None:
    """The lines of :func:`dumps_lines` encoded in one call, or None where they do not cut cleanly."""
    if not batch:
        return b""
    if all(type(value) is dict and value for value in batch):
        text = _orjson(batch, _INDENT)
        if text is not None:
            # the record breaks become NUL, which JSON text never holds raw (strings escape it)
            joined = text.replace(_RECORD_BREAK, b"}\0{")
            if joined.count(b"\0") == len(batch) - 1:
                return (_compact(joined)[1:-1] + b"\n").replace(b"\0", b"\n")
    return None


def indented_items(values: list[Any], depth: int) -> str:
    """The items of ``values`` as the standard library indents them inside
    a list ``depth`` levels deep, without the list's brackets and without
    its first line break and last one: what goes between ``[`` and
    ``]`` of a longer list written a piece at a time (join pieces with ``",\\n"``).

    Args:
        values: A non-empty list of JSON-ready values.
        depth: Nesting level of the list they belong to.

    Returns:
        The items, each line indented ``2 * (depth + 1)`` spaces or more.
    """
    text = _items_text(values, depth)
    return text if type(text) is str else text.decode("utf-8")


def indented_items_bytes(values: list[Any], depth: int) -> bytes:
    """:func:`indented_items`, UTF-8 encoded (a report written in bytes is
    never decoded and encoded again: hundreds of megabytes for a large corpus)."""
    text = _items_text(values, depth)
    return text.encode("utf-8") if type(text) is str else text


def _items_text(values: list[Any], depth: int) -> str | bytes:
    """The text of :func:`indented_items`: orjson's bytes, or the standard
    library's string where orjson's would differ."""
    for _ in range(depth):
        values = [values]  # orjson indents a value as deep as it is nested
    text = _orjson(values, _INDENT)
    return _cut(_stdlib(values, True), depth, "\n") if text is None else _cut(text, depth, b"\n")


def _cut(text: str | bytes, depth: int, newline: str | bytes) -> str | bytes:
    """``text`` (str or bytes, ``newline`` of its kind) without its first and
    last ``depth + 1`` lines (the wrapping lists' brackets)."""
    start, end = 0, len(text)
    for _ in range(depth + 1):
        start = text.index(newline, start) + 1
        end = text.rindex(newline, 0, end)
    return text[start:end]


def _compact(indented: bytes) -> bytes:
    """One-line text with the standard library's separators, from orjson's indented text."""
    return _BREAK.sub(b"", _COMMA_BREAK.sub(b", ", indented))


def _stdlib(value: Any, indent: bool) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2 if indent else None)


__all__ = ["dumps", "dumps_bytes", "dumps_lines", "dumps_lines_bytes", "indented_items", "indented_items_bytes"]
