"""An alignment's sentence pairs held as columns (``AlignedSentences``) read
as the list of ``SentencePair`` objects they stand for: the same objects,
the same mirror, the same scores and labels, and the same after pickling,
on every labelled alignment case of tests/data/passages."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from conftest import each_passage_case, read_pair_case

from dedup.config import Settings
from dedup.document import Document
from dedup.passages.aligned_sentences import AlignedSentences, SentencePair, mirrored_pairs, sentence_scores
from dedup.passages.pair_model import label_pair, pair_features
from dedup.passages.relations import align_documents_symmetric, mirror


@each_passage_case
def test_columns_read_as_the_objects(path: Path) -> None:
    _, a, b = read_pair_case(path)
    settings = Settings()
    ps, texts = settings.passages, (a, b)
    for first, second in ((a, b), (b, a)):  # one of the two orders is aligned mirrored
        alignment = align_documents_symmetric(Document("a", first), Document("b", second), settings)
        held = alignment.sentence_pairs
        assert isinstance(held, AlignedSentences)
        objects = [SentencePair(s.a, s.b, s.score, s.verbatim) for s in held]
        assert len(held) == len(objects) and held == objects and objects == held and list(held[1:3]) == objects[1:3]
        assert all(held[k] == objects[k] for k in range(len(objects)))
        assert sentence_scores(held) == [s.score for s in objects]
        assert list(mirrored_pairs(held)) == list(mirrored_pairs(objects))
        assert mirror(alignment) == mirror(replace(alignment, sentence_pairs=objects))
        assert pickle.loads(pickle.dumps(alignment)) == alignment
        plain = replace(alignment, sentence_pairs=objects)
        assert pair_features(alignment, ps, texts) == pair_features(plain, ps, texts)
        assert label_pair(alignment, ps, texts) == label_pair(plain, ps, texts)
        if objects:  # one score changed: not equal
            assert held != objects[:-1] + [SentencePair(objects[-1].a, objects[-1].b, 0.0)]
