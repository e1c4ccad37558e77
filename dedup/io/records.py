"""Fields of a record (a JSONL object or a Parquet row) by name or dotted path.

Dumps name their fields differently: ``text``, ``maintext``, ``content``,
or nested as ``meta.url``. :class:`RecordFields` says where the id and the
text are; :func:`field_value` and :func:`with_field` read and replace a
field at a dotted path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

_MISSING = object()


@dataclass(frozen=True)
class RecordFields:
    """Where a record keeps its id and its text.

    Attributes:
        id_field: Name or dotted path (``meta.id``) of the document id.
        text_field: Name or dotted path of the text.

    Raises:
        ValueError: If a path is empty or has an empty part.
    """

    id_field: str = "id"
    text_field: str = "text"

    def __post_init__(self) -> None:
        for name in (self.id_field, self.text_field):
            if not name or any(part == "" for part in name.split(".")):
                raise ValueError(f"field path {name!r} is empty or has an empty part; use a name such as 'text' or 'meta.url'")


def field_value(record: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at ``path`` in ``record``, or ``default``.

    A key that contains a dot as such (``{"meta.url": …}``) is found before
    the nested reading of the path.

    Examples:
        >>> field_value({"meta": {"url": "u"}}, "meta.url")
        'u'
    """
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return default
        value = value.get(part, _MISSING)
        if value is _MISSING:
            return default
    return value


def with_field(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A shallow copy of ``record`` whose field at ``path`` is ``value``.

    The mappings along the path are copied, so ``record`` is left unchanged.
    """
    if path in record or "." not in path:
        return {**record, path: value}
    head, rest = path.split(".", 1)
    inner = record.get(head)
    return {**record, head: with_field(dict(inner) if isinstance(inner, Mapping) else {}, rest, value)}
