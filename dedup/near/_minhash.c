/* MinHash minima of many documents in one loop (dedup.near.signatures).
 *
 * The numpy version in signatures.py builds a (permutations x shingles)
 * block, adds the offsets in a second pass and takes the minima in a third,
 * each through memory. Here each shingle hash is permuted and compared
 * while it is in a register: the same integers (uint32 arithmetic wraps
 * the same way), about three times faster. The module is optional: where
 * it was not built, signatures.py uses the numpy blocks.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

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
        for (int64_t k = offsets[d]; k < offsets[d + 1]; k++) {
            const uint32_t x = values[k];
            for (Py_ssize_t p = 0; p < perms; p++) {
                const uint32_t v = a[p] * x + b[p];
                row[p] = v < row[p] ? v : row[p];
            }
        }
    }
}

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, int writable, const char *name)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: items of %zd bytes expected, got %zd", name, itemsize, view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *segment_minima(PyObject *self, PyObject *args)
{
    PyObject *objs[5];
    Py_buffer views[5];
    static const Py_ssize_t sizes[5] = {4, 8, 4, 4, 4};
    static const char *names[5] = {"values", "offsets", "a", "b", "out"};
    int got = 0;
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOOO:segment_minima", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4]))
        return NULL;
    for (; got < 5; got++)
        if (get_buffer(objs[got], &views[got], sizes[got], got == 4, names[got]) < 0)
            goto done;
    {
        const Py_ssize_t n_values = views[0].len / 4, n_docs = views[1].len / 8 - 1, perms = views[2].len / 4;
        const int64_t *offsets = (const int64_t *)views[1].buf;
        if (n_docs < 0 || views[3].len != views[2].len || views[4].len / 4 != n_docs * perms) {
            PyErr_SetString(PyExc_ValueError, "segment_minima: offsets, a, b and out do not agree in size");
            goto done;
        }
        for (Py_ssize_t d = 0; d < n_docs; d++) {
            if (offsets[d] < 0 || offsets[d] > offsets[d + 1] || offsets[d + 1] > n_values) {
                PyErr_SetString(PyExc_ValueError, "segment_minima: offsets must rise within the values");
                goto done;
            }
        }
        Py_BEGIN_ALLOW_THREADS
        segment_minima_loop((const uint32_t *)views[0].buf, offsets, n_docs, (const uint32_t *)views[2].buf,
                            (const uint32_t *)views[3].buf, perms, (uint32_t *)views[4].buf);
        Py_END_ALLOW_THREADS
    }
    result = Py_None;
    Py_INCREF(result);
done:
    while (got-- > 0)
        PyBuffer_Release(&views[got]);
    return result;
}

static PyMethodDef methods[] = {
    {"segment_minima", segment_minima, METH_VARARGS,
     "segment_minima(values, offsets, a, b, out): out[d, p] = min of (a[p] * v + b[p]) mod 2**32\n"
     "over values[offsets[d]:offsets[d + 1]] (uint32 values, a, b and out; int64 offsets;\n"
     "0xFFFFFFFF for an empty segment)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_minhash", "MinHash minima of document segments.", -1, methods};

PyMODINIT_FUNC PyInit__minhash(void)
{
    return PyModule_Create(&module);
}
