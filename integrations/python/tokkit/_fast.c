/* tokkit._fast: the list-returning encode calls without ctypes.
 *
 * Why this exists: for many short documents a call through ctypes spends more time converting
 * arguments and results than Tokkit spends encoding (about 15 µs a call), and a Python list of ids
 * costs one new int object per id. Here a call converts its arguments in C, releases the GIL for the
 * Swift call (except on a short text, see SHORT_TEXT), and fills the list from a table of the vocabulary's
 * ids kept per encoding, each made on its first use (ints are immutable, so one object per id value can be
 * shared by every list, as CPython shares small ints). Encoding.encode_ordinary and encode are methods of EncoderBase, Encoding's
 * compiled base class (encode's other common rule pairs are builtin functions made by encoder()): a call on a
 * short text is the interpreter's call, one Swift call into a stack buffer (tk_encode_into) and the list.
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
                             const char *const *, ssize_t, ssize_t, uint32_t, tk_receive_ids, void *, tk_error *);
typedef int32_t (*documents_fn)(tk_tokenizer *, const uint8_t *const *, const ssize_t *, ssize_t, int32_t,
                                const char *const *, ssize_t, int32_t, const char *const *, ssize_t, ssize_t, uint32_t,
                                tk_receive_ids, void *, tk_error *);
typedef int32_t (*into_fn)(tk_tokenizer *, tk_workspace *, const uint8_t *, ssize_t, int32_t, uint32_t, uint32_t *,
                           ssize_t, ssize_t *, tk_error *);
typedef void (*clear_fn)(tk_error *);
typedef tk_workspace *(*workspace_new_fn)(void);
typedef void (*workspace_free_fn)(tk_workspace *);

static encode_fn tk_encode_ptr;
static documents_fn tk_encode_documents_ptr;
static into_fn tk_encode_into_ptr;
static clear_fn tk_error_clear_ptr;
static workspace_new_fn tk_workspace_new_ptr;
static workspace_free_fn tk_workspace_free_ptr;
/* tokkit.core._raise_failure(status, message: bytes, offset, token: bytes | None): raises the exception a
 * tiktoken user expects for a failed call. tokkit.core._utf8(str) -> bytes: tiktoken's surrogate repair. */
static PyObject *raise_callback;
static PyObject *repair_callback;

/* Texts up to this many bytes are encoded into a stack buffer with the GIL held: releasing and retaking it
 * costs about as much as encoding a short sentence, and a few kilobytes encode in well under the
 * interpreter's switch interval. Longer texts release it, so other Python threads run meanwhile. */
enum { SHORT_TEXT = 4096 };

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

/* int_table(n): a capsule for the ints 0 ..< n, each made the first time a list needs it (see int_of). */
static PyObject *int_table(PyObject *self, PyObject *args) {
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "n", &count)) return NULL;
    if (count < 0) count = 0;
    IntTable *table = calloc(1, sizeof(IntTable) + (size_t)count * sizeof(PyObject *));
    if (!table) return PyErr_NoMemory();
    table->count = count;
    PyObject *capsule = PyCapsule_New(table, TABLE_NAME, table_free);
    if (!capsule) free(table);
    return capsule;
}

static IntTable *table_of(PyObject *capsule) { return PyCapsule_GetPointer(capsule, TABLE_NAME); }

/* How many ids ahead ids_to_list starts loading an int object: the table's ints are spread over megabytes
 * (one heap object per id), and taking a reference writes to the object, so without the prefetch most ids of
 * a long list wait for a cache miss. Filling a list of 1M ids from 4 MB of text (best of 7, CPU time): no
 * prefetch 6.9 ns an id, 16 ahead 5.5, 32 ahead 4.9-5.0, 64 ahead 4.4-4.7 (cl100k and o200k). */
enum { PREFETCH_AHEAD = 64 };

/* Where a new list's item slots are, found once by probe_list_layout (0: not found, use PyList_SetItem).
 *
 * Why: the limited API offers only PyList_SetItem (a call that checks the type and the index and releases the
 * slot's old value) to fill a new list; the full API's PyList_SET_ITEM is a store into the list's item array.
 * For a list of ids that call was about a third of the list's cost (callgrind, a 157-byte paragraph: 610 of
 * 1,600 instructions). The item array's place is not part of the limited API, so it is not assumed: at import,
 * lists of several lengths are made, filled with PyList_SetItem, and the pointer after the variable-size header
 * (where every CPython release so far keeps it) must hold exactly those items; otherwise, or on an interpreter
 * where it differs, every list is filled with PyList_SetItem as before. One abi3 wheel still serves 3.10+. */
static Py_ssize_t items_offset;

static PyObject **items_of(PyObject *list) { return *(PyObject ***)((char *)list + items_offset); }

static void probe_list_layout(void) {
    Py_ssize_t offset = (Py_ssize_t)sizeof(PyVarObject);
    for (Py_ssize_t length = 1; length <= 65; length += 16) {
        PyObject *list = PyList_New(length);
        if (!list) {
            PyErr_Clear();
            return;
        }
        for (Py_ssize_t i = 0; i < length; i++) {
            PyObject *value = PyLong_FromSsize_t(i + 1000);
            if (!value) {
                PyErr_Clear();
                Py_DECREF(list);
                return;
            }
            PyList_SetItem(list, i, value);
        }
        PyObject **items = *(PyObject ***)((char *)list + offset);
        int same = items != NULL;
        for (Py_ssize_t i = 0; same && i < length; i++) same = items[i] == PyList_GetItem(list, i);
        Py_DECREF(list);
        if (!same) return;
    }
    items_offset = offset;
}

/* Puts `item` (a new reference, stolen) into the empty slot `index` of a list made by PyList_New. */
static inline void fill_slot(PyObject *list, PyObject **items, Py_ssize_t index, PyObject *item) {
    if (items)
        items[index] = item;
    else
        PyList_SetItem(list, index, item); /* the slot is empty, so this cannot fail */
}

/* A new reference to the int `id`: the table's shared one (made on its first use), or a new one beyond the table.
 *
 * Why on first use: making all of them at once cost 31-41 ms of CPU time for o200k (200,019 ints, 6.4 MB) on
 * each encoding's first list, where 4 MB of English text uses 28,000. And made in the order text needs them,
 * the frequent ones lie together: filling lists and the young-generation collection (which reads every item's
 * type) touch them at random, and 4 MB of English text (o200k) then touches 16,400 of their cache lines
 * (1.05 MB) instead of 23,500 (1.5 MB), against a core's L2 of 1 MB here. */
static inline PyObject *int_of(IntTable *table, uint32_t id) { /* under the GIL, as every list is filled */
    if ((Py_ssize_t)id >= table->count) return PyLong_FromUnsignedLong(id);
    PyObject *item = table->items[id];
    if (!item && !(item = table->items[id] = PyLong_FromUnsignedLong(id))) return NULL;
    Py_INCREF(item);
    return item;
}

/* Puts `count` ids into the empty slots of `list`, made by PyList_New(count). `readable` (at least `count`) is how
 * many ids from ids[0] on may be read: in a batch the prefetch looks on into the next documents' ids, so it also
 * runs ahead for documents shorter than PREFETCH_AHEAD ids, most paragraphs. -1 with an exception set if an int
 * could not be made; the slots not filled stay NULL, which list_dealloc skips. */
/* A new reference to the int `id` for a list item: ints[id] (`known` entries) when it is made, else int_of's. */
static inline __attribute__((always_inline)) PyObject *item_of(PyObject **ints, Py_ssize_t known, IntTable *table,
                                                               uint32_t id) {
    PyObject *item = (Py_ssize_t)id < known ? ints[id] : NULL;
    if (!item) return int_of(table, id);
    Py_INCREF(item);
    return item;
}

static int fill_items(PyObject *list, const uint32_t *ids, Py_ssize_t count, Py_ssize_t readable, IntTable *table) {
    PyObject **items = items_offset && count > 0 ? items_of(list) : NULL;
    /* The table's fields in locals: each Py_INCREF stores a Py_ssize_t, which C lets alias table->count, so read
     * through `table` both fields were loaded again for every id. And the loop is split where the prefetch stops
     * and by how slots are filled, so that no id tests either. Callgrind, encode_ordinary_batch of 1 MB of public_en
     * (cl100k): this function 5.65 M instructions before, 4.50 M after. */
    PyObject **const ints = table->items;
    const Py_ssize_t known = table->count;
    Py_ssize_t prefetched = readable - PREFETCH_AHEAD; /* ids before this one prefetch PREFETCH_AHEAD on */
    prefetched = prefetched < 0 ? 0 : prefetched > count ? count : prefetched;
    if (!items) {
        for (Py_ssize_t i = 0; i < count; i++) {
            PyObject *item = item_of(ints, known, table, ids[i]);
            if (!item) return -1;
            PyList_SetItem(list, i, item); /* the slot is empty, so this cannot fail */
        }
        return 0;
    }
    Py_ssize_t i = 0;
    for (; i < prefetched; i++) {
        const uint32_t next = ids[i + PREFETCH_AHEAD];
        if ((Py_ssize_t)next < known) __builtin_prefetch(ints[next], 1); /* NULL (not made yet) is harmless */
        if (!(items[i] = item_of(ints, known, table, ids[i]))) return -1;
    }
    for (; i < count; i++)
        if (!(items[i] = item_of(ints, known, table, ids[i]))) return -1;
    return 0;
}

/* A list of `count` ids. */
static PyObject *ids_to_list(const uint32_t *ids, Py_ssize_t count, IntTable *table) {
    PyObject *list = PyList_New(count);
    if (list && fill_items(list, ids, count, count, table) < 0) Py_CLEAR(list);
    return list;
}

/* Raises what tokkit.core._raise_failure raises for a filled tk_error, and releases its strings. */
static PyObject *raise_failure(int32_t status, tk_error *error) {
    PyObject *result = PyObject_CallFunction(raise_callback, "iyLy", status, error->message ? error->message : "",
                                             (long long)error->offset, error->token);
    tk_error_clear_ptr(error);
    if (result) {
        Py_DECREF(result);
        PyErr_Format(PyExc_RuntimeError, "tokkit: status %d raised no exception", status);
    }
    return NULL;
}

/* TK_VOUCHED_UTF8 for a str: its UTF-8 (CPython's own, or the surrogate repair's) is always valid, so Swift need
 * not validate it again; 0 for bytes, which may hold anything. */
static uint32_t vouched_utf8(PyObject *text) { return PyUnicode_Check(text) ? TK_VOUCHED_UTF8 : 0; }

/* The UTF-8 of a str or bytes. A str that UTF-8 cannot hold (lone surrogates) is repaired as tiktoken repairs
 * it; the repaired bytes are returned in *keep, a new reference the caller releases after using *data. */
static int utf8_of(PyObject *text, const char **data, Py_ssize_t *length, PyObject **keep) {
    *keep = NULL;
    if (PyUnicode_Check(text)) {
        *data = PyUnicode_AsUTF8AndSize(text, length);
        if (*data) return 0;
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return -1;
        PyErr_Clear();
        text = *keep = PyObject_CallFunctionObjArgs(repair_callback, text, NULL);
        if (!text) return -1;
    }
    char *bytes;
    if (PyBytes_AsStringAndSize(text, &bytes, length) < 0) {
        Py_CLEAR(*keep);
        return -1;
    }
    *data = bytes;
    return 0;
}

/* utf8_of for a call's text, whose repaired bytes (if any) `repaired` keeps alive until the call returns. */
static int utf8_kept(PyObject *text, const char **data, ssize_t *length, PyObject *repaired) {
    PyObject *keep;
    Py_ssize_t size;
    if (utf8_of(text, data, &size, &keep) < 0) return -1;
    *length = size;
    if (!keep) return 0;
    int appended = PyList_Append(repaired, keep);
    Py_DECREF(keep);
    return appended;
}

/* Where a compact str keeps its state bits and its characters, found once by probe_str_layout (state 0: not found,
 * every str's UTF-8 comes from utf8_of).
 *
 * Why: PyUnicode_AsUTF8AndSize encodes a non-ASCII str into a writer buffer, copies that into a new cache it keeps on
 * the str, and frees the buffer: for 4 MB of non-English paragraphs (public_multi) that was 44 M instructions, 12%
 * of encode_batch_to_numpy with o200k (callgrind), about 20 per character of a two-byte script. Encoding from the
 * str's own characters into one buffer per call (an 8-byte-at-a-time ASCII run, then one branch per character) does
 * the same in a fraction, and an ASCII str still goes to Swift in place. The limited API has no way to read a str's
 * characters in place (only copies), so, as with lists, the layout is not assumed: at import, strs of every kind are
 * made and the header offsets and state bits that every CPython release from 3.10 on uses must read back exactly
 * their characters (PyUnicode_AsUCS4Copy's), their kind and ASCII-ness, and a str subclass's instance must read as
 * not compact; otherwise every str goes through utf8_of as before. */
static struct {
    Py_ssize_t state;        /* offset of the state bits: interned 2, kind 3, compact 1, ascii 1 (low bit first) */
    Py_ssize_t ascii_data;   /* offset of a compact ASCII str's characters */
    Py_ssize_t compact_data; /* offset of any other compact str's characters */
} str_layout;

enum { KIND_SHIFT = 2, KIND_MASK = 7, COMPACT_BIT = 1 << 5, ASCII_BIT = 1 << 6 };

static uint32_t str_state(PyObject *text) { return *(const uint32_t *)((const char *)text + str_layout.state); }

/* A compact str's characters, their size in bytes (*kind: 1, 2 or 4) and whether all are ASCII; NULL for a str this
 * cannot read (a subclass's instance, or the layout was not found). */
static const void *str_characters(PyObject *text, int *kind, int *ascii) {
    if (!str_layout.state) return NULL;
    uint32_t state = str_state(text);
    if (!(state & COMPACT_BIT)) return NULL;
    *kind = (int)((state >> KIND_SHIFT) & KIND_MASK);
    *ascii = (state & ASCII_BIT) != 0;
    return (const char *)text + (*ascii ? str_layout.ascii_data : str_layout.compact_data);
}

/* Whether `text`, made from `expected` (its characters), reads back as a compact str of `kind` (ASCII or not) at the
 * offsets in str_layout, comparing only the first `units` characters. */
static int reads_back(PyObject *text, const Py_UCS4 *expected, Py_ssize_t units, int kind, int ascii) {
    int read_kind, read_ascii;
    const void *data = str_characters(text, &read_kind, &read_ascii);
    if (!data || read_kind != kind || read_ascii != ascii) return 0;
    for (Py_ssize_t i = 0; i < units; i++) {
        Py_UCS4 unit = kind == 1 ? ((const uint8_t *)data)[i] : kind == 2 ? ((const uint16_t *)data)[i]
                                                                          : ((const uint32_t *)data)[i];
        if (unit != expected[i]) return 0;
    }
    return 1;
}

static void probe_str_layout(void) {
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    /* encode_wide stores multi-byte characters and ASCII runs as little-endian words: elsewhere, every str keeps
     * going through utf8_of (str_layout.state stays 0). */
    return;
#endif
    /* 128 characters each, so that reading 16 of them at any candidate offset stays inside the object. */
    static const char *const probes[4] = {"tokkit probe: ascii ", "tokkit probe: caf\xc3\xa9 ",
                                          "tokkit probe: \xd0\xb6\xd0\xb8\xd0\xb2 ", "tokkit probe: \xf0\x9f\x98\x80 "};
    static const int kinds[4] = {1, 1, 2, 4};
    PyObject *texts[4] = {NULL, NULL, NULL, NULL};
    Py_UCS4 *characters[4] = {NULL, NULL, NULL, NULL};
    PyObject *subtype = NULL, *instance = NULL;
    for (int p = 0; p < 4; p++) {
        PyObject *part = PyUnicode_FromString(probes[p]);
        PyObject *count = PyLong_FromLong(8);
        PyObject *repeated = part && count ? PyNumber_Multiply(part, count) : NULL;
        Py_XDECREF(part);
        Py_XDECREF(count);
        /* A fresh str (not the repetition's, which might be shared): its characters made afresh by a decoder. */
        PyObject *encoded = repeated ? PyUnicode_AsUTF8String(repeated) : NULL;
        Py_XDECREF(repeated);
        texts[p] = encoded ? PyUnicode_FromStringAndSize(PyBytes_AsString(encoded), PyBytes_Size(encoded)) : NULL;
        Py_XDECREF(encoded);
        if (!texts[p] || !(characters[p] = PyUnicode_AsUCS4Copy(texts[p])) || PyUnicode_GetLength(texts[p]) < 128)
            goto done;
    }
    /* PyObject's header, then the length and the hash, then the state bits. */
    Py_ssize_t state = (Py_ssize_t)(sizeof(PyObject) + 2 * sizeof(Py_ssize_t));
    for (Py_ssize_t ascii_data = state + 8; ascii_data <= 96 && !str_layout.state; ascii_data += 8)
        for (Py_ssize_t compact_data = ascii_data; compact_data <= 96 && !str_layout.state; compact_data += 8) {
            str_layout.state = state;
            str_layout.ascii_data = ascii_data;
            str_layout.compact_data = compact_data;
            int found = 1;
            for (int p = 0; found && p < 4; p++) found = reads_back(texts[p], characters[p], 16, kinds[p], p == 0);
            for (int p = 0; found && p < 4; p++)
                found = reads_back(texts[p], characters[p], PyUnicode_GetLength(texts[p]), kinds[p], p == 0);
            if (!found) str_layout.state = 0;
        }
    if (!str_layout.state) goto done;
    /* A subclass's instance keeps its characters elsewhere: it must read as not compact. */
    subtype = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", "probe", (PyObject *)&PyUnicode_Type);
    instance = subtype ? PyObject_CallFunction(subtype, "s", probes[0]) : NULL;
    if (!instance || (str_state(instance) & COMPACT_BIT)) str_layout.state = 0;
done:
    if (PyErr_Occurred()) PyErr_Clear();
    if (!instance) str_layout.state = 0;
    for (int p = 0; p < 4; p++) {
        Py_XDECREF(texts[p]);
        PyMem_Free(characters[p]);
    }
    Py_XDECREF(instance);
    Py_XDECREF(subtype);
}

/* The most UTF-8 bytes a character of a str of `kind` can take. */
static Py_ssize_t utf8_bound(int kind) { return kind == 1 ? 2 : kind == 2 ? 3 : 4; }

/* Writes the UTF-8 of `count` characters of `kind` (2 or 4 bytes each, a compile-time constant where it is inlined)
 * to `out`, which must have UTF8_SLACK bytes to spare after the bound; returns the end, or NULL at a surrogate.
 * Multi-byte characters are stored as one little-endian word (a 3-byte one as 4 bytes, the 4th overwritten next),
 * and runs of ASCII 4 characters at a time: callgrind, 4 MB of public_multi, 26.2 M instructions with a store per
 * byte and no runs for two-byte characters. */
static inline __attribute__((always_inline)) char *encode_wide(const void *data, Py_ssize_t count, int kind,
                                                               char *out) {
    Py_ssize_t i = 0;
    while (i < count) {
        uint32_t c = kind == 2 ? ((const uint16_t *)data)[i] : ((const uint32_t *)data)[i];
        /* A run is looked for only from an ASCII character: probing at every character of a non-Latin word cost
         * more than encoding it (callgrind, encode_ordinary of a 17-character Russian sentence: 28 instructions a
         * character in encode_utf8). */
        if (kind == 2 && c < 0x80) {
            for (uint64_t word; i + 4 <= count; i += 4, out += 4) {
                memcpy(&word, (const uint16_t *)data + i, 8);
                if (word & 0xFF80FF80FF80FF80u) break;
                uint32_t packed = (uint32_t)(word & 0xFF) | (uint32_t)(word >> 8 & 0xFF00) |
                                  (uint32_t)(word >> 16 & 0xFF0000) | (uint32_t)(word >> 24 & 0xFF000000);
                memcpy(out, &packed, 4);
            }
            if (i == count) break;
            c = ((const uint16_t *)data)[i];
        }
        i++;
        if (c < 0x80) {
            *out++ = (char)c;
        } else if (c < 0x800) {
            uint16_t bytes = (uint16_t)((0xC0 | c >> 6) | (0x80 | (c & 0x3F)) << 8);
            memcpy(out, &bytes, 2);
            out += 2;
        } else if (c < 0x10000) {
            if (c >= 0xD800 && c <= 0xDFFF) return NULL;
            uint32_t bytes = (0xE0 | c >> 12) | (0x80 | (c >> 6 & 0x3F)) << 8 | (0x80 | (c & 0x3F)) << 16;
            memcpy(out, &bytes, 4);
            out += 3;
        } else {
            uint32_t bytes = (0xF0 | c >> 18) | (0x80 | (c >> 12 & 0x3F)) << 8 | (0x80 | (c >> 6 & 0x3F)) << 16 |
                             (uint32_t)(0x80 | (c & 0x3F)) << 24;
            memcpy(out, &bytes, 4);
            out += 4;
        }
    }
    return out;
}

/* Bytes encode_utf8 may write past its bound (a 3-byte character stored as 4). */
enum { UTF8_SLACK = 8 };

/* Writes the UTF-8 of `count` characters of `kind` at `data` to `out` (at least count * utf8_bound(kind) bytes, plus
 * UTF8_SLACK); returns the end, or NULL at a surrogate, which UTF-8 cannot hold (the caller repairs that str as
 * tiktoken does, through utf8_of). */
static char *encode_utf8(const void *data, Py_ssize_t count, int kind, char *out) {
    if (kind == 2) return encode_wide(data, count, 2, out);
    if (kind == 4) return encode_wide(data, count, 4, out);
    const uint8_t *chars = data;
    Py_ssize_t i = 0;
    while (i < count) {
        /* Runs of ASCII, 8 characters at a time. */
        for (uint64_t word; i + 8 <= count; i += 8, out += 8) {
            memcpy(&word, chars + i, 8);
            if (word & 0x8080808080808080u) break;
            memcpy(out, &word, 8);
        }
        if (i == count) break;
        uint8_t c = chars[i++];
        if (c < 0x80) {
            *out++ = (char)c;
        } else {
            *out++ = (char)(0xC0 | c >> 6);
            *out++ = (char)(0x80 | (c & 0x3F));
        }
    }
    return out;
}

/* Bytes of the stack buffer a call's text_utf8 may write a short non-ASCII str's UTF-8 into (UTF8_SLACK included). */
enum { UTF8_SCRATCH = SHORT_TEXT };

/* One text's UTF-8 for a call: an ASCII str's characters in place; any other str this can read, its UTF-8 written by
 * encode_utf8 into `scratch` (UTF8_SCRATCH bytes, the caller's stack) when it fits, else into *owned, which the caller
 * frees after using *data (NULL when none); anything else through utf8_of (*keep as there).
 *
 * Why not CPython's UTF-8 for short strs too: PyUnicode_AsUTF8AndSize costs about 20 instructions a character of a
 * two-byte script and keeps a copy on the str for its lifetime. Its cache only pays off when one str is encoded again
 * and again; a loop over documents encodes each once (callgrind, encode_ordinary per paragraph over 4 MB of
 * public_multi, cl100k: CPython's encoder and its allocations 39 M instructions, encode_utf8 14 M; the calls in all
 * 430 M -> 403 M). */
static int text_utf8(PyObject *text, const char **data, Py_ssize_t *length, PyObject **keep, char **owned,
                     char *scratch) {
    *owned = NULL;
    *keep = NULL;
    int kind = 0, ascii = 0;
    const void *characters = PyUnicode_Check(text) ? str_characters(text, &kind, &ascii) : NULL;
    Py_ssize_t count = characters ? PyUnicode_GetLength(text) : 0;
    if (characters && ascii) {
        *data = characters;
        *length = count;
        return 0;
    }
    if (characters) {
        Py_ssize_t bound = count * utf8_bound(kind) + UTF8_SLACK;
        char *buffer = bound <= UTF8_SCRATCH ? scratch : malloc((size_t)bound);
        if (!buffer) {
            PyErr_NoMemory();
            return -1;
        }
        char *end = encode_utf8(characters, count, kind, buffer);
        if (end) {
            if (buffer != scratch) *owned = buffer;
            *data = buffer;
            *length = end - buffer;
            return 0;
        }
        if (buffer != scratch) free(buffer);
    }
    return utf8_of(text, data, length, keep);
}

/* Whether the GIL keeps two calls holding it from running at once, so that an object's short calls (made with the
 * GIL held from start to end) may share one workspace without a lock: 1 unless this interpreter runs without a GIL
 * (sys._is_gil_enabled(), 3.13+, says False), found by bind(). */
static int gil_serializes;

static int probe_gil(void) {
    PyObject *enabled = PySys_GetObject("_is_gil_enabled"); /* borrowed; NULL (no exception) before 3.13 */
    if (!enabled) {
        gil_serializes = 1;
        return 0;
    }
    PyObject *answer = PyObject_CallNoArgs(enabled);
    if (!answer) return -1;
    gil_serializes = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    return gil_serializes < 0 ? -1 : 0;
}

/* A workspace for one Python object's short calls, or NULL (its calls borrow the handle's, behind a lock) where the
 * GIL does not serialize them.
 *
 * Why: tk_encode_into with no workspace takes and releases a lock on one of the handle's, two atomic
 * compare-and-swaps, which on a two-byte text were the largest cost left in Swift (and splintr-rs's call is about as
 * short). An object's short calls hold the GIL from start to end and never call back into Python, so no two of them
 * overlap; its long calls release the GIL and so never use it (encode_one). */
static tk_workspace *own_workspace(void) { return gil_serializes ? tk_workspace_new_ptr() : NULL; }

static PyObject *owns_workspaces(PyObject *self, PyObject *unused) { return PyBool_FromLong(gil_serializes); }

static int check_bound(void) {
    if (tk_encode_ptr && tk_encode_documents_ptr && tk_encode_into_ptr && tk_error_clear_ptr && tk_workspace_new_ptr &&
        tk_workspace_free_ptr && raise_callback && repair_callback)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "tokkit._fast: bind() was not called");
    return -1;
}

/* What a lent call's receive_lists needs: the thread state saved when the GIL was released (the result is made
 * with it held again), the id table (NULL: the result is arrays' bytes, not lists), and the result (NULL with an
 * exception set if making it failed, or NULL with none if the call failed before lending any ids). */
typedef struct {
    PyThreadState *saved;
    IntTable *table;
    Py_ssize_t documents; /* -1 for one text */
    PyObject *result;
} Receiver;

/* Offsets go out as numpy uint64 and come in as ssize_t: the same 8 bytes for the non-negative values they hold. */
_Static_assert(sizeof(ssize_t) == sizeof(uint64_t), "tokkit._fast needs a 64-bit ssize_t");

/* The bytes of a uint32 id array (and, for documents, a tuple with the uint64 offsets' bytes too), as bytearrays
 * that numpy.frombuffer views without a further copy. One copy of the ids under the GIL, where the ctypes path made
 * three (Swift's malloc'ed copy, ctypes.string_at, array.frombytes) and converted the offsets in Python. */
static PyObject *ids_to_arrays(const uint32_t *ids, ssize_t count, const ssize_t *offsets, Py_ssize_t documents) {
    PyObject *flat = PyByteArray_FromStringAndSize((const char *)ids, (Py_ssize_t)count * (Py_ssize_t)sizeof(uint32_t));
    if (!flat || documents < 0) return flat;
    PyObject *bounds =
        PyByteArray_FromStringAndSize((const char *)offsets, (documents + 1) * (Py_ssize_t)sizeof(uint64_t));
    if (!bounds) {
        Py_DECREF(flat);
        return NULL;
    }
    PyObject *pair = PyTuple_Pack(2, flat, bounds);
    Py_DECREF(flat);
    Py_DECREF(bounds);
    return pair;
}

static PyObject *documents_to_lists(const uint32_t *ids, const ssize_t *offsets, Py_ssize_t documents,
                                    IntTable *table);

/* tk_receive_ids for the lent calls: Swift lends its own ids for the length of this call, so the lists are made
 * from them directly, with no malloc'ed copy (and no page faults on one) in between. */
static void receive_lists(void *context, const uint32_t *ids, ssize_t count, const ssize_t *id_offsets) {
    Receiver *receiver = context;
    PyEval_RestoreThread(receiver->saved);
    if (!receiver->table)
        receiver->result = ids_to_arrays(ids, count, id_offsets, receiver->documents);
    else
        receiver->result = receiver->documents < 0
                               ? ids_to_list(ids, count, receiver->table)
                               : documents_to_lists(ids, id_offsets, receiver->documents, receiver->table);
    receiver->saved = PyEval_SaveThread();
}

/* One text as a list of ids; rules 0 = ordinary text, 1 = every special token refused, 2 = every special token
 * allowed (tk_encode_into's numbering). `threads` other than 1 (0 = all cores) lets tk_encode cut a long text
 * and encode the parts on that many cores; a short text is always encoded on the calling thread, with the GIL
 * held, in `workspace` (NULL: one of the handle's). A long text never uses `workspace`: the GIL is released
 * then, and another call of the same object may use it meanwhile. */
static PyObject *encode_one(tk_tokenizer *handle, tk_workspace *workspace, const char *data, Py_ssize_t length,
                            int vouched, int rules, Py_ssize_t threads, IntTable *table) {
    tk_error error = {0, 0, -1, NULL, NULL};
    ssize_t count = 0;
    int32_t status;
    if (length <= SHORT_TEXT) {
        uint32_t ids[SHORT_TEXT];
        status = tk_encode_into_ptr(handle, workspace, (const uint8_t *)data, length, rules,
                                    vouched ? TK_VOUCHED_UTF8 : 0, ids, SHORT_TEXT, &count, &error);
        if (status != 0) return raise_failure(status, &error);
        return ids_to_list(ids, count, table);
    }
    Receiver receiver = {PyEval_SaveThread(), table, -1, NULL};
    status = tk_encode_ptr(handle, (const uint8_t *)data, length, rules == 2, NULL, 0, rules == 1, NULL, 0, threads,
                           vouched ? TK_VOUCHED_UTF8 : 0, receive_lists, &receiver, &error);
    PyEval_RestoreThread(receiver.saved);
    if (status != 0) return raise_failure(status, &error);
    return receiver.result;
}

/* encode(handle, text: str | bytes, allowed_mode, disallowed_mode, threads, table) -> list[int], on `threads`
 * cores (a long text is cut where no later text can move a token); table None -> the ids' bytes as a bytearray
 * (for numpy). */
static PyObject *encode(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *text, *capsule;
    int allowed, disallowed;
    Py_ssize_t threads;
    if (!PyArg_ParseTuple(args, "KOiinO", &handle, &text, &allowed, &disallowed, &threads, &capsule)) return NULL;
    if (check_bound() < 0) return NULL;
    IntTable *table = NULL;
    if (capsule != Py_None && !(table = table_of(capsule))) return NULL;
    const char *data;
    Py_ssize_t length;
    PyObject *keep;
    char *owned;
    char scratch[UTF8_SCRATCH];
    if (text_utf8(text, &data, &length, &keep, &owned, scratch) < 0) return NULL;
    tk_error error = {0, 0, -1, NULL, NULL};
    Receiver receiver = {PyEval_SaveThread(), table, -1, NULL};
    int32_t status = tk_encode_ptr((tk_tokenizer *)(uintptr_t)handle, (const uint8_t *)data, length, allowed, NULL, 0,
                                   disallowed, NULL, 0, threads, vouched_utf8(text), receive_lists, &receiver, &error);
    PyEval_RestoreThread(receiver.saved);
    free(owned);
    Py_XDECREF(keep);
    if (status != 0) return raise_failure(status, &error);
    return receiver.result;
}

/* Lists of up to this many ids get their item array from CPython's small-object allocator, one pool per 16-byte
 * size class; longer ones from malloc. */
enum { SMALL_LIST = 64, SIZE_CLASSES = SMALL_LIST / 2 + 2 };

/* How many documents documents_to_lists makes lists for before it fills them: their item arrays (about 300 bytes
 * for a paragraph) are still in the core's cache when they are filled. */
enum { CHUNK = 2048 };

/* order[0 ..< count]: the documents first ..< first + count, grouped by the size class of their item arrays (longer
 * lists last), each group in document order. */
static void creation_order(const ssize_t *offsets, Py_ssize_t first, Py_ssize_t count, Py_ssize_t *order) {
    Py_ssize_t starts[SIZE_CLASSES + 1] = {0};
#define SIZE_CLASS(i)                                                                                                \
    (offsets[(i) + 1] - offsets[i] > SMALL_LIST ? SIZE_CLASSES - 1 : (Py_ssize_t)(offsets[(i) + 1] - offsets[i] + 1) / 2)
    for (Py_ssize_t i = first; i < first + count; i++) starts[SIZE_CLASS(i) + 1]++;
    for (Py_ssize_t k = 1; k <= SIZE_CLASSES; k++) starts[k] += starts[k - 1];
    for (Py_ssize_t i = first; i < first + count; i++) order[starts[SIZE_CLASS(i)]++] = i;
#undef SIZE_CLASS
}

/* The documents' lists of ids, from one flat id array and its offsets. The collector is paused while they
 * are made: each new list would otherwise count towards the next collection, and a batch of fifty thousand
 * lists would trigger dozens of collections that walk the lists made so far again and again. They stay
 * tracked (a list a user later puts in a cycle must stay collectable): the next collection walks them once.
 *
 * The lists of each CHUNK of documents are made grouped by size class, then filled in document order. Why: the
 * young-generation collection walks new lists in the order they were made and reads each one's item array. Made
 * in document order, consecutive lists take their arrays from different pools, so each array is a jump the
 * prefetcher does not see coming; grouped, runs of arrays lie one after the other. Filling stays in document
 * order, where the ids lie one after the other and fill_items' prefetch runs ahead. */
static PyObject *documents_to_lists(const uint32_t *ids, const ssize_t *offsets, Py_ssize_t documents,
                                    IntTable *table) {
    int collecting = PyGC_Disable();
    PyObject *result = PyList_New(documents);
    PyObject **items = result && items_offset && documents > 0 ? items_of(result) : NULL;
    Py_ssize_t order[CHUNK];
    for (Py_ssize_t first = 0; result && first < documents; first += CHUNK) {
        Py_ssize_t count = documents - first < CHUNK ? documents - first : CHUNK;
        creation_order(offsets, first, count, order);
        for (Py_ssize_t k = 0; k < count; k++) {
            PyObject *list = PyList_New((Py_ssize_t)(offsets[order[k] + 1] - offsets[order[k]]));
            if (!list) {
                Py_CLEAR(result); /* the slots not yet filled are NULL */
                break;
            }
            fill_slot(result, items, order[k], list);
        }
        for (Py_ssize_t i = first; result && i < first + count; i++) {
            PyObject *list = items ? items[i] : PyList_GetItem(result, i);
            if (fill_items(list, ids + offsets[i], (Py_ssize_t)(offsets[i + 1] - offsets[i]),
                           (Py_ssize_t)(offsets[documents] - offsets[i]), table) < 0)
                Py_CLEAR(result);
        }
    }
    if (collecting) PyGC_Enable();
    return result;
}

/* encode_batch(handle, texts: list[str | bytes], allowed_mode, disallowed_mode, threads, table)
 * -> list[list[int]], the documents encoded on `threads` cores in Swift; table None -> (ids bytearray, offsets
 * bytearray) for numpy.
 *
 * Each document's UTF-8 is handed to Swift in place (tk_encode_documents_lent joins them into the tokenizer's
 * reused scratch): no joined copy here. The GIL is released during the call, so another thread could empty the
 * list meanwhile: a tuple of the documents holds them (and so their UTF-8) until the call returns. */
static PyObject *encode_batch(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *texts, *capsule;
    int allowed, disallowed;
    Py_ssize_t threads;
    if (!PyArg_ParseTuple(args, "KO!iinO", &handle, &PyList_Type, &texts, &allowed, &disallowed, &threads, &capsule))
        return NULL;
    if (check_bound() < 0) return NULL;
    IntTable *table = NULL;
    if (capsule != Py_None && !(table = table_of(capsule))) return NULL;
    PyObject *held = PyList_AsTuple(texts);
    if (!held) return NULL;
    Py_ssize_t documents = PyTuple_Size(held);
    ssize_t *lengths = malloc((size_t)(documents > 0 ? documents : 1) * sizeof(ssize_t));
    const char **parts = malloc((size_t)(documents > 0 ? documents : 1) * sizeof(char *));
    PyObject *repaired = PyList_New(0); /* the bytes of repaired texts, alive until the call returns */
    char *encoded = NULL;               /* the UTF-8 of the strs not read in place */
    PyObject *result = NULL;
    if (!lengths || !parts || !repaired) {
        if (repaired) PyErr_NoMemory();
        goto done;
    }
    /* First every text's bytes where they need no encoding (an ASCII str's characters, bytes, and what utf8_of gives
     * a str this cannot read), and the most bytes the other strs' UTF-8 can take; then that UTF-8, into one buffer. */
    uint32_t flags = TK_VOUCHED_UTF8;
    Py_ssize_t bound = 0;
    for (Py_ssize_t i = 0; i < documents; i++) {
        PyObject *text = PyTuple_GetItem(held, i);
        flags &= vouched_utf8(text);
        int kind = 0, ascii = 0;
        const void *characters = PyUnicode_Check(text) ? str_characters(text, &kind, &ascii) : NULL;
        if (!characters) {
            if (utf8_kept(text, &parts[i], &lengths[i], repaired) < 0) goto done;
            continue;
        }
        lengths[i] = PyUnicode_GetLength(text);
        parts[i] = ascii ? characters : NULL; /* NULL: encoded below */
        if (!ascii) bound += lengths[i] * utf8_bound(kind);
    }
    if (bound > 0 && !(encoded = malloc((size_t)bound + UTF8_SLACK))) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0, end = 0; bound > 0 && i < documents; i++) {
        if (parts[i]) continue;
        PyObject *text = PyTuple_GetItem(held, i);
        int kind = 0, ascii = 0;
        const void *characters = str_characters(text, &kind, &ascii);
        char *written = encode_utf8(characters, lengths[i], kind, encoded + end);
        if (!written) {
            if (utf8_kept(text, &parts[i], &lengths[i], repaired) < 0) goto done;
            continue;
        }
        parts[i] = encoded + end;
        lengths[i] = written - parts[i];
        end += lengths[i];
    }
    tk_error error = {0, 0, -1, NULL, NULL};
    Receiver receiver = {PyEval_SaveThread(), table, documents, NULL};
    int32_t status = tk_encode_documents_ptr((tk_tokenizer *)(uintptr_t)handle, (const uint8_t *const *)parts, lengths,
                                             documents, allowed, NULL, 0, disallowed, NULL, 0, threads, flags,
                                             receive_lists, &receiver, &error);
    PyEval_RestoreThread(receiver.saved);
    if (status != 0) {
        raise_failure(status, &error);
        goto done;
    }
    result = receiver.result;
done:
    free(encoded);
    free(lengths);
    free(parts);
    Py_XDECREF(repaired);
    Py_DECREF(held);
    return result;
}

/* What an encoder function is bound to: the tokenizer (and the Python object that owns it, so the function
 * keeps it alive), its id table, and one of tk_encode_into's rule numbers. A small object of its own type
 * rather than a capsule: the function reads its fields directly, where a capsule is looked up by name (a
 * string comparison) on every call. */
typedef struct {
    PyObject_HEAD
    tk_tokenizer *handle;
    tk_workspace *workspace; /* see own_workspace */
    PyObject *owner;
    PyObject *table_capsule;
    IntTable *table;
    int rules;
} Bound;

static PyObject *bound_type;

static void bound_dealloc(PyObject *self) {
    Bound *bound = (Bound *)self;
    PyTypeObject *type = Py_TYPE(self);
    Py_XDECREF(bound->owner);
    Py_XDECREF(bound->table_capsule);
    if (bound->workspace) tk_workspace_free_ptr(bound->workspace);
    PyObject_Free(self);
    Py_DECREF(type); /* instances of a heap type hold a reference to it */
}

static PyType_Slot bound_slots[] = {{Py_tp_dealloc, bound_dealloc}, {0, NULL}};
static PyType_Spec bound_spec = {"tokkit._fast.Bound", sizeof(Bound), 0, Py_TPFLAGS_DEFAULT, bound_slots};

/* Reads an encoding call's arguments: the text (positional, or the keyword `text`, as tiktoken's methods take it)
 * and, when `threads` is not NULL, the keyword num_threads (a non-negative int). With `others` not NULL, a keyword
 * of any other name sets *others to 1 (the caller hands the whole call to Python) instead of raising. */
static int text_arguments(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject **text,
                          Py_ssize_t *threads, int *others) {
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "takes one text (%zd given)", nargs);
        return -1;
    }
    *text = nargs == 1 ? args[0] : NULL;
    Py_ssize_t given = kwnames ? PyTuple_Size(kwnames) : 0;
    for (Py_ssize_t i = 0; i < given; i++) {
        PyObject *name = PyTuple_GetItem(kwnames, i);
        if (PyUnicode_CompareWithASCIIString(name, "text") == 0) {
            if (*text) {
                PyErr_SetString(PyExc_TypeError, "got multiple values for argument 'text'");
                return -1;
            }
            *text = args[nargs + i];
        } else if (threads && PyUnicode_CompareWithASCIIString(name, "num_threads") == 0) {
            *threads = PyLong_AsSsize_t(args[nargs + i]);
            if (*threads == -1 && PyErr_Occurred()) return -1;
            if (*threads < 0) {
                PyErr_Format(PyExc_ValueError, "num_threads must be 0 (all cores) or more, not %zd", *threads);
                return -1;
            }
        } else if (others) {
            *others = 1;
        } else {
            PyErr_Format(PyExc_TypeError, "got an unexpected keyword argument '%U'", name);
            return -1;
        }
    }
    if (!*text && !(others && *others)) {
        PyErr_SetString(PyExc_TypeError, "missing 1 required argument: 'text'");
        return -1;
    }
    return 0;
}

/* One text's list of ids under `rules` (tk_encode_into's numbering) on `threads` cores; `workspace` as encode_one's. */
static PyObject *encode_text_with(tk_tokenizer *handle, tk_workspace *workspace, IntTable *table, int rules,
                                  PyObject *text, Py_ssize_t threads) {
    const char *data;
    Py_ssize_t length;
    PyObject *keep;
    char *owned;
    char scratch[UTF8_SCRATCH];
    if (text_utf8(text, &data, &length, &keep, &owned, scratch) < 0) return NULL;
    /* An empty text has no ids under any rules and nothing to refuse: no call into Swift. */
    PyObject *list =
        length == 0 ? PyList_New(0)
                    : encode_one(handle, workspace, data, length, vouched_utf8(text) != 0, rules, threads, table);
    free(owned);
    Py_XDECREF(keep);
    return list;
}

/* An encoder function's body: METH_FASTCALL | METH_KEYWORDS, `self` is its Bound. */
static PyObject *encode_text(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *text;
    Py_ssize_t threads = 1;
    if (text_arguments(args, nargs, kwnames, &text, &threads, NULL) < 0) return NULL;
    Bound *bound = (Bound *)self;
    return encode_text_with(bound->handle, bound->workspace, bound->table, bound->rules, text, threads);
}

static PyMethodDef encode_text_definition = {
    "encode_ordinary", (PyCFunction)(void (*)(void))encode_text, METH_FASTCALL | METH_KEYWORDS,
    "Encodes one text (str, or UTF-8 bytes) into a list of ids; num_threads=N (0 = all cores) encodes a long text "
    "on N cores, with the same ids.",
};

/* encoder(owner, handle, table, rules) -> a builtin function text -> list[int].
 *
 * Why a builtin function: Encoding.encode_ordinary as a Python method costs a frame, attribute lookups and
 * a try block per call, more than encoding a short text; a builtin bound to its data is called by the
 * interpreter directly (vectorcall), as a compiled peer's method is. `owner` is the Python object whose
 * lifetime bounds the handle's. */
static PyObject *encoder(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *owner, *capsule;
    int rules;
    if (!PyArg_ParseTuple(args, "OKOi", &owner, &handle, &capsule, &rules)) return NULL;
    if (check_bound() < 0) return NULL;
    if (rules < 0 || rules > 2) {
        PyErr_Format(PyExc_ValueError, "rules %d are not 0, 1 or 2", rules);
        return NULL;
    }
    IntTable *table = table_of(capsule);
    if (!table) return NULL;
    Bound *bound = PyObject_New(Bound, (PyTypeObject *)bound_type);
    if (!bound) return NULL;
    bound->handle = (tk_tokenizer *)(uintptr_t)handle;
    bound->workspace = own_workspace();
    bound->owner = owner;
    bound->table_capsule = capsule;
    bound->table = table;
    bound->rules = rules;
    Py_INCREF(owner);
    Py_INCREF(capsule);
    PyObject *function = PyCFunction_NewEx(&encode_text_definition, (PyObject *)bound, NULL);
    Py_DECREF(bound);
    return function;
}

/* tokkit.Encoding's base class when this module is built: encode_ordinary and encode as methods of a compiled
 * type, reading the tokenizer from the object itself.
 *
 * Why a base class: a call `enc.encode_ordinary(text)` first looks the name up. A builtin function stored on the
 * instance (what encoder() makes) is found in the instance's dict, which the interpreter cannot specialise
 * (callgrind, "hi": 237 instructions of 2,062 a call went to the lookup, where calling the function directly took
 * 1,825); a method of the type is specialised to a version check. And tiktoken's `encode(text)` with its default
 * rules was a Python method (a frame, two comparisons, a second call: 980 instructions more than
 * encode_ordinary); here it is the compiled call with every special token refused, exactly encode's default
 * (disallowed_special="all", allowed_special empty). Any special-token keyword hands the whole call to the Python
 * method `_encode_rules`, which keeps tiktoken's rules in one place. */
typedef struct {
    PyObject_HEAD
    tk_tokenizer *handle;
    tk_workspace *workspace; /* see own_workspace; kept when the object is bound to another handle */
    PyObject *owner; /* the Python object whose lifetime bounds the handle's */
    PyObject *table_capsule;
    IntTable *table;
} EncoderBase;

static PyObject *base_type;

static int base_ready(EncoderBase *base) {
    if (base->handle) return 0;
    PyErr_SetString(PyExc_RuntimeError, "this Encoding was made without its tokenizer (Encoding._setup not run)");
    return -1;
}

static PyObject *base_encode_ordinary(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    EncoderBase *base = (EncoderBase *)self;
    PyObject *text;
    Py_ssize_t threads = 1;
    if (base_ready(base) < 0 || text_arguments(args, nargs, kwnames, &text, &threads, NULL) < 0) return NULL;
    return encode_text_with(base->handle, base->workspace, base->table, 0, text, threads);
}

/* self._encode_rules(*args, **keywords) for a vectorcall's arguments (the limited API of 3.10 has no vectorcall of
 * its own). */
static PyObject *encode_in_python(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *method = PyObject_GetAttrString(self, "_encode_rules");
    PyObject *positional = method ? PyTuple_New(nargs) : NULL;
    PyObject *keywords = positional ? PyDict_New() : NULL;
    PyObject *result = NULL;
    if (!keywords) goto done;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        Py_INCREF(args[i]);
        PyTuple_SetItem(positional, i, args[i]);
    }
    Py_ssize_t given = kwnames ? PyTuple_Size(kwnames) : 0;
    for (Py_ssize_t i = 0; i < given; i++)
        if (PyDict_SetItem(keywords, PyTuple_GetItem(kwnames, i), args[nargs + i]) < 0) goto done;
    result = PyObject_Call(method, positional, keywords);
done:
    Py_XDECREF(method);
    Py_XDECREF(positional);
    Py_XDECREF(keywords);
    return result;
}

static PyObject *base_encode(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    EncoderBase *base = (EncoderBase *)self;
    PyObject *text;
    Py_ssize_t threads = 1;
    int others = 0;
    if (base_ready(base) < 0 || text_arguments(args, nargs, kwnames, &text, &threads, &others) < 0) return NULL;
    if (others) return encode_in_python(self, args, nargs, kwnames);
    return encode_text_with(base->handle, base->workspace, base->table, 1, text, threads);
}

/* _bind(owner, handle, table): what the methods encode with (Encoding._setup, and __setstate__ after unpickling). */
static PyObject *base_bind(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *owner, *capsule;
    if (!PyArg_ParseTuple(args, "OKO", &owner, &handle, &capsule)) return NULL;
    if (check_bound() < 0) return NULL;
    IntTable *table = table_of(capsule);
    if (!table) return NULL;
    EncoderBase *base = (EncoderBase *)self;
    PyObject *old_owner = base->owner, *old_capsule = base->table_capsule;
    Py_INCREF(owner);
    Py_INCREF(capsule);
    base->owner = owner;
    base->table_capsule = capsule;
    Py_XDECREF(old_owner);
    Py_XDECREF(old_capsule);
    base->table = table;
    base->handle = (tk_tokenizer *)(uintptr_t)handle;
    if (!base->workspace) base->workspace = own_workspace();
    Py_RETURN_NONE;
}

static void base_dealloc(PyObject *self) {
    EncoderBase *base = (EncoderBase *)self;
    PyTypeObject *type = Py_TYPE(self);
    Py_CLEAR(base->owner);
    Py_CLEAR(base->table_capsule);
    if (base->workspace) tk_workspace_free_ptr(base->workspace);
    base->workspace = NULL;
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type); /* instances of a heap type hold a reference to it (a subclass's dealloc leaves it to us) */
}

static PyMethodDef base_methods[] = {
    {"encode_ordinary", (PyCFunction)(void (*)(void))base_encode_ordinary, METH_FASTCALL | METH_KEYWORDS,
     "encode_ordinary($self, text, *, num_threads=1)\n--\n\n"
     "Encodes a string (or UTF-8 bytes), treating special-token text as ordinary text.\n\n"
     "num_threads (not in tiktoken; 0 = all cores) encodes a long text on several cores, cut where no later text "
     "can change the ids: the result equals the one-thread result.\n\n"
     ">>> enc.encode_ordinary(\"hello world\")\n[31373, 995]"},
    {"encode", (PyCFunction)(void (*)(void))base_encode, METH_FASTCALL | METH_KEYWORDS,
     "Encodes a string. Special-token text is an error unless allowed (tiktoken's rule): allowed_special encodes it "
     "as its id, disallowed_special=() as ordinary text. Keywords: allowed_special=set(), disallowed_special=\"all\", "
     "num_threads=1 (not in tiktoken; 0 = all cores, for a long text).\n\n"
     ">>> enc.encode(\"hello <|endoftext|>\", allowed_special=\"all\")\n[31373, 220, 50256]"},
    {"_bind", base_bind, METH_VARARGS, "_bind(owner, handle, table): the tokenizer the methods encode with"},
    {NULL, NULL, 0, NULL},
};

/* own_methods(cls): encode_ordinary and encode as method descriptors of `cls` (a subclass of EncoderBase, in practice
 * tokkit.Encoding), set on it.
 *
 * Why: CPython specialises a call of a compiled method (PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS in 3.11, the same
 * guard in 3.12 and 3.13) only when the object's type is exactly the type the method belongs to. Inherited from
 * EncoderBase, every `enc.encode_ordinary(text)` on an Encoding failed that guard, so the call stayed on the generic
 * path (the adaptive instruction, PyObject_Vectorcall, the descriptor's own argument check): callgrind, a loop of
 * encode_ordinary("hi"), about 150 of 1,990 instructions a call. The same C functions, owned by Encoding, pass it. The
 * descriptor still checks that `self` is an instance of `cls`, whose layout is EncoderBase's, before the C function
 * reads its fields; a user's subclass of Encoding takes the generic path, with the same result. */
static PyObject *own_methods(PyObject *self, PyObject *cls) {
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, (PyTypeObject *)base_type)) {
        PyErr_SetString(PyExc_TypeError, "own_methods needs a subclass of tokkit._fast.EncoderBase");
        return NULL;
    }
    for (PyMethodDef *definition = base_methods; definition->ml_name; definition++) {
        if (definition->ml_meth == (PyCFunction)base_bind) continue;
        PyObject *method = PyDescr_NewMethod((PyTypeObject *)cls, definition);
        if (!method) return NULL;
        int failed = PyObject_SetAttrString(cls, definition->ml_name, method);
        Py_DECREF(method);
        if (failed < 0) return NULL;
    }
    Py_RETURN_NONE;
}

static PyType_Slot base_slots[] = {
    {Py_tp_dealloc, base_dealloc},
    {Py_tp_methods, base_methods},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_doc, "tokkit.Encoding's compiled base: encode_ordinary and encode (see tokkit/_fast.c)."},
    {0, NULL},
};
static PyType_Spec base_spec = {"tokkit._fast.EncoderBase", sizeof(EncoderBase), 0,
                                Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, base_slots};

/* bind(tk_encode_lent, tk_encode_documents_lent, tk_encode_into, tk_error_clear, tk_workspace_new, tk_workspace_free,
 * raise_failure, repair): addresses from the loaded library, and the two Python functions failures and surrogates go
 * through. */
static PyObject *bind(PyObject *self, PyObject *args) {
    unsigned long long encode_address, batch_address, into_address, clear_address, new_address, free_address;
    PyObject *raise, *repair;
    if (!PyArg_ParseTuple(args, "KKKKKKOO", &encode_address, &batch_address, &into_address, &clear_address,
                          &new_address, &free_address, &raise, &repair))
        return NULL;
    if (probe_gil() < 0) return NULL;
    tk_encode_ptr = (encode_fn)(uintptr_t)encode_address;
    tk_encode_documents_ptr = (documents_fn)(uintptr_t)batch_address;
    tk_encode_into_ptr = (into_fn)(uintptr_t)into_address;
    tk_error_clear_ptr = (clear_fn)(uintptr_t)clear_address;
    tk_workspace_new_ptr = (workspace_new_fn)(uintptr_t)new_address;
    tk_workspace_free_ptr = (workspace_free_fn)(uintptr_t)free_address;
    Py_INCREF(raise);
    Py_INCREF(repair);
    Py_XDECREF(raise_callback);
    Py_XDECREF(repair_callback);
    raise_callback = raise;
    repair_callback = repair;
    Py_RETURN_NONE;
}

/* list_layout() -> the byte offset of a list's item array found at import (0: lists are filled with
 * PyList_SetItem); the test suite checks it is found on the interpreters it runs on. */
static PyObject *list_layout(PyObject *self, PyObject *unused) { return PyLong_FromSsize_t(items_offset); }

/* str_layout() -> (state, ASCII characters, other characters) offsets found at import, or None (every str's UTF-8
 * comes from PyUnicode_AsUTF8AndSize); the test suite checks they are found on the interpreters it runs on. */
static PyObject *str_layout_of(PyObject *self, PyObject *unused) {
    if (!str_layout.state) Py_RETURN_NONE;
    return Py_BuildValue("nnn", str_layout.state, str_layout.ascii_data, str_layout.compact_data);
}

static PyMethodDef methods[] = {
    {"own_methods", own_methods, METH_O,
     "own_methods(cls): encode_ordinary and encode as cls's own compiled methods (cls subclasses EncoderBase)"},
    {"list_layout", list_layout, METH_NOARGS, "list_layout() -> the offset of a list's items found at import, or 0"},
    {"str_layout", str_layout_of, METH_NOARGS,
     "str_layout() -> the offsets of a compact str's state and characters found at import, or None"},
    {"bind", bind, METH_VARARGS,
     "bind(tk_encode_lent, tk_encode_documents_lent, tk_encode_into, tk_error_clear, tk_workspace_new, "
     "tk_workspace_free, raise_failure, repair)"},
    {"owns_workspaces", owns_workspaces, METH_NOARGS,
     "owns_workspaces() -> whether each encoding object keeps a workspace of its own for short texts (the GIL "
     "serializes its calls)"},
    {"int_table", int_table, METH_VARARGS, "int_table(n): the ints 0 ..< n, shared by every list of ids."},
    {"encoder", encoder, METH_VARARGS, "encoder(owner, handle, table, rules) -> a function text -> list[int]"},
    {"encode", encode, METH_VARARGS,
     "encode(handle, text, allowed_mode, disallowed_mode, threads, table) -> list[int] (table None: bytearray)"},
    {"encode_batch", encode_batch, METH_VARARGS,
     "encode_batch(handle, texts, allowed_mode, disallowed_mode, threads, table) -> list[list[int]] "
     "(table None: (ids bytearray, uint64 offsets bytearray))"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fast", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fast(void) {
    if (!bound_type && !(bound_type = PyType_FromSpec(&bound_spec))) return NULL;
    if (!base_type && !(base_type = PyType_FromSpec(&base_spec))) return NULL;
    probe_list_layout();
    probe_str_layout();
    PyObject *created = PyModule_Create(&module);
    if (created && PyModule_AddObject(created, "EncoderBase", base_type) < 0) {
        Py_DECREF(created);
        return NULL;
    }
    if (created) Py_INCREF(base_type); /* PyModule_AddObject stole one; the static keeps its own */
    return created;
}
