"""Problems met while reading, reported as they happen and kept bounded.

A corpus with two million malformed lines must cost no more memory than one
with twenty: :class:`ProblemLog` counts every problem by kind, keeps only the
first few of each kind as examples, and hands exactly those examples to a
listener (the command line prints them on stderr as they happen). The rest
are summed up at the end as "… and 31,978 more problems like this".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from dedup.io.wording import count_of

# Examples kept (and shown) per kind of problem; the rest are only counted.
SHOWN_PER_KIND = 20
# Control characters (C0, DEL, C1) in a file name or id would drive the
# terminal; they are shown as escapes in messages.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Lone surrogates: what Python makes of file-name bytes that are not UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ID_SHOWN_CHARS = 80


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates written as escapes."""
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def utf8_safe(text: str) -> str:
    """``text`` with lone surrogates (not writable as UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def show_id(doc_id: object) -> str:
    """A document id for a message: quoted, escaped, and cut if very long."""
    text = repr(str(doc_id))
    if len(text) > _ID_SHOWN_CHARS:
        text = f"{text[: _ID_SHOWN_CHARS - 1]}…' ({len(str(doc_id)):,} characters)"
    return text


@dataclass(frozen=True)
class InputProblem:
    """An input that was skipped or changed, and why.

    Attributes:
        origin: The file (``path`` or ``path:line``; ``<stdin>:line`` for stdin).
        message: What is wrong and what to do about it.
        kind: A short name for the class of problem (``malformed-json``,
            ``not-regular``, ...); the cap on messages counts per kind.
        skipped: ``True`` when the input was left out; ``False`` for a
            warning about an input that was read after a repair.
    """

    origin: str
    message: str
    kind: str = "unreadable"
    skipped: bool = True

    def __str__(self) -> str:
        return f"{printable(self.origin)}: {printable(self.message)}"

    def to_dict(self) -> dict[str, str]:
        """The problem as it appears in the JSON output."""
        return {"origin": utf8_safe(self.origin), "message": utf8_safe(self.message), "kind": self.kind}


class ProblemLog(Sequence):
    """Problems in order of arrival, bounded: every one counted, a few kept.

    The log is a sequence of the kept examples (the first
    ``shown_per_kind`` of each kind); :attr:`total`, :attr:`skipped` and
    :meth:`omitted` count all of them.

    Args:
        listener: Called with each kept problem as it is added (e.g. to
            print it at once); problems past the cap are only counted.
        shown_per_kind: Examples kept per kind.

    Examples:
        >>> log = ProblemLog(shown_per_kind=1)
        >>> log.add("a.jsonl:1", "malformed JSON", "malformed-json")
        >>> log.add("a.jsonl:2", "malformed JSON", "malformed-json")
        >>> len(log), log.total, log.omitted()
        (1, 2, [('malformed-json', 1)])
    """

    def __init__(self, listener: Callable[[InputProblem], None] | None = None, shown_per_kind: int = SHOWN_PER_KIND) -> None:
        self.listener = listener
        self.shown_per_kind = shown_per_kind
        self.counts: Counter[str] = Counter()
        self.skipped = 0
        self._kept: list[InputProblem] = []

    def add(self, origin: str, message: str, kind: str = "unreadable", skipped: bool = True) -> None:
        """Count a problem; keep it and tell the listener if under the cap."""
        self.record(InputProblem(origin, message, kind, skipped))

    def record(self, problem: InputProblem) -> None:
        """As :meth:`add`, for a problem already built."""
        self.counts[problem.kind] += 1
        self.skipped += problem.skipped
        if self.counts[problem.kind] <= self.shown_per_kind:
            self._kept.append(problem)
            if self.listener is not None:
                self.listener(problem)

    def count_unshown(self, kind: str, count: int, skipped: int) -> None:
        """Count ``count`` problems of ``kind`` (``skipped`` of them skipped
        inputs) met past the examples of a part of the input read elsewhere."""
        self.counts[kind] += count
        self.skipped += skipped

    def extend(self, problems: Iterable[InputProblem]) -> None:
        """Record each of ``problems``."""
        for problem in problems:
            self.record(problem)

    @property
    def total(self) -> int:
        """Every problem added, kept or not."""
        return sum(self.counts.values())

    def omitted(self) -> list[tuple[str, int]]:
        """``(kind, count)`` for each kind with problems past the cap."""
        return [(kind, n - self.shown_per_kind) for kind, n in self.counts.items() if n > self.shown_per_kind]

    def __getitem__(self, index):
        return self._kept[index]

    def __len__(self) -> int:
        return len(self._kept)

    def __iter__(self) -> Iterator[InputProblem]:
        return iter(self._kept)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, ProblemLog)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def omitted_message(count: int) -> str:
    """The closing line for ``count`` problems of one kind that were not shown."""
    return f"… and {count_of(count, 'more problem', ',')} like this"


def as_log(problems: Sequence[InputProblem] | ProblemLog) -> ProblemLog:
    """``problems`` as a :class:`ProblemLog` (itself if it is one)."""
    if isinstance(problems, ProblemLog):
        return problems
    log = ProblemLog()
    log.extend(problems)
    return log


def problem_records(problems: Sequence[InputProblem] | ProblemLog) -> list[dict[str, Any]]:
    """The problems for a result: the kept examples, then one record per
    kind that went past the cap, saying how many more there were."""
    log = as_log(problems)
    records: list[dict[str, Any]] = [p.to_dict() for p in log]
    for kind, count in log.omitted():
        records.append({"origin": "", "message": omitted_message(count), "kind": kind, "more": count})
    return records


def problem_stats(problems: Sequence[InputProblem] | ProblemLog) -> dict[str, int]:
    """Summary counts: inputs skipped, and inputs read after a repair."""
    log = as_log(problems)
    return {"skipped_inputs": log.skipped, "input_warnings": log.total - log.skipped}
