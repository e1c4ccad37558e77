"""Positions of named documents found by hash equal those of a dict of the ids, whatever the hashes."""

from __future__ import annotations

import random

import pytest

from dedup.provenance.positions import NameHashes, exact_positions, positions


def _by_dict(ids: list[str], names: list[str]) -> list[int]:
    position = {doc_id: k for k, doc_id in enumerate(ids)}
    return [position[name] for name in names]


# the hashes a process uses, and hashes that collide often (so that the ids are told apart by their text)
HASHES = {"hash": hash, "length": len, "three values": lambda name: hash(name) % 3}


@pytest.mark.parametrize("hashing", list(HASHES))
@pytest.mark.parametrize("seed", range(30))
def test_positions_by_hash_equal_a_dict_of_the_ids(seed: int, hashing: str) -> None:
    rng = random.Random(seed)
    # seed 0: ids over several of the chunks hashed at a time
    ids = [f"doc-{rng.randrange(10**rng.randint(1, 6))}-{k}" for k in range(30_000 if seed == 0 else rng.randint(0, 300))]
    rng.shuffle(ids)
    names = [rng.choice(ids) for _ in range(rng.randint(0, 200))] if ids else []
    hashes = NameHashes(HASHES[hashing])
    for name in names[: len(names) // 2]:
        hashes.add(name)
    hashes.extend(names[len(names) // 2 :])
    assert len(hashes) == len(names)
    assert positions(hashes, ids, lambda: names).tolist() == _by_dict(ids, names)


def test_a_repeated_id_is_found_at_its_last_position_either_way() -> None:
    ids = ["a", "b", "a", "c"]
    hashes = NameHashes()
    hashes.extend(["a", "c"])
    assert positions(hashes, ids, lambda: ["a", "c"]).tolist() == [2, 3] == exact_positions(ids, ["a", "c"]).tolist()


@pytest.mark.parametrize("hashing", ["hash", "length"])
def test_a_name_not_among_the_ids_is_a_key_error_naming_it(hashing: str) -> None:
    # (a name with the hash of one id and of no other is given that id's position: callers check)
    hashes = NameHashes(HASHES[hashing])
    hashes.extend(["b", "nobody"])
    with pytest.raises(KeyError, match="nobody"):
        positions(hashes, ["a", "b", "c", "dd"], lambda: ["b", "nobody"])
