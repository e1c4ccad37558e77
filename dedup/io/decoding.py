"""Bytes to text: encodings, byte order marks, NUL bytes and lone surrogates.

The rules, in order (see the README's "Input contract"):

- A byte order mark (UTF-8, UTF-16, UTF-32) decides, whatever else is said.
- A file with many NUL or control bytes (over a tenth of it), or whose bytes
  are not text once its NULs are set aside, is binary: skipped. A few
  NUL bytes in a text file are removed, with a warning naming the first line.
- Plain text is UTF-8 unless ``encoding`` is given (``--encoding``); text
  that is not valid in it is skipped with a message naming the line.
- HTML is UTF-8 when valid, else the charset it declares (``<meta
  charset>``, ``http-equiv`` or an XML declaration), else ``encoding``,
  else the charset detected by charset-normalizer, else windows-1252; a
  guess is reported as a warning.
- Lone surrogates (from ``\\ud800`` escapes in JSON) cannot be written as
  UTF-8; they are replaced by U+FFFD with a warning.
"""

from __future__ import annotations

import codecs
import re
from typing import Callable

from dedup.io.wording import count_of

Report = Callable[..., None]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Over this share of NUL and control bytes a file is binary (or UTF-16
# without a byte order mark), not text with a stray NUL.
_BINARY_SHARE = 0.1
_NUL = b"\x00"
_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\n\r\f") + b"\x7f"
_SURROGATE = re.compile("[\ud800-\udfff]")
_DECLARED = (
    re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE),
    re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE),
)
_DECLARATION_BYTES = 8192
_DETECTION_BYTES = 1 << 20
# As browsers do (WHATWG Encoding): a page labelled Latin-1 or ASCII is
# windows-1252, and a page whose declaration could be read as ASCII is not UTF-16.
_HTML_LABELS = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8"}


def check_encoding(name: str) -> str:
    """The canonical name of a text encoding.

    Raises:
        LookupError: If Python knows no encoding of that name.
    """
    info = codecs.lookup(name)
    if not getattr(info, "_is_text_encoding", True):
        raise LookupError(f"{name!r} is not a text encoding")
    return info.name


def _bom_encoding(data: bytes) -> str | None:
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _binary(data: bytes, origin: str, report: Report) -> bool:
    """Whether ``data`` is binary (reported): NUL and other control bytes
    (not tab, newline, carriage return or form feed) make up over a tenth of
    it, which also catches UTF-16 without a byte order mark."""
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if controls <= _BINARY_SHARE * len(data):
        return False
    report(origin, f"looks binary ({controls:,} NUL or control bytes; UTF-16 needs a byte order mark or --encoding utf-16); skipped", "binary")
    return True


def _report_nul(data: bytes, origin: str, report: Report) -> None:
    nuls = data.count(_NUL)
    report(
        f"{origin}:{_line_of(data, data.index(_NUL))}",
        f"{count_of(nuls, 'NUL byte', ',')} removed (first on this line); the rest of the file is read",
        "nul-bytes",
        skipped=False,
    )


def without_nul(data: bytes, origin: str, report: Report) -> bytes | None:
    """``data`` with its NUL bytes removed (with a warning), or ``None`` if binary."""
    if _binary(data, origin, report):
        return None
    if _NUL in data:
        _report_nul(data, origin, report)
        return data.replace(_NUL, b"")
    return data


def decode_text(data: bytes, origin: str, report: Report, encoding: str | None = None) -> str | None:
    """Decode a plain-text file, or report why not.

    Args:
        data: The file's bytes.
        origin: The file name, for messages.
        report: Called as ``report(origin, message, kind, skipped=...)``.
        encoding: The encoding of files without a byte order mark (UTF-8 by default).

    Returns:
        The text, or ``None`` if the file is binary or not valid in its encoding.
    """
    bom = _bom_encoding(data)
    encoding = bom or encoding or "utf-8"
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return _decode_wide(data, origin, report, encoding)
    if _binary(data, origin, report):
        return None
    clean = data.replace(_NUL, b"")
    try:
        text = clean.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as err:
        label = "UTF-8" if encoding == "utf-8" else encoding
        if len(clean) < len(data):
            report(origin, f"looks binary (NUL bytes, and not valid {label}); skipped", "binary")
            return None
        report(
            f"{origin}:{_line_of(data, err.start)}",
            f"not valid {label} (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "give its encoding with --encoding, or convert it (iconv -f latin1 -t utf-8); skipped",
            "encoding",
        )
        return None
    if len(clean) < len(data):
        _report_nul(data, origin, report)
    return text


def _decode_wide(data: bytes, origin: str, report: Report, encoding: str) -> str | None:
    """Decode UTF-16/32 text, then remove any NUL characters it holds."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        report(origin, f"not valid {encoding} (at byte offset {err.start}); skipped", "encoding")
        return None
    return strip_nul(text, origin, report)


def strip_nul(text: str, origin: str, report: Report) -> str:
    """``text`` without NUL characters, reporting how many there were."""
    if "\x00" not in text:
        return text
    nuls, first = text.count("\x00"), text.index("\x00")
    report(
        origin,
        f"{count_of(nuls, 'NUL character', ',')} removed from the text (first at character {first:,})",
        "nul-bytes",
        skipped=False,
    )
    return text.replace("\x00", "")


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares near its start, as a Python codec name."""
    head = data[:_DECLARATION_BYTES]
    for pattern in _DECLARED:
        match = pattern.search(head)
        if match:
            try:
                name = check_encoding(match.group(1).decode("ascii"))
            except LookupError:
                continue
            return _HTML_LABELS.get(name, name)
    return None


def decode_html(data: bytes, origin: str = "", report: Report | None = None, encoding: str | None = None) -> str:
    """Decode an HTML page: BOM, valid UTF-8, declared charset, ``encoding``,
    detection, then windows-1252.

    Args:
        data: The raw page.
        origin: The file name, for messages.
        report: Called as ``report(origin, message, kind, skipped=False)``
            when the encoding had to be guessed.
        encoding: What to try when the page declares nothing usable.

    Returns:
        The page as text (undecodable bytes replaced as a last resort).
    """
    bom = _bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_charset(data)
    for candidate in (declared, encoding):
        if candidate:
            try:
                return data.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                continue
    guess = _detected(data) or "cp1252"
    if report is not None:
        said = f"declares {declared} but is not valid in it" if declared else "is not UTF-8 and declares no charset"
        report(origin, f"{said}; decoded as {guess} (a guess, check the text)", "charset", skipped=False)
    return data.decode(guess, errors="replace")


def decode_page(data: bytes, origin: str, report: Report, encoding: str | None = None) -> str | None:
    """An HTML file's text: as :func:`decode_html`, after the binary and NUL
    checks of :func:`without_nul` (which a byte order mark bypasses).

    Returns:
        The page as text, or ``None`` if it looks binary (reported).
    """
    if _bom_encoding(data) is None:
        data = without_nul(data, origin, report)
        if data is None:
            return None
    return strip_nul(decode_html(data, origin, report, encoding), origin, report)


def _detected(data: bytes) -> str | None:
    """The charset charset-normalizer finds most likely, if any; windows-1252
    (the web's most common legacy charset) when it is among equal best."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:_DETECTION_BYTES]))
    if not matches:
        return None
    best = matches[0]
    tied = {m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)}
    return "cp1252" if "cp1252" in tied else best.encoding


def without_surrogates(value: str) -> tuple[str, int]:
    """``value`` with lone surrogates replaced by U+FFFD, and how many there were."""
    if value.isascii() or not _SURROGATE.search(value):
        return value, 0
    return _SURROGATE.subn("\ufffd", value)
