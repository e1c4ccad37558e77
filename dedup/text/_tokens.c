/* Token hashes of ASCII text in one pass (dedup.text.shingles), and the
 * whitespace-collapsed text that exact-duplicate digests hash.
 *
 * The numpy version finds the tokens (runs of ASCII letters and digits)
 * with a few array passes, then hashes them as differences of prefix sums
 * of c_i * P**i over every character: four passes of 64-bit integers
 * through memory. Here each token's sum c_0 + c_1 * P + ... is taken as
 * its characters are read, then mixed with SplitMix64's finaliser: the same
 * integers (uint64 arithmetic wraps the same way). The module is optional:
 * where it was not built, shingles.py uses the numpy passes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

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

static PyObject *ascii_token_hashes(PyObject *self, PyObject *args)
{
    PyObject *objs[4];
    Py_buffer views[4];
    static const Py_ssize_t sizes[4] = {1, 8, 8, 8};
    int got = 0;
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOO:ascii_token_hashes", &objs[0], &objs[1], &objs[2], &objs[3]))
        return NULL;
    for (; got < 4; got++) {
        if (PyObject_GetBuffer(objs[got], &views[got], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (got ? PyBUF_WRITABLE : 0)) < 0)
            goto done;
        if (views[got].itemsize != sizes[got]) {
            PyErr_Format(PyExc_TypeError, "ascii_token_hashes: argument %d has items of %zd bytes, %zd expected", got + 1, views[got].itemsize,
                         sizes[got]);
            got++;
            goto done;
        }
    }
    {
        const Py_ssize_t n = views[0].len, room = n / 2 + 1;
        Py_ssize_t count;
        if (views[1].len / 8 < room || views[2].len / 8 < room || views[3].len / 8 < room) {
            PyErr_SetString(PyExc_ValueError, "ascii_token_hashes: the outputs need len(codes) // 2 + 1 items");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        count = token_loop((const uint8_t *)views[0].buf, n, (uint64_t *)views[1].buf, (int64_t *)views[2].buf, (int64_t *)views[3].buf);
        Py_END_ALLOW_THREADS
        result = PyLong_FromSsize_t(count);
    }
done:
    while (got-- > 0)
        PyBuffer_Release(&views[got]);
    return result;
}

static inline int is_space(uint8_t c)
{
    /* str.isspace() of ASCII: 9-13 and 28-32 */
    return c == 32 || (uint8_t)(c - 9) <= 4 || (uint8_t)(c - 28) <= 4;
}

/* Each text of codes (lengths[t] characters, then one separator) with its
 * whitespace runs made one space and none at either end, written one after
 * the other to out; ends[t] is where text t stops in out. Returns 0, or -1
 * when the lengths run past the codes. */
static int collapse_loop(const uint8_t *codes, Py_ssize_t n, const int64_t *lengths, Py_ssize_t texts, uint8_t *out, int64_t *ends)
{
    Py_ssize_t pos = 0, w = 0;
    for (Py_ssize_t t = 0; t < texts; t++) {
        const Py_ssize_t start = w;
        if (lengths[t] < 0 || lengths[t] >= n - pos) /* the text and its separator */
            return -1;
        const Py_ssize_t stop = pos + lengths[t];
        int after_space = 1;
        for (; pos < stop; pos++) {
            const uint8_t c = codes[pos];
            if (!is_space(c)) {
                out[w++] = c;
                after_space = 0;
            } else if (!after_space) {
                out[w++] = ' ';
                after_space = 1;
            }
        }
        if (w > start && out[w - 1] == ' ')
            w--;
        ends[t] = w;
        pos++; /* the separator */
    }
    return 0;
}

static PyObject *ascii_collapsed(PyObject *self, PyObject *args)
{
    PyObject *objs[4];
    Py_buffer views[4];
    static const Py_ssize_t sizes[4] = {1, 8, 1, 8};
    int got = 0, failed = 0;
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOO:ascii_collapsed", &objs[0], &objs[1], &objs[2], &objs[3]))
        return NULL;
    for (; got < 4; got++) {
        if (PyObject_GetBuffer(objs[got], &views[got], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (got >= 2 ? PyBUF_WRITABLE : 0)) < 0)
            goto done;
        if (views[got].itemsize != sizes[got]) {
            PyErr_Format(PyExc_TypeError, "ascii_collapsed: argument %d has items of %zd bytes, %zd expected", got + 1, views[got].itemsize,
                         sizes[got]);
            got++;
            goto done;
        }
    }
    {
        const Py_ssize_t texts = views[1].len / 8;
        if (views[2].len < views[0].len || views[3].len / 8 < texts) {
            PyErr_SetString(PyExc_ValueError, "ascii_collapsed: out needs len(codes) bytes and ends len(lengths) items");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        failed = collapse_loop((const uint8_t *)views[0].buf, views[0].len, (const int64_t *)views[1].buf, texts, (uint8_t *)views[2].buf,
                               (int64_t *)views[3].buf);
        Py_END_ALLOW_THREADS
        if (failed) {
            PyErr_SetString(PyExc_ValueError, "ascii_collapsed: the lengths (each text and its separator) run past the codes");
            goto done;
        }
        result = Py_None;
        Py_INCREF(result);
    }
done:
    while (got-- > 0)
        PyBuffer_Release(&views[got]);
    return result;
}

static PyMethodDef methods[] = {
    {"ascii_token_hashes", ascii_token_hashes, METH_VARARGS,
     "ascii_token_hashes(codes, hashes, starts, ends) -> count: the tokens (runs of ASCII letters\n"
     "and digits) of the uint8 codes, their 64-bit hashes and where each starts and ends, written to\n"
     "the first count items of the uint64 / int64 outputs (each of len(codes) // 2 + 1 items)."},
    {"ascii_collapsed", ascii_collapsed, METH_VARARGS,
     "ascii_collapsed(codes, lengths, out, ends): each text of the uint8 codes (int64 lengths, each text\n"
     "followed by one separator) with every whitespace run made one space and none at either end,\n"
     "written one after the other to the uint8 out; ends[t] is where text t stops in out."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tokens", "Token hashes and collapsed whitespace of ASCII text in one pass.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__tokens(void)
{
    return PyModule_Create(&module);
}
