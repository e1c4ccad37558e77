"""Phrases that say what kind of boilerplate a block is.

Each kind has a pattern for the block as a whole (a short line that *is* a
sharing prompt, a section header, a cookie notice) and the classifier uses
the matches as features. A header that opens a section (``You May Also
Like``, ``5 Comments``) marks everything after it as that kind (see
:func:`dedup.boilerplate.detect.section_spans`). The patterns are English; other
languages rely on the classifier's language-independent features.
"""

from __future__ import annotations

import re

SHARING = "sharing"
RECIRCULATION = "recirculation"
COMMENTS = "comments"
NAVIGATION = "navigation"
LEGAL = "legal"
CAPTION = "caption"
METADATA = "metadata"

_I = re.IGNORECASE

# A whole short block that is one of these.
KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    SHARING: re.compile(
        r"^(?:share(?: this| on| via| and follow| article| story)?|follow(?: us)?(?: on \w+)?|tweet|e-?mail|print|"
        r"pin(?: it)?|copy link|facebook|twitter|whatsapp|linkedin|reddit|flipboard|telegram|"
        r"share (?:on|via|to|by|with) (?:facebook|twitter|x|email|whatsapp|linkedin|reddit)|"
        r"share this (?:article|story|post|page)(?: on \w+)?)\W*$",
        _I,
    ),
    RECIRCULATION: re.compile(
        r"^(?:you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|related(?: (?:articles?|stories|posts?|"
        r"news|coverage|content|topics|links))?|more (?:from|on|stories|news|articles|in)\b.*|recommended(?: for you)?|"
        r"read (?:more|next|also)|also read|most (?:popular|read|viewed|shared)|trending(?: now)?|"
        r"what to read next|don'?t miss|editor'?s picks|top stories|latest (?:news|stories)|sponsored(?: content)?|"
        r"promoted(?: stories)?|around the web|from our partners)\W*$",
        _I,
    ),
    COMMENTS: re.compile(
        r"^(?:\d+\s+(?:comments?|responses?|replies)|comments?(?:\s*\(\d+\))?|(?:leave|post|add|write) a "
        r"(?:comment|reply|response)|reply|join the (?:discussion|conversation)|show comments|view comments|"
        r"reader comments|discussion)\W*$",
        _I,
    ),
    LEGAL: re.compile(
        r"(?:\bcookies?\b.*\b(?:use|accept|consent|polic|settings)|privacy (?:policy|notice|settings)|"
        r"terms (?:of|and) (?:use|service|conditions)|all rights reserved|^\s*(?:©|\(c\)|copyright)\s|"
        r"sign up (?:for|to) (?:our|the) .*newsletter|subscribe to (?:our|the)\b|newsletter sign[- ]?up|"
        r"this material may not be published|do not sell my)",
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
BYLINE = re.compile(r"^\s*(?:[Bb]y|[Ww]ritten by|[Ww]ords by|[Vv]on|[Pp]ar|[Pp]or)\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,4}\s*$")


def block_kind(text: str, words: int) -> str | None:
    """The boilerplate kind a block's own wording names, if any.

    Args:
        text: The block's text.
        words: Its number of words (the sharing, recirculation and comments
            patterns only apply to short blocks).

    Returns:
        A kind, or ``None``.
    """
    if words <= 12:
        for kind in (SHARING, RECIRCULATION, COMMENTS):
            if KIND_PATTERNS[kind].search(text):
                return kind
    if words <= 80:
        lowered = text.lower()
        # Cheap literal checks first: each pattern needs one of these.
        if any(cue in lowered for cue in _LEGAL_CUES) and KIND_PATTERNS[LEGAL].search(text):
            return LEGAL
        if ("(" in text or ":" in text or any(cue in lowered for cue in _CAPTION_CUES)) and KIND_PATTERNS[CAPTION].search(text):
            return CAPTION
    if words <= 12 and (METADATA_PREFIX.match(text) or BYLINE.match(text)):
        return METADATA
    return None


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
