"""Near-duplicate documents: the document-level stage.

In: batches of document texts. Out: exact-text groups, shingle sets (spilled
to disk), MinHash signatures, LSH candidate pairs, verified pairs with their
exact Jaccard and containment, and clusters with the representative to keep.
"""

import lazy_loader

# Loaded on first use: importing one stage never pays for another's
# dependencies (scikit-learn and SciPy load only with the stages that use them).
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "candidates": [
            "MAX_BUCKET_PAIRS",
            "RECALL_WEIGHTS",
            "lsh_params",
            "band_key",
            "band_keys",
            "candidate_pairs",
            "pairs_from_keys",
        ],
        "clusters": [
            "UnionFind",
            "representative_key",
            "cluster_documents",
        ],
        "fingerprints": [
            "SUB_BATCH",
            "Fingerprints",
            "exact_digests",
            "ascii_space",
            "ascii_exact_digests",
            "prepare",
            "prepare_tokens",
            "fingerprint_batch",
            "fingerprint_job",
            "join_fingerprints",
        ],
        "shingle_store": [
            "write_batch",
            "ShingleStore",
            "read_sets",
        ],
        "signatures": [
            "EMPTY",
            "permutations",
            "fmix32",
            "minhash_segments",
            "shingle_minhash",
        ],
        "verification": [
            "Verified",
            "measure",
            "documents_in",
            "verify_pairs",
            "verify_job",
        ],
    },
)
