/* tokkit._fast: the list-returning encode calls without ctypes.
 *
 * Why this exists: for many short documents a call through ctypes spends more time converting
 * arguments and results than Tokkit spends encoding (about 15 µs a call), and a Python list of ids
 * costs one new int object per id. Here a call converts its arguments in C, releases the GIL for the
 * Swift call, and fills the list from a table of the vocabulary's ids made once per encoding (ints are
 * immutable, so one object per id value can be shared by every list, as CPython shares small ints).
 *
 * It calls libTokkitCAPI through function pointers that tokkit/_native.py passes to bind(), taken
 * from the library ctypes already loaded: no second copy of the library, no link-time path. Built by
 * the in-tree backend against the limited API (abi3, CPython >= 3.10); the package works without it
 * (ctypes only), and the test suite checks that the built wheel has it.
 */
#define Py_LIMITED_API 0x030A0000
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include "tokkit.h"

typedef int32_t (*encode_fn)(tk_tokenizer *, const uint8_t *, ssize_t, int32_t, const char *const *, ssize_t, int32_t,
                             const char *const *, ssize_t, ssize_t, uint32_t **, ssize_t *, tk_error *);
typedef int32_t (*batch_fn)(tk_tokenizer *, const uint8_t *, const uint64_t *, ssize_t, int32_t, const char *const *,
                            ssize_t, int32_t, const char *const *, ssize_t, ssize_t, uint32_t **, ssize_t *, uint64_t **,
                            tk_error *);
typedef void (*free_fn)(void *);
typedef void (*clear_fn)(tk_error *);

static encode_fn tk_encode_ptr;
static batch_fn tk_encode_batch_ptr;
static free_fn tk_free_ptr;
static clear_fn tk_error_clear_ptr;
static PyObject *Failure; /* tokkit._fast.Failure(status, message, offset, token) */

typedef struct {
    Py_ssize_t count;
    PyObject *items[];
} IntTable;

static const char *TABLE_NAME = "tokkit._fast.IntTable";

static void table_free(PyObject *capsule) {
    IntTable *table = PyCapsule_GetPointer(capsule, TABLE_NAME);
    if (!table) return;
    for (Py_ssize_t i = 0; i < table->count; i++) Py_XDECREF(table->items[i]);
    free(table);
}

/* int_table(n): a capsule holding the ints 0 ..< n. */
static PyObject *int_table(PyObject *self, PyObject *args) {
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "n", &count)) return NULL;
    if (count < 0) count = 0;
    IntTable *table = malloc(sizeof(IntTable) + (size_t)count * sizeof(PyObject *));
    if (!table) return PyErr_NoMemory();
    table->count = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *value = PyLong_FromSsize_t(i);
        if (!value) {
            for (Py_ssize_t j = 0; j < i; j++) Py_DECREF(table->items[j]);
            free(table);
            return NULL;
        }
        table->items[i] = value;
        table->count = i + 1;
    }
    PyObject *capsule = PyCapsule_New(table, TABLE_NAME, table_free);
    if (!capsule) {
        for (Py_ssize_t i = 0; i < table->count; i++) Py_DECREF(table->items[i]);
        free(table);
    }
    return capsule;
}

static PyObject *ids_to_list(const uint32_t *ids, Py_ssize_t count, const IntTable *table) {
    PyObject *list = PyList_New(count);
    if (!list) return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        uint32_t id = ids[i];
        PyObject *item;
        if ((Py_ssize_t)id < table->count) {
            item = table->items[id];
            Py_INCREF(item);
        } else {
            item = PyLong_FromUnsignedLong(id);
            if (!item) {
                Py_DECREF(list);
                return NULL;
            }
        }
        PyList_SetItem(list, i, item); /* steals item; the slot is empty, so this cannot fail */
    }
    return list;
}

/* Raises Failure(status, message, offset, token) from a filled tk_error and releases its strings. */
static PyObject *raise_failure(int32_t status, tk_error *error) {
    PyObject *message = error->message ? PyBytes_FromString(error->message) : PyBytes_FromString("");
    PyObject *token = error->token ? PyBytes_FromString(error->token) : (Py_INCREF(Py_None), Py_None);
    PyObject *value = (message && token) ? Py_BuildValue("(iOLO)", status, message, (long long)error->offset, token) : NULL;
    if (value) PyErr_SetObject(Failure, value);
    Py_XDECREF(message);
    Py_XDECREF(token);
    Py_XDECREF(value);
    tk_error_clear_ptr(error);
    return NULL;
}

static int utf8_of(PyObject *text, const char **data, Py_ssize_t *length) {
    if (PyUnicode_Check(text)) {
        *data = PyUnicode_AsUTF8AndSize(text, length);
        return *data ? 0 : -1;
    }
    char *bytes;
    if (PyBytes_AsStringAndSize(text, &bytes, length) < 0) return -1;
    *data = bytes;
    return 0;
}

static IntTable *table_of(PyObject *capsule) { return PyCapsule_GetPointer(capsule, TABLE_NAME); }

static int check_bound(void) {
    if (tk_encode_ptr && tk_encode_batch_ptr && tk_free_ptr && tk_error_clear_ptr) return 0;
    PyErr_SetString(PyExc_RuntimeError, "tokkit._fast: bind() was not called");
    return -1;
}

/* encode(handle, text: str | bytes, allowed_mode, disallowed_mode, threads, table) -> list[int].
 * A str that UTF-8 cannot hold (lone surrogates) raises UnicodeEncodeError; the caller repairs it. */
static PyObject *encode(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *text, *capsule;
    int allowed, disallowed;
    Py_ssize_t threads;
    if (!PyArg_ParseTuple(args, "KOiinO", &handle, &text, &allowed, &disallowed, &threads, &capsule)) return NULL;
    if (check_bound() < 0) return NULL;
    IntTable *table = table_of(capsule);
    if (!table) return NULL;
    const char *data;
    Py_ssize_t length;
    if (utf8_of(text, &data, &length) < 0) return NULL;
    uint32_t *ids = NULL;
    ssize_t count = 0;
    tk_error error = {0, 0, -1, NULL, NULL};
    int32_t status;
    Py_BEGIN_ALLOW_THREADS
    status = tk_encode_ptr((tk_tokenizer *)(uintptr_t)handle, (const uint8_t *)data, length, allowed, NULL, 0,
                           disallowed, NULL, 0, threads, &ids, &count, &error);
    Py_END_ALLOW_THREADS
    if (status != 0) return raise_failure(status, &error);
    PyObject *list = ids_to_list(ids, count, table);
    tk_free_ptr(ids);
    return list;
}

/* encode_batch(handle, texts: list[str | bytes], allowed_mode, disallowed_mode, threads, table)
 * -> list[list[int]], the documents encoded on `threads` cores in Swift. */
static PyObject *encode_batch(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *texts, *capsule;
    int allowed, disallowed;
    Py_ssize_t threads;
    if (!PyArg_ParseTuple(args, "KO!iinO", &handle, &PyList_Type, &texts, &allowed, &disallowed, &threads, &capsule))
        return NULL;
    if (check_bound() < 0) return NULL;
    IntTable *table = table_of(capsule);
    if (!table) return NULL;
    Py_ssize_t documents = PyList_Size(texts);
    uint64_t *offsets = malloc((size_t)(documents + 1) * sizeof(uint64_t));
    const char **parts = malloc((size_t)(documents > 0 ? documents : 1) * sizeof(char *));
    if (!offsets || !parts) {
        free(offsets);
        free(parts);
        return PyErr_NoMemory();
    }
    offsets[0] = 0;
    for (Py_ssize_t i = 0; i < documents; i++) {
        Py_ssize_t length;
        if (utf8_of(PyList_GetItem(texts, i), &parts[i], &length) < 0) {
            free(offsets);
            free(parts);
            return NULL;
        }
        offsets[i + 1] = offsets[i] + (uint64_t)length;
    }
    uint8_t *joined = malloc(offsets[documents] > 0 ? (size_t)offsets[documents] : 1);
    if (!joined) {
        free(offsets);
        free(parts);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < documents; i++) memcpy(joined + offsets[i], parts[i], (size_t)(offsets[i + 1] - offsets[i]));
    free(parts);
    uint32_t *ids = NULL;
    uint64_t *id_offsets = NULL;
    ssize_t count = 0;
    tk_error error = {0, 0, -1, NULL, NULL};
    int32_t status;
    Py_BEGIN_ALLOW_THREADS
    status = tk_encode_batch_ptr((tk_tokenizer *)(uintptr_t)handle, joined, offsets, documents, allowed, NULL, 0,
                                 disallowed, NULL, 0, threads, &ids, &count, &id_offsets, &error);
    Py_END_ALLOW_THREADS
    free(joined);
    free(offsets);
    if (status != 0) return raise_failure(status, &error);
    PyObject *result = PyList_New(documents);
    for (Py_ssize_t i = 0; result && i < documents; i++) {
        PyObject *list = ids_to_list(ids + id_offsets[i], (Py_ssize_t)(id_offsets[i + 1] - id_offsets[i]), table);
        if (!list) {
            Py_CLEAR(result);
            break;
        }
        PyList_SetItem(result, i, list);
    }
    tk_free_ptr(ids);
    tk_free_ptr(id_offsets);
    return result;
}

/* A tokenizer, its id table and special-token modes bound once, so that the per-text call
 * (encode_bound, METH_FASTCALL: no argument tuple, no format parsing) costs little more than the
 * Swift call itself: what a Python loop over many short documents pays per document. */
typedef struct {
    tk_tokenizer *handle;
    PyObject *table_capsule;
    IntTable *table;
    int allowed, disallowed;
} Bound;

static const char *BOUND_NAME = "tokkit._fast.Bound";

static void bound_free(PyObject *capsule) {
    Bound *bound = PyCapsule_GetPointer(capsule, BOUND_NAME);
    if (!bound) return;
    Py_XDECREF(bound->table_capsule);
    free(bound);
}

/* bound(handle, table, allowed_mode, disallowed_mode) -> a capsule for encode_bound. */
static PyObject *make_bound(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *capsule;
    int allowed, disallowed;
    if (!PyArg_ParseTuple(args, "KOii", &handle, &capsule, &allowed, &disallowed)) return NULL;
    IntTable *table = table_of(capsule);
    if (!table) return NULL;
    Bound *bound = malloc(sizeof(Bound));
    if (!bound) return PyErr_NoMemory();
    bound->handle = (tk_tokenizer *)(uintptr_t)handle;
    bound->table_capsule = capsule;
    Py_INCREF(capsule);
    bound->table = table;
    bound->allowed = allowed;
    bound->disallowed = disallowed;
    PyObject *result = PyCapsule_New(bound, BOUND_NAME, bound_free);
    if (!result) {
        Py_DECREF(capsule);
        free(bound);
    }
    return result;
}

/* encode_bound(bound, text: str | bytes) -> list[int], on the calling thread. */
static PyObject *encode_bound(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "encode_bound(bound, text)");
        return NULL;
    }
    if (check_bound() < 0) return NULL;
    Bound *bound = PyCapsule_GetPointer(args[0], BOUND_NAME);
    if (!bound) return NULL;
    const char *data;
    Py_ssize_t length;
    if (utf8_of(args[1], &data, &length) < 0) return NULL;
    uint32_t *ids = NULL;
    ssize_t count = 0;
    tk_error error = {0, 0, -1, NULL, NULL};
    int32_t status;
    Py_BEGIN_ALLOW_THREADS
    status = tk_encode_ptr(bound->handle, (const uint8_t *)data, length, bound->allowed, NULL, 0, bound->disallowed,
                           NULL, 0, 1, &ids, &count, &error);
    Py_END_ALLOW_THREADS
    if (status != 0) return raise_failure(status, &error);
    PyObject *list = ids_to_list(ids, count, bound->table);
    tk_free_ptr(ids);
    return list;
}

/* bind(tk_encode, tk_encode_batch, tk_free, tk_error_clear): addresses from the loaded library. */
static PyObject *bind(PyObject *self, PyObject *args) {
    unsigned long long encode_address, batch_address, free_address, clear_address;
    if (!PyArg_ParseTuple(args, "KKKK", &encode_address, &batch_address, &free_address, &clear_address)) return NULL;
    tk_encode_ptr = (encode_fn)(uintptr_t)encode_address;
    tk_encode_batch_ptr = (batch_fn)(uintptr_t)batch_address;
    tk_free_ptr = (free_fn)(uintptr_t)free_address;
    tk_error_clear_ptr = (clear_fn)(uintptr_t)clear_address;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", bind, METH_VARARGS, "bind(tk_encode, tk_encode_batch, tk_free, tk_error_clear): the C functions to call."},
    {"int_table", int_table, METH_VARARGS, "int_table(n): the ints 0 ..< n, shared by every list of ids."},
    {"bound", make_bound, METH_VARARGS, "bound(handle, table, allowed_mode, disallowed_mode): for encode_bound."},
    {"encode_bound", (PyCFunction)(void (*)(void))encode_bound, METH_FASTCALL, "encode_bound(bound, text) -> list[int]"},
    {"encode", encode, METH_VARARGS, "encode(handle, text, allowed_mode, disallowed_mode, threads, table) -> list[int]"},
    {"encode_batch", encode_batch, METH_VARARGS,
     "encode_batch(handle, texts, allowed_mode, disallowed_mode, threads, table) -> list[list[int]]"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fast", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fast(void) {
    PyObject *created = PyModule_Create(&module);
    if (!created) return NULL;
    Failure = PyErr_NewException("tokkit._fast.Failure", NULL, NULL);
    if (!Failure || PyModule_AddObject(created, "Failure", Failure) < 0) {
        Py_XDECREF(Failure);
        Py_DECREF(created);
        return NULL;
    }
    Py_INCREF(Failure); /* PyModule_AddObject stole one reference; the static keeps another */
    return created;
}
