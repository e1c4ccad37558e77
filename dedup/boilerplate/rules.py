"""Phrases that say what kind of boilerplate a block is.

Each kind has a pattern for the block as a whole (a short line that *is* a
sharing prompt, a section header, a cookie notice) and the classifier uses
the matches as features. A header that opens a section (``You May Also
Like``, ``5 Comments``) marks everything after it as that kind (see
:func:`dedup.boilerplate.detect.section_spans`). The patterns are English plus
the phrases of :mod:`dedup.boilerplate.phrases` (German, French, Spanish,
Italian, Portuguese, Russian, Chinese, Japanese, Arabic, Urdu); beyond them,
other languages rely on the classifier's language-independent features.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import Sequence

from dedup.boilerplate import phrases

SHARING = "sharing"
RECIRCULATION = "recirculation"
COMMENTS = "comments"
NAVIGATION = "navigation"
LEGAL = "legal"
CAPTION = "caption"
METADATA = "metadata"
ADVERTISING = "advertising"

_I = re.IGNORECASE


def _any(words) -> str:
    """An alternation of literal phrases, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# A whole short block that is one of these.
KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    SHARING: re.compile(
        r"^(?:share(?: this| on| via| and follow| article| story)?|follow(?: us)?(?: on \w+)?|tweet|e-?mail|print|"
        r"pin(?: it)?|copy link|facebook|twitter|whatsapp|linkedin|reddit|flipboard|telegram|"
        r"share (?:on|via|to|by|with) (?:facebook|twitter|x|email|whatsapp|linkedin|reddit)|"
        r"share this (?:article|story|post|page)(?: on \w+)?|(?:was this (?:article|story) helpful|"
        r"(?:how would you )?rate this (?:article|story))\??|" + _any(phrases.SHARING) + r")[\W]*$",
        _I,
    ),
    RECIRCULATION: re.compile(
        r"^(?:you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|related(?: (?:articles?|stories|posts?|"
        r"news|coverage|content|topics|links))?|more (?:from|on|stories|news|articles|in)\b.*|recommended(?: for you)?|"
        r"read (?:more|next|also)|also read|most (?:popular|read|viewed|shared)|trending(?: now)?|"
        r"what to read next|don'?t miss|editor'?s picks|top stories|latest (?:news|stories)|sponsored(?: content)?|"
        r"promoted(?: stories)?|around the web|from our partners|" + _any(phrases.RECIRCULATION) + r")\W*$",
        _I,
    ),
    COMMENTS: re.compile(
        r"^(?:\d+\s+(?:comments?|responses?|replies)|comments?(?:\s*\(\d+\))?|(?:leave|post|add|write) a "
        r"(?:comment|reply|response)|reply|join the (?:discussion|conversation)|show comments|view comments|"
        r"reader comments|discussion|(?:\d+\s*)?(?:" + _any(phrases.COMMENTS) + r")(?:\s*\(\d+\))?)\W*$",
        _I,
    ),
    LEGAL: re.compile(
        r"(?:\bcookies?\b.*\b(?:use|accept|consent|polic|settings)|privacy (?:policy|notice|settings)|"
        r"terms (?:of|and) (?:use|service|conditions)|all rights reserved|^\s*(?:©|\(c\)|copyright)\s|"
        r"sign up (?:for|to) (?:our|the) .*newsletter|subscribe to (?:our|the)\b|newsletter sign[- ]?up|"
        r"this material may not be published|do not sell my|" + _any(phrases.LEGAL) + ")",
        _I,
    ),
    CAPTION: re.compile(
        r"(?:\((?:pictured|above|below|left|right|centre|center)\)|^(?:photo|image|picture|video)\s*:|"
        r"\b(?:getty images|ap photo|afp|reuters|shutterstock|epa)\b\s*(?:/|$)|^\s*(?:credit|photograph)\s*:)",
        _I,
    ),
}

_LEGAL_CUES = ("cookie", "privacy", "terms", "rights reserved", "©", "(c)", "copyright", "sign up", "subscribe to",
               "newsletter", "this material", "do not sell")
# Cues of the other languages' notices: the ASCII ones are looked for in
# every block, all of them in blocks that are not ASCII.
_ASCII_LEGAL_CUES = _LEGAL_CUES + tuple(c for c in phrases.LEGAL if c.isascii() and "cookie" not in c)
_ALL_LEGAL_CUES = _LEGAL_CUES + tuple(c for c in phrases.LEGAL if "cookie" not in c)
_CAPTION_CUES = ("getty", "ap photo", "afp", "reuters", "shutterstock", "epa")

# Kinds whose header opens a section that runs to the end of the document.
SECTION_KINDS = (RECIRCULATION, COMMENTS)
SECTION_MAX_WORDS = 6

# A date line or a metadata prefix at the start of a block ("date 2026-02-04",
# "Published: 3 May 2019", "Updated 10:32 GMT").
METADATA_PREFIX = re.compile(
    r"^\s*(?:(?:date|published|updated|posted|last (?:updated|modified))\s*(?:on|at)?\s*:?\s*)"
    r"(?:\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?z?)?|\d{1,2}[ /.-]\w{3,9}[ /.-]\d{2,4}|"
    r"\w{3,9}\.? \d{1,2},? \d{4})(?:\s*(?:at\s*)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[a-z]{2,4})?)?",
    _I,
)
BYLINE = re.compile(
    r"^\s*(?:[Bb]y|BY|[Ww]ritten by|[Ww]ords by|[Rr]eported by|[Vv]on|[Pp]ar|[Pp]or|di)\s+[A-Z][\w.'-]+"
    r"(?:\s+(?:[A-Z][\w.'-]+|and|und|et|y|e))?(?:\s+[A-Z][\w.'-]+){0,3}(?:\s*[,|\u2013\u2014-]\s*[\w .'&/-]{1,60})?\s*$"
)
# A byline in another script: the word for "by" or "author", a colon, a name.
_BYLINE_LABELLED = re.compile(r"^\s*(?:" + _any(phrases.BYLINE) + r"|author)\s*[:\uff1a]\s*\S", _I)
# "Published 3 hours ago", "Veröffentlicht am 3. Mai 2024": a publication word and a number.
_DATE_LINE = re.compile(
    r"^\s*(?:published|updated|posted|last updated|" + _any(phrases.PUBLISHED) + r")[\s:\uff1a,]*"
    r"(?:(?:on|at|am|um|le|el|il|em|de|в|في)\s+)?(?:\d|(?:an?|one) (?:second|minute|hour|day|week)s? ago)",
    _I,
)
# A photo credit or caption label ("Image copyright Reuters", "Foto: dpa").
CREDIT = re.compile(
    r"^\s*(?:(?:image|photo|picture|media|video)\s+(?:copyright|caption|credit|source)|(?:image|photo)\s+by\b|"
    + _any(phrases.CREDIT) + ")",
    _I,
)
# A teaser of another article: "Read more: ...", "Lesen Sie auch: ...".
READ_MORE = re.compile(
    r"^\s*(?:read more|read also|also read|see also|related|more|watch|listen|read next|" + _any(phrases.READ_MORE)
    + r")\s*[:\uff1a\u2013\u2014>|-]+\s*\S",
    _I,
)
ADVERTISEMENT = re.compile(
    r"^\W*(?:advertisement|advertising|advert|ad|sponsored|paid content|" + _any(phrases.ADVERTISING) + r")\W*$", _I
)
# The signature of one comment in a thread without comment markup: after
# the comment ("Posted by: Brad, Glasgow on 11:16am") or before it ("Brad says:").
_SIGNATURE_AFTER = re.compile(
    r"^\s*(?:posted|submitted|written|sent|comment(?:ed)?)\s+by\b.{0,80}?(?:\d{1,2}[:.]\d{2}|\d{4}|\bago\b)"
    r"|^\s*(?:geschrieben von|verfasst von|publié par|posté par|escrito por|publicado por|scritto da|inviato da|"
    r"postado por|написал|опубликовал|发表于|投稿者|ارسال کنندہ|أرسلت بواسطة).{0,80}?\d",
    _I,
)
# The words that end a signature before its comment ("Brad says:").
_SIGNED_WORDS = ("says", "said", "wrote", "schreibt", "schrieb", "a écrit", "dit", "escribió", "dice", "ha scritto", "escreveu",
                 "пишет", "написал", "написала")
_SIGNATURE_BEFORE = re.compile(
    # (The name may carry a bracketed affiliation and the comment's date:
    # "Catherine (GiveWell) on September 13, 2018 at 5:23 pm said:".)
    r"^\s*[\w .'@-]{1,40}?(?:\s*\([^()]{1,40}\))?(?:\s+(?:on|am|le|el|il|em)\s+.{0,60}?\d.{0,30}?)?"
    r"\s(?:" + "|".join(map(re.escape, _SIGNED_WORDS)) + r")\s*:?\s*$",
    _I,
)
# Comments without markup: at least this many signatures make a thread.
THREAD_MIN_SIGNATURES = 2
SIGNATURE_MAX_WORDS = 20
# block_kind names no block of more words.
KIND_MAX_WORDS = 80
# The word counts at which block_kind's tests change (it tests ``words <= limit``
# for these alone): two counts no limit falls between give every text one kind.
KIND_WORD_LIMITS = (3, 12, 25, 40, KIND_MAX_WORDS)


def block_kind(text: str, words: int, cues: tuple[bool, bool] | None = None) -> str | None:
    """The boilerplate kind a block's own wording names, if any.

    Args:
        text: The block's text.
        words: Its number of words (the sharing, recirculation and comments
            patterns only apply to short blocks).
        cues: Whether its lower case holds a literal cue of the legal
            pattern, and one of the caption pattern's, when known
            (:func:`block_kinds`).

    Returns:
        A kind, or ``None``.
    """
    if words <= 12:
        for kind in (SHARING, RECIRCULATION, COMMENTS):
            if KIND_PATTERNS[kind].search(text):
                return kind
        if words <= 3 and ADVERTISEMENT.match(text):
            return ADVERTISING
    if words <= KIND_MAX_WORDS:
        if cues is None:
            lowered = text.lower()
            cues = any(map(lowered.__contains__, _ASCII_LEGAL_CUES if text.isascii() else _ALL_LEGAL_CUES)), any(map(lowered.__contains__, _CAPTION_CUES))
        # Cheap literal checks first: each pattern needs one of these.
        if cues[0] and KIND_PATTERNS[LEGAL].search(text):
            return LEGAL
        if ("(" in text or ":" in text or cues[1]) and KIND_PATTERNS[CAPTION].search(text):
            return CAPTION
        if words <= 40 and CREDIT.match(text):
            return CAPTION
    if words <= 25 and READ_MORE.match(text):
        return RECIRCULATION
    if words <= 12 and (METADATA_PREFIX.match(text) or BYLINE.match(text) or _BYLINE_LABELLED.match(text) or _DATE_LINE.match(text)):
        return METADATA
    return None


def block_kinds(texts: Sequence[str], words: Sequence[int]) -> list[str | None]:
    """:func:`block_kind` of each text, the literal cues of its legal and
    caption patterns looked for in all the ASCII texts of at most
    :data:`KIND_MAX_WORDS` words at once (a search of the joined texts per
    cue, instead of every cue in every text)."""
    out: list[str | None] = [None] * len(texts)
    named = []  # the short ASCII texts; a short other one is named on its own
    for k, n in enumerate(words):
        if n <= KIND_MAX_WORDS:
            if texts[k].isascii():
                named.append(k)
            else:
                out[k] = block_kind(texts[k], n)
    joined = "\n".join([texts[k] for k in named]).lower()  # (no cue holds a line break)
    ends = list(accumulate(len(texts[k]) + 1 for k in named))
    legal, caption = bytearray(len(named)), bytearray(len(named))
    for found, cues in ((legal, _ASCII_LEGAL_CUES), (caption, _CAPTION_CUES)):
        for cue in cues:
            at = joined.find(cue)
            while at >= 0:
                k = bisect_right(ends, at)
                found[k] = 1
                at = joined.find(cue, ends[k])  # (the next text's)
    for k, legal_cue, caption_cue in zip(named, legal, caption):
        out[k] = block_kind(texts[k], words[k], (bool(legal_cue), bool(caption_cue)))
    return out


def same_kind_words(a: int, b: int) -> bool:
    """Whether :func:`block_kind` names every text alike with ``a`` words and with ``b``."""
    # (Equal counts, as the key's and the text's nearly always are, need no test.)
    return a == b or all((a <= limit) == (b <= limit) for limit in KIND_WORD_LIMITS)


def is_credit(text: str, words: int) -> bool:
    """Whether a block is a photo credit or caption label ("Image copyright ...")."""
    return words <= 40 and bool(CREDIT.match(text))


def comment_signature(text: str, words: int) -> int:
    """Whether a block signs a comment of a thread without markup: ``1``
    when the signature follows the comment ("Posted by: Brad on 11:16am"),
    ``-1`` when it precedes it ("Brad says:"), ``0`` when it is none."""
    if words > SIGNATURE_MAX_WORDS:
        return 0
    if _SIGNATURE_AFTER.match(text):
        return 1
    if text.isascii() and not _signed_ending(text):
        return 0
    return -1 if _SIGNATURE_BEFORE.match(text) else 0


def _signed_ending(text: str) -> bool:
    """Whether ASCII ``text`` ends with a word :data:`_SIGNATURE_BEFORE`
    ends with (then white space and a colon at most): without one, no
    need to try the pattern, whose name part backtracks over the block."""
    tail = text.rstrip()
    if tail.endswith(":"):
        tail = tail[:-1].rstrip()
    return tail.lower().endswith(_SIGNED_WORDS)


def section_header_kind(text: str, words: int) -> str | None:
    """The section kind a short header block opens (recirculation, comments)."""
    if words > SECTION_MAX_WORDS:
        return None
    for kind in SECTION_KINDS:
        if KIND_PATTERNS[kind].search(text):
            return kind
    return None


def metadata_prefix(text: str) -> int:
    """Length of a metadata prefix (``date 2026-02-04``) at the start of ``text``, or 0."""
    match = METADATA_PREFIX.match(text)
    return match.end() if match else 0
