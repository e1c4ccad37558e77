"""What the Ray driver keeps of a result is its own: array buffers copied
once, plain objects not copied again."""

from __future__ import annotations

import numpy as np

from dedup.engine.ray import own_copy


def test_arrays_are_copied_into_writable_memory_of_their_own_and_plain_objects_are_kept_as_they_are() -> None:
    store = np.arange(1000, dtype=np.int64)
    view = store[100:300]
    view.flags.writeable = False  # as an array Ray reads out of its store
    result = {"kept": view, "rows": [("a", 1), ("b", 2)], "strided": store[::7]}
    copied = own_copy(result)
    assert copied["kept"].tolist() == view.tolist() and copied["strided"].tolist() == store[::7].tolist()
    assert not np.shares_memory(copied["kept"], store) and not np.shares_memory(copied["strided"], store)
    assert copied["kept"].dtype == view.dtype and own_copy(np.arange(5)).flags.writeable
    assert copied["rows"] == result["rows"]
    plain = [("a", 1), {"b": [2.5, None]}]
    assert own_copy(plain) is plain
