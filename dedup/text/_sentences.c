/* The compiled part of preparing a text for alignment (optional: where this
 * module was not built, dedup.text.sentences and dedup.text.normalize give
 * the same spans, strings and offsets in Python, and tests compare both):
 *
 * - sentence_bounds: the sentences of a text, one pass over its code points
 *   (any of Python's str kinds) doing what the boundary pattern of
 *   dedup.text.sentences does at each place a boundary can begin, where the
 *   Python code tries a regular expression there;
 * - folded_offsets: the normalised text with the original range of each of
 *   its characters, where a cluster of one character is folded by a table
 *   (the fold of each code point of the Basic Multilingual Plane) and any
 *   other cluster by the Python fold, and white space is collapsed in the
 *   same pass;
 * - ascii_folded_tokens: the normalised ASCII text and its tokens (their
 *   hashes, original and normalised ranges) in one pass, where the Python
 *   code normalises with offsets, then tokenises the normalised text and
 *   maps its tokens back;
 * - sentence_slices: the normalised text of each sentence, one str each,
 *   where the Python code slices in a loop;
 * - quotation_mask: the characters inside quotation marks, one pass, where
 *   the Python code looks at each mark and at the text since the last one.
 *
 * White space is Py_UNICODE_ISSPACE: what str.isspace(), str.strip() and the
 * \s of a str regular expression all test.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A text's code points, whatever its kind. */
typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
} text_t;

#define AT(t, i) PyUnicode_READ((t)->kind, (t)->data, (i))

static int is_space(Py_UCS4 c) { return Py_UNICODE_ISSPACE(c); }

/* . ! ? and the ellipsis */
static int is_stop(Py_UCS4 c) { return c == '.' || c == '!' || c == '?' || c == 0x2026; }

/* Closing quotes and brackets that stay with a stop. */
static int is_closer(Py_UCS4 c)
{
    return c == '"' || c == '\'' || c == 0x2019 || c == 0x201d || c == 0xbb || c == ')' || c == ']';
}

/* The full stops of scripts that end a sentence without white space after them. */
static int is_script_stop(Py_UCS4 c)
{
    switch (c) {
    case 0x3002: case 0xff01: case 0xff1f: case 0xff61: case 0x0964: case 0x0965: case 0x061f: case 0x06d4:
    case 0x0589: case 0x1362: case 0x1367: case 0x1368: case 0x104b: case 0x0f0d: case 0x0f0e: case 0x17d4:
    case 0x17d5:
        return 1;
    default:
        return 0;
    }
}

static int is_script_closer(Py_UCS4 c) { return c == 0x300d || c == 0x300f || c == 0xff09 || is_closer(c); }

/* Thai and Lao letters, whose sentences are separated by a space. */
static int is_spaced(Py_UCS4 c) { return (c >= 0x0e01 && c <= 0x0e5b) || (c >= 0x0e81 && c <= 0x0edf); }

/* What may precede a line break that ends a sentence. */
static int ends_line(Py_UCS4 c) { return is_stop(c) || c == ':' || c == ';' || is_closer(c); }

/* What may follow a line break that ends a sentence: a capital, a digit, an
 * opening quote or a dash. */
static int opens_line(Py_UCS4 c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '"' || c == '\'' || c == 0x2018 || c == 0x201c || c == 0xab ||
           c == 0x2013 || c == 0x2014 || c == '-';
}

static Py_ssize_t skip_spaces(const text_t *t, Py_ssize_t q)
{
    while (q < t->n && is_space(AT(t, q)))
        q++;
    return q;
}

static Py_ssize_t skip_blanks(const text_t *t, Py_ssize_t q)
{
    while (q < t->n && (AT(t, q) == ' ' || AT(t, q) == '\t'))
        q++;
    return q;
}

/* The boundary pattern's match at p, its alternatives tried in order: 1 and
 * the end of what stays with the sentence before (*kept) and of the match
 * (*end), or 0. */
static int boundary_at(const text_t *t, Py_ssize_t p, Py_ssize_t *kept, Py_ssize_t *end)
{
    const Py_ssize_t n = t->n;
    const Py_UCS4 c = AT(t, p);
    Py_ssize_t q;
    /* stops and closers, white space, then no lower-case letter */
    if (is_stop(c)) {
        for (q = p; q < n && is_stop(AT(t, q)); q++)
            ;
        while (q < n && is_closer(AT(t, q)))
            q++;
        Py_ssize_t stops_end = q;
        if (q < n && is_space(AT(t, q))) {
            q = skip_spaces(t, q);
            if (q < n && !(AT(t, q) >= 'a' && AT(t, q) <= 'z')) {
                *kept = stops_end, *end = q;
                return 1;
            }
        }
    }
    /* a blank line */
    if (c == '\n') {
        q = skip_blanks(t, p + 1);
        if (q < n && AT(t, q) == '\n') {
            *kept = p, *end = skip_spaces(t, q + 1);
            return 1;
        }
    }
    /* a line break after punctuation, or before a capital */
    q = skip_blanks(t, p);
    if (q < n && AT(t, q) == '\n') {
        Py_ssize_t after = skip_spaces(t, q + 1);
        if ((p > 0 && ends_line(AT(t, p - 1))) || (after < n && opens_line(AT(t, after)))) {
            *kept = p, *end = after;
            return 1;
        }
    }
    /* a script's own stops */
    if (is_script_stop(c)) {
        for (q = p; q < n && is_script_stop(AT(t, q)); q++)
            ;
        while (q < n && is_script_closer(AT(t, q)))
            q++;
        *kept = q, *end = skip_spaces(t, q);
        return 1;
    }
    /* white space between two Thai or Lao letters */
    if (p > 0 && is_spaced(AT(t, p - 1)) && is_space(c)) {
        q = skip_spaces(t, p);
        if (q < n && is_spaced(AT(t, q))) {
            *kept = p, *end = q;
            return 1;
        }
    }
    return 0;
}

/* A growable array of int64. */
typedef struct {
    int64_t *data;
    Py_ssize_t count, room;
} int64s_t;

static int push(int64s_t *v, int64_t value)
{
    if (v->count == v->room) {
        Py_ssize_t room = v->room ? v->room * 2 : 64;
        int64_t *data = realloc(v->data, (size_t)room * sizeof(int64_t));
        if (data == NULL)
            return -1;
        v->data = data, v->room = room;
    }
    v->data[v->count++] = value;
    return 0;
}

/* [start, end) trimmed of white space, kept where something is left. */
static int push_trimmed(const text_t *t, Py_ssize_t start, Py_ssize_t end, int64s_t *out)
{
    while (start < end && is_space(AT(t, start)))
        start++;
    while (end > start && is_space(AT(t, end - 1)))
        end--;
    if (start == end)
        return 0;
    return push(out, start) || push(out, end) ? -1 : 0;
}

static int is_candidate(const text_t *t, Py_ssize_t at)
{
    const Py_UCS4 c = AT(t, at);
    return is_stop(c) || c == '\n' || is_script_stop(c) || (at > 0 && is_spaced(AT(t, at - 1)) && is_space(c));
}

/* The boundaries left to right, as dedup.text.sentences._boundaries finds
 * them, and the trimmed sentences between them. */
static int find_sentences(const text_t *t, int64s_t *out)
{
    Py_ssize_t pos = 0, start = 0, kept, end;
    for (Py_ssize_t at = 0; at < t->n; at++) {
        if (!is_candidate(t, at))
            continue;
        int found = 0;
        if (AT(t, at) == '\n') {
            /* a boundary at this line break may begin at the blanks before it */
            Py_ssize_t first = at;
            while (first > pos && (AT(t, first - 1) == ' ' || AT(t, first - 1) == '\t'))
                first--;
            found = first < at && boundary_at(t, first, &kept, &end);
        }
        if (!found)
            found = boundary_at(t, at, &kept, &end);
        if (found) {
            if (push_trimmed(t, start, kept, out) < 0)
                return -1;
            start = pos = end;
            at = end - 1;
        } else if (is_stop(AT(t, at))) {
            /* a run of stops where no boundary begins fails from each of its stops */
            while (at + 1 < t->n && is_stop(AT(t, at + 1)))
                at++;
        }
    }
    return push_trimmed(t, start, t->n, out);
}

static PyObject *sentence_bounds(PyObject *self, PyObject *args)
{
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text))
        return NULL;
    text_t t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    int64s_t out = {NULL, 0, 0};
    PyObject *result = NULL;
    if (find_sentences(&t, &out) < 0)
        PyErr_NoMemory();
    else
        result = PyBytes_FromStringAndSize((const char *)out.data, out.count * (Py_ssize_t)sizeof(int64_t));
    free(out.data);
    return result;
}

/* The first token starting at or after each value (numpy's searchsorted, side left). */
static Py_ssize_t first_at_or_after(const int64_t *starts, Py_ssize_t n, int64_t value)
{
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        const Py_ssize_t mid = lo + (hi - lo) / 2;
        if (starts[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static PyObject *sentence_tokens(PyObject *self, PyObject *args)
{
    Py_buffer bounds, starts;
    if (!PyArg_ParseTuple(args, "y*y*", &bounds, &starts))
        return NULL;
    PyObject *result = NULL;
    const Py_ssize_t n = bounds.len / (Py_ssize_t)(2 * sizeof(int64_t)), tokens = starts.len / (Py_ssize_t)sizeof(int64_t);
    int64_t *kept = malloc((size_t)(2 * n + 1) * sizeof(int64_t)), *ranges = malloc((size_t)(2 * n + 1) * sizeof(int64_t));
    if (kept == NULL || ranges == NULL) {
        PyErr_NoMemory();
    } else {
        const int64_t *b = bounds.buf, *s = starts.buf;
        Py_ssize_t count = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            const Py_ssize_t first = first_at_or_after(s, tokens, b[2 * i]), last = first_at_or_after(s, tokens, b[2 * i + 1]);
            if (last > first) {
                kept[2 * count] = b[2 * i], kept[2 * count + 1] = b[2 * i + 1];
                ranges[2 * count] = first, ranges[2 * count + 1] = last;
                count++;
            }
        }
        const Py_ssize_t size = 2 * count * (Py_ssize_t)sizeof(int64_t);
        result = Py_BuildValue("(y#y#)", (const char *)kept, size, (const char *)ranges, size);
    }
    free(kept), free(ranges);
    PyBuffer_Release(&bounds), PyBuffer_Release(&starts);
    return result;
}

/* The normalised text of each sentence: text[starts[first]:ends[last - 1]]
 * for each int64 token range [first, last) of ranges, one str each. */
static PyObject *sentence_slices(PyObject *self, PyObject *args)
{
    PyObject *text, *out = NULL;
    Py_buffer starts, ends, ranges;
    (void)self;
    if (!PyArg_ParseTuple(args, "Uy*y*y*", &text, &starts, &ends, &ranges))
        return NULL;
    const Py_ssize_t tokens = starts.len / (Py_ssize_t)sizeof(int64_t), length = PyUnicode_GET_LENGTH(text);
    const Py_ssize_t n = ranges.len / (Py_ssize_t)(2 * sizeof(int64_t));
    const int64_t *s = starts.buf, *e = ends.buf, *r = ranges.buf;
    if (ends.len != starts.len) {
        PyErr_SetString(PyExc_ValueError, "sentence_slices: a start and an end for each token");
        goto done;
    }
    out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        const int64_t first = r[2 * i], last = r[2 * i + 1];
        if (first < 0 || last <= first || last > tokens || s[first] < 0 || e[last - 1] < s[first] || e[last - 1] > length) {
            PyErr_Format(PyExc_ValueError, "sentence_slices: invalid token range [%lld, %lld)", (long long)first, (long long)last);
            Py_CLEAR(out);
            break;
        }
        PyObject *piece = PyUnicode_Substring(text, s[first], e[last - 1]);
        if (piece == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, piece);
    }
done:
    PyBuffer_Release(&starts), PyBuffer_Release(&ends), PyBuffer_Release(&ranges);
    return out;
}

/* A list of span_type objects with the fields start and end, one for each
 * int64 (start, end) pair: set as the dataclass's own __init__ sets the
 * fields of a frozen instance (object.__setattr__), its check done here. */
static PyObject *spans(PyObject *self, PyObject *args)
{
    PyTypeObject *span_type;
    Py_buffer bounds;
    if (!PyArg_ParseTuple(args, "O!y*", &PyType_Type, &span_type, &bounds))
        return NULL;
    if (span_type->tp_new == NULL) {  /* a type that cannot be made: refused, not called */
        PyBuffer_Release(&bounds);
        PyErr_Format(PyExc_TypeError, "cannot create '%.100s' instances", span_type->tp_name);
        return NULL;
    }
    const Py_ssize_t n = bounds.len / (Py_ssize_t)(2 * sizeof(int64_t));
    const int64_t *b = bounds.buf;
    PyObject *no_args = PyTuple_New(0), *start_name = PyUnicode_InternFromString("start"), *end_name = PyUnicode_InternFromString("end");
    PyObject *out = no_args && start_name && end_name ? PyList_New(n) : NULL;
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        if (b[2 * i] < 0 || b[2 * i + 1] < b[2 * i]) {
            PyErr_Format(PyExc_ValueError, "invalid span [%lld, %lld)", (long long)b[2 * i], (long long)b[2 * i + 1]);
            Py_CLEAR(out);
            break;
        }
        PyObject *span = span_type->tp_new(span_type, no_args, NULL);
        PyObject *start = PyLong_FromLongLong(b[2 * i]), *end = PyLong_FromLongLong(b[2 * i + 1]);
        const int failed = span == NULL || start == NULL || end == NULL || PyObject_GenericSetAttr(span, start_name, start) < 0 ||
                           PyObject_GenericSetAttr(span, end_name, end) < 0;
        Py_XDECREF(start), Py_XDECREF(end);
        if (failed) {
            Py_XDECREF(span);
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, span);
    }
    Py_XDECREF(no_args), Py_XDECREF(start_name), Py_XDECREF(end_name);
    PyBuffer_Release(&bounds);
    return out;
}

/* Bits of a fold table entry: the code point a character folds to, whether
 * it folds to anything but one character, whether it is a starter. */
#define FOLD_CODE 0x1fffffu
#define FOLD_OTHER (1u << 30)
#define NON_STARTER (1u << 31)

/* The normalised text being written: its characters and the original range
 * of each, with a run of white space held back until a character follows. */
typedef struct {
    Py_UCS4 *chars;
    int64_t *starts, *ends;
    Py_ssize_t count, room;
    int in_space;
    int64_t space_start, space_end;
} folded_t;

static int put(folded_t *f, Py_UCS4 c, int64_t start, int64_t end)
{
    if (f->count + 2 > f->room) {
        Py_ssize_t room = f->room * 2 + 64;
        Py_UCS4 *chars = realloc(f->chars, (size_t)room * sizeof(Py_UCS4));
        if (chars != NULL)
            f->chars = chars;
        int64_t *starts = realloc(f->starts, (size_t)room * sizeof(int64_t));
        if (starts != NULL)
            f->starts = starts;
        int64_t *ends = realloc(f->ends, (size_t)room * sizeof(int64_t));
        if (ends != NULL)
            f->ends = ends;
        if (chars == NULL || starts == NULL || ends == NULL)
            return -1;
        f->room = room;
    }
    if (is_space(c)) {
        /* the first of a run stands for it, as one space */
        if (!f->in_space)
            f->in_space = 1, f->space_start = start, f->space_end = end;
        return 0;
    }
    if (f->in_space && f->count > 0) {
        f->chars[f->count] = ' ', f->starts[f->count] = f->space_start, f->ends[f->count] = f->space_end;
        f->count++;
    }
    f->in_space = 0;
    f->chars[f->count] = c, f->starts[f->count] = start, f->ends[f->count] = end;
    f->count++;
    return 0;
}

/* Whether the character at i starts a cluster: by the table, or by
 * is_starter for a code point past it. */
static int starts_cluster(const text_t *t, Py_ssize_t i, const uint32_t *table, Py_ssize_t size, PyObject *is_starter)
{
    Py_UCS4 c = AT(t, i);
    if (c < (Py_UCS4)size)
        return !(table[c] & NON_STARTER);
    PyObject *ch = PyUnicode_FromOrdinal(c);
    if (ch == NULL)
        return -1;
    PyObject *answer = PyObject_CallOneArg(is_starter, ch);
    Py_DECREF(ch);
    if (answer == NULL)
        return -1;
    int yes = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    return yes;
}

/* The cluster text[a:b] folded by the Python fold, each character with the cluster's range. */
static int put_folded(folded_t *f, PyObject *text, Py_ssize_t a, Py_ssize_t b, PyObject *fold)
{
    PyObject *piece = PyUnicode_Substring(text, a, b);
    if (piece == NULL)
        return -1;
    PyObject *out = PyObject_CallOneArg(fold, piece);
    Py_DECREF(piece);
    if (out == NULL)
        return -1;
    if (!PyUnicode_Check(out)) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_TypeError, "the fold must return a str");
        return -1;
    }
    const int kind = PyUnicode_KIND(out);
    const void *data = PyUnicode_DATA(out);
    int failed = 0;
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(out) && !failed; k++)
        failed = put(f, PyUnicode_READ(kind, data, k), a, b) < 0;
    Py_DECREF(out);
    if (failed)
        PyErr_NoMemory();
    return failed ? -1 : 0;
}

/* White space of ASCII text as str.isspace() has it (what the fold collapses). */
static int is_ascii_space(Py_UCS1 c) { return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f); }

static Py_UCS1 ascii_lower(Py_UCS1 c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* folded_offsets of ASCII text: lower case, one character for one, white
 * space collapsed, written straight into the str and arrays returned. */
static PyObject *fold_ascii(const Py_UCS1 *text, Py_ssize_t n)
{
    PyObject *result = NULL;
    Py_UCS1 *chars = malloc((size_t)n + 1);
    PyObject *starts = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int64_t));
    PyObject *ends = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int64_t));
    if (chars == NULL || starts == NULL || ends == NULL) {
        if (chars == NULL)
            PyErr_NoMemory();
        goto done;
    }
    int64_t *start = (int64_t *)PyByteArray_AS_STRING(starts), *end = (int64_t *)PyByteArray_AS_STRING(ends);
    Py_ssize_t count = 0, space = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Py_UCS1 c = text[i];
        if (is_ascii_space(c)) {
            if (space < 0)
                space = i;
            continue;
        }
        if (space >= 0 && count > 0)
            chars[count] = ' ', start[count] = space, end[count] = space + 1, count++;
        space = -1;
        chars[count] = ascii_lower(c), start[count] = i, end[count] = i + 1, count++;
    }
    PyObject *folded = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, chars, count);
    if (folded != NULL && PyByteArray_Resize(starts, count * (Py_ssize_t)sizeof(int64_t)) == 0 &&
        PyByteArray_Resize(ends, count * (Py_ssize_t)sizeof(int64_t)) == 0)
        result = PyTuple_Pack(3, folded, starts, ends);
    Py_XDECREF(folded);
done:
    free(chars);
    Py_XDECREF(starts), Py_XDECREF(ends);
    return result;
}

/* A character of a token of ASCII text: a letter or a digit (what the
 * tokens of dedup.text.shingles are made of). */
static int is_ascii_token_char(Py_UCS1 c) { return (Py_UCS1)(c - '0') <= 9 || (Py_UCS1)((c | 32) - 'a') <= 25; }

/* The token multiplier and hash finaliser of dedup.text.shingles (the
 * 64-bit FNV prime, SplitMix64's finaliser). */
#define TOKEN_P 0x100000001B3ULL
#define TOKEN_POWERS 32

/* TOKEN_P ** k (mod 2 ** 64) for a token's first characters, set at import. */
static uint64_t token_powers[TOKEN_POWERS];

static uint64_t token_mix(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The text fold_ascii folds (without the range of each character) and
 * the tokens of the folded text, in the same pass: each token's hash,
 * original start and end, and start and end in the folded text (tokens
 * are runs of letters and digits, which the fold keeps one for one, so
 * each is hashed as it is written, a whole token at a time). */
static PyObject *fold_ascii_tokens(const Py_UCS1 *text, Py_ssize_t n)
{
    PyObject *result = NULL, *folded = NULL;
    const Py_ssize_t room = n / 2 + 1; /* the most tokens n characters hold */
    Py_UCS1 *chars = malloc((size_t)n + 1);
    PyObject *arrays[5] = {
        PyByteArray_FromStringAndSize(NULL, room * (Py_ssize_t)sizeof(uint64_t)), /* token: hash */
        PyByteArray_FromStringAndSize(NULL, room * (Py_ssize_t)sizeof(int64_t)), /* original start */
        PyByteArray_FromStringAndSize(NULL, room * (Py_ssize_t)sizeof(int64_t)), /* original end */
        PyByteArray_FromStringAndSize(NULL, room * (Py_ssize_t)sizeof(int64_t)), /* folded start */
        PyByteArray_FromStringAndSize(NULL, room * (Py_ssize_t)sizeof(int64_t)), /* folded end */
    };
    int ok = chars != NULL;
    for (int k = 0; k < 5; k++)
        ok = ok && arrays[k] != NULL;
    if (!ok) {
        if (chars == NULL)
            PyErr_NoMemory();
        goto done;
    }
    uint64_t *hash = (uint64_t *)PyByteArray_AS_STRING(arrays[0]);
    int64_t *t_start = (int64_t *)PyByteArray_AS_STRING(arrays[1]), *t_end = (int64_t *)PyByteArray_AS_STRING(arrays[2]);
    int64_t *f_start = (int64_t *)PyByteArray_AS_STRING(arrays[3]), *f_end = (int64_t *)PyByteArray_AS_STRING(arrays[4]);
    Py_ssize_t count = 0, space = -1, tokens = 0;
    for (Py_ssize_t i = 0; i < n;) {
        const Py_UCS1 c = text[i];
        if (is_ascii_space(c)) {
            if (space < 0)
                space = i;
            i++;
            continue;
        }
        if (space >= 0 && count > 0)
            chars[count++] = ' ';
        space = -1;
        if (!is_ascii_token_char(c)) {
            chars[count++] = ascii_lower(c);
            i++;
            continue;
        }
        /* a whole token: its first characters weighed by the table of
         * powers, so that no multiply waits on the one before */
        t_start[tokens] = i, f_start[tokens] = count;
        uint64_t sum = 0;
        Py_ssize_t k = 0;
        for (; i < n && k < TOKEN_POWERS && is_ascii_token_char(text[i]); i++, k++) {
            const Py_UCS1 lower = ascii_lower(text[i]);
            sum += (uint64_t)lower * token_powers[k];
            chars[count++] = lower;
        }
        if (k == TOKEN_POWERS) {
            uint64_t power = token_powers[TOKEN_POWERS - 1] * TOKEN_P;
            for (; i < n && is_ascii_token_char(text[i]); i++) {
                const Py_UCS1 lower = ascii_lower(text[i]);
                sum += (uint64_t)lower * power;
                power *= TOKEN_P;
                chars[count++] = lower;
            }
        }
        t_end[tokens] = i, f_end[tokens] = count;
        hash[tokens++] = token_mix(sum);
    }
    folded = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, chars, count);
    if (folded == NULL)
        goto done;
    for (int k = 0; k < 5; k++)
        if (PyByteArray_Resize(arrays[k], tokens * (Py_ssize_t)sizeof(int64_t)) < 0)
            goto done;
    result = PyTuple_Pack(6, folded, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4]);
done:
    free(chars);
    Py_XDECREF(folded);
    for (int k = 0; k < 5; k++)
        Py_XDECREF(arrays[k]);
    return result;
}

static PyObject *ascii_folded_tokens(PyObject *self, PyObject *args)
{
    PyObject *text;
    (void)self;
    if (!PyArg_ParseTuple(args, "U", &text))
        return NULL;
    if (!PyUnicode_IS_ASCII(text)) {
        PyErr_SetString(PyExc_ValueError, "ascii_folded_tokens: the text must be ASCII");
        return NULL;
    }
    return fold_ascii_tokens(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text));
}

static int fold_all(PyObject *text, const text_t *t, const uint32_t *table, Py_ssize_t size, PyObject *fold, PyObject *is_starter, folded_t *f)
{
    Py_ssize_t i = 0;
    while (i < t->n) {
        const Py_ssize_t a = i++;
        int starter = 1;
        while (i < t->n && (starter = starts_cluster(t, i, table, size, is_starter)) == 0)
            i++;
        if (i < t->n && starter < 0)
            return -1;
        const Py_UCS4 c = AT(t, a);
        if (i - a == 1 && c < (Py_UCS4)size && !(table[c] & FOLD_OTHER)) {
            if (put(f, table[c] & FOLD_CODE, a, i) < 0) {
                PyErr_NoMemory();
                return -1;
            }
        } else if (put_folded(f, text, a, i, fold) < 0) {
            return -1;
        }
    }
    return 0;
}

static PyObject *folded_result(const folded_t *f)
{
    PyObject *result = NULL;
    PyObject *chars = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, f->chars, f->count);
    const Py_ssize_t size = f->count * (Py_ssize_t)sizeof(int64_t);
    PyObject *starts = PyByteArray_FromStringAndSize((const char *)f->starts, size);
    PyObject *ends = PyByteArray_FromStringAndSize((const char *)f->ends, size);
    if (chars != NULL && starts != NULL && ends != NULL)
        result = PyTuple_Pack(3, chars, starts, ends);
    Py_XDECREF(chars), Py_XDECREF(starts), Py_XDECREF(ends);
    return result;
}

static PyObject *folded_offsets(PyObject *self, PyObject *args)
{
    PyObject *text, *fold, *is_starter;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*OO", &text, &table, &fold, &is_starter))
        return NULL;
    if (table.len % sizeof(uint32_t) != 0) {
        PyBuffer_Release(&table);
        PyErr_SetString(PyExc_ValueError, "the fold table must be uint32");
        return NULL;
    }
    text_t t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    if (PyUnicode_IS_ASCII(text)) {
        PyBuffer_Release(&table);
        return fold_ascii(PyUnicode_1BYTE_DATA(text), t.n);
    }
    folded_t f;
    memset(&f, 0, sizeof(f));
    /* room for a character each (more only where a fold makes several) */
    f.room = t.n + 2;
    f.chars = malloc((size_t)f.room * sizeof(Py_UCS4));
    f.starts = malloc((size_t)f.room * sizeof(int64_t));
    f.ends = malloc((size_t)f.room * sizeof(int64_t));
    PyObject *result = NULL;
    if (f.chars == NULL || f.starts == NULL || f.ends == NULL) {
        PyErr_NoMemory();
    } else if (fold_all(text, &t, (const uint32_t *)table.buf, table.len / (Py_ssize_t)sizeof(uint32_t), fold, is_starter, &f) == 0) {
        result = folded_result(&f);
    }
    free(f.chars), free(f.starts), free(f.ends);
    PyBuffer_Release(&table);
    return result;
}

/* The family of an opening and of a closing quotation mark (0 double, 1
 * single, 2 guillemets, 3 CJK corner brackets), or -1. */
static int opening_family(Py_UCS4 c)
{
    switch (c) {
    case '"': case 0x201c: case 0x201e: return 0;
    case '\'': case 0x2018: return 1;
    case 0xab: return 2;
    case 0x300c: case 0x300e: return 3;
    default: return -1;
    }
}

static int closing_family(Py_UCS4 c)
{
    switch (c) {
    case '"': case 0x201d: case 0x201c: return 0;
    case '\'': case 0x2019: return 1;
    case 0xbb: return 2;
    case 0x300d: case 0x300f: return 3;
    default: return -1;
    }
}

static int dash(Py_UCS4 c) { return c == 0x2014 || c == 0x2013 || c == '-'; }

static int before_open(Py_UCS4 c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == '[' || c == '{' || dash(c) || c == ':' || c == 0xa0;
}

static int after_close(Py_UCS4 c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
           c == ')' || c == ']' || c == '}' || dash(c) || c == 0x2026 || c == 0xa0;
}

/* dedup.text.quotes.quoted_mask, one pass: 1 for each character inside a
 * quotation, marks included. */
static void mark_quotations(const text_t *t, char *mask)
{
    Py_ssize_t open_at = -1, blank_line = -1;
    int family = -1;
    for (Py_ssize_t i = 0; i < t->n; i++) {
        if (i >= 2 && AT(t, i - 2) == '\n' && AT(t, i - 1) == '\n')
            blank_line = i - 2;
        const Py_UCS4 c = AT(t, i);
        const int opens = opening_family(c), closes = closing_family(c);
        if (opens < 0 && closes < 0)
            continue;
        const Py_UCS4 prev = i > 0 ? AT(t, i - 1) : ' ', next = i + 1 < t->n ? AT(t, i + 1) : ' ';
        int can_open, can_close;
        if (c == 0x300c || c == 0x300e) {
            can_open = 1, can_close = 0;
        } else if (c == 0x300d || c == 0x300f) {
            can_open = 0, can_close = 1;
        } else {
            can_open = opens >= 0 && before_open(prev) && !is_space(next);
            can_close = closes >= 0 && !is_space(prev) && (after_close(next) || closing_family(next) >= 0);
        }
        if (open_at >= 0 && blank_line >= open_at)
            open_at = -1; /* a quotation does not run past a blank line */
        if (open_at >= 0 && can_close && closes == family) {
            memset(mask + open_at, 1, (size_t)(i + 1 - open_at));
            open_at = -1;
        } else if (can_open && open_at < 0) {
            open_at = i, family = opens;
        }
    }
}

static PyObject *quotation_mask(PyObject *self, PyObject *args)
{
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text))
        return NULL;
    text_t t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    PyObject *mask = PyByteArray_FromStringAndSize(NULL, t.n);
    if (mask == NULL)
        return NULL;
    memset(PyByteArray_AS_STRING(mask), 0, (size_t)t.n);
    mark_quotations(&t, PyByteArray_AS_STRING(mask));
    return mask;
}

static PyMethodDef methods[] = {
    {"sentence_bounds", sentence_bounds, METH_VARARGS,
     "sentence_bounds(text) -> bytes: int64 (start, end) of each sentence of text, as\n"
     "dedup.text.sentences.sentence_spans finds them."},
    {"folded_offsets", folded_offsets, METH_VARARGS,
     "folded_offsets(text, table, fold, is_starter) -> (normalized, starts, ends): the normalised text and, as int64\n"
     "bytearrays, the original range of each of its characters; table holds a uint32 entry per code point below its\n"
     "length (the code point a character folds to, bit 30 where it folds to anything else, bit 31 where it is no\n"
     "starter), fold folds any other cluster and is_starter tests a code point past the table."},
    {"ascii_folded_tokens", ascii_folded_tokens, METH_VARARGS,
     "ascii_folded_tokens(text) -> (normalized, hashes, token_starts, token_ends, folded_starts, folded_ends): the\n"
     "normalised ASCII text and, as int64 (hashes: uint64) bytearrays, its tokens as\n"
     "dedup.text.shingles.token_hash_spans hashes them, with their original and normalised ranges, in one pass."},
    {"sentence_tokens", sentence_tokens, METH_VARARGS,
     "sentence_tokens(bounds, starts) -> (kept, ranges) as bytes: of the int64 (start, end) sentence bounds, those\n"
     "holding a token (int64 sorted token starts), and the [first, last) token range of each."},
    {"sentence_slices", sentence_slices, METH_VARARGS,
     "sentence_slices(text, starts, ends, ranges) -> list: text[starts[first]:ends[last - 1]] for each int64\n"
     "[first, last) token range of ranges (starts, ends: int64 offsets of each token in text)."},
    {"spans", spans, METH_VARARGS,
     "spans(span_type, bounds) -> list: a span_type (a frozen dataclass of start and end) for each int64 (start, end)\n"
     "pair of bounds."},
    {"quotation_mask", quotation_mask, METH_VARARGS,
     "quotation_mask(text) -> bytearray: 1 for each character of text inside a quotation (marks included), as\n"
     "dedup.text.quotes.quoted_mask finds them."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sentences", "The compiled sentence boundaries and normalisation offsets.", -1, methods};

PyMODINIT_FUNC PyInit__sentences(void)
{
    uint64_t power = 1;
    for (int k = 0; k < TOKEN_POWERS; k++) {
        token_powers[k] = power;
        power *= TOKEN_P;
    }
    return PyModule_Create(&module);
}
