"""A summary: a few sentences, each standing for a stretch of a longer text.

Its sentences align in order with sentences far apart in the source; the
passage it makes runs over the whole stretch of the source it tells
(many-to-one), not one passage per sentence. Two stray pairs of
sentences do not make a summary.
"""

from __future__ import annotations

from dedup.config import Settings
from dedup.document import Document
from dedup.passages.align import REWORDED
from dedup.passages.relations import align_documents_symmetric

TOPICS = (
    "The harbour authority approved a plan to dredge the northern channel before the winter storms arrive",
    "Fishermen said the silt had closed two of the old moorings and forced boats to wait for high tide",
    "Engineers from the port studied tide charts going back forty years to choose the safest season",
    "The council will pay for half of the work and the national fund for coastal towns the other half",
    "Local shop owners expect more visitors once the larger ferries can dock at the central pier again",
    "A group of divers found the wreck of a small cargo ship while they surveyed the bottom of the bay",
    "Historians believe the ship sank in a gale more than a century ago with a load of timber and salt",
    "The museum hopes to raise the bell of the ship and show it in the hall beside the old lighthouse lens",
    "Environmental groups asked for the dredged mud to be tested before it is dumped far out at sea",
    "The authority promised to publish the test results and to stop the work if any poison is found",
    "Work is due to start in October and should last about nine weeks if the weather stays calm",
    "Residents were invited to a meeting at the town hall next Thursday to ask questions about the plan",
)
FILLER = (
    "Tickets for the summer concert series went on sale this morning at the library desk",
    "The weather office expects light rain over the weekend with sunny spells on Sunday afternoon",
    "A new bakery opened on the high street and sold out of bread before noon on its first day",
)


def _source() -> str:
    return " ".join(f"{sentence}." for sentence in TOPICS)


def test_summary_sentences_make_one_passage_over_the_source() -> None:
    picked = (TOPICS[0], TOPICS[5], TOPICS[9])
    summary = " ".join(f"{s}." for s in FILLER) + "\n" + " ".join(f"{s}." for s in picked) + "\n" + f"{FILLER[0]}."
    a, b = Document("summary", summary), Document("source", _source())
    alignment = align_documents_symmetric(a, b, Settings(jobs=1))
    first, last = b.text.index(TOPICS[0]), b.text.index(TOPICS[9]) + len(TOPICS[9])
    chains = [p for p in alignment.passages if p.kind == REWORDED and p.b.start <= first + 5 and p.b.end >= last - 5]
    assert len(chains) == 1
    [chain] = chains
    assert chain.a.start <= summary.index(TOPICS[0]) + 5 and chain.a.end >= summary.index(TOPICS[9]) + len(TOPICS[9]) - 5


def test_two_stray_pairs_are_not_a_summary() -> None:
    picked = (TOPICS[0], TOPICS[9])
    text = " ".join(f"{s}." for s in FILLER) + "\n" + " ".join(f"{s}." for s in picked)
    a, b = Document("short", text), Document("source", _source())
    alignment = align_documents_symmetric(a, b, Settings(jobs=1))
    first, last = b.text.index(TOPICS[0]), b.text.index(TOPICS[9]) + len(TOPICS[9])
    assert not any(p.b.start <= first + 5 and p.b.end >= last - 5 for p in alignment.passages)


REWORDED_TOPICS = {
    0: "The port authority approved plans to dredge its northern channel before winter storms come",
    1: "Fishermen say silt has closed two old moorings and boats must wait for the high tide",
    9: "The authority promised it would publish test results and halt the work if poison is found",
}


def test_a_short_summary_in_two_runs_is_one_passage() -> None:
    """Three reworded sentences in a row, told from the start and the end of
    the source: two runs of aligned sentences, one summary."""
    summary = " ".join(f"{s}." for s in FILLER) + "\n" + " ".join(f"{s}." for s in REWORDED_TOPICS.values())
    a, b = Document("summary", summary), Document("source", _source())
    alignment = align_documents_symmetric(a, b, Settings(jobs=1))
    first, last = b.text.index(TOPICS[0]), b.text.index(TOPICS[9]) + len(TOPICS[9])
    chains = [p for p in alignment.passages if p.kind == REWORDED and p.b.start <= first + 5 and p.b.end >= last - 5]
    assert len(chains) == 1
    assert chains[0].a.start <= summary.index(REWORDED_TOPICS[0]) + 5


def test_two_short_runs_of_a_long_text_are_not_a_summary() -> None:
    """The same three sentences with a long stretch of the short text
    between its runs: two passages, not a summary."""
    gap = " ".join(f"{s}." for s in FILLER * 3)
    summary = f"{REWORDED_TOPICS[0]}. {REWORDED_TOPICS[1]}. {gap} {REWORDED_TOPICS[9]}."
    a, b = Document("short", summary), Document("source", _source())
    alignment = align_documents_symmetric(a, b, Settings(jobs=1))
    first, last = b.text.index(TOPICS[0]), b.text.index(TOPICS[9]) + len(TOPICS[9])
    assert not any(p.b.start <= first + 5 and p.b.end >= last - 5 for p in alignment.passages)

