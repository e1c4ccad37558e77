"""What a text says about where it comes from: wire credits, cited outlets,
attributed quotations, and its date.

These are read from one document at a time (:func:`document_signals`) and
from the surroundings of a quotation (:func:`is_attributed`); the
direction of a pair weighs them (:mod:`dedup.provenance.direction`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dedup.document import parse_date

# News agencies and wire services, as credited in datelines: "(AP)",
# "MOSCOW (Reuters) -", "اسلام آباد (اے پی پی)", "(新华社)". A text that
# carries such a credit where the other does not is the wire's own copy.
_AGENCIES = (
    "ap", "associated press", "reuters", "afp", "agence france-presse", "dpa", "efe", "ansa", "xinhua", "tass",
    "ria novosti", "interfax", "bloomberg", "upi", "pti", "ians", "ani", "uni", "app", "inp", "inn", "nni", "ppi",
    "apf", "bernama", "antara", "yonhap", "kyodo", "jiji", "anadolu", "aa", "wam", "spa", "ena", "mena", "irna",
    "isna", "bna", "kuna", "qna", "sana", "petra", "xinhua news agency", "cna", "ukrinform", "unian", "bta", "ctk",
    "pap", "mti", "hina", "tanjug", "belga", "anp", "tt", "ntb", "stt", "lusa", "europa press", "notimex", "telam",
    "prensa latina", "agencia brasil", "sapa", "kyodo news", "nna", "apa", "sda", "ats", "keystone-sda",
    "اے پی پی", "آن لائن", "این این آئی", "آئی این پی", "اے ایف پی", "رائٹرز", "اے پی", "ثنا نیوز", "پی پی آئی",
    "واس", "وام", "أ ف ب", "رويترز", "د ب أ", "قنا", "كونا", "سانا", "بترا", "الأناضول", "إرنا", "ايرنا",
    "वार्ता", "भाषा", "पीटीआई", "आईएएनएस", "एएनआई", "यूएनआई",
    "新华社", "中新社", "中新网", "路透社", "美联社", "法新社", "共同社", "韩联社", "塔斯社",
    "ТАСС", "РИА Новости", "Интерфакс", "Укринформ", "УНИАН",
)
_AGENCY_SET = {name.casefold() for name in _AGENCIES}

# A parenthesised credit: "(AP)", "(اے پی پی)", "(وقت نیوز)", "（新华社）"
_CREDIT = re.compile(r"[(（]\s*([^()（）\n]{1,30}?)\s*[)）]")

# A Chinese agency's dateline, unbracketed, at the start of a line:
# "新华社北京3月5日电" (the agency, the place and date, then 电 "cabled").
_CJK_AGENCIES = [name for name in _AGENCIES if "\u4e00" <= name[0] <= "\u9fff"]
_CJK_DATELINE = re.compile(r"^[\s(（【\[]*(" + "|".join(map(re.escape, _CJK_AGENCIES)) + r")[^\n。，,]{0,20}?电")

# "told Axios", "according to Reuters", "Reuters reported", "a rapporté Le Monde":
# another outlet's reporting cited by name (a capitalised name, so Latin script).
_CITED_VERBS = ("told", "according to", "reported by", "in an interview with", "speaking to", "quoted by")
_CITED = re.compile(
    r"\b(?:" + "|".join(_CITED_VERBS) + r")\s+(?:the\s+)?"
    r"([A-Z][\w&'-]*(?: [A-Z][\w&'-]*){0,3})"
)

# Words that attribute a quotation to its speaker, in several languages.
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|stated|states|explained|noted|insisted|warned|wrote|declared|"
    r"according to|asked|replied|announced|claimed|argued|stressed|urged|continued|"
    r"dit|a déclaré|selon|sagte|sagt|laut|dijo|afirmó|según|disse|ha detto|secondo|"
    r"заявил|заявила|сказал|сказала|сообщил|по словам)\b"
    r"|کہا|کہنا|کے مطابق|نے بتایا|قال|قالت|وفقا|بحسب|صرح|أضاف|कहा|बताया|अनुसार|说|表示|指出|称|據|据",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DocumentSignals:
    """What one document says about its origin.

    Attributes:
        wire_credits: News agencies credited in the text ("(AP)", "(اے پی پی)",
            a dateline "新华社北京3月5日电"), case-folded.
        credits: Every parenthesised credit near the start of a line (the
            outlet's own desk or an agency), case-folded.
        cited: Outlets whose reporting the text cites ("told Axios").
        date: The document's date, if it has one that parses.
        wire_at: Each wire credit with the character offset where it stands.
        cited_at: Each cited outlet with its offset.
    """

    wire_credits: frozenset[str]
    credits: frozenset[str]
    cited: frozenset[str]
    date: date | None
    wire_at: tuple[tuple[str, int], ...] = ()
    cited_at: tuple[tuple[str, int], ...] = ()


def _line_starts(text: str, width: int) -> list[tuple[int, str]]:
    """The offset and first ``width`` characters of each line (where datelines stand)."""
    out, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((offset, line[:width]))
        offset += len(line) + 1
    return out


def document_signals(text: str, date_value: str | None = None) -> DocumentSignals:
    """Read a document's credits, cited outlets and date.

    Args:
        text: The original text.
        date_value: The document's ``date`` field, if any.

    Returns:
        Its :class:`DocumentSignals`.
    """
    credits: list[tuple[str, int]] = []
    for offset, head in _line_starts(text, 120):
        for match in _CREDIT.finditer(head):
            name = " ".join(match.group(1).split()).casefold()
            if name and not any(ch.isdigit() for ch in name):
                credits.append((name, offset + match.start()))
        dateline = _CJK_DATELINE.match(head)
        if dateline:
            credits.append((dateline.group(1), offset + dateline.start(1)))
    wire = tuple((name, at) for name, at in credits if name in _AGENCY_SET)
    # Most texts cite no outlet: a plain substring test is many times faster
    # than the pattern, which tries its words at every word boundary.
    cites = any(verb in text for verb in _CITED_VERBS)
    cited = tuple((" ".join(m.group(1).split()), m.start()) for m in _CITED.finditer(text)) if cites else ()
    return DocumentSignals(frozenset(name for name, _ in wire), frozenset(name for name, _ in credits),
                           frozenset(name for name, _ in cited), parse_date(date_value), wire, cited)


def _sentence_around(text: str, start: int, end: int, reach: int = 160) -> str:
    """The text around ``[start, end)`` within its sentence, quotation left out."""
    lo = max(0, start - reach)
    hi = min(len(text), end + reach)
    before, after = text[lo:start], text[end:hi]
    for stop in ".!?۔؟।。！？\n":
        cut = before.rfind(stop)
        if cut >= 0 and cut < len(before) - 1:
            before = before[cut + 1 :]
        cut = after.find(stop)
        if cut > 0:
            after = after[:cut]
    return before + " " + after


def is_attributed(text: str, start: int, end: int) -> bool:
    """Does the sentence holding the quotation ``text[start:end]`` name who said it?"""
    return bool(_ATTRIBUTION.search(_sentence_around(text, start, end)))
