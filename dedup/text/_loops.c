/* The compiled loops of stage 1 and of passage alignment (optional: where
 * this module was not built, the numpy code in dedup.text.shingles,
 * dedup.near.fingerprints, dedup.near.signatures and dedup.passages.verbatim
 * gives the same integers).
 *
 * - segment_minima: MinHash minima. The numpy version builds a
 *   (permutations x shingles) block, adds the offsets in a second pass and
 *   takes the minima in a third, each through memory; here each shingle
 *   hash is permuted and compared while it is in a register (uint32
 *   arithmetic wraps the same way), about three times faster.
 * - ascii_token_hashes: the tokens of ASCII text (runs of letters and
 *   digits) and their hashes, each token's sum c_0 + c_1 * P + ... taken
 *   as its characters are read and mixed with SplitMix64's finaliser,
 *   instead of prefix sums of 64-bit integers over every character.
 * - ascii_collapsed: each text with its whitespace runs made one space and
 *   none at either end, what the exact-text digest hashes.
 * - diagonal_runs: the exact runs of two texts' shared seeds (passages),
 *   from a merge of their sorted seed tables: the numpy code searches,
 *   repeats, stacks and sorts a few hundred seeds a pair in a dozen calls.
 * - merged_runs: the exact runs cut where quotations start and end, and
 *   merged into near-verbatim passages (a loop over the runs in Python).
 * - verbatim_cover: the sentence pairs a verbatim passage joins, and how
 *   much (a dozen array calls per passage in numpy).
 *
 * And those of the boilerplate stage (dedup.boilerplate.features gives the
 * same counts with numpy, dedup.boilerplate.sentence_hashes the same
 * verdicts but for a rare hash collision, which only costs a search):
 *
 * - ascii_block_stats: per block of ASCII text, the counts behind the
 *   block features (words, stopwords, capitalised and upper-case words,
 *   word characters, punctuation, digits, separators, sentence ends), in
 *   one pass over the characters instead of a numpy pass per class;
 * - ascii_repeated_runs: per line of ASCII text, whether a run of words
 *   occurs twice in it (the sentence-repeat test), by a hash table of the
 *   runs instead of prefix hashes of every character and a sort;
 * - ascii_lines: the trimmed non-empty lines of texts (the blocks of plain
 *   text that is not hard-wrapped);
 * - ascii_block_pass: the above for every block of a batch of ASCII
 *   documents in one pass over their codes, with each block's key (and the
 *   key without digits), word count and endings.
 * - ascii_pieces: the keys that pass wrote, as str or bytes objects.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
/* An AVX2 copy (eight 32-bit products at once) and a baseline one, chosen at load time. */
#define DEDUP_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef DEDUP_CLONES
#define DEDUP_CLONES
#endif

DEDUP_CLONES
static void segment_minima_loop(const uint32_t *values, const int64_t *offsets, Py_ssize_t n_docs,
                                const uint32_t *a, const uint32_t *b, Py_ssize_t perms, uint32_t *out)
{
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        uint32_t *row = out + d * perms;
        for (Py_ssize_t p = 0; p < perms; p++)
            row[p] = 0xFFFFFFFFu;
        int64_t k = offsets[d];
        /* Four values a pass over the permutations: the row and the
         * parameters are loaded, and the row stored, once for the four. */
        for (; k + 3 < offsets[d + 1]; k += 4) {
            const uint32_t *x = values + k;
            for (Py_ssize_t p = 0; p < perms; p++) {
                const uint32_t ap = a[p], bp = b[p];
                uint32_t low = row[p];
                for (int j = 0; j < 4; j++) {
                    const uint32_t v = ap * x[j] + bp;
                    low = v < low ? v : low;
                }
                row[p] = low;
            }
        }
        for (; k < offsets[d + 1]; k++) {
            const uint32_t x = values[k];
            for (Py_ssize_t p = 0; p < perms; p++) {
                const uint32_t v = a[p] * x + b[p];
                row[p] = v < row[p] ? v : row[p];
            }
        }
    }
}

#define P_CHAR 0x100000001B3ULL /* shingles._P */

static inline int is_token_char(uint8_t c)
{
    return (uint8_t)(c - '0') <= 9 || (uint8_t)((c | 32) - 'a') <= 25;
}

static inline uint64_t mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Tokens of codes[0:n]: hashes, starts and ends; returns how many. The
 * outputs hold n / 2 + 1 items, the most tokens n characters can hold. */
static Py_ssize_t token_loop(const uint8_t *codes, Py_ssize_t n, uint64_t *hashes, int64_t *starts, int64_t *ends)
{
    Py_ssize_t count = 0, i = 0;
    while (i < n) {
        if (!is_token_char(codes[i])) {
            i++;
            continue;
        }
        const Py_ssize_t start = i;
        uint64_t sum = 0, power = 1;
        while (i < n && is_token_char(codes[i])) {
            sum += (uint64_t)codes[i] * power;
            power *= P_CHAR;
            i++;
        }
        hashes[count] = mix64(sum);
        starts[count] = start;
        ends[count] = i;
        count++;
    }
    return count;
}

static inline int is_space(uint8_t c)
{
    /* str.isspace() of ASCII: 9-13 and 28-32 */
    return c == 32 || (uint8_t)(c - 9) <= 4 || (uint8_t)(c - 28) <= 4;
}

/* codes[start:stop] with its white space runs made one space and none at
 * either end, without digits where asked, written
 * to out from w on; returns where it stops, *spaces the spaces it wrote.
 * Without branches on the text (a branch per space ran at half the speed):
 * every code is stored, and w moves on unless it is a second space. */
static inline Py_ssize_t collapse_into(const uint8_t *codes, Py_ssize_t start, Py_ssize_t stop, int keep_digits, uint8_t *out, Py_ssize_t w,
                                       int64_t *spaces)
{
    const Py_ssize_t first = w;
    int64_t count = 0;
    int after_space = 1;
    for (Py_ssize_t i = start; i < stop; i++) {
        const uint8_t c = codes[i];
        if (!keep_digits && (uint8_t)(c - '0') <= 9)
            continue;
        const int space = (c == 32) | ((uint8_t)(c - 9) <= 4) | ((uint8_t)(c - 28) <= 4);
        const int kept = !(space & after_space);
        out[w] = space ? ' ' : c;
        w += kept;
        count += space & kept;
        after_space = space;
    }
    if (w > first && out[w - 1] == ' ')
        w--, count--;
    *spaces = count;
    return w;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* Which of 16 codes are white space (str.isspace() of ASCII: 9-13, 28-32), 0xFF each. */
static inline __m128i space_lanes(__m128i v)
{
    const __m128i low = _mm_sub_epi8(v, _mm_set1_epi8(9)), high = _mm_sub_epi8(v, _mm_set1_epi8(28)), four = _mm_set1_epi8(4);
    /* x <= 4 unsigned: min(x, 4) == x */
    return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(32)), _mm_cmpeq_epi8(_mm_min_epu8(low, four), low)),
                        _mm_cmpeq_epi8(_mm_min_epu8(high, four), high));
}
#endif

/* collapse_into(codes, start, stop, 1, out, w) (the spaces not counted),
 * 16 codes at once where none of them is white space following white
 * space (most of a text: words and single spaces), copied with their white
 * space made spaces; the rest one code at a time. out must hold
 * stop - start bytes from w on (w never passes the codes read). */
static inline Py_ssize_t collapse_text(const uint8_t *codes, Py_ssize_t start, Py_ssize_t stop, uint8_t *out, Py_ssize_t w)
{
    const Py_ssize_t first = w;
    int after_space = 1;
    Py_ssize_t i = start;
#if defined(__SSE2__)
    for (; i + 16 <= stop; i += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(codes + i)), space = space_lanes(v);
        const unsigned mask = (unsigned)_mm_movemask_epi8(space);
        if (!(mask & ((mask << 1) | (unsigned)after_space))) {
            _mm_storeu_si128((__m128i *)(out + w), _mm_or_si128(_mm_andnot_si128(space, v), _mm_and_si128(space, _mm_set1_epi8(' '))));
            w += 16;
            after_space = (int)(mask >> 15);
            continue;
        }
        for (Py_ssize_t j = i; j < i + 16; j++) {
            const uint8_t c = codes[j];
            const int is_space = (c == 32) | ((uint8_t)(c - 9) <= 4) | ((uint8_t)(c - 28) <= 4);
            out[w] = is_space ? ' ' : c;
            w += !(is_space & after_space);
            after_space = is_space;
        }
    }
#endif
    for (; i < stop; i++) {
        const uint8_t c = codes[i];
        const int is_space = (c == 32) | ((uint8_t)(c - 9) <= 4) | ((uint8_t)(c - 28) <= 4);
        out[w] = is_space ? ' ' : c;
        w += !(is_space & after_space);
        after_space = is_space;
    }
    if (w > first && out[w - 1] == ' ')
        w--;
    return w;
}

/* Each text of codes (lengths[t] characters, then one separator) with its
 * whitespace runs made one space and none at either end, written one after
 * the other to out; ends[t] is where text t stops in out. Returns 0, or -1
 * when the lengths run past the codes. */
static int collapse_loop(const uint8_t *codes, Py_ssize_t n, const int64_t *lengths, Py_ssize_t texts, uint8_t *out, int64_t *ends)
{
    Py_ssize_t pos = 0, w = 0;
    for (Py_ssize_t t = 0; t < texts; t++) {
        if (lengths[t] < 0 || lengths[t] >= n - pos) /* the text and its separator */
            return -1;
        w = collapse_text(codes, pos, pos + lengths[t], out, w);
        ends[t] = w;
        pos += lengths[t] + 1; /* the text and its separator */
    }
    return 0;
}

/* Class bits of dedup.boilerplate.features (its table is passed in). */
#define BP_WORD 1
#define BP_PUNCT 2
#define BP_DIGIT 4
#define BP_UPPER 8
#define BP_UNCASED_UPPER 16
#define BP_SEPARATOR 32
#define BP_SPACE 64
#define BP_COLUMNS 9

/* The stopword keys in an open-addressing table (0: an empty slot; no key
 * is 0, as no word is empty), so that a word is looked up with one probe
 * or a few instead of a binary search of every stopword. */
typedef struct {
    uint64_t *slots;
    uint64_t mask;
    int shift;
} stop_table_t;

/* A key's first slot: the top bits of one multiplication (mix64's chain of
 * two stood in the way of every short word's lookup). */
static inline uint64_t stop_slot(uint64_t key, const stop_table_t *table)
{
    return (key * 0x9E3779B97F4A7C15ULL) >> table->shift;
}

static int stop_table_of(const uint64_t *stops, Py_ssize_t n_stops, stop_table_t *table)
{
    Py_ssize_t size = 16;
    while (size < 8 * n_stops)
        size <<= 1;
    table->slots = PyMem_Calloc(size, sizeof(uint64_t));
    if (table->slots == NULL)
        return -1;
    table->mask = (uint64_t)(size - 1);
    table->shift = 64;
    for (Py_ssize_t s = size; s > 1; s >>= 1)
        table->shift--;
    for (Py_ssize_t k = 0; k < n_stops; k++) {
        uint64_t slot = stop_slot(stops[k], table);
        while (table->slots[slot] && table->slots[slot] != stops[k])
            slot = (slot + 1) & table->mask;
        table->slots[slot] = stops[k];
    }
    return 0;
}

static inline int is_stopword(uint64_t key, const stop_table_t *table)
{
    uint64_t slot = stop_slot(key, table);
    while (table->slots[slot]) {
        if (table->slots[slot] == key)
            return 1;
        slot = (slot + 1) & table->mask;
    }
    return 0;
}

static inline int is_closer(uint8_t c)
{
    return c == '\'' || c == '"' || c == ')';
}

/* The counts of one block, codes[start:stop], into row (BP_COLUMNS items):
 * words, stopwords, words starting upper case, upper-case words, word
 * characters, punctuation, digits, separators, sentence ends. A stopword
 * is a word of at most 8 characters whose lower-cased codes, packed little
 * end first, are one of the stops (packed as the word is read: its last 8
 * codes shift in from the top, and a short word's end up at the bottom). A sentence end's closers are looked for
 * up to the block's end, which counts as white space (the callers' blocks
 * are followed by white space or by nothing).
 *
 * With key (not NULL), the block is also written there from w on as
 * collapse_into writes it, lower cased, in the same pass, and the hash of
 * each of its words (as repeated_runs_loop hashes them) appended to
 * hashes[*count]: returns where it stops, *spaces the spaces it wrote. */
static inline Py_ssize_t block_counts(const uint8_t *codes, Py_ssize_t start, Py_ssize_t stop, const uint8_t *table, const uint8_t *lower,
                                      const stop_table_t *stops, int64_t *row, uint8_t *key, Py_ssize_t w, int64_t *spaces, uint64_t *hashes,
                                      Py_ssize_t *count)
{
    uint64_t sum = 0, power = 1;
    /* Counted in locals: a store through row could alias the codes, and
     * would make the compiler read them again. */
    int64_t words = 0, stopwords = 0, upper_first = 0, allcaps = 0, word_chars = 0, punct = 0, digits = 0, separators = 0, ends_ = 0;
    int64_t key_spaces = 0;
    const Py_ssize_t key_first = w;
    int after_space = 1;
    Py_ssize_t i = start;
    while (i < stop) {
        const uint8_t c = codes[i], bits = table[c];
        if (bits & BP_WORD) {
            const Py_ssize_t first = i;
            uint8_t word_bits = 0;
            uint64_t packed = 0;
            while (i < stop) {
                const uint8_t x = codes[i], wb = table[x];
                if (!(wb & BP_WORD))
                    break;
                word_bits |= wb;
                digits += (wb & BP_DIGIT) != 0;
                packed = (packed >> 8) | (uint64_t)lower[x] << 56;
                if (key) {
                    const uint8_t low = (uint8_t)(x + 32 * ((uint8_t)(x - 'A') <= 25));
                    key[w++] = low;
                    sum += (uint64_t)low * power;
                    power *= P_CHAR;
                }
                i++;
            }
            const Py_ssize_t length = i - first;
            /* (Word characters are neither punctuation nor separators.) */
            words += 1;
            if (length <= 8) {
                packed >>= 8 * (8 - length);
                stopwords += packed != 0 && is_stopword(packed, stops);
            }
            upper_first += (table[codes[first]] & BP_UPPER) != 0;
            allcaps += length > 1 && (word_bits & (BP_UPPER | BP_UNCASED_UPPER)) == BP_UPPER;
            word_chars += length;
            after_space = 0;
            continue;
        }
        punct += (bits & BP_PUNCT) != 0;
        digits += (bits & BP_DIGIT) != 0;
        separators += (bits & BP_SEPARATOR) != 0;
        if (c == '.' || c == '!' || c == '?') {
            Py_ssize_t after = i + 1;
            while (after < stop && is_closer(codes[after]))
                after++;
            ends_ += after >= stop || (table[codes[after]] & BP_SPACE) != 0;
        }
        if (key) {
            const int space = is_space(c);
            if (!space) {
                const uint8_t low = (uint8_t)(c + 32 * ((uint8_t)(c - 'A') <= 25));
                key[w++] = low;
                sum += (uint64_t)low * power;
                power *= P_CHAR;
            } else if (!after_space) {
                key[w++] = ' ';
                key_spaces++;
                hashes[(*count)++] = mix64(sum);
                sum = 0, power = 1;
            }
            after_space = space;
        }
        i++;
    }
    row[0] = words, row[1] = stopwords, row[2] = upper_first, row[3] = allcaps, row[4] = word_chars;
    row[5] = punct, row[6] = digits, row[7] = separators, row[8] = ends_;
    if (key) {
        if (w > key_first && key[w - 1] == ' ')
            w--, key_spaces--;
        else if (w > key_first)
            hashes[(*count)++] = mix64(sum); /* the last word */
        *spaces = key_spaces;
    }
    return w;
}

/* block_counts of each block (ends[b]: where block b stops; the next one
 * starts one separator, a white-space code, later) into out[b * BP_COLUMNS]. */
static void block_stats_loop(const uint8_t *codes, const uint8_t *table, const uint8_t *lower, const stop_table_t *stops, const int64_t *ends,
                             Py_ssize_t blocks, int64_t *out)
{
    for (Py_ssize_t b = 0; b < blocks; b++)
        block_counts(codes, b ? ends[b - 1] + 1 : 0, ends[b], table, lower, stops, out + b * BP_COLUMNS, NULL, 0, NULL, NULL, NULL);
}

#define RUN_BASE 0xC2B2AE3D27D4EB4FULL

/* Whether a run of run words occurs twice among the count word hashes
 * (or, rarely, two runs of one hash), by an open-addressing table (table:
 * work space of table_size items, a power of two). */
static uint8_t repeats_a_run(const uint64_t *words, Py_ssize_t count, Py_ssize_t run, uint64_t *table, Py_ssize_t table_size)
{
    uint8_t found = 0;
    if (count < run)
        return 0;
    Py_ssize_t size = 16;
    while (size < 4 * (count - run + 1) && size < table_size)
        size <<= 1;
    for (Py_ssize_t k = 0; k < size; k++)
        table[k] = 0;
    int shift = 64;
    for (Py_ssize_t s = size; s > 1; s >>= 1)
        shift--;
    /* A run's hash: its words' hashes, Horner's rule with RUN_BASE; each
     * next run's rolled on from the last's (the same value). */
    uint64_t rolling = 0, top = 1;
    for (Py_ssize_t j = 0; j < run; j++) {
        rolling = rolling * RUN_BASE + words[j];
        top = j ? top * RUN_BASE : 1;
    }
    for (Py_ssize_t k = 0; k + run <= count && !found; k++) {
        if (k)
            rolling = (rolling - words[k - 1] * top) * RUN_BASE + words[k + run - 1];
        const uint64_t h = rolling | 1; /* 0 marks an empty slot */
        Py_ssize_t slot = (Py_ssize_t)((h * 0x9E3779B97F4A7C15ULL) >> shift);
        while (table[slot] && table[slot] != h)
            slot = (slot + 1) & (size - 1);
        found = table[slot] == h;
        table[slot] = h;
    }
    return found;
}


/* Per line of ASCII codes, whether a run of n words (words: runs of bytes
 * other than space and line break) occurs twice in it, by a hash of each
 * run (its words' hashes, as token_loop's, combined) in an open-addressing
 * table: equal runs always meet, and a rare collision flags a line that
 * repeats nothing (the caller then searches it in full). words and table
 * are work space (words: len(codes) / 2 + 1 items; table: a power of two
 * of at least twice as many). */
static void repeated_runs_loop(const uint8_t *codes, Py_ssize_t n, Py_ssize_t run, uint64_t *words, uint64_t *table, Py_ssize_t table_size,
                               uint8_t *flags, Py_ssize_t lines)
{
    Py_ssize_t i = 0, line = 0;
    while (i <= n && line < lines) {
        Py_ssize_t count = 0;
        while (i < n && codes[i] != '\n') {
            if (codes[i] == ' ') {
                i++;
                continue;
            }
            uint64_t sum = 0, power = 1;
            while (i < n && codes[i] != ' ' && codes[i] != '\n') {
                sum += (uint64_t)codes[i] * power;
                power *= P_CHAR;
                i++;
            }
            words[count++] = mix64(sum);
        }
        flags[line] = repeats_a_run(words, count, run, table, table_size);
        line++;
        i++; /* the line break */
    }
}

/* The non-empty lines of each text (texts: codes up to each of ends, one
 * after the other), trimmed of white space at either end, as absolute
 * (start, end) pairs into bounds; lines[t]: how many text t has. Returns
 * the number of pairs (at most len(codes) / 2 + texts: a line holds a
 * code other than white space and, but for a text's last, a line break). */
static Py_ssize_t lines_loop(const uint8_t *codes, const int64_t *ends, Py_ssize_t texts, int64_t *bounds, int64_t *lines)
{
    Py_ssize_t count = 0, i = 0;
    for (Py_ssize_t t = 0; t < texts; t++) {
        const Py_ssize_t stop = ends[t];
        const Py_ssize_t before = count;
        for (;;) {
            /* (memchr reads many codes a step: most texts hold long lines, or one.) */
            const uint8_t *line_break = i < stop ? memchr(codes + i, '\n', (size_t)(stop - i)) : NULL;
            Py_ssize_t start = i, end = line_break ? line_break - codes : stop;
            const Py_ssize_t next = end + 1;
            while (start < end && is_space(codes[start]))
                start++;
            while (end > start && is_space(codes[end - 1]))
                end--;
            if (end > start) {
                bounds[2 * count] = start;
                bounds[2 * count + 1] = end;
                count++;
            }
            if (next > stop)
                break;
            i = next;
        }
        i = stop;
        lines[t] = count - before;
    }
    return count;
}

/* What the boilerplate stage reads of each block of a batch of ASCII
 * documents, in one pass over their codes (bounds: each block's absolute
 * start and end; sizes[d]: how many blocks document d has):
 *
 * - its key into keys (key_bounds[2b], key_bounds[2b + 1]): the block lower
 *   cased, white space runs made one space, none at either end; a space
 *   after each key and a line break after each document, so that keys is
 *   one line of single-spaced words per document;
 * - the key without digits (spaces made single again) into bare, up to
 *   bare_ends[b];
 * - out[b * PASS_COLUMNS + k]: the block_counts of the block (k < 9), its
 *   key's words, whether it ends like a sentence and with an ellipsis
 *   (its end, before a last line break and closing quotes and brackets,
 *   follows one of .!?:; or three full stops), the words of the key
 *   without digits;
 * - repeats[d]: whether document d's keys, read as one line, hold a run of
 *   run words twice, as repeated_runs_loop finds it (the words hashed as
 *   the keys are written; words and runs are its work space).
 *
 * Returns the bytes written to keys. */
#define PASS_COLUMNS 13

static inline int is_end_closer(uint8_t c)
{
    return c == '\'' || c == '"' || c == ')' || c == ']';
}

static Py_ssize_t block_pass_loop(const uint8_t *restrict codes, const int64_t *bounds, const int64_t *sizes, Py_ssize_t docs,
                                  const uint8_t *table, const uint8_t *lower, const stop_table_t *stops, uint8_t *restrict keys,
                                  int64_t *key_bounds, uint8_t *restrict bare, int64_t *bare_ends, int64_t *out, Py_ssize_t run,
                                  uint64_t *words, uint64_t *runs, Py_ssize_t runs_size, uint8_t *repeats)
{
    Py_ssize_t b = 0, w = 0, bw = 0;
    for (Py_ssize_t d = 0; d < docs; d++) {
        Py_ssize_t count = 0;
        for (int64_t k = 0; k < sizes[d]; k++, b++) {
            const Py_ssize_t start = bounds[2 * b], stop = bounds[2 * b + 1];
            int64_t *row = out + b * PASS_COLUMNS;
            /* the counts and the key, its words, and the key without digits */
            int64_t spaces = 0, bare_spaces = 0;
            const Py_ssize_t first = w, bare_first = bw;
            w = block_counts(codes, start, stop, table, lower, stops, row, keys, w, &spaces, words, &count);
            key_bounds[2 * b] = first;
            key_bounds[2 * b + 1] = w;
            row[9] = w > first ? spaces + 1 : 0;
            if (row[6]) { /* digits */
                bw = collapse_into(keys, first, w, 0, bare, bw, &bare_spaces);
            } else {
                memcpy(bare + bw, keys + first, w - first);
                bw += w - first;
                bare_spaces = spaces;
            }
            bare_ends[b] = bw;
            row[12] = bw > bare_first ? bare_spaces + 1 : 0;
            keys[w++] = ' ';
            /* the endings */
            Py_ssize_t end = stop;
            if (end > start && codes[end - 1] == '\n')
                end--;
            while (end > start && is_end_closer(codes[end - 1]))
                end--;
            const uint8_t last = end > start ? codes[end - 1] : 0;
            row[10] = last == '.' || last == '!' || last == '?' || last == ':' || last == ';';
            row[11] = end - start >= 3 && last == '.' && codes[end - 2] == '.' && codes[end - 3] == '.';
        }
        keys[w++] = '\n';
        repeats[d] = repeats_a_run(words, count, run, runs, runs_size);
    }
    return w;
}

/* The arguments of a call as C-contiguous buffers of sizes[k]-byte items,
 * writable from first_writable on. Returns 0, or -1 with an error set and
 * nothing held. */
static int take_buffers(PyObject *args, const char *name, Py_ssize_t count, const Py_ssize_t *sizes, Py_ssize_t first_writable, Py_buffer *views)
{
    if (PyTuple_GET_SIZE(args) != count) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd arguments, %zd given", name, count, PyTuple_GET_SIZE(args));
        return -1;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (k >= first_writable ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(args, k), &views[k], flags) < 0) {
            while (k-- > 0)
                PyBuffer_Release(&views[k]);
            return -1;
        }
        if (views[k].itemsize != sizes[k]) {
            PyErr_Format(PyExc_TypeError, "%s: argument %zd has items of %zd bytes, %zd expected", name, k + 1, views[k].itemsize, sizes[k]);
            do
                PyBuffer_Release(&views[k]);
            while (k-- > 0);
            return -1;
        }
    }
    return 0;
}

static PyObject *release_buffers(Py_buffer *views, Py_ssize_t count, PyObject *result)
{
    for (Py_ssize_t k = 0; k < count; k++)
        PyBuffer_Release(&views[k]);
    return result;
}

/* Whether the segments [first[t], first[t + 1]) of items 0..total - 1 are
 * well formed: none starts below 0, runs backwards or ends past total. */
static int segments_within(const int64_t *first, Py_ssize_t segments, Py_ssize_t total)
{
    for (Py_ssize_t t = 0; t < segments; t++)
        if (first[t] < 0 || first[t] > first[t + 1] || first[t + 1] > total)
            return 0;
    return 1;
}

/* The buffers of a minima call (values of value_size bytes, offsets, a, b,
 * out) taken and checked: the sizes agree and the offsets rise within the
 * values (named `what` in the message). 0, or -1 with the error set and
 * nothing held. */
static int minima_buffers(PyObject *args, const char *name, Py_ssize_t value_size, const char *what, Py_buffer views[5], Py_ssize_t *n_values,
                          Py_ssize_t *n_docs, Py_ssize_t *perms)
{
    const Py_ssize_t sizes[5] = {value_size, 8, 4, 4, 4};
    if (take_buffers(args, name, 5, sizes, 4, views) < 0)
        return -1;
    *n_values = views[0].len / value_size, *n_docs = views[1].len / 8 - 1, *perms = views[2].len / 4;
    if (*n_docs < 0 || views[3].len != views[2].len || views[4].len / 4 != *n_docs * *perms) {
        PyErr_Format(PyExc_ValueError, "%s: offsets, a, b and out do not agree in size", name);
        release_buffers(views, 5, NULL);
        return -1;
    }
    if (!segments_within((const int64_t *)views[1].buf, *n_docs, *n_values)) {
        PyErr_Format(PyExc_ValueError, "%s: offsets must rise within the %s", name, what);
        release_buffers(views, 5, NULL);
        return -1;
    }
    return 0;
}

static PyObject *segment_minima(PyObject *self, PyObject *args)
{
    Py_buffer views[5]; /* values, offsets, a, b, out */
    Py_ssize_t n_values, n_docs, perms;
    (void)self;
    if (minima_buffers(args, "segment_minima", 4, "values", views, &n_values, &n_docs, &perms) < 0)
        return NULL;
    const int64_t *offsets = (const int64_t *)views[1].buf;
    Py_BEGIN_ALLOW_THREADS
    segment_minima_loop((const uint32_t *)views[0].buf, offsets, n_docs, (const uint32_t *)views[2].buf, (const uint32_t *)views[3].buf, perms,
                        (uint32_t *)views[4].buf);
    Py_END_ALLOW_THREADS
    Py_INCREF(Py_None);
    return release_buffers(views, 5, Py_None);
}

static PyObject *ascii_token_hashes(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {1, 8, 8, 8}; /* codes, hashes, starts, ends */
    Py_buffer views[4];
    Py_ssize_t count;
    (void)self;
    if (take_buffers(args, "ascii_token_hashes", 4, sizes, 1, views) < 0)
        return NULL;
    const Py_ssize_t n = views[0].len, room = n / 2 + 1;
    if (views[1].len / 8 < room || views[2].len / 8 < room || views[3].len / 8 < room) {
        PyErr_SetString(PyExc_ValueError, "ascii_token_hashes: the outputs need len(codes) // 2 + 1 items");
        return release_buffers(views, 4, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    count = token_loop((const uint8_t *)views[0].buf, n, (uint64_t *)views[1].buf, (int64_t *)views[2].buf, (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    return release_buffers(views, 4, PyLong_FromSsize_t(count));
}

static PyObject *ascii_collapsed(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {1, 8, 1, 8}; /* codes, lengths, out, ends */
    Py_buffer views[4];
    int failed;
    (void)self;
    if (take_buffers(args, "ascii_collapsed", 4, sizes, 2, views) < 0)
        return NULL;
    const Py_ssize_t texts = views[1].len / 8;
    if (views[2].len < views[0].len || views[3].len / 8 < texts) {
        PyErr_SetString(PyExc_ValueError, "ascii_collapsed: out needs len(codes) bytes and ends len(lengths) items");
        return release_buffers(views, 4, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    failed = collapse_loop((const uint8_t *)views[0].buf, views[0].len, (const int64_t *)views[1].buf, texts, (uint8_t *)views[2].buf,
                           (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_SetString(PyExc_ValueError, "ascii_collapsed: the lengths (each text and its separator) run past the codes");
        return release_buffers(views, 4, NULL);
    }
    Py_INCREF(Py_None);
    return release_buffers(views, 4, Py_None);
}

/* A bytes object of the size bytes at data, which is freed; a memory error
 * when data is NULL. */
static PyObject *bytes_of(void *data, Py_ssize_t size)
{
    if (data == NULL)
        return PyErr_NoMemory();
    PyObject *result = PyBytes_FromStringAndSize((const char *)data, size);
    free(data);
    return result;
}

/* A seed pair: its diagonal (position in b minus position in a) and its position in a. */
typedef struct {
    int64_t diag, a;
} seed_t;

/* -1, 0 or 1 as (x0, x1) comes before, with or after (y0, y1). */
static int lexical(int64_t x0, int64_t x1, int64_t y0, int64_t y1)
{
    if (x0 != y0)
        return x0 < y0 ? -1 : 1;
    return (x1 > y1) - (x1 < y1);
}

static int by_diagonal(const void *x, const void *y)
{
    return lexical(((const seed_t *)x)->diag, ((const seed_t *)x)->a, ((const seed_t *)y)->diag, ((const seed_t *)y)->a);
}

/* A run (a_start, a_end, diagonal). */
typedef struct {
    int64_t start, end, diag;
} run_t;

static int by_start(const void *x, const void *y)
{
    return lexical(((const run_t *)x)->start, ((const run_t *)x)->diag, ((const run_t *)y)->start, ((const run_t *)y)->diag);
}

/* The seeds both tables hold (each a entry with every b entry of its hash,
 * when b holds that hash at most max_repeats times), written to out unless
 * it is NULL; returns how many. */
static Py_ssize_t join_seeds(const uint64_t *ha, const int64_t *pa, Py_ssize_t na, const uint64_t *hb, const int64_t *pb, Py_ssize_t nb,
                             Py_ssize_t max_repeats, seed_t *out)
{
    Py_ssize_t k = 0, i = 0, j = 0;
    while (i < na && j < nb) {
        if (ha[i] != hb[j]) {
            const int a_smaller = ha[i] < hb[j];
            i += a_smaller;
            j += !a_smaller;
            continue;
        }
        Py_ssize_t i1 = i, j1 = j;
        while (i1 < na && ha[i1] == ha[i])
            i1++;
        while (j1 < nb && hb[j1] == hb[j])
            j1++;
        if (j1 - j <= max_repeats && out == NULL)
            k += (i1 - i) * (j1 - j);
        else if (j1 - j <= max_repeats)
            for (Py_ssize_t x = i; x < i1; x++)
                for (Py_ssize_t y = j; y < j1; y++)
                    out[k].diag = (int64_t)((uint64_t)pb[y] - (uint64_t)pa[x]), out[k].a = pa[x], k++;  /* wraps as numpy's int64 does */
        i = i1, j = j1;
    }
    return k;
}

/* One stable counting pass of count seeds from from to to, by position in a
 * (by_diagonal 0) or by diagonal, whose values lie in [low, low + range);
 * starts holds range + 1 items. */
static void counting_pass(const seed_t *from, seed_t *to, Py_ssize_t count, int by_diagonal, int64_t low, int64_t range, Py_ssize_t *starts)
{
    memset(starts, 0, (size_t)(range + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t k = 0; k < count; k++)
        starts[(by_diagonal ? from[k].diag : from[k].a) - low + 1]++;
    for (int64_t v = 1; v <= range; v++)
        starts[v] += starts[v - 1];
    for (Py_ssize_t k = 0; k < count; k++)
        to[starts[(by_diagonal ? from[k].diag : from[k].a) - low]++] = from[k];
}

/* Sorts seeds by diagonal, then position in a: by two counting passes (by
 * position, then stably by diagonal) when both ranges are small beside their
 * number, else by qsort. The same order either way: no two seeds share both. */
static void sort_seeds(seed_t *seeds, Py_ssize_t count)
{
    if (count < 2)
        return;
    int64_t amin = seeds[0].a, amax = seeds[0].a, dmin = seeds[0].diag, dmax = seeds[0].diag;
    for (Py_ssize_t k = 1; k < count; k++) {
        amin = seeds[k].a < amin ? seeds[k].a : amin, amax = seeds[k].a > amax ? seeds[k].a : amax;
        dmin = seeds[k].diag < dmin ? seeds[k].diag : dmin, dmax = seeds[k].diag > dmax ? seeds[k].diag : dmax;
    }
    /* The spans in unsigned arithmetic: positions far apart overflow int64. */
    const uint64_t span_a = (uint64_t)amax - (uint64_t)amin, span_d = (uint64_t)dmax - (uint64_t)dmin;
    const int64_t room = 4 * (int64_t)count + 1024;
    const int64_t ra = span_a < (uint64_t)room ? (int64_t)span_a + 1 : 0, rd = span_d < (uint64_t)room ? (int64_t)span_d + 1 : 0;
    Py_ssize_t *starts = NULL;
    seed_t *moved = NULL;
    if (ra > 0 && rd > 0) {
        starts = (Py_ssize_t *)malloc((size_t)((ra > rd ? ra : rd) + 1) * sizeof(Py_ssize_t));
        moved = (seed_t *)malloc((size_t)count * sizeof(seed_t));
    }
    if (starts == NULL || moved == NULL) {
        free(starts), free(moved);
        qsort(seeds, (size_t)count, sizeof(seed_t), by_diagonal);
        return;
    }
    counting_pass(seeds, moved, count, 0, amin, ra, starts);
    counting_pass(moved, seeds, count, 1, dmin, rd, starts);
    free(starts), free(moved);
}

/* The seeds of join_seeds sorted by diagonal then position; *count receives
 * how many. NULL when out of memory. */
static seed_t *shared_seeds(const uint64_t *ha, const int64_t *pa, Py_ssize_t na, const uint64_t *hb, const int64_t *pb, Py_ssize_t nb,
                            Py_ssize_t max_repeats, Py_ssize_t *count)
{
    const Py_ssize_t room = join_seeds(ha, pa, na, hb, pb, nb, max_repeats, NULL);
    seed_t *seeds = (seed_t *)malloc((size_t)(room > 0 ? room : 1) * sizeof(seed_t));
    if (seeds == NULL)
        return NULL;
    *count = join_seeds(ha, pa, na, hb, pb, nb, max_repeats, seeds);
    sort_seeds(seeds, *count);
    return seeds;
}

/* The n_ints integer arguments from position ints_at into ints, and the
 * count arguments around them as the buffers of take_buffers, in order. */
static int take_buffers_and_ints(PyObject *args, const char *name, Py_ssize_t count, const Py_ssize_t *sizes, Py_ssize_t first_writable,
                                 Py_buffer *views, Py_ssize_t ints_at, Py_ssize_t *ints, Py_ssize_t n_ints)
{
    if (PyTuple_GET_SIZE(args) != count + n_ints) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd arguments, %zd given", name, count + n_ints, PyTuple_GET_SIZE(args));
        return -1;
    }
    for (Py_ssize_t k = 0; k < n_ints; k++) {
        ints[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(args, ints_at + k));
        if (ints[k] == -1 && PyErr_Occurred())
            return -1;
    }
    PyObject *buffers = PyTuple_New(count);
    if (buffers == NULL)
        return -1;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *item = PyTuple_GET_ITEM(args, k < ints_at ? k : k + n_ints);
        Py_INCREF(item);
        PyTuple_SET_ITEM(buffers, k, item);
    }
    const int taken = take_buffers(buffers, name, count, sizes, first_writable, views);
    Py_DECREF(buffers);
    return taken;
}

static PyObject *diagonal_runs(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {8, 8, 8, 8}; /* hashes and positions of a, of b */
    Py_buffer views[4];
    Py_ssize_t ints[2], count = 0, runs = 0; /* n, max_repeats */
    (void)self;
    if (take_buffers_and_ints(args, "diagonal_runs", 4, sizes, 4, views, 4, ints, 2) < 0)
        return NULL;
    const Py_ssize_t n = ints[0], max_repeats = ints[1];
    const Py_ssize_t na = views[0].len / 8, nb = views[2].len / 8;
    if (views[1].len / 8 != na || views[3].len / 8 != nb) {
        PyErr_SetString(PyExc_ValueError, "diagonal_runs: each table needs as many positions as hashes");
        return release_buffers(views, 4, NULL);
    }
    seed_t *seeds;
    run_t *out = NULL;
    Py_BEGIN_ALLOW_THREADS
    seeds = shared_seeds((const uint64_t *)views[0].buf, (const int64_t *)views[1].buf, na, (const uint64_t *)views[2].buf,
                         (const int64_t *)views[3].buf, nb, max_repeats, &count);
    if (seeds != NULL)
        out = (run_t *)malloc((size_t)(count > 0 ? count : 1) * sizeof(run_t));
    if (out != NULL) {
        /* seeds on one diagonal at consecutive positions make one run */
        for (Py_ssize_t k = 0; k < count; k++) {
            if (k > 0 && seeds[k].diag == seeds[k - 1].diag && seeds[k].a - seeds[k - 1].a <= 1) {
                out[runs - 1].end = seeds[k].a + n;
                continue;
            }
            out[runs].start = seeds[k].a, out[runs].end = seeds[k].a + n, out[runs].diag = seeds[k].diag;
            runs++;
        }
        qsort(out, (size_t)runs, sizeof(run_t), by_start);
    }
    free(seeds);
    Py_END_ALLOW_THREADS
    release_buffers(views, 4, NULL);
    return bytes_of(out, runs * (Py_ssize_t)sizeof(run_t));
}

/* A near-verbatim passage being built: a_start, a_end, b_start, b_end, matched, quoted. */
typedef struct {
    int64_t a0, a1, b0, b1, matched, quoted;
} match_t;

/* One piece of a run (tokens [a0, a1) of a on diagonal d, quoted or not)
 * joined to one of the last eight open passages it follows within gap
 * tokens in both texts, else opened as a passage of its own. */
static void add_piece(match_t *open, Py_ssize_t *count, int64_t a0, int64_t a1, int64_t d, int64_t q, int64_t n, int64_t gap)
{
    const int64_t b0 = a0 + d, b1 = a1 + d;
    const Py_ssize_t low = *count > 8 ? *count - 8 : 0;
    for (Py_ssize_t k = *count - 1; k >= low; k--) {
        match_t *m = &open[k];
        if (m->quoted == q && -n < a0 - m->a1 && a0 - m->a1 <= gap && -n < b0 - m->b1 && b0 - m->b1 <= gap) {
            m->matched += a1 - (a0 > m->a1 ? a0 : m->a1);
            m->a1 = m->a1 > a1 ? m->a1 : a1;
            m->b1 = m->b1 > b1 ? m->b1 : b1;
            return;
        }
    }
    open[*count] = (match_t){a0, a1, b0, b1, a1 - a0, q};
    (*count)++;
}

static PyObject *merged_runs(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[3] = {8, 1, 1}; /* runs, quoted flags of a, of b */
    Py_buffer views[3];
    Py_ssize_t ints[2], count = 0; /* n, gap */
    (void)self;
    if (take_buffers_and_ints(args, "merged_runs", 3, sizes, 3, views, 3, ints, 2) < 0)
        return NULL;
    const Py_ssize_t n = ints[0], gap = ints[1];
    const run_t *runs = (const run_t *)views[0].buf;
    const Py_ssize_t n_runs = views[0].len / (Py_ssize_t)sizeof(run_t), na = views[1].len, nb = views[2].len;
    const uint8_t *qa = (const uint8_t *)views[1].buf, *qb = (const uint8_t *)views[2].buf;
    Py_ssize_t pieces = 0;
    for (Py_ssize_t r = 0; r < n_runs; r++) {
        if (runs[r].start < 0 || runs[r].end > na || runs[r].start >= runs[r].end || runs[r].start + runs[r].diag < 0 || runs[r].end + runs[r].diag > nb) {
            PyErr_SetString(PyExc_ValueError, "merged_runs: a run lies outside the texts");
            return release_buffers(views, 3, NULL);
        }
        pieces += runs[r].end - runs[r].start;
    }
    match_t *open = (match_t *)malloc((size_t)(pieces > 0 ? pieces : 1) * sizeof(match_t));
    if (open == NULL)
        return release_buffers(views, 3, PyErr_NoMemory());
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < n_runs; r++) {
        const int64_t d = runs[r].diag;
        int64_t start = runs[r].start, flag = qa[start] && qb[start + d];
        for (int64_t t = start + 1; t < runs[r].end; t++) {
            const int64_t f = qa[t] && qb[t + d];
            if (f != flag) {
                add_piece(open, &count, start, t, d, flag, n, gap);
                start = t, flag = f;
            }
        }
        add_piece(open, &count, start, runs[r].end, d, flag, n, gap);
    }
    Py_END_ALLOW_THREADS
    release_buffers(views, 3, NULL);
    return bytes_of(open, count * (Py_ssize_t)sizeof(match_t));
}

/* First index of the sorted column col[0], col[stride], ... (count items)
 * whose value is above v (right) or at least v (left), as numpy's searchsorted. */
static Py_ssize_t search(const int64_t *col, Py_ssize_t count, Py_ssize_t stride, int64_t v, int right)
{
    Py_ssize_t lo = 0, hi = count;
    while (lo < hi) {
        const Py_ssize_t mid = lo + (hi - lo) / 2;
        const int64_t x = col[mid * stride];
        if (right ? x <= v : x < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A sentence pair's key (row * columns + column) and the share a passage lays onto it. */
typedef struct {
    int64_t key;
    double share;
} cover_t;

static int by_key_then_share(const void *x, const void *y)
{
    const cover_t *p = (const cover_t *)x, *q = (const cover_t *)y;
    if (p->key != q->key)
        return p->key < q->key ? -1 : 1;
    return (p->share < q->share) - (p->share > q->share); /* largest first */
}

/* The cover entries of every passage (tokens m[0]:m[1] of a, m[2]:m[3] of b)
 * over the sentences ta (na rows of first, last+1 tokens) and tb, each key
 * once with its largest share, sorted by key; *count receives how many. NULL
 * when out of memory. */
static cover_t *cover_loop(const int64_t *ta, Py_ssize_t na, const int64_t *tb, Py_ssize_t nb, const int64_t *m, Py_ssize_t n_matches,
                           Py_ssize_t *count)
{
    Py_ssize_t room = 16, k = 0;
    cover_t *out = (cover_t *)malloc((size_t)room * sizeof(cover_t));
    const int64_t width = nb > 1 ? nb : 1;
    for (Py_ssize_t x = 0; out != NULL && x < n_matches; x++) {
        const int64_t as = m[4 * x], ae = m[4 * x + 1], bs = m[4 * x + 2], be = m[4 * x + 3], shift = bs - as;
        const Py_ssize_t a0 = search(ta + 1, na, 2, as, 1), a1 = search(ta, na, 2, ae, 0);
        const Py_ssize_t b0 = search(tb + 1, nb, 2, bs, 1), b1 = search(tb, nb, 2, be, 0);
        for (Py_ssize_t i = a0; i < a1; i++) {
            const int64_t lo = (ta[2 * i] > as ? ta[2 * i] : as) + shift, hi = (ta[2 * i + 1] < ae ? ta[2 * i + 1] : ae) + shift;
            Py_ssize_t first = search(tb + 1, nb, 2, lo, 1), last = search(tb, nb, 2, hi, 0);
            first = first > b0 ? first : b0;
            last = last < b1 ? last : b1;
            for (Py_ssize_t j = first; j < last; j++) {
                const int64_t common = (hi < tb[2 * j + 1] ? hi : tb[2 * j + 1]) - (lo > tb[2 * j] ? lo : tb[2 * j]);
                const int64_t la = ta[2 * i + 1] - ta[2 * i], lb = tb[2 * j + 1] - tb[2 * j];
                if (common <= 0)
                    continue;
                if (k == room) {
                    cover_t *grown = (cover_t *)realloc(out, (size_t)(room *= 2) * sizeof(cover_t));
                    if (grown == NULL) {
                        free(out);
                        return NULL;
                    }
                    out = grown;
                }
                const double share = (double)common / (double)(la < lb ? la : lb);
                out[k].key = (int64_t)i * width + j, out[k].share = share < 1.0 ? share : 1.0;
                k++;
            }
        }
    }
    if (out == NULL)
        return NULL;
    qsort(out, (size_t)k, sizeof(cover_t), by_key_then_share);
    Py_ssize_t kept = 0;
    for (Py_ssize_t x = 0; x < k; x++)
        if (kept == 0 || out[x].key != out[kept - 1].key)
            out[kept++] = out[x];
    *count = kept;
    return out;
}

static PyObject *verbatim_cover(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[3] = {8, 8, 8}; /* sentence token ranges of a, of b; passages */
    Py_buffer views[3];
    Py_ssize_t count = 0;
    (void)self;
    if (take_buffers(args, "verbatim_cover", 3, sizes, 3, views) < 0)
        return NULL;
    if (views[0].len % 16 || views[1].len % 16 || views[2].len % 32) {
        PyErr_SetString(PyExc_ValueError, "verbatim_cover: sentences take two int64 a row, passages four");
        return release_buffers(views, 3, NULL);
    }
    cover_t *out;
    Py_BEGIN_ALLOW_THREADS
    out = cover_loop((const int64_t *)views[0].buf, views[0].len / 16, (const int64_t *)views[1].buf, views[1].len / 16,
                     (const int64_t *)views[2].buf, views[2].len / 32, &count);
    Py_END_ALLOW_THREADS
    release_buffers(views, 3, NULL);
    return bytes_of(out, count * (Py_ssize_t)sizeof(cover_t));
}

/* The entries that select_sentence_pairs keeps of n score entries (int64 keys
 * row * n_b + column, sorted and distinct; float32 values): those at or above
 * weak that are the best of their row or of their column (compared as float64,
 * as numpy compares them with its float64 maxima), the strong ones accepted,
 * then up to eight rounds accepting the others beside one accepted before the
 * round (diagonally, or above or below in a). Their positions, by key, into
 * out (n items); *count receives how many. -1 when out of memory. */
static int select_loop(const int64_t *keys, const float *values, Py_ssize_t n, int64_t n_a, int64_t n_b, float strong, float weak,
                       int64_t *out, Py_ssize_t *count)
{
    double *best_a = (double *)malloc((size_t)(n_a > 0 ? n_a : 1) * sizeof(double));
    double *best_b = (double *)malloc((size_t)(n_b > 0 ? n_b : 1) * sizeof(double));
    int64_t *kept_keys = (int64_t *)malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    char *accepted = (char *)malloc((size_t)(n > 0 ? n : 1)), *grow = (char *)malloc((size_t)(n > 0 ? n : 1));
    Py_ssize_t m = 0;
    if (best_a == NULL || best_b == NULL || kept_keys == NULL || accepted == NULL || grow == NULL) {
        free(best_a), free(best_b), free(kept_keys), free(accepted), free(grow);
        return -1;
    }
    for (int64_t r = 0; r < n_a; r++)
        best_a[r] = -INFINITY;
    for (int64_t c = 0; c < n_b; c++)
        best_b[c] = -INFINITY;
    for (Py_ssize_t k = 0; k < n; k++)
        if (values[k] >= weak) {
            const double v = (double)values[k];
            const int64_t r = keys[k] / n_b, c = keys[k] % n_b;
            best_a[r] = v > best_a[r] ? v : best_a[r];
            best_b[c] = v > best_b[c] ? v : best_b[c];
        }
    for (Py_ssize_t k = 0; k < n; k++)
        if (values[k] >= weak && ((double)values[k] >= best_a[keys[k] / n_b] || (double)values[k] >= best_b[keys[k] % n_b])) {
            out[m] = k, kept_keys[m] = keys[k], accepted[m] = values[k] >= strong;
            m++;
        }
    static const int64_t steps[4][2] = {{-1, -1}, {1, 1}, {-1, 0}, {1, 0}};
    for (int round = 0; round < 8; round++) {
        int waiting = 0, grown = 0;
        for (Py_ssize_t x = 0; x < m; x++) {
            grow[x] = 0;
            if (accepted[x])
                continue;
            waiting = 1;
            const int64_t i = kept_keys[x] / n_b, j = kept_keys[x] % n_b;
            for (int d = 0; d < 4 && !grow[x]; d++) {
                const int64_t ni = i + steps[d][0], nj = j + steps[d][1];
                if (ni < 0 || ni >= n_a || nj < 0 || nj >= n_b)
                    continue;
                const Py_ssize_t lo = search(kept_keys, m, 1, ni * n_b + nj, 0);
                if (lo < m && kept_keys[lo] == ni * n_b + nj && accepted[lo])
                    grow[x] = 1, grown = 1;
            }
        }
        if (!waiting || !grown)
            break;
        for (Py_ssize_t x = 0; x < m; x++)
            accepted[x] |= grow[x];
    }
    Py_ssize_t taken = 0;
    for (Py_ssize_t x = 0; x < m; x++)
        if (accepted[x])
            out[taken++] = out[x];
    *count = taken;
    free(best_a), free(best_b), free(kept_keys), free(accepted), free(grow);
    return 0;
}

static PyObject *selected_entries(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[2] = {8, 4}; /* keys, values */
    Py_buffer views[2];
    Py_ssize_t ints[2], count = 0; /* rows, columns */
    double strong, weak;
    (void)self;
    if (PyTuple_GET_SIZE(args) != 6) {
        PyErr_Format(PyExc_TypeError, "selected_entries takes 6 arguments, %zd given", PyTuple_GET_SIZE(args));
        return NULL;
    }
    strong = PyFloat_AsDouble(PyTuple_GET_ITEM(args, 4));
    if (strong == -1.0 && PyErr_Occurred())
        return NULL;
    weak = PyFloat_AsDouble(PyTuple_GET_ITEM(args, 5));
    if (weak == -1.0 && PyErr_Occurred())
        return NULL;
    PyObject *head = PyTuple_GetSlice(args, 0, 4);
    if (head == NULL)
        return NULL;
    const int taken = take_buffers_and_ints(head, "selected_entries", 2, sizes, 2, views, 2, ints, 2);
    Py_DECREF(head);
    if (taken < 0)
        return NULL;
    const Py_ssize_t n = views[0].len / 8;
    if (views[1].len / 4 != n || ints[0] < 1 || ints[1] < 1) {
        PyErr_SetString(PyExc_ValueError, "selected_entries: one float32 value per int64 key, and at least one row and column");
        return release_buffers(views, 2, NULL);
    }
    int64_t *out = (int64_t *)malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    int failed = out == NULL;
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        failed = select_loop((const int64_t *)views[0].buf, (const float *)views[1].buf, n, ints[0], ints[1], (float)strong, (float)weak, out,
                             &count) < 0;
        Py_END_ALLOW_THREADS
    }
    release_buffers(views, 2, NULL);
    if (failed) {
        free(out);
        return PyErr_NoMemory();
    }
    return bytes_of(out, count * (Py_ssize_t)sizeof(int64_t));
}

static PyObject *ascii_block_stats(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[6] = {1, 1, 1, 8, 8, 8}; /* codes, table, lower, stops, ends, out */
    Py_buffer views[6];
    (void)self;
    if (take_buffers(args, "ascii_block_stats", 6, sizes, 5, views) < 0)
        return NULL;
    const Py_ssize_t n = views[0].len, blocks = views[4].len / 8;
    const int64_t *ends = (const int64_t *)views[4].buf;
    if (views[1].len < 256 || views[2].len < 256 || views[5].len / 8 < blocks * BP_COLUMNS) {
        PyErr_SetString(PyExc_ValueError, "ascii_block_stats: table and lower need 256 items, out 9 per block");
        return release_buffers(views, 6, NULL);
    }
    for (Py_ssize_t b = 0; b < blocks; b++) {
        if (ends[b] < (b ? ends[b - 1] + 1 : 0) || ends[b] > n) {
            PyErr_SetString(PyExc_ValueError, "ascii_block_stats: the ends must rise, a separator apart, within the codes");
            return release_buffers(views, 6, NULL);
        }
    }
    stop_table_t stops;
    if (stop_table_of((const uint64_t *)views[3].buf, views[3].len / 8, &stops) < 0) {
        PyErr_NoMemory();
        return release_buffers(views, 6, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    block_stats_loop((const uint8_t *)views[0].buf, (const uint8_t *)views[1].buf, (const uint8_t *)views[2].buf, &stops, ends, blocks,
                     (int64_t *)views[5].buf);
    Py_END_ALLOW_THREADS
    PyMem_Free(stops.slots);
    Py_INCREF(Py_None);
    return release_buffers(views, 6, Py_None);
}

static PyObject *ascii_repeated_runs(PyObject *self, PyObject *args)
{
    Py_buffer codes, flags;
    Py_ssize_t run;
    PyObject *codes_object, *flags_object;
    (void)self;
    if (!PyArg_ParseTuple(args, "OnO", &codes_object, &run, &flags_object))
        return NULL;
    if (run < 1) {
        PyErr_SetString(PyExc_ValueError, "ascii_repeated_runs: a run needs at least one word");
        return NULL;
    }
    if (PyObject_GetBuffer(codes_object, &codes, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return NULL;
    if (PyObject_GetBuffer(flags_object, &flags, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&codes);
        return NULL;
    }
    if (codes.itemsize != 1 || flags.itemsize != 1) {
        PyErr_SetString(PyExc_TypeError, "ascii_repeated_runs: codes and flags hold bytes");
        PyBuffer_Release(&flags);
        PyBuffer_Release(&codes);
        return NULL;
    }
    const Py_ssize_t room = codes.len / 2 + 1;
    Py_ssize_t table_size = 16;
    while (table_size < 2 * room)
        table_size <<= 1;
    uint64_t *words = PyMem_Malloc(room * sizeof(uint64_t)), *table = PyMem_Malloc(table_size * sizeof(uint64_t));
    if (words == NULL || table == NULL) {
        PyMem_Free(words);
        PyMem_Free(table);
        PyBuffer_Release(&flags);
        PyBuffer_Release(&codes);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    repeated_runs_loop((const uint8_t *)codes.buf, codes.len, run, words, table, table_size, (uint8_t *)flags.buf, flags.len);
    Py_END_ALLOW_THREADS
    PyMem_Free(words);
    PyMem_Free(table);
    PyBuffer_Release(&flags);
    PyBuffer_Release(&codes);
    Py_RETURN_NONE;
}

static PyObject *ascii_lines(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {1, 8, 8, 8}; /* codes, ends, bounds, lines */
    Py_buffer views[4];
    Py_ssize_t count;
    (void)self;
    if (take_buffers(args, "ascii_lines", 4, sizes, 2, views) < 0)
        return NULL;
    const Py_ssize_t n = views[0].len, texts = views[1].len / 8;
    const int64_t *ends = (const int64_t *)views[1].buf;
    for (Py_ssize_t t = 0; t < texts; t++) {
        if (ends[t] < (t ? ends[t - 1] : 0) || ends[t] > n) {
            PyErr_SetString(PyExc_ValueError, "ascii_lines: the ends must rise within the codes");
            return release_buffers(views, 4, NULL);
        }
    }
    if (views[2].len / 16 < n / 2 + texts || views[3].len / 8 < texts) {
        PyErr_SetString(PyExc_ValueError, "ascii_lines: bounds needs len(codes) // 2 + len(ends) pairs, lines len(ends) items");
        return release_buffers(views, 4, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    count = lines_loop((const uint8_t *)views[0].buf, ends, texts, (int64_t *)views[2].buf, (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    return release_buffers(views, 4, PyLong_FromSsize_t(count));
}

static PyObject *ascii_block_pass(PyObject *self, PyObject *args)
{
    /* codes, bounds, sizes, table, lower, stops, keys, key_bounds, bare, bare_ends, out, repeats; then run */
    static const Py_ssize_t sizes_of[12] = {1, 8, 8, 1, 1, 8, 1, 8, 1, 8, 8, 1};
    Py_buffer views[12];
    Py_ssize_t run;
    (void)self;
    if (take_buffers_and_ints(args, "ascii_block_pass", 12, sizes_of, 6, views, 12, &run, 1) < 0)
        return NULL;
    if (run < 1) {
        PyErr_SetString(PyExc_ValueError, "ascii_block_pass: a run of at least one word");
        return release_buffers(views, 12, NULL);
    }
    const Py_ssize_t n = views[0].len, blocks = views[1].len / 16, docs = views[2].len / 8;
    const int64_t *bounds = (const int64_t *)views[1].buf, *sizes = (const int64_t *)views[2].buf;
    Py_ssize_t total = 0, chars = 0;
    for (Py_ssize_t d = 0; d < docs; d++) {
        if (sizes[d] < 0 || sizes[d] > blocks - total) {
            PyErr_SetString(PyExc_ValueError, "ascii_block_pass: the documents' blocks are more than the bounds");
            return release_buffers(views, 12, NULL);
        }
        total += sizes[d];
    }
    for (Py_ssize_t b = 0; b < blocks; b++) {
        if (bounds[2 * b] < 0 || bounds[2 * b] > bounds[2 * b + 1] || bounds[2 * b + 1] > n) {
            PyErr_SetString(PyExc_ValueError, "ascii_block_pass: a block's bounds fall outside the codes");
            return release_buffers(views, 12, NULL);
        }
        chars += bounds[2 * b + 1] - bounds[2 * b];
    }
    if (total != blocks || views[3].len < 256 || views[4].len < 256 || views[6].len < chars + blocks + docs || views[7].len / 16 < blocks
        || views[8].len < chars || views[9].len / 8 < blocks || views[10].len / 8 < blocks * PASS_COLUMNS || views[11].len < docs) {
        PyErr_SetString(PyExc_ValueError, "ascii_block_pass: an output is too small, or the sizes do not add up to the blocks");
        return release_buffers(views, 12, NULL);
    }
    stop_table_t stops;
    const Py_ssize_t key_bytes = chars + blocks + docs, room = key_bytes / 2 + 1;
    Py_ssize_t table_size = 16;
    while (table_size < 4 * room)
        table_size <<= 1;
    uint64_t *words = PyMem_Malloc(room * sizeof(uint64_t)), *table = PyMem_Malloc(table_size * sizeof(uint64_t));
    if (words == NULL || table == NULL || stop_table_of((const uint64_t *)views[5].buf, views[5].len / 8, &stops) < 0) {
        PyMem_Free(words);
        PyMem_Free(table);
        PyErr_NoMemory();
        return release_buffers(views, 12, NULL);
    }
    uint8_t *keys = (uint8_t *)views[6].buf;
    Py_ssize_t written;
    Py_BEGIN_ALLOW_THREADS
    written = block_pass_loop((const uint8_t *)views[0].buf, bounds, sizes, docs, (const uint8_t *)views[3].buf, (const uint8_t *)views[4].buf, &stops,
                              keys, (int64_t *)views[7].buf, (uint8_t *)views[8].buf, (int64_t *)views[9].buf, (int64_t *)views[10].buf, run, words,
                              table, table_size, (uint8_t *)views[11].buf);
    Py_END_ALLOW_THREADS
    PyMem_Free(stops.slots);
    PyMem_Free(words);
    PyMem_Free(table);
    return release_buffers(views, 12, PyLong_FromSsize_t(written));
}

/* ascii_pieces(codes, starts, ends, text): codes[starts[k]:ends[k]] for
 * each k, as str (ASCII, checked as decoded) or as bytes: one copy of
 * each piece, where decoding the whole buffer and slicing it copies every
 * piece twice and makes a large object in between. */
static PyObject *ascii_pieces(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes_of[3] = {1, 8, 8};
    Py_buffer views[3];
    Py_ssize_t text;
    (void)self;
    if (take_buffers_and_ints(args, "ascii_pieces", 3, sizes_of, 3, views, 3, &text, 1) < 0)
        return NULL;
    const char *codes = (const char *)views[0].buf;
    const int64_t *starts = (const int64_t *)views[1].buf, *ends = (const int64_t *)views[2].buf;
    const Py_ssize_t n = views[1].len / 8;
    if (views[2].len / 8 != n) {
        PyErr_SetString(PyExc_ValueError, "ascii_pieces: as many starts as ends");
        return release_buffers(views, 3, NULL);
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (starts[k] < 0 || starts[k] > ends[k] || ends[k] > views[0].len) {
            PyErr_SetString(PyExc_ValueError, "ascii_pieces: a piece falls outside the codes");
            return release_buffers(views, 3, NULL);
        }
    }
    PyObject *out = PyList_New(n);
    for (Py_ssize_t k = 0; out != NULL && k < n; k++) {
        const Py_ssize_t size = (Py_ssize_t)(ends[k] - starts[k]);
        PyObject *piece = text ? PyUnicode_DecodeASCII(codes + starts[k], size, NULL) : PyBytes_FromStringAndSize(codes + starts[k], size);
        if (piece == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, k, piece);
    }
    return release_buffers(views, 3, out);
}

/* Each row's sum over the trees, in order, of its leaf's scaled value,
 * added to out[row] (the ensemble's start): the trees' node arrays are laid
 * end to end, a leaf pointing to itself, and every row takes depth steps
 * down every tree, as dedup.boilerplate.model walks them with numpy. */
static void forest_loop(const double *X, Py_ssize_t rows, Py_ssize_t width, const int64_t *feature, const double *threshold, const int64_t *left,
                        const int64_t *right, const double *scaled, const int64_t *roots, Py_ssize_t trees, Py_ssize_t depth, double *out)
{
    for (Py_ssize_t r = 0; r < rows; r++) {
        const double *row = X + r * width;
        double sum = out[r];
        for (Py_ssize_t t = 0; t < trees; t++) {
            int64_t node = roots[t];
            for (Py_ssize_t d = 0; d < depth; d++)
                node = row[feature[node]] <= threshold[node] ? left[node] : right[node];
            sum += scaled[node];
        }
        out[r] = sum;
    }
}

static PyObject *forest_sums(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[8] = {8, 8, 8, 8, 8, 8, 8, 8}; /* X, feature, threshold, left, right, scaled, roots, out */
    Py_buffer views[8];
    (void)self;
    if (PyTuple_GET_SIZE(args) != 9) {
        PyErr_Format(PyExc_TypeError, "forest_sums takes 9 arguments, %zd given", PyTuple_GET_SIZE(args));
        return NULL;
    }
    const Py_ssize_t depth = PyLong_AsSsize_t(PyTuple_GET_ITEM(args, 8));
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    PyObject *buffers = PyTuple_GetSlice(args, 0, 8);
    if (buffers == NULL)
        return NULL;
    const int taken = take_buffers(buffers, "forest_sums", 8, sizes, 7, views);
    Py_DECREF(buffers);
    if (taken < 0)
        return NULL;
    const Py_ssize_t rows = views[7].len / 8, nodes = views[1].len / 8, trees = views[6].len / 8;
    const Py_ssize_t width = rows ? views[0].len / 8 / rows : 0;
    int valid = depth >= 0 && width * rows * 8 == views[0].len && views[2].len / 8 == nodes && views[3].len / 8 == nodes && views[4].len / 8 == nodes
                && views[5].len / 8 == nodes;
    const int64_t *feature = views[1].buf, *left = views[3].buf, *right = views[4].buf, *roots = views[6].buf;
    for (Py_ssize_t k = 0; valid && k < nodes; k++)
        valid = feature[k] >= 0 && (rows == 0 || feature[k] < width) && left[k] >= 0 && left[k] < nodes && right[k] >= 0 && right[k] < nodes;
    for (Py_ssize_t t = 0; valid && t < trees; t++)
        valid = roots[t] >= 0 && roots[t] < nodes;
    if (!valid) {
        PyErr_SetString(PyExc_ValueError, "forest_sums: X must hold whole rows of out's length, the node arrays one length, every index in range");
        return release_buffers(views, 8, NULL);
    }
    if (rows) {
        Py_BEGIN_ALLOW_THREADS
        forest_loop(views[0].buf, rows, width, feature, views[2].buf, left, right, views[5].buf, roots, trees, depth, views[7].buf);
        Py_END_ALLOW_THREADS
    }
    Py_INCREF(Py_None);
    return release_buffers(views, 8, Py_None);
}

/* ---- The passage index's fingerprints (stage 1) ----
 *
 * - sampled_ngrams: every n consecutive tokens of one text hashed as
 *   shingles._Q's polynomial (text/ngrams.ngram_hashes) and kept when
 *   (hash >> 23) % sample == 0 (text/ngrams.sampled), with the text of
 *   each, in one pass instead of a dozen arrays as long as the tokens.
 * - sort_by_hash: (hash, owner) pairs ordered by hash, ties in the order
 *   given (np.argsort(kind="stable")): a counting pass on the top bits of
 *   the hash, then each bucket (a handful of pairs: the hashes are
 *   uniform) by insertion, a large one (a hash many texts hold) by merges.
 */

#define Q_TOKEN 0x9E3779B97F4A7C15ULL /* shingles._Q */

/* v % d == 0 for a fixed d > 0 without a division: d = 2**zeros * odd, and
 * x is a multiple of odd exactly when x * odd**-1 mod 2**64 <= max / odd. */
typedef struct {
    int zeros;
    uint64_t inverse, limit;
} multiple_test_t;

static multiple_test_t multiple_test_of(uint64_t d)
{
    multiple_test_t test = {0, 1, UINT64_MAX};
    while (!(d & 1)) {
        d >>= 1;
        test.zeros++;
    }
    uint64_t inverse = d; /* Newton's steps: each doubles the correct low bits (3 to start) */
    for (int k = 0; k < 5; k++)
        inverse *= 2 - d * inverse;
    test.inverse = inverse;
    test.limit = UINT64_MAX / d;
    return test;
}

static inline int is_multiple(uint64_t v, const multiple_test_t *test)
{
    return ((v & ((1ULL << test->zeros) - 1)) == 0) & ((v >> test->zeros) * test->inverse <= test->limit);
}

/* The hash of the n words from w on, as shingles.shingle_hashes_from_tokens takes it. */
static inline uint64_t fingerprint(const uint64_t *w, Py_ssize_t n)
{
    uint64_t h = w[0];
    for (Py_ssize_t k = 1; k < n; k++)
        h = h * Q_TOKEN + w[k];
    return h;
}

static Py_ssize_t sampled_ngram_loop(const uint64_t *tokens, const int64_t *first, Py_ssize_t texts, Py_ssize_t n, const multiple_test_t *sample,
                                     int64_t base, uint64_t *hashes, int64_t *owners)
{
    Py_ssize_t count = 0;
    for (Py_ssize_t t = 0; t < texts; t++) {
        for (int64_t g = first[t]; g + n <= first[t + 1]; g++) {
            const uint64_t h = fingerprint(tokens + g, n);
            /* written always, kept by moving on: no branch to mispredict on one n-gram in sample */
            hashes[count] = h;
            owners[count] = base + t;
            count += is_multiple(h >> 23, sample);
        }
    }
    return count;
}

static void insertion_sort_pairs(uint64_t *h, int64_t *o, Py_ssize_t m)
{
    for (Py_ssize_t i = 1; i < m; i++) {
        const uint64_t key = h[i];
        const int64_t owner = o[i];
        Py_ssize_t j = i;
        for (; j > 0 && h[j - 1] > key; j--) {
            h[j] = h[j - 1];
            o[j] = o[j - 1];
        }
        h[j] = key;
        o[j] = owner;
    }
}

/* Stable; th and to hold m / 2 pairs. */
static void merge_sort_pairs(uint64_t *h, int64_t *o, Py_ssize_t m, uint64_t *th, int64_t *to)
{
    if (m <= 24) {
        insertion_sort_pairs(h, o, m);
        return;
    }
    const Py_ssize_t half = m / 2;
    merge_sort_pairs(h, o, half, th, to);
    merge_sort_pairs(h + half, o + half, m - half, th, to);
    if (h[half - 1] <= h[half])
        return;
    memcpy(th, h, (size_t)half * sizeof(uint64_t));
    memcpy(to, o, (size_t)half * sizeof(int64_t));
    Py_ssize_t i = 0, j = half, k = 0;
    while (i < half && j < m) {
        if (h[j] < th[i]) { /* the left run's first on ties */
            h[k] = h[j];
            o[k++] = o[j++];
        } else {
            h[k] = th[i];
            o[k++] = to[i++];
        }
    }
    while (i < half) {
        h[k] = th[i];
        o[k++] = to[i++];
    }
}

/* Returns 0, or -1 when out of memory. */
static int sort_pairs_loop(const uint64_t *hashes, const int64_t *owners, Py_ssize_t n, uint64_t *out_h, int64_t *out_o)
{
    int bits = 1;
    while (bits < 16 && ((Py_ssize_t)1 << (bits + 2)) < n)
        bits++;
    /* Buckets by the top bits of the hashes' span (min to max), not of the
     * whole range: the hashes of one partition of the index share their
     * top bits, and would all fall in one bucket. */
    uint64_t low = n ? hashes[0] : 0, high = low;
    for (Py_ssize_t i = 1; i < n; i++) {
        low = hashes[i] < low ? hashes[i] : low;
        high = hashes[i] > high ? hashes[i] : high;
    }
    int span_bits = 0;
    while (span_bits < 64 && ((high - low) >> span_bits) != 0)
        span_bits++;
    const int shift = span_bits > bits ? span_bits - bits : 0;
    const Py_ssize_t buckets = (Py_ssize_t)((high - low) >> shift) + 1;
    Py_ssize_t *starts = calloc((size_t)buckets + 1, sizeof(Py_ssize_t));
    if (starts == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++)
        starts[((hashes[i] - low) >> shift) + 1]++;
    Py_ssize_t largest = 0;
    for (Py_ssize_t b = 0; b < buckets; b++) {
        if (starts[b + 1] > largest)
            largest = starts[b + 1];
        starts[b + 1] += starts[b];
    }
    uint64_t *scratch_h = NULL;
    int64_t *scratch_o = NULL;
    if (largest > 24) {
        scratch_h = malloc((size_t)(largest / 2 + 1) * sizeof(uint64_t));
        scratch_o = malloc((size_t)(largest / 2 + 1) * sizeof(int64_t));
        if (scratch_h == NULL || scratch_o == NULL) {
            free(scratch_h);
            free(scratch_o);
            free(starts);
            return -1;
        }
    }
    Py_ssize_t *next = starts; /* starts[b] moves to bucket b's end as it fills, then is bucket b + 1's start */
    for (Py_ssize_t i = 0; i < n; i++) {
        const Py_ssize_t at = next[(hashes[i] - low) >> shift]++;
        out_h[at] = hashes[i];
        out_o[at] = owners[i];
    }
    Py_ssize_t lo = 0;
    for (Py_ssize_t b = 0; b < buckets; b++) {
        const Py_ssize_t hi = next[b];
        if (hi - lo > 1)
            merge_sort_pairs(out_h + lo, out_o + lo, hi - lo, scratch_h, scratch_o);
        lo = hi;
    }
    free(scratch_h);
    free(scratch_o);
    free(starts);
    return 0;
}

static PyObject *sampled_ngrams(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {8, 8, 8, 8}; /* tokens, first, out hashes, out owners */
    Py_buffer views[4];
    Py_ssize_t ints[3], count; /* n, sample, base */
    (void)self;
    if (take_buffers_and_ints(args, "sampled_ngrams", 4, sizes, 2, views, 2, ints, 3) < 0)
        return NULL;
    const Py_ssize_t n_tokens = views[0].len / 8, texts = views[1].len / 8 - 1, n = ints[0];
    const int64_t *first = (const int64_t *)views[1].buf;
    if (n < 1 || ints[1] < 1) {
        PyErr_SetString(PyExc_ValueError, "sampled_ngrams: n and sample must be positive");
        return release_buffers(views, 4, NULL);
    }
    if (texts < 0) {
        PyErr_SetString(PyExc_ValueError, "sampled_ngrams: first needs an entry past the last text");
        return release_buffers(views, 4, NULL);
    }
    if (!segments_within(first, texts, n_tokens)) {
        PyErr_SetString(PyExc_ValueError, "sampled_ngrams: first must rise within the tokens");
        return release_buffers(views, 4, NULL);
    }
    if (views[2].len / 8 < n_tokens || views[3].len / 8 < n_tokens) {
        PyErr_SetString(PyExc_ValueError, "sampled_ngrams: the outputs need len(tokens) items");
        return release_buffers(views, 4, NULL);
    }
    const multiple_test_t sample = multiple_test_of((uint64_t)ints[1]);
    Py_BEGIN_ALLOW_THREADS
    count = sampled_ngram_loop((const uint64_t *)views[0].buf, first, texts, n, &sample, (int64_t)ints[2], (uint64_t *)views[2].buf, (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    return release_buffers(views, 4, PyLong_FromSsize_t(count));
}

static PyObject *sort_by_hash(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {8, 8, 8, 8}; /* hashes, owners, out hashes, out owners */
    Py_buffer views[4];
    int failed;
    (void)self;
    if (take_buffers(args, "sort_by_hash", 4, sizes, 2, views) < 0)
        return NULL;
    const Py_ssize_t n = views[0].len / 8;
    if (views[1].len / 8 != n || views[2].len / 8 != n || views[3].len / 8 != n) {
        PyErr_SetString(PyExc_ValueError, "sort_by_hash: hashes, owners and the outputs differ in length");
        return release_buffers(views, 4, NULL);
    }
    if (views[2].buf == views[0].buf || views[3].buf == views[1].buf) {
        PyErr_SetString(PyExc_ValueError, "sort_by_hash: the outputs must not be the inputs");
        return release_buffers(views, 4, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    failed = sort_pairs_loop((const uint64_t *)views[0].buf, (const int64_t *)views[1].buf, n, (uint64_t *)views[2].buf, (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    if (failed)
        return release_buffers(views, 4, PyErr_NoMemory());
    Py_INCREF(Py_None);
    return release_buffers(views, 4, Py_None);
}

/* ---- end of the passage index's fingerprints ---- */

/* ---- a text's verbatim seeds ----
 *
 * seed_table: the n-token hashes of a text (as shingle_hashes_from_tokens
 * takes them) that hold no masked token, with their positions, sorted by
 * hash (equal ones by position) by sort_pairs_loop, as by_hash sorts them:
 * verbatim.seed_table without numpy's passes over the tokens. */

static PyObject *seed_table(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {8, 1, 8, 8}; /* token hashes, masked (bool), out hashes, out positions */
    Py_buffer views[4];
    Py_ssize_t n, count = 0;
    (void)self;
    if (take_buffers_and_ints(args, "seed_table", 4, sizes, 2, views, 2, &n, 1) < 0)
        return NULL;
    const Py_ssize_t tokens = views[0].len / 8, room = tokens >= n ? tokens - n + 1 : 0;
    if (n < 1 || views[1].len != tokens || views[2].len / 8 < room || views[3].len / 8 < room) {
        PyErr_SetString(PyExc_ValueError, "seed_table: n must be positive, masked one flag a token, the outputs of len(tokens) - n + 1 items");
        return release_buffers(views, 4, NULL);
    }
    const uint64_t *hashes = views[0].buf;
    const uint8_t *masked = views[1].buf;
    uint64_t *grams = malloc((size_t)(room + 1) * sizeof(uint64_t));
    int64_t *at = malloc((size_t)(room + 1) * sizeof(int64_t));
    if (grams == NULL || at == NULL) {
        free(grams);
        free(at);
        return release_buffers(views, 4, PyErr_NoMemory());
    }
    int failed;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t open_run = 0; /* unmasked tokens ending at the current one */
    for (Py_ssize_t t = 0; t < tokens; t++) {
        open_run = masked[t] ? 0 : open_run + 1;
        if (t + 1 < n || open_run < n)
            continue;
        grams[count] = fingerprint(hashes + t + 1 - n, n);
        at[count++] = t + 1 - n;
    }
    failed = sort_pairs_loop(grams, at, count, (uint64_t *)views[2].buf, (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    free(grams);
    free(at);
    if (failed)
        return release_buffers(views, 4, PyErr_NoMemory());
    return release_buffers(views, 4, PyLong_FromSsize_t(count));
}

/* ---- end of a text's verbatim seeds ---- */

/* ---- The tokens and shingles of a batch of texts (stage 1) ----
 *
 * - ascii_text_tokens: ascii_token_hashes of texts laid end to end, giving
 *   each text's first token instead of every token's start and end (the
 *   three outputs and the search for each text's first token cost more than
 *   the hashes). A token's sum takes c_k * P**k from a table of powers for
 *   its first characters, so no multiply waits on the one before.
 */

#define TOKEN_POWERS 32

static uint64_t token_powers[TOKEN_POWERS];
static uint8_t token_chars[256];

static void token_tables_init(void)
{
    uint64_t power = 1;
    for (int k = 0; k < TOKEN_POWERS; k++) {
        token_powers[k] = power;
        power *= P_CHAR;
    }
    for (int c = 0; c < 256; c++)
        token_chars[c] = (uint8_t)is_token_char((uint8_t)c);
}

/* Returns the tokens written, or -1 when the lengths run past the codes. */
static Py_ssize_t text_tokens_loop(const uint8_t *codes, Py_ssize_t n, const int64_t *lengths, Py_ssize_t texts, uint64_t *hashes, int64_t *first)
{
    Py_ssize_t count = 0, pos = 0;
    for (Py_ssize_t t = 0; t < texts; t++) {
        first[t] = count;
        if (lengths[t] < 0 || lengths[t] >= n - pos) /* the text and its separator */
            return -1;
        const Py_ssize_t stop = pos + lengths[t];
        Py_ssize_t i = pos;
        while (i < stop) {
            if (!token_chars[codes[i]]) {
                i++;
                continue;
            }
            uint64_t sum = 0;
            Py_ssize_t k = 0;
            for (; i < stop && k < TOKEN_POWERS && token_chars[codes[i]]; i++, k++)
                sum += (uint64_t)codes[i] * token_powers[k];
            if (k == TOKEN_POWERS) {
                uint64_t power = token_powers[TOKEN_POWERS - 1] * P_CHAR;
                for (; i < stop && token_chars[codes[i]]; i++) {
                    sum += (uint64_t)codes[i] * power;
                    power *= P_CHAR;
                }
            }
            hashes[count++] = mix64(sum);
        }
        pos = stop + 1; /* the separator */
    }
    first[texts] = count;
    return count;
}

static PyObject *ascii_text_tokens(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {1, 8, 8, 8}; /* codes, lengths, hashes, first */
    Py_buffer views[4];
    Py_ssize_t count;
    (void)self;
    if (take_buffers(args, "ascii_text_tokens", 4, sizes, 2, views) < 0)
        return NULL;
    const Py_ssize_t n = views[0].len, texts = views[1].len / 8;
    if (views[2].len / 8 < n / 2 + 1 || views[3].len / 8 != texts + 1) {
        PyErr_SetString(PyExc_ValueError, "ascii_text_tokens: hashes needs len(codes) // 2 + 1 items and first len(lengths) + 1");
        return release_buffers(views, 4, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    count = text_tokens_loop((const uint8_t *)views[0].buf, n, (const int64_t *)views[1].buf, texts, (uint64_t *)views[2].buf, (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "ascii_text_tokens: the lengths (each text and its separator) run past the codes");
        return release_buffers(views, 4, NULL);
    }
    return release_buffers(views, 4, PyLong_FromSsize_t(count));
}

/* - segment_shingles: each text's shingles (shingles.shingles_of_tokens:
 *   every n consecutive tokens, a shorter text one shingle of all its
 *   tokens) sorted and made distinct, text after text, in one call: numpy
 *   takes a dozen passes over the batch and a sort call per text. A text's
 *   shingles are spread over buckets by their top bits and each bucket
 *   (a few hashes) sorted by insertion. */

static int by_value(const void *x, const void *y)
{
    const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Sorts values[0:m] (m > 1) through scratch (m items) and counts (room for 2**12 + 1). */
static void sort_values(uint64_t *values, Py_ssize_t m, uint64_t *scratch, Py_ssize_t *counts)
{
    int bits = 1;
    while (bits < 12 && ((Py_ssize_t)1 << (bits + 1)) < m)
        bits++;
    const Py_ssize_t buckets = (Py_ssize_t)1 << bits;
    const int shift = 64 - bits;
    memset(counts, 0, (size_t)(buckets + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t i = 0; i < m; i++)
        counts[(values[i] >> shift) + 1]++;
    for (Py_ssize_t b = 0; b < buckets; b++)
        counts[b + 1] += counts[b];
    for (Py_ssize_t i = 0; i < m; i++)
        scratch[counts[values[i] >> shift]++] = values[i];
    Py_ssize_t lo = 0;
    for (Py_ssize_t b = 0; b < buckets; b++) {
        const Py_ssize_t hi = counts[b], size = hi - lo;
        if (size > 32) { /* many of one value, or a crafted text: no quadratic insertion */
            qsort(scratch + lo, (size_t)size, sizeof(uint64_t), by_value);
        } else {
            for (Py_ssize_t i = lo + 1; i < hi; i++) {
                const uint64_t key = scratch[i];
                Py_ssize_t j = i;
                for (; j > lo && scratch[j - 1] > key; j--)
                    scratch[j] = scratch[j - 1];
                scratch[j] = key;
            }
        }
        lo = hi;
    }
    memcpy(values, scratch, (size_t)m * sizeof(uint64_t));
}

/* Returns the shingles written, or -1 when out of memory. */
static Py_ssize_t segment_shingles_loop(const uint64_t *tokens, const int64_t *first, Py_ssize_t texts, Py_ssize_t n, uint64_t *out, int64_t *offsets)
{
    Py_ssize_t most = 0, w = 0;
    for (Py_ssize_t t = 0; t < texts; t++)
        if (first[t + 1] - first[t] > most)
            most = first[t + 1] - first[t];
    uint64_t *scratch = malloc((size_t)(most + 1) * sizeof(uint64_t));
    Py_ssize_t *counts = malloc(((1 << 12) + 1) * sizeof(Py_ssize_t));
    if (scratch == NULL || counts == NULL) {
        free(scratch);
        free(counts);
        return -1;
    }
    offsets[0] = 0;
    for (Py_ssize_t t = 0; t < texts; t++) {
        const int64_t lo = first[t], count = first[t + 1] - first[t];
        const Py_ssize_t width = count < n ? count : n, grams = count ? count - width + 1 : 0;
        uint64_t *values = out + w;
        for (Py_ssize_t g = 0; g < grams; g++)
            values[g] = fingerprint(tokens + lo + g, width);
        Py_ssize_t kept = grams;
        if (grams > 1) {
            sort_values(values, grams, scratch, counts);
            kept = 1;
            for (Py_ssize_t g = 1; g < grams; g++)
                if (values[g] != values[kept - 1])
                    values[kept++] = values[g];
        }
        w += kept;
        offsets[t + 1] = w;
    }
    free(scratch);
    free(counts);
    return w;
}

static PyObject *segment_shingles(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {8, 8, 8, 8}; /* tokens, first, out, offsets */
    Py_buffer views[4];
    Py_ssize_t n, count;
    (void)self;
    if (take_buffers_and_ints(args, "segment_shingles", 4, sizes, 2, views, 2, &n, 1) < 0)
        return NULL;
    const Py_ssize_t n_tokens = views[0].len / 8, texts = views[1].len / 8 - 1;
    const int64_t *first = (const int64_t *)views[1].buf;
    if (n < 1 || texts < 0 || views[3].len / 8 != texts + 1 || views[2].len / 8 < n_tokens) {
        PyErr_SetString(PyExc_ValueError, "segment_shingles: n must be positive, out hold len(tokens) items and offsets len(first)");
        return release_buffers(views, 4, NULL);
    }
    if (!segments_within(first, texts, n_tokens)) {
        PyErr_SetString(PyExc_ValueError, "segment_shingles: first must rise within the tokens");
        return release_buffers(views, 4, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    count = segment_shingles_loop((const uint64_t *)views[0].buf, first, texts, n, (uint64_t *)views[2].buf, (int64_t *)views[3].buf);
    Py_END_ALLOW_THREADS
    if (count < 0)
        return release_buffers(views, 4, PyErr_NoMemory());
    return release_buffers(views, 4, PyLong_FromSsize_t(count));
}

/* ---- end of the tokens and shingles of a batch of texts ---- */

/* ---- the shingles two texts share ---- */

/* The size of the intersection of two sorted sets: one merge. */
static Py_ssize_t common_count(const uint64_t *a, Py_ssize_t na, const uint64_t *b, Py_ssize_t nb)
{
    Py_ssize_t common = 0;
    for (Py_ssize_t i = 0, j = 0; i < na && j < nb;) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            common++;
            i++;
            j++;
        }
    }
    return common;
}

static PyObject *shared_shingles(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[2] = {8, 8}; /* tokens of a, of b */
    Py_buffer views[2];
    Py_ssize_t n, kept[2] = {0, 0}, common = 0;
    (void)self;
    if (take_buffers_and_ints(args, "shared_shingles", 2, sizes, 2, views, 2, &n, 1) < 0)
        return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "shared_shingles: n must be positive");
        return release_buffers(views, 2, NULL);
    }
    const Py_ssize_t count_a = views[0].len / 8, count_b = views[1].len / 8;
    uint64_t *sets = malloc((size_t)(count_a + count_b + 1) * sizeof(uint64_t));
    if (sets == NULL)
        return release_buffers(views, 2, PyErr_NoMemory());
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    /* each text's distinct shingles, sorted, as segment_shingles gives them */
    int64_t first[2], offsets[2];
    Py_ssize_t at = 0;
    for (int side = 0; side < 2 && !failed; side++) {
        first[0] = 0;
        first[1] = side ? count_b : count_a;
        const Py_ssize_t w = segment_shingles_loop((const uint64_t *)views[side].buf, first, 1, n, sets + at, offsets);
        failed = w < 0;
        kept[side] = w;
        at += side ? 0 : w;
    }
    if (!failed)
        common = common_count(sets, kept[0], sets + kept[0], kept[1]);
    Py_END_ALLOW_THREADS
    free(sets);
    if (failed)
        return release_buffers(views, 2, PyErr_NoMemory());
    return release_buffers(views, 2, Py_BuildValue("(nnn)", kept[0], kept[1], common));
}

/* ---- end of the shingles two texts share ---- */

/* ---- the anchor check of candidate pairs ----
 *
 * anchor_overlaps: for each pair of texts, the best agreement of the words
 * around a fingerprint both hold, as dedup.passages.index.context_overlap
 * measures it on the texts' Anchors (each text's distinct sampled n-grams at
 * their first position), without sorting every fingerprint by hash: text a's
 * fingerprints go into a hash table, and text b's are looked up in it in
 * text order. The order in which the shared fingerprints are visited differs,
 * so a pair stopped at `enough` may report another share at or above it;
 * below it, and without a stop, the share is the same. */

/* The distinct values of v[0..n), sorted in place; returns how many. */
static Py_ssize_t distinct_sorted(uint64_t *v, Py_ssize_t n)
{
    for (Py_ssize_t i = 1; i < n; i++) {
        const uint64_t x = v[i];
        Py_ssize_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

/* The distinct words within `window` words before and after the n-gram at
 * `pos` of the text of words [start, end), into out (2 * window items);
 * returns how many. */
static Py_ssize_t context_words(const uint64_t *words, int64_t start, int64_t end, int64_t pos, Py_ssize_t n, Py_ssize_t window, uint64_t *out)
{
    Py_ssize_t k = 0;
    for (int64_t i = pos - window > start ? pos - window : start; i < pos; i++)
        out[k++] = words[i];
    const int64_t stop = pos + n + window < end ? pos + n + window : end;
    for (int64_t i = pos + n; i < stop; i++)
        out[k++] = words[i];
    return distinct_sorted(out, k);
}


typedef struct {
    uint64_t key;
    int64_t pos;   /* first position of the fingerprint in text a */
    int64_t owner; /* the pair whose table holds it (stale otherwise) */
    int64_t seen;  /* the pair for which text b has already met it */
} anchor_slot_t;

/* The slot of fingerprint h for pair k: its own, or the first one no
   fingerprint of pair k holds (slots other pairs left are free). */
static size_t anchor_slot(const anchor_slot_t *table, size_t mask, Py_ssize_t k, uint64_t h)
{
    size_t s = (size_t)(h * 0x9E3779B97F4A7C15ull >> 32) & mask;
    while (table[s].owner == k && table[s].key != h)
        s = (s + 1) & mask;
    return s;
}

static PyObject *anchor_overlaps(PyObject *self, PyObject *args)
{
    static const Py_ssize_t sizes[4] = {8, 8, 8, 8}; /* words, bounds, pairs, out */
    Py_buffer views[4];
    Py_ssize_t n, sample, window;
    double enough;
    (void)self;
    if (PyTuple_GET_SIZE(args) != 8) {
        PyErr_Format(PyExc_TypeError, "anchor_overlaps takes 8 arguments, %zd given", PyTuple_GET_SIZE(args));
        return NULL;
    }
    PyObject *rest = PyTuple_GetSlice(args, 4, 8), *buffers = PyTuple_GetSlice(args, 0, 4);
    if (rest == NULL || buffers == NULL || !PyArg_ParseTuple(rest, "nnnd", &n, &sample, &window, &enough)) {
        Py_XDECREF(rest);
        Py_XDECREF(buffers);
        return NULL;
    }
    Py_DECREF(rest);
    const int taken = take_buffers(buffers, "anchor_overlaps", 4, sizes, 3, views);
    Py_DECREF(buffers);
    if (taken < 0)
        return NULL;
    const uint64_t *words = views[0].buf;
    const int64_t *bounds = views[1].buf, *pairs = views[2].buf;
    double *out = views[3].buf;
    const Py_ssize_t n_words = views[0].len / 8, n_texts = views[1].len / 8 - 1, n_pairs = views[2].len / 16;
    if (n < 1 || sample < 1 || window < 0) {
        PyErr_SetString(PyExc_ValueError, "anchor_overlaps: n and sample must be positive, window not negative");
        return release_buffers(views, 4, NULL);
    }
    if (n_texts < 0 || bounds[0] != 0 || !segments_within(bounds, n_texts, n_words) || views[2].len % 16 != 0 || views[3].len / 8 != n_pairs) {
        PyErr_SetString(PyExc_ValueError, "anchor_overlaps: bounds, pairs or out do not fit the words");
        return release_buffers(views, 4, NULL);
    }
    for (Py_ssize_t k = 0; k < 2 * n_pairs; k++)
        if (pairs[k] < 0 || pairs[k] >= n_texts) {
            PyErr_SetString(PyExc_ValueError, "anchor_overlaps: a pair names no text");
            return release_buffers(views, 4, NULL);
        }
    Py_ssize_t longest = 0;
    for (Py_ssize_t t = 0; t < n_texts; t++)
        if (bounds[t + 1] - bounds[t] > longest)
            longest = bounds[t + 1] - bounds[t];
    /* A window or an n-gram longer than every text reads no more of it: so
     * bounded, the context buffers' size and the positions cannot overflow. */
    if (window > longest)
        window = longest;
    if (n > longest + 1)
        n = longest + 1;
    size_t capacity = 16; /* room for the longest text; a pair takes the first slots it needs */
    while (capacity < 2 * (size_t)longest)
        capacity <<= 1;
    anchor_slot_t *table = malloc(capacity * sizeof(anchor_slot_t));
    uint64_t *context = malloc((size_t)(4 * window + 2) * sizeof(uint64_t));
    if (table == NULL || context == NULL) {
        free(table);
        free(context);
        return release_buffers(views, 4, PyErr_NoMemory());
    }
    Py_BEGIN_ALLOW_THREADS
    const multiple_test_t every = multiple_test_of((uint64_t)sample);
    for (size_t s = 0; s < capacity; s++)
        table[s].owner = table[s].seen = -1;
    uint64_t *wa = context, *wb = context + 2 * window + 1;
    for (Py_ssize_t k = 0; k < n_pairs; k++) {
        const int64_t ta = pairs[2 * k], tb = pairs[2 * k + 1];
        double best = 0.0;
        /* a table twice the size of text a's words: small ones stay in the cache */
        size_t mask = 15;
        while (mask + 1 < 2 * (size_t)(bounds[ta + 1] - bounds[ta]))
            mask = 2 * mask + 1;
        /* text a's distinct fingerprints at their first position */
        for (int64_t p = bounds[ta]; p + n <= bounds[ta + 1]; p++) {
            const uint64_t h = fingerprint(words + p, n);
            if (!is_multiple(h >> 23, &every))
                continue;
            const size_t s = anchor_slot(table, mask, k, h);
            if (table[s].owner != k) {
                table[s].key = h;
                table[s].pos = p;
                table[s].owner = k;
            }
        }
        /* text b's, each at its first position, looked up */
        for (int64_t q = bounds[tb]; q + n <= bounds[tb + 1]; q++) {
            const uint64_t h = fingerprint(words + q, n);
            if (!is_multiple(h >> 23, &every))
                continue;
            const size_t s = anchor_slot(table, mask, k, h);
            if (table[s].owner != k || table[s].seen == k)
                continue;
            table[s].seen = k;
            const Py_ssize_t na = context_words(words, bounds[ta], bounds[ta + 1], table[s].pos, n, window, wa);
            const Py_ssize_t nb = context_words(words, bounds[tb], bounds[tb + 1], q, n, window, wb);
            if (na == 0 || nb == 0)
                continue;
            const double share = (double)common_count(wa, na, wb, nb) / (double)(na < nb ? na : nb);
            if (share > best)
                best = share;
            if (best >= enough)
                break;
        }
        out[k] = best;
    }
    Py_END_ALLOW_THREADS
    free(table);
    free(context);
    Py_INCREF(Py_None);
    return release_buffers(views, 4, Py_None);
}

/* ---- end of the anchor check of candidate pairs ---- */

/* ---- MinHash minima of 64-bit shingle hashes (stage 1) ----
 *
 * - shingle_minima: segment_minima of the shingle hashes folded to 32 bits
 *   (high word xor low word, shingles.fold32) and pre-mixed with the
 *   MurmurHash3 finaliser (signatures.fmix32), in one pass over the hashes
 *   instead of numpy's eight, each through a temporary array. */

static inline uint32_t fmix32_of(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

static PyObject *shingle_minima(PyObject *self, PyObject *args)
{
    Py_buffer views[5]; /* hashes, offsets, a, b, out */
    Py_ssize_t n_values, n_docs, perms;
    (void)self;
    if (minima_buffers(args, "shingle_minima", 8, "hashes", views, &n_values, &n_docs, &perms) < 0)
        return NULL;
    const int64_t *offsets = (const int64_t *)views[1].buf;
    uint32_t *mixed = PyMem_Malloc((size_t)(n_values > 0 ? n_values : 1) * sizeof(uint32_t));
    if (mixed == NULL)
        return release_buffers(views, 5, PyErr_NoMemory());
    const uint64_t *hashes = (const uint64_t *)views[0].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < n_values; k++)
        mixed[k] = fmix32_of((uint32_t)(hashes[k] >> 32) ^ (uint32_t)hashes[k]);
    segment_minima_loop(mixed, offsets, n_docs, (const uint32_t *)views[2].buf, (const uint32_t *)views[3].buf, perms, (uint32_t *)views[4].buf);
    Py_END_ALLOW_THREADS
    PyMem_Free(mixed);
    Py_INCREF(Py_None);
    return release_buffers(views, 5, Py_None);
}

/* ---- end of the MinHash minima of 64-bit shingle hashes ---- */

static PyMethodDef methods[] = {
    {"segment_minima", segment_minima, METH_VARARGS,
     "segment_minima(values, offsets, a, b, out): out[d, p] = min of (a[p] * v + b[p]) mod 2**32\n"
     "over values[offsets[d]:offsets[d + 1]] (uint32 values, a, b and out; int64 offsets;\n"
     "0xFFFFFFFF for an empty segment)."},
    {"ascii_token_hashes", ascii_token_hashes, METH_VARARGS,
     "ascii_token_hashes(codes, hashes, starts, ends) -> count: the tokens (runs of ASCII letters\n"
     "and digits) of the uint8 codes, their 64-bit hashes and where each starts and ends, written to\n"
     "the first count items of the uint64 / int64 outputs (each of len(codes) // 2 + 1 items)."},
    {"ascii_collapsed", ascii_collapsed, METH_VARARGS,
     "ascii_collapsed(codes, lengths, out, ends): each text of the uint8 codes (int64 lengths, each text\n"
     "followed by one separator) with every whitespace run made one space and none at either end,\n"
     "written one after the other to the uint8 out; ends[t] is where text t stops in out."},
    {"diagonal_runs", diagonal_runs, METH_VARARGS,
     "diagonal_runs(hashes_a, positions_a, hashes_b, positions_b, n, max_repeats) -> bytes: the exact runs of\n"
     "n-token seeds two sorted seed tables share (a b hash held more than max_repeats times is no seed), as\n"
     "int64 (a_start, a_end, diagonal) rows sorted by a_start then diagonal."},
    {"merged_runs", merged_runs, METH_VARARGS,
     "merged_runs(runs, quoted_a, quoted_b, n, gap) -> bytes: the int64 (a_start, a_end, diagonal) runs cut where\n"
     "both texts' quotation flags (bool) change, and merged into passages, as int64 rows (a_start, a_end,\n"
     "b_start, b_end, matched, quoted) in the order they were opened."},
    {"verbatim_cover", verbatim_cover, METH_VARARGS,
     "verbatim_cover(sentences_a, sentences_b, passages) -> bytes: for int64 sentence token ranges (first, last + 1)\n"
     "of each text and int64 passages (a_start, a_end, b_start, b_end) in tokens, each sentence pair a passage\n"
     "joins as (int64 row * max(1, len(sentences_b)) + column, float64 share), once with its largest share, by key."},
    {"selected_entries", selected_entries, METH_VARARGS,
     "selected_entries(keys, values, rows, columns, strong, weak) -> bytes: the int64 positions, by key, of the\n"
     "score entries (int64 keys row * columns + column, sorted and distinct; float32 values) that\n"
     "select_sentence_pairs keeps, strong and weak compared as float32."},
    {"ascii_block_stats", ascii_block_stats, METH_VARARGS,
     "ascii_block_stats(codes, table, lower, stops, ends, out): per block of the uint8 ASCII codes\n"
     "(int64 ends, blocks one separator apart), 9 int64 counts into out: words, stopwords, words\n"
     "starting upper case, upper-case words, word characters, punctuation, digits, separators and\n"
     "sentence ends, from the class bits of table and the lower case of lower (256 uint8 each);\n"
     "a stopword's lower-cased codes packed into a uint64 are one of the sorted uint64 stops."},
    {"ascii_repeated_runs", ascii_repeated_runs, METH_VARARGS,
     "ascii_repeated_runs(codes, run, flags): flags[l] = 1 where line l of the uint8 ASCII codes\n"
     "(lines split at line breaks, words at spaces) holds a run of run words twice (or, rarely,\n"
     "two runs of one hash), else 0; one flag per line, len(flags) lines at most."},
    {"ascii_lines", ascii_lines, METH_VARARGS,
     "ascii_lines(codes, ends, bounds, lines) -> count: the non-empty lines of each text of the uint8 codes\n"
     "(text t up to the int64 ends[t]), trimmed of white space, as absolute int64 (start, end) pairs written\n"
     "to bounds (room for len(codes) // 2 + len(ends) pairs); lines[t]: how many of them text t has."},
    {"ascii_block_pass", ascii_block_pass, METH_VARARGS,
     "ascii_block_pass(codes, bounds, sizes, table, lower, stops, keys, key_bounds, bare, bare_ends, out,\n"
     "repeats, run) -> bytes of keys written: for each block of the uint8 ASCII codes (int64 (start, end) bounds; sizes[d] blocks per\n"
     "document), its key (lower case, single spaces; a space after each, a line break after each document)\n"
     "into keys at key_bounds, the key without digits into bare up to bare_ends, and 13 int64 figures into out:\n"
     "the 9 of ascii_block_stats, the key's words, whether it ends like a sentence and with an ellipsis,\n"
     "the words of the key without digits;\n"
     "repeats[d] = 1 where document d's keys hold a run of run words twice (as ascii_repeated_runs)."},
    {"ascii_pieces", ascii_pieces, METH_VARARGS,
     "ascii_pieces(codes, starts, ends, text) -> list: codes[starts[k]:ends[k]] of the uint8 codes for each k\n"
     "(int64 starts and ends), as str when text is true (ASCII, else an error), else as bytes."},
    {"forest_sums", forest_sums, METH_VARARGS,
     "forest_sums(X, feature, threshold, left, right, scaled, roots, out, depth): adds to each item of the\n"
     "float64 out the scaled (float64) value of the leaf its row of the float64 matrix X reaches in each\n"
     "tree, tree by tree: nodes laid end to end (int64 feature, left, right; float64 threshold), a leaf\n"
     "pointing to itself, int64 roots, depth steps down each tree (left where X[feature] <= threshold)."},
    {"sampled_ngrams", sampled_ngrams, METH_VARARGS,
     "sampled_ngrams(tokens, first, n, sample, base, hashes, owners) -> count: the hash of every n consecutive\n"
     "uint64 tokens of one text (text t holds tokens[first[t]:first[t + 1]], int64 first) that is a\n"
     "fingerprint ((hash >> 23) % sample == 0), in text order, and base + t for each, written to the first\n"
     "count items of the uint64 hashes and int64 owners (len(tokens) items each)."},
    {"sort_by_hash", sort_by_hash, METH_VARARGS,
     "sort_by_hash(hashes, owners, out_hashes, out_owners): the uint64 hashes and their int64 owners ordered by\n"
     "hash, ties in the order given, written to the outputs (of the same length; the inputs are left)."},
    {"ascii_text_tokens", ascii_text_tokens, METH_VARARGS,
     "ascii_text_tokens(codes, lengths, hashes, first) -> count: the token hashes of each ASCII text of the uint8\n"
     "codes (int64 lengths, each text followed by one separator that is no token character), as\n"
     "ascii_token_hashes gives them, in the first count items of the uint64 hashes (len(codes) // 2 + 1\n"
     "items); text t holds hashes[first[t]:first[t + 1]] (int64 first, len(lengths) + 1 items)."},
    {"segment_shingles", segment_shingles, METH_VARARGS,
     "segment_shingles(tokens, first, n, out, offsets) -> count: each text's distinct shingle hashes (every n\n"
     "consecutive uint64 tokens of text t, tokens[first[t]:first[t + 1]]; a shorter text one shingle of\n"
     "all its tokens), sorted, text after text in the first count items of the uint64 out (len(tokens)\n"
     "items); text t holds out[offsets[t]:offsets[t + 1]] (int64 offsets, len(first) items)."},
    {"shared_shingles", shared_shingles, METH_VARARGS,
     "shared_shingles(tokens_a, tokens_b, n) -> (size_a, size_b, common): the distinct shingles of two texts'\n"
     "uint64 token hashes (as segment_shingles takes them) and how many both hold."},
    {"seed_table", seed_table, METH_VARARGS,
     "seed_table(tokens, masked, n, hashes, positions) -> count: the n-token hashes of the uint64 token hashes\n"
     "that hold no masked token (bool, one a token), with their int64 positions, sorted by hash (equal ones by\n"
     "position), into the first count items of the outputs (len(tokens) - n + 1 items each)."},
    {"anchor_overlaps", anchor_overlaps, METH_VARARGS,
     "anchor_overlaps(words, bounds, pairs, out, n, sample, window, enough): for each int64 pair (a, b) of\n"
     "texts (text t: the uint64 word hashes words[bounds[t]:bounds[t + 1]], int64 bounds), the best share of the\n"
     "distinct words within window words of a sampled n-gram both hold\n"
     "(at its first position in each) that the text with fewer also has there, stopping at enough; into the\n"
     "float64 out, 0.0 where they hold none."},
    {"shingle_minima", shingle_minima, METH_VARARGS,
     "shingle_minima(hashes, offsets, a, b, out): segment_minima of the uint64 hashes folded to 32 bits\n"
     "(high word xor low word) and mixed with the MurmurHash3 finaliser, as minhash_segments(fold32(hashes))."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_loops", "The compiled loops of stage 1, of passage alignment and of the boilerplate stage.", -1, methods};

PyMODINIT_FUNC PyInit__loops(void)
{
    token_tables_init();
    return PyModule_Create(&module);
}
