/* Whether orjson writes every float of a value as the standard library does
 * (optional: where this module was not built, dedup.io.json_text looks for
 * the floats that differ in orjson's text and in the value's marshal bytes).
 *
 * orjson and json.dumps spell a float alike unless it is a NaN or an
 * infinity, or below 1e-4 in magnitude and not zero. One walk over the
 * value's dicts, lists and tuples reads each float where it is, instead of
 * marshalling the value and searching that and the text: on a scan report,
 * whose rows hold nulls, the searches cost more than orjson's encoding.
 * dedup.io.json_text.floats_as_stdlib_reference states the same walk in
 * Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

/* Deeper than orjson encodes (it refuses past 254 levels). */
#define MAX_DEPTH 256

/* 1 when every float in value is plain (see above), 0 when one is not or
 * when value holds anything but dicts, lists, tuples, strings, integers,
 * None and exact floats (its text is then for the caller to check). */
static int plain(PyObject *value, int depth)
{
    if (PyFloat_CheckExact(value)) {
        const double x = fabs(PyFloat_AS_DOUBLE(value));
        return x == 0.0 || (x >= 1e-4 && isfinite(x));
    }
    if (PyUnicode_Check(value) || PyLong_Check(value) || value == Py_None)
        return 1;
    if (depth >= MAX_DEPTH)
        return 0;
    if (PyList_Check(value)) {
        /* the items are read one at a time: nothing here runs Python code, so the list cannot change */
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(value); k++)
            if (!plain(PyList_GET_ITEM(value, k), depth + 1))
                return 0;
        return 1;
    }
    if (PyTuple_Check(value)) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(value); k++)
            if (!plain(PyTuple_GET_ITEM(value, k), depth + 1))
                return 0;
        return 1;
    }
    if (PyDict_Check(value)) {
        Py_ssize_t at = 0;
        PyObject *key, *item;
        while (PyDict_Next(value, &at, &key, &item))
            if (!plain(item, depth + 1))
                return 0;
        return 1;
    }
    return 0;
}

static PyObject *floats_as_stdlib(PyObject *self, PyObject *value)
{
    return PyBool_FromLong(plain(value, 0));
}

static PyMethodDef methods[] = {
    {"floats_as_stdlib", floats_as_stdlib, METH_O,
     "floats_as_stdlib(value) -> bool: whether every float in value is zero or finite and at least 1e-4 in magnitude\n"
     "(False also where value holds anything but dicts, lists, tuples, strings, integers, None and floats)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_floats", "Floats orjson writes as the standard library does.", -1, methods};

PyMODINIT_FUNC PyInit__floats(void)
{
    return PyModule_Create(&module);
}
