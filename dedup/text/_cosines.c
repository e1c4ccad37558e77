/* The compiled sentence vectors and sentence-pair cosines of passage
 * alignment (optional: where this module was not built, the numpy and SciPy
 * code in dedup.text.vectors gives the same integers and the same floats).
 *
 * - document_vectors: a document's hashed character n-gram counts per
 *   sentence and its distinct features, their sentence counts (df) and the
 *   feature of each stored entry, by radix sorts of the n-grams instead of
 *   two numpy sorts (np.unique, one of them with its inverse) per document;
 * - pair_cosines: the TF-IDF cosines of two documents' sentences at or above
 *   a floor, in one pass over the features they share, instead of a
 *   feature search, the weights and norms of each side, two SciPy matrices
 *   and their product per pair of documents. Up to DENSE_CELLS sentence
 *   pairs (most pairs of documents) only the entries of shared features are
 *   weighed and visited, feature by feature, into a matrix of every pair.
 *
 * The floats are those of the numpy and SciPy code: the same operations on
 * the same types in the same order (each side's norms summed in float64 over
 * its entries in order, each product summed in float32 over the shared
 * features in increasing order, as SciPy's csr_matmat sums them), and no
 * fused multiply-add (setup.py builds this file with -ffp-contract=off).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FEATURE_BITS 20
#define RADIX_BITS 10
#define RADIX (1 << RADIX_BITS)
static const uint64_t MIX = 0x9E3779B97F4A7C15ull;
static const uint64_t P = 1000003ull;

/* An n-gram of a sentence: its row and its column (feature, < 2**20). */
typedef struct {
    int32_t row;
    uint32_t col;
} gram_t;

/* Every n-gram of n_min..n_max code points of the joined sentences (each
 * padded with a space on either side, one line break between two), by
 * position then length: no line break in it and no space strictly inside. */
static Py_ssize_t grams_of(const uint32_t *codes, Py_ssize_t n, int n_min, int n_max, gram_t *out)
{
    Py_ssize_t count = 0;
    int32_t row = 0;
    for (Py_ssize_t s = 0; s < n; s++) {
        if (codes[s] == 10) {
            row++;
            continue;
        }
        uint64_t h = codes[s];
        for (int k = 1; k < n_max && s + k < n; k++) {
            const uint32_t c = codes[s + k];
            if (c == 10)
                break;
            h = h * P + c;
            if (k + 1 >= n_min) {
                out[count].row = row;
                out[count].col = (uint32_t)((h * MIX) >> (64 - FEATURE_BITS));
                count++;
            }
            if (c == 32) /* a space ends the windows that take it last */
                break;
        }
    }
    return count;
}

/* Stable sort of grams by column (two radix passes: grams to tmp by the
 * low digit, back to grams by the high one; both digits counted in one pass). */
static void sort_by_col(gram_t *grams, gram_t *tmp, Py_ssize_t n)
{
    Py_ssize_t low[RADIX + 1], high[RADIX + 1];
    memset(low, 0, sizeof(low));
    memset(high, 0, sizeof(high));
    for (Py_ssize_t k = 0; k < n; k++) {
        low[(grams[k].col & (RADIX - 1)) + 1]++;
        high[((grams[k].col >> RADIX_BITS) & (RADIX - 1)) + 1]++;
    }
    for (int b = 0; b < RADIX; b++)
        low[b + 1] += low[b], high[b + 1] += high[b];
    for (Py_ssize_t k = 0; k < n; k++)
        tmp[low[grams[k].col & (RADIX - 1)]++] = grams[k];
    for (Py_ssize_t k = 0; k < n; k++)
        grams[high[(tmp[k].col >> RADIX_BITS) & (RADIX - 1)]++] = tmp[k];
}

/* Characters of the joined sentences whose n-grams are sorted at once (whole
 * sentences: a chunk ends at a line break): the gram arrays of a chunk take
 * 16 bytes per n-gram, so a long document costs its output plus a fixed
 * few megabytes, not 50 bytes a character more. */
#define VECTOR_CHUNK_CHARS ((Py_ssize_t)1 << 18)

/* The entries of the rows of one chunk, appended at entries: grams sorted by
 * column (stable, rows in order within each) then by row (stable: columns
 * in order within each), equal grams counted once; indptr[r + 1] set for
 * each row r of the chunk, df_of_col counting the rows holding each column.
 * row_end holds chunk_rows + 1 values. Returns the new entry count. */
static Py_ssize_t chunk_entries(gram_t *grams, gram_t *tmp, Py_ssize_t count, int32_t first_row, Py_ssize_t chunk_rows,
                                Py_ssize_t *row_end, int32_t *cols, float *counts, int32_t *indptr, int64_t *df_of_col,
                                Py_ssize_t entries, int32_t *gram_feature, int64_t *features, int64_t *df, Py_ssize_t *n_features)
{
    sort_by_col(grams, tmp, count);
    if (df_of_col == NULL) {
        /* the only chunk: its features numbered here, from the grams by
         * column, without a branch on whether a gram begins a feature
         * (about half do, unpredictably); cols then takes each entry's
         * feature, moved with the gram in place of its row */
        Py_ssize_t nf = 0;
        for (Py_ssize_t k = 0; k < count; k++) {
            const int new_feature = k == 0 || grams[k].col != grams[k - 1].col;
            const int new_row = new_feature || grams[k].row != grams[k - 1].row;
            nf += new_feature;
            features[nf - 1] = grams[k].col;
            df[nf - 1] = (new_feature ? 0 : df[nf - 1]) + new_row;
            gram_feature[k] = (int32_t)(nf - 1);
        }
        *n_features = nf;
    }
    memset(row_end, 0, (size_t)(chunk_rows + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t k = 0; k < count; k++)
        row_end[grams[k].row - first_row + 1]++;
    for (Py_ssize_t r = 0; r < chunk_rows; r++)
        row_end[r + 1] += row_end[r];
    for (Py_ssize_t k = 0; k < count; k++)
        tmp[row_end[grams[k].row - first_row]++] = (gram_t){df_of_col ? grams[k].row : gram_feature[k], grams[k].col};
    for (Py_ssize_t r = 0, k = 0; r < chunk_rows; r++) {
        for (const Py_ssize_t first = k; k < row_end[r]; k++) {
            if (k > first && tmp[k].col == tmp[k - 1].col) {
                counts[entries - 1] += 1.0f;
                continue;
            }
            cols[entries] = df_of_col ? (int32_t)tmp[k].col : tmp[k].row, counts[entries] = 1.0f;
            if (df_of_col != NULL)
                df_of_col[tmp[k].col]++;
            entries++;
        }
        indptr[first_row + r + 1] = (int32_t)entries;
    }
    return entries;
}

/* The line breaks (code 10) among the n codes. */
static Py_ssize_t line_breaks(const uint32_t *codes, Py_ssize_t n)
{
    Py_ssize_t breaks = 0;
    for (Py_ssize_t k = 0; k < n; k++)
        breaks += codes[k] == 10;
    return breaks;
}

/* Where the chunk of the n codes that begins at lo ends: VECTOR_CHUNK_CHARS
 * on, then past the line break that ends the sentence it stops in. */
static Py_ssize_t vector_chunk_end(const uint32_t *codes, Py_ssize_t n, Py_ssize_t lo)
{
    Py_ssize_t hi = lo + VECTOR_CHUNK_CHARS < n ? lo + VECTOR_CHUNK_CHARS : n;
    while (hi < n && codes[hi - 1] != 10)
        hi++;
    return hi;
}

/* A bytes object of size bytes to fill in place (pages never written are
 * never mapped, so an upper bound costs nothing until cut by shrink_bytes). */
static PyObject *shrink_bytes(PyObject *bytes, Py_ssize_t size)
{
    if (bytes != NULL && _PyBytes_Resize(&bytes, size) < 0)
        return NULL;
    return bytes;
}

/* document_vectors(codes, n_min, n_max) -> (indptr, counts, features, df, entry_feature): counts a
 * bytearray (its log taken in place), the rest bytes. */
static PyObject *document_vectors(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t n_rows = 1;
    int n_min, n_max;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*ii", &view, &n_min, &n_max))
        return NULL;
    const uint32_t *codes = view.buf;
    n_rows += line_breaks(codes, view.len / 4);
    if (view.len % 4 || n_min < 1 || n_max < n_min || n_rows > INT32_MAX) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "document_vectors: uint32 codes and 1 <= n_min <= n_max expected");
        return NULL;
    }
    const Py_ssize_t n = view.len / 4, per_char = n_max - n_min + 1, most = n * per_char + 1;
    /* the longest chunk: VECTOR_CHUNK_CHARS and the rest of the sentence it ends in */
    Py_ssize_t longest = 0, rows_in_longest = 0;
    for (Py_ssize_t lo = 0; lo < n;) {
        const Py_ssize_t hi = vector_chunk_end(codes, n, lo), rows = 1 + line_breaks(codes + lo, hi - lo);
        longest = hi - lo > longest ? hi - lo : longest;
        rows_in_longest = rows > rows_in_longest ? rows : rows_in_longest;
        lo = hi;
    }
    const Py_ssize_t chunk_most = longest * per_char + 1;
    gram_t *grams = malloc((size_t)chunk_most * sizeof(gram_t)), *tmp = malloc((size_t)chunk_most * sizeof(gram_t));
    Py_ssize_t *row_end = malloc((size_t)(rows_in_longest + 1) * sizeof(Py_ssize_t));
    /* A document of one chunk numbers its features from its grams sorted by
     * column (20 bytes a gram, less than a table of every column costs to
     * clear and read); a longer one by that table (8 megabytes). */
    const int by_table = n > VECTOR_CHUNK_CHARS;
    int64_t *df_of_col = by_table ? calloc((size_t)1 << FEATURE_BITS, sizeof(int64_t)) : NULL;
    int32_t *gram_feature = by_table ? NULL : malloc((size_t)chunk_most * sizeof(int32_t));
    int64_t *one_chunk_features = by_table ? NULL : malloc((size_t)chunk_most * sizeof(int64_t));
    int64_t *one_chunk_df = by_table ? NULL : malloc((size_t)chunk_most * sizeof(int64_t));
    PyObject *indptr_bytes = PyBytes_FromStringAndSize(NULL, (n_rows + 1) * 4);
    PyObject *counts_bytes = PyByteArray_FromStringAndSize(NULL, most * 4), *entry_feature_bytes = PyBytes_FromStringAndSize(NULL, most * 4);
    if (!grams || !tmp || !row_end || (by_table ? !df_of_col : !(gram_feature && one_chunk_features && one_chunk_df)) || !indptr_bytes ||
        !counts_bytes || !entry_feature_bytes) {
        free(grams), free(tmp), free(row_end), free(df_of_col), free(gram_feature), free(one_chunk_features), free(one_chunk_df);
        Py_XDECREF(indptr_bytes), Py_XDECREF(counts_bytes), Py_XDECREF(entry_feature_bytes);
        PyBuffer_Release(&view);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    int32_t *indptr = (int32_t *)PyBytes_AS_STRING(indptr_bytes);
    float *counts = (float *)PyByteArray_AS_STRING(counts_bytes);
    /* each entry's column, then (in place) its feature */
    int32_t *entry_feature = (int32_t *)PyBytes_AS_STRING(entry_feature_bytes);
    Py_ssize_t entries = 0, n_features = 0;
    Py_BEGIN_ALLOW_THREADS
    indptr[0] = 0;
    int32_t first_row = 0;
    for (Py_ssize_t lo = 0; lo < n;) {
        const Py_ssize_t hi = vector_chunk_end(codes, n, lo);
        /* rows of the chunk: those of its line breaks, and the one after the
         * last unless the chunk ends with a line break (the next chunk's) */
        const Py_ssize_t chunk_rows = line_breaks(codes + lo, hi - lo) + (hi == n);
        const Py_ssize_t count = grams_of(codes + lo, hi - lo, n_min, n_max, grams);
        for (Py_ssize_t k = 0; k < count; k++)
            grams[k].row += first_row;
        entries = chunk_entries(grams, tmp, count, first_row, chunk_rows, row_end, entry_feature, counts, indptr, df_of_col, entries, gram_feature,
                                one_chunk_features, one_chunk_df, &n_features);
        first_row += (int32_t)chunk_rows;
        lo = hi;
    }
    if (by_table) {
        for (Py_ssize_t c = 0; c < ((Py_ssize_t)1 << FEATURE_BITS); c++)
            n_features += df_of_col[c] > 0;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *features_bytes = PyBytes_FromStringAndSize(NULL, n_features * 8), *df_bytes = PyBytes_FromStringAndSize(NULL, n_features * 8);
    if (!features_bytes || !df_bytes) {
        free(grams), free(tmp), free(row_end), free(df_of_col), free(gram_feature), free(one_chunk_features), free(one_chunk_df);
        Py_XDECREF(features_bytes), Py_XDECREF(df_bytes);
        Py_DECREF(indptr_bytes), Py_DECREF(counts_bytes), Py_DECREF(entry_feature_bytes);
        return NULL;
    }
    int64_t *features = (int64_t *)PyBytes_AS_STRING(features_bytes), *df = (int64_t *)PyBytes_AS_STRING(df_bytes);
    Py_BEGIN_ALLOW_THREADS
    /* the distinct features in increasing order, each entry's numbered */
    if (by_table) {
        for (Py_ssize_t c = 0, f = 0; c < ((Py_ssize_t)1 << FEATURE_BITS); c++)
            if (df_of_col[c] > 0)
                features[f] = c, df[f] = df_of_col[c], df_of_col[c] = f, f++;
        for (Py_ssize_t e = 0; e < entries; e++)
            entry_feature[e] = (int32_t)df_of_col[entry_feature[e]];
    } else {
        memcpy(features, one_chunk_features, (size_t)n_features * sizeof(int64_t));
        memcpy(df, one_chunk_df, (size_t)n_features * sizeof(int64_t));
    }
    Py_END_ALLOW_THREADS
    free(grams), free(tmp), free(row_end), free(df_of_col), free(gram_feature), free(one_chunk_features), free(one_chunk_df);
    entry_feature_bytes = shrink_bytes(entry_feature_bytes, entries * 4);
    if (!entry_feature_bytes || PyByteArray_Resize(counts_bytes, entries * 4) < 0) {
        Py_XDECREF(entry_feature_bytes);
        Py_DECREF(counts_bytes), Py_DECREF(indptr_bytes), Py_DECREF(features_bytes), Py_DECREF(df_bytes);
        return NULL;
    }
    return Py_BuildValue("(NNNNN)", indptr_bytes, counts_bytes, features_bytes, df_bytes, entry_feature_bytes);
}

/* One document's sentence vectors, as dedup.text.vectors.SentenceVectors holds them. */
typedef struct {
    Py_buffer indptr, features, df, entry_feature, log_tf;
    Py_ssize_t rows, n_features, entries;
} side_t;

static int take_side(PyObject *tuple, side_t *s)
{
    Py_buffer *views[5] = {&s->indptr, &s->features, &s->df, &s->entry_feature, &s->log_tf};
    static const Py_ssize_t sizes[5] = {4, 8, 8, 4, 4};
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 5) {
        PyErr_SetString(PyExc_TypeError, "pair_cosines: each side is (indptr, features, df, entry_feature, log_tf)");
        return -1;
    }
    for (int k = 0; k < 5; k++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(tuple, k), views[k], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
            while (k-- > 0)
                PyBuffer_Release(views[k]);
            return -1;
        }
        if (views[k]->itemsize != sizes[k]) {
            PyErr_Format(PyExc_TypeError, "pair_cosines: array %d of a side has items of %zd bytes, %zd expected", k, views[k]->itemsize, sizes[k]);
            do
                PyBuffer_Release(views[k]);
            while (k-- > 0);
            return -1;
        }
    }
    s->rows = s->indptr.len / 4 - 1;
    s->n_features = s->features.len / 8;
    s->entries = s->entry_feature.len / 4;
    if (s->rows < 0 || s->df.len / 8 != s->n_features || s->log_tf.len / 4 != s->entries) {
        PyErr_SetString(PyExc_ValueError, "pair_cosines: a side's arrays do not agree in length");
        for (int k = 0; k < 5; k++)
            PyBuffer_Release(views[k]);
        return -1;
    }
    return 0;
}

static void release_side(side_t *s)
{
    PyBuffer_Release(&s->indptr), PyBuffer_Release(&s->features), PyBuffer_Release(&s->df), PyBuffer_Release(&s->entry_feature),
        PyBuffer_Release(&s->log_tf);
}

/* Each entry's weight over its row's norm, as float32 (read only for the
 * entries of shared features, match[feature] >= 0). The IDF of each feature
 * is looked up once (into idf, one a feature), not once an entry. */
static void unit_weights(const side_t *s, const int64_t *other_df, const int64_t *match, const double *idf_table, float *out, double *data,
                         double *idf)
{
    const int32_t *indptr = s->indptr.buf, *entry_feature = s->entry_feature.buf;
    const int64_t *df = s->df.buf;
    const float *log_tf = s->log_tf.buf;
    for (Py_ssize_t f = 0; f < s->n_features; f++)
        idf[f] = idf_table[df[f] + (match[f] >= 0 ? other_df[match[f]] : 0)];
    for (Py_ssize_t r = 0; r < s->rows; r++) {
        double norm = 0.0;
        for (int32_t e = indptr[r]; e < indptr[r + 1]; e++) {
            data[e] = (double)log_tf[e] * idf[entry_feature[e]];
            norm += data[e] * data[e];
        }
        norm = sqrt(norm);
        if (norm == 0.0)
            norm = 1.0;
        for (int32_t e = indptr[r]; e < indptr[r + 1]; e++)
            out[e] = (float)(data[e] / norm);
    }
}

/* unit_weights of the entries of shared features only (the norms still sum
 * every entry, in the same order): their entries, rows and weights listed
 * in order into shared_entry, shared_row and shared_weight; returns how
 * many. Each weight is the same product over the same norm, so the same
 * float. */
static Py_ssize_t shared_weights(const side_t *s, const int64_t *other_df, const int64_t *match, const double *idf_table, double *idf,
                                 int32_t *shared_entry, int32_t *shared_row, float *shared_weight)
{
    const int32_t *indptr = s->indptr.buf, *entry_feature = s->entry_feature.buf;
    const int64_t *df = s->df.buf;
    const float *log_tf = s->log_tf.buf;
    Py_ssize_t n = 0;
    for (Py_ssize_t f = 0; f < s->n_features; f++)
        idf[f] = idf_table[df[f] + (match[f] >= 0 ? other_df[match[f]] : 0)];
    for (Py_ssize_t r = 0; r < s->rows; r++) {
        double norm = 0.0;
        const Py_ssize_t first = n;
        for (int32_t e = indptr[r]; e < indptr[r + 1]; e++) {
            const double data = (double)log_tf[e] * idf[entry_feature[e]];
            norm += data * data;
            /* written every time, kept when shared: no branch */
            shared_entry[n] = e, shared_row[n] = (int32_t)r;
            n += match[entry_feature[e]] >= 0;
        }
        norm = sqrt(norm);
        if (norm == 0.0)
            norm = 1.0;
        for (Py_ssize_t t = first; t < n; t++) {
            const int32_t e = shared_entry[t];
            shared_weight[t] = (float)((double)log_tf[e] * idf[entry_feature[e]] / norm);
        }
    }
    return n;
}

static int by_int64(const void *x, const void *y)
{
    const int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The growing output of pair_cosines: (row * b.rows + column, value) by key. */
typedef struct {
    int64_t *keys;
    float *values;
    Py_ssize_t count, capacity;
} found_t;

static int make_room(found_t *out, Py_ssize_t more)
{
    if (out->count + more <= out->capacity)
        return 0;
    Py_ssize_t capacity = 2 * out->capacity > out->count + more ? 2 * out->capacity : out->count + more;
    int64_t *keys = realloc(out->keys, (size_t)capacity * sizeof(int64_t));
    if (keys == NULL)
        return -1;
    out->keys = keys;
    float *values = realloc(out->values, (size_t)capacity * sizeof(float));
    if (values == NULL)
        return -1;
    out->values = values, out->capacity = capacity;
    return 0;
}

/* Work arrays of pair_cosines, sized by the two sides. */
typedef struct {
    int64_t *match_a, *match_b;
    double *data, *idf;
    float *wa, *wb, *post_value, *sums;
    Py_ssize_t *post_start;
    int32_t *post_row;
    uint8_t *touched;
} work_t;

/* b's weighted entries by shared feature (in a's numbering), rows in order within each. */
static void postings(const side_t *b, const Py_ssize_t n_features_a, const work_t *w)
{
    const int32_t *indptr = b->indptr.buf, *feature = b->entry_feature.buf;
    Py_ssize_t *start = w->post_start;
    memset(start, 0, (size_t)(n_features_a + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t e = 0; e < b->entries; e++)
        if (w->match_b[feature[e]] >= 0)
            start[w->match_b[feature[e]] + 1]++;
    for (Py_ssize_t f = 0; f < n_features_a; f++)
        start[f + 1] += start[f];
    for (Py_ssize_t r = 0; r < b->rows; r++)
        for (int32_t e = indptr[r]; e < indptr[r + 1]; e++) {
            const int64_t m = w->match_b[feature[e]];
            if (m >= 0) {
                w->post_row[start[m]] = (int32_t)r, w->post_value[start[m]] = w->wb[e];
                start[m]++;
            }
        }
    for (Py_ssize_t f = n_features_a; f > 0; f--)
        start[f] = start[f - 1];
    start[0] = 0;
}

/* One step of a branchless merge of the sorted features fa and fb at
 * positions *i and *j: the smaller side (both when equal) moves on, and
 * each side's slot is written with the other's position if they match. */
static inline void merge_step(const int64_t *fa, const int64_t *fb, Py_ssize_t *i, Py_ssize_t *j, int64_t *match_a, int64_t *match_b)
{
    const int64_t x = fa[*i], y = fb[*j];
    const int same = x == y;
    match_a[*i] = same ? *j : -1;
    match_b[*j] = same ? *i : -1;
    *i += x <= y;
    *j += y <= x;
}

/* match_a[i]: the position in b's features of a's feature i, or -1; and
 * match_b the same of b's in a's. */
static void match_features(const side_t *a, const side_t *b, int64_t *match_a, int64_t *match_b)
{
    const int64_t *fa = a->features.buf, *fb = b->features.buf;
    for (Py_ssize_t k = 0; k < a->n_features; k++)
        match_a[k] = -1;
    for (Py_ssize_t k = 0; k < b->n_features; k++)
        match_b[k] = -1;
    /* A merge of the two sorted feature lists without a branch on the
     * comparisons (which the processor could not predict): a feature is
     * visited again only while it is the larger of the two, so its last
     * visit, the one written last, is the one that finds it in the other
     * list if any does. The lists are cut at LANES values into as many
     * merges, stepped together: each step of a merge waits on the last,
     * so one alone leaves the processor idle. */
    enum { LANES = 4 };
    Py_ssize_t i[LANES + 1], j[LANES + 1];
    for (int l = 0; l <= LANES; l++) {
        i[l] = a->n_features * l / LANES;
        if (l == LANES || i[l] >= a->n_features) {
            i[l] = a->n_features, j[l] = b->n_features;
            continue;
        }
        Py_ssize_t lo = 0, hi = b->n_features; /* first of b's features not below a's feature i[l] */
        while (lo < hi) {
            const Py_ssize_t mid = lo + (hi - lo) / 2;
            if (fb[mid] < fa[i[l]])
                lo = mid + 1;
            else
                hi = mid;
        }
        j[l] = lo;
    }
    Py_ssize_t end_i[LANES], end_j[LANES];
    for (int l = 0; l < LANES; l++)
        end_i[l] = i[l + 1], end_j[l] = j[l + 1];
    for (;;) {
        int open = 1;
        for (int l = 0; l < LANES; l++)
            open &= i[l] < end_i[l] && j[l] < end_j[l];
        if (!open)
            break;
        for (int l = 0; l < LANES; l++)
            merge_step(fa, fb, &i[l], &j[l], match_a, match_b);
    }
    for (int l = 0; l < LANES; l++)
        while (i[l] < end_i[l] && j[l] < end_j[l])
            merge_step(fa, fb, &i[l], &j[l], match_a, match_b);
}

/* The cosines at or above floor into out, by key; -1 when out of memory. */
static int cosines_loop(const side_t *a, const side_t *b, const double *idf_table, float floor, const work_t *w, found_t *out)
{
    match_features(a, b, w->match_a, w->match_b);
    unit_weights(a, b->df.buf, w->match_a, idf_table, w->wa, w->data, w->idf);
    unit_weights(b, a->df.buf, w->match_b, idf_table, w->wb, w->data, w->idf);
    postings(b, a->n_features, w);
    const int32_t *indptr = a->indptr.buf, *feature = a->entry_feature.buf;
    for (Py_ssize_t i = 0; i < a->rows; i++) {
        if (make_room(out, b->rows) < 0)
            return -1;
        int64_t *touched_rows = out->keys + out->count;
        Py_ssize_t n_touched = 0;
        /* as SciPy's csr_matmat: float32 sums over a's entries in order */
        for (int32_t e = indptr[i]; e < indptr[i + 1]; e++) {
            const int64_t f = w->match_a[feature[e]] >= 0 ? feature[e] : -1;
            if (f < 0)
                continue;
            const float v = w->wa[e];
            for (Py_ssize_t p = w->post_start[f]; p < w->post_start[f + 1]; p++) {
                const int32_t k = w->post_row[p];
                if (!w->touched[k])
                    w->touched[k] = 1, touched_rows[n_touched++] = k;
                w->sums[k] += v * w->post_value[p];
            }
        }
        /* most of b's rows touched: read them all in order (above a floor of
         * 0 an untouched row, at 0, is never kept) rather than sort them */
        const int every_row = floor > 0.0f && n_touched * 8 >= b->rows;
        if (!every_row)
            qsort(touched_rows, (size_t)n_touched, sizeof(int64_t), by_int64);
        Py_ssize_t kept = 0;
        for (Py_ssize_t t = 0, visits = every_row ? b->rows : n_touched; t < visits; t++) {
            const int64_t k = every_row ? t : touched_rows[t]; /* read before slot kept <= t is written */
            if (w->sums[k] >= floor)
                touched_rows[kept] = (int64_t)i * b->rows + k, out->values[out->count + kept] = w->sums[k], kept++;
            w->sums[k] = 0.0f, w->touched[k] = 0;
        }
        out->count += kept;
    }
    return 0;
}

/* Sentence pairs up to which the cosines are summed into a matrix of every
 * pair (a quarter of a megabyte of floats) by shared feature, reading only
 * the entries of the features both documents hold; beyond, row by row over
 * every entry of a (cosines_loop). */
#define DENSE_CELLS ((Py_ssize_t)1 << 16)

/* The n entries listed (entry, row, weight) grouped by key: key_of(entry) of each,
 * rows in order within a key; start[k] is where key k's entries begin
 * (start holds n_keys + 1 values). */
static void group_shared(const int32_t *entry, const int32_t *row, Py_ssize_t n, const int32_t *feature, const int64_t *key_of,
                         const float *weight, Py_ssize_t n_keys, Py_ssize_t *start, int32_t *out_row, float *out_weight)
{
    memset(start, 0, (size_t)(n_keys + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t t = 0; t < n; t++)
        start[(key_of ? key_of[feature[entry[t]]] : feature[entry[t]]) + 1]++;
    for (Py_ssize_t k = 0; k < n_keys; k++)
        start[k + 1] += start[k];
    for (Py_ssize_t t = 0; t < n; t++) {
        const int64_t k = key_of ? key_of[feature[entry[t]]] : feature[entry[t]];
        out_row[start[k]] = row[t], out_weight[start[k]] = weight[t];
        start[k]++;
    }
    for (Py_ssize_t k = n_keys; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
}

/* cosines_loop when a.rows * b.rows <= DENSE_CELLS and floor > 0: each
 * cosine summed in float32 over the shared features in increasing order, as
 * there (a feature adds at most one product to a sentence pair), and the
 * pairs read in order of key (an untouched pair, at 0, is below floor).
 * -1 when out of memory. */
static int dense_cosines(const side_t *a, const side_t *b, const double *idf_table, float floor, const work_t *w, found_t *out)
{
    const Py_ssize_t cells = a->rows * b->rows, na = a->n_features;
    const Py_ssize_t most = (a->entries > b->entries ? a->entries : b->entries) + 1;
    int32_t *shared_entry = malloc((size_t)most * sizeof(int32_t)), *shared_row = malloc((size_t)most * sizeof(int32_t));
    float *shared_weight = malloc((size_t)most * sizeof(float));
    int32_t *a_row = malloc((size_t)(a->entries + 1) * sizeof(int32_t));
    float *a_weight = malloc((size_t)(a->entries + 1) * sizeof(float)), *sums = calloc((size_t)cells + 1, sizeof(float));
    Py_ssize_t *a_start = malloc((size_t)(na + 2) * sizeof(Py_ssize_t));
    int failed = !(shared_entry && shared_row && shared_weight && a_row && a_weight && sums && a_start);
    if (!failed) {
        match_features(a, b, w->match_a, w->match_b);
        Py_ssize_t n = shared_weights(a, b->df.buf, w->match_a, idf_table, w->idf, shared_entry, shared_row, shared_weight);
        group_shared(shared_entry, shared_row, n, a->entry_feature.buf, NULL, shared_weight, na, a_start, a_row, a_weight);
        n = shared_weights(b, a->df.buf, w->match_b, idf_table, w->idf, shared_entry, shared_row, shared_weight);
        group_shared(shared_entry, shared_row, n, b->entry_feature.buf, w->match_b, shared_weight, na, w->post_start, w->post_row, w->post_value);
        for (Py_ssize_t f = 0; f < na; f++) {
            const Py_ssize_t b_first = w->post_start[f], b_last = w->post_start[f + 1];
            if (b_first == b_last)
                continue;
            for (Py_ssize_t p = a_start[f]; p < a_start[f + 1]; p++) {
                float *row_sums = sums + (Py_ssize_t)a_row[p] * b->rows;
                const float v = a_weight[p];
                for (Py_ssize_t q = b_first; q < b_last; q++)
                    row_sums[w->post_row[q]] += v * w->post_value[q];
            }
        }
        for (Py_ssize_t i = 0; i < a->rows && !failed; i++) {
            if (make_room(out, b->rows) < 0) {
                failed = 1;
                break;
            }
            const float *row_sums = sums + i * b->rows;
            for (Py_ssize_t k = 0; k < b->rows; k++)
                if (row_sums[k] >= floor)
                    out->keys[out->count] = (int64_t)i * b->rows + k, out->values[out->count] = row_sums[k], out->count++;
        }
    }
    free(shared_entry), free(shared_row), free(shared_weight), free(a_row), free(a_weight), free(sums), free(a_start);
    return failed ? -1 : 0;
}

/* pair_cosines(side_a, side_b, idf_table, floor) -> (keys, values) as bytes. */
static PyObject *pair_cosines(PyObject *self, PyObject *args)
{
    PyObject *ta, *tb;
    Py_buffer table;
    double floor;
    side_t a, b;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOy*d", &ta, &tb, &table, &floor))
        return NULL;
    if (take_side(ta, &a) < 0) {
        PyBuffer_Release(&table);
        return NULL;
    }
    if (take_side(tb, &b) < 0) {
        release_side(&a), PyBuffer_Release(&table);
        return NULL;
    }
    PyObject *result = NULL;
    if (table.len / 8 < a.rows + b.rows + 1) {
        PyErr_SetString(PyExc_ValueError, "pair_cosines: the IDF table needs a value for every df up to the sentences of both sides");
        release_side(&a), release_side(&b), PyBuffer_Release(&table);
        return NULL;
    }
    const Py_ssize_t most_entries = (a.entries > b.entries ? a.entries : b.entries) + 1;
    const Py_ssize_t most_features = (a.n_features > b.n_features ? a.n_features : b.n_features) + 1;
    work_t w = {
        malloc((size_t)(a.n_features + 1) * sizeof(int64_t)), malloc((size_t)(b.n_features + 1) * sizeof(int64_t)),
        malloc((size_t)most_entries * sizeof(double)), malloc((size_t)most_features * sizeof(double)), malloc((size_t)(a.entries + 1) * sizeof(float)),
        malloc((size_t)(b.entries + 1) * sizeof(float)), malloc((size_t)(b.entries + 1) * sizeof(float)), calloc((size_t)b.rows + 1, sizeof(float)),
        malloc((size_t)(a.n_features + 2) * sizeof(Py_ssize_t)), malloc((size_t)(b.entries + 1) * sizeof(int32_t)), calloc((size_t)b.rows + 1, 1),
    };
    found_t out = {NULL, NULL, 0, 0};
    int failed = !(w.match_a && w.match_b && w.data && w.idf && w.wa && w.wb && w.post_value && w.sums && w.post_start && w.post_row && w.touched);
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        failed = ((float)floor > 0.0f && a.rows * b.rows <= DENSE_CELLS ? dense_cosines : cosines_loop)(&a, &b, table.buf, (float)floor, &w, &out) < 0;
        Py_END_ALLOW_THREADS
    }
    if (failed)
        PyErr_NoMemory();
    else
        result = Py_BuildValue("(y#y#)", (const char *)out.keys, out.count * 8, (const char *)out.values, out.count * 4);
    free(out.keys), free(out.values), free(w.match_a), free(w.match_b), free(w.data), free(w.idf), free(w.wa), free(w.wb), free(w.post_value), free(w.sums),
        free(w.post_start), free(w.post_row), free(w.touched);
    release_side(&a), release_side(&b), PyBuffer_Release(&table);
    return result;
}

static PyMethodDef methods[] = {
    {"document_vectors", document_vectors, METH_VARARGS,
     "document_vectors(codes, n_min, n_max) -> (indptr, counts, features, df, entry_feature):\n"
     "the hashed character n-gram counts of the sentences (one a line) in the uint32 codes (as dedup.text.vectors joins them),\n"
     "int32 row pointers and float32 counts (a bytearray), and the int64 sorted distinct features, int64 sentences\n"
     "holding each and int32 feature of each entry (bytes)."},
    {"pair_cosines", pair_cosines, METH_VARARGS,
     "pair_cosines(a, b, idf_table, floor) -> (keys, values) as bytes: the sentence cosines of two documents at or\n"
     "above floor, int64 row * rows of b + column, sorted, and float32 values; a side is (int32 indptr, int64 features,\n"
     "int64 df, int32 entry_feature, float32 log_tf), idf_table the float64 IDF of each summed df."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cosines", "The compiled sentence vectors and sentence-pair cosines.", -1, methods};

PyMODINIT_FUNC PyInit__cosines(void)
{
    return PyModule_Create(&module);
}
