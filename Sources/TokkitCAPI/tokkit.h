/* tokkit.h — the C ABI of libTokkitCAPI.so (Sources/TokkitCAPI), ABI version 5.
 *
 * Opaque handles, plain C types, no Swift type crosses. Every function that can fail returns a
 * status (0 = success, else one of TK_*) and fills the caller's tk_error, whose strings are
 * malloc'ed: release them with tk_error_clear. Buffers returned through out-pointers are malloc'ed:
 * release them with tk_free. Handles are released with their *_free function. A tokenizer handle may
 * be used from many threads at once. Special-token modes: 0 = none, 1 = all, 2 = the listed texts. */
#ifndef TOKKIT_H
#define TOKKIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TK_OK = 0,
    TK_INVALID_ARGUMENT = 1,          /* null handle, negative count, unknown format or policy */
    TK_FILE_ERROR = 2,                /* a file could not be read or written; the message names it */
    TK_DISALLOWED_SPECIAL_TOKEN = 3,  /* token = the special token's text, offset = its byte offset */
    TK_INVALID_UTF8 = 4,              /* offset = the first bad byte */
    TK_UNKNOWN_TOKEN_ID = 5,          /* decode: token = the id, offset = its position */
    TK_INVALID_VOCABULARY = 6,        /* duplicate or colliding tokens, bad file content, sha256 mismatch */
    TK_PATTERN_ERROR = 7,             /* a split pattern that cannot be compiled */
    TK_TRAINING_ERROR = 8,
    TK_COMPARE_ERROR = 9,
    TK_BYTE_NOT_IN_VOCABULARY = 10,   /* offset = the byte with no single-byte token */
    TK_PREP_ERROR = 11                /* a prep configuration or run failed; the message names file and line */
};

typedef struct tk_error {
    int32_t code;
    int32_t reserved;
    int64_t offset;   /* -1 when none applies */
    char *message;    /* what went wrong, for a person */
    char *token;      /* the special token or id concerned, or NULL */
} tk_error;

typedef struct tk_tokenizer tk_tokenizer;
typedef struct tk_trainer tk_trainer;

int32_t tk_abi_version(void);
void tk_free(void *pointer);
void tk_error_clear(tk_error *error);

/* Tokenizers */
int32_t tk_tokenizer_from_tiktoken(const uint8_t *contents, ssize_t length, const char *name, const char *pattern,
                                   const char *const *special_texts, const uint32_t *special_ids, ssize_t special_count,
                                   const char *expected_sha256, tk_tokenizer **out, tk_error *error);
int32_t tk_tokenizer_load(const char *source, const char *pattern_or_null, tk_tokenizer **out, tk_error *error);
void tk_tokenizer_free(tk_tokenizer *tokenizer);
int32_t tk_tokenizer_describe(tk_tokenizer *tokenizer, char **json, tk_error *error);
int32_t tk_tokenizer_tokens(tk_tokenizer *tokenizer, uint8_t **arena, uint64_t **offsets, ssize_t *count,
                            tk_error *error);
int32_t tk_tokenizer_save(tk_tokenizer *tokenizer, const char *format, const char *path, const char *second_path,
                          tk_error *error);

/* Encoding and decoding */
int32_t tk_encode(tk_tokenizer *tokenizer, const uint8_t *text, ssize_t length,
                  int32_t allowed_mode, const char *const *allowed, ssize_t allowed_count,
                  int32_t disallowed_mode, const char *const *disallowed, ssize_t disallowed_count,
                  ssize_t threads, uint32_t **ids, ssize_t *count, tk_error *error);
int32_t tk_encode_batch(tk_tokenizer *tokenizer, const uint8_t *text, const uint64_t *offsets, ssize_t document_count,
                        int32_t allowed_mode, const char *const *allowed, ssize_t allowed_count,
                        int32_t disallowed_mode, const char *const *disallowed, ssize_t disallowed_count,
                        ssize_t threads, uint32_t **ids, ssize_t *id_count, uint64_t **id_offsets, tk_error *error);
/* Receives a lent call's ids in place: `ids[0 ..< count]`, and for documents `document_count + 1` id offsets (NULL
 * for one text). Called once, on the calling thread, before the lent call returns; the pointers are valid only during
 * it. */
typedef void (*tk_receive_ids)(void *context, const uint32_t *ids, ssize_t count, const ssize_t *id_offsets);
/* Flags of the lent calls and tk_encode_into: the caller vouches that the text is valid UTF-8 (it is not validated
 * again). */
enum { TK_VOUCHED_UTF8 = 1 };
/* tk_encode without the malloc'ed copy: the ids go to `receive` instead. */
int32_t tk_encode_lent(tk_tokenizer *tokenizer, const uint8_t *text, ssize_t length,
                       int32_t allowed_mode, const char *const *allowed, ssize_t allowed_count,
                       int32_t disallowed_mode, const char *const *disallowed, ssize_t disallowed_count,
                       ssize_t threads, uint32_t flags, tk_receive_ids receive, void *context, tk_error *error);
/* Documents `texts[i][0 ..< lengths[i]]` (joined in the tokenizer's reused scratch, so the caller need not join
 * them; the texts must stay valid until the call returns), encoded as tk_encode_batch does; the ids and
 * `document_count + 1` id offsets go to `receive`. */
int32_t tk_encode_documents_lent(tk_tokenizer *tokenizer, const uint8_t *const *texts, const ssize_t *lengths,
                                 ssize_t document_count, int32_t allowed_mode, const char *const *allowed,
                                 ssize_t allowed_count, int32_t disallowed_mode, const char *const *disallowed,
                                 ssize_t disallowed_count, ssize_t threads, uint32_t flags, tk_receive_ids receive,
                                 void *context, tk_error *error);
/* A merger's piece cache and id buffer for tk_encode_into, owned by the caller, who lets no two calls use it at once
 * (no lock guards it); any tokenizer may use it. */
typedef struct tk_workspace tk_workspace;
tk_workspace *tk_workspace_new(void);
void tk_workspace_free(tk_workspace *workspace);
/* One text on the calling thread into the caller's ids buffer, which must hold at least `length` ids (a text
 * never has more ids than bytes); rules: 0 = ordinary text, 1 = every special token refused, 2 = every special
 * token allowed. `workspace`: the caller's (the call takes no lock), or NULL to borrow one of the tokenizer's.
 * Nothing to free: the cheap call for short texts. */
int32_t tk_encode_into(tk_tokenizer *tokenizer, tk_workspace *workspace, const uint8_t *text, ssize_t length,
                       int32_t rules, uint32_t flags, uint32_t *ids, ssize_t capacity, ssize_t *count, tk_error *error);
int32_t tk_encode_piece(tk_tokenizer *tokenizer, const uint8_t *piece, ssize_t length, uint32_t **ids, ssize_t *count,
                        tk_error *error);
int32_t tk_encode_pieces(tk_tokenizer *tokenizer, const uint8_t *text, const uint64_t *offsets, ssize_t piece_count,
                         uint32_t **ids, ssize_t *id_count, uint64_t **id_offsets, tk_error *error);
int32_t tk_split(tk_tokenizer *tokenizer, const uint8_t *text, ssize_t length, uint64_t **ranges, ssize_t *count,
                 tk_error *error);
int32_t tk_decode_bytes(tk_tokenizer *tokenizer, const uint32_t *ids, ssize_t count, uint8_t **bytes, ssize_t *length,
                        tk_error *error);

/* Training */
int32_t tk_trainer_new(const char *pattern, tk_trainer **out, tk_error *error);
void tk_trainer_free(tk_trainer *trainer);
int32_t tk_trainer_add_documents(tk_trainer *trainer, const uint8_t *text, const uint64_t *offsets,
                                 ssize_t document_count, ssize_t threads, tk_error *error);
int32_t tk_trainer_add_files(tk_trainer *trainer, const char *const *paths, ssize_t path_count, const char *split,
                             ssize_t threads, tk_error *error);
int32_t tk_trainer_finish(tk_trainer *trainer, ssize_t vocab_size, uint64_t min_frequency,
                          const char *const *special_texts, ssize_t special_count, int32_t specials_first,
                          const char *tie_policy, ssize_t max_token_length, tk_tokenizer **out, tk_error *error);

/* Comparison: the report of `tokkit compare --format json` */
int32_t tk_compare(tk_tokenizer *const *tokenizers, const char *const *labels, ssize_t tokenizer_count,
                   const char *const *paths, ssize_t path_count, const char *extensions, ssize_t timing_ms,
                   char **json, tk_error *error);

/* Preprocessing (`tokkit prep`). options_json is a JSON object with any of: config_path (a YAML file),
 * config_text (a configuration held in memory; config_path, if given, names it in errors), preset, inputs
 * (list), output, blocklists, public_suffix_list, text_key, id_key, format, compression, level, rank,
 * world_size, threads (0 = all cores), resume, dropped, skip_bad_lines, lossy, vocabularies (the folder a `mix`
 * stage reads a bundled vocabulary from; default: beside the executable). Given settings override the
 * configuration's, as `tokkit prep`'s flags do. Configuration errors are reported by tk_prep_new. */
typedef struct tk_prep tk_prep;
int32_t tk_prep_new(const char *options_json, tk_prep **out, tk_error *error);
void tk_prep_free(tk_prep *prep);
/* Runs over the inputs into the output directory as `tokkit prep` does, for every stage a configuration knows,
 * corpus-wide ones included (dedup, decontamination, selection: steps/NN-name/ as the command writes them);
 * stats_json = stats/<rank>.json. */
int32_t tk_prep_run(tk_prep *prep, char **stats_json, tk_error *error);
/* Filters JSONL records held in memory; results_json is a JSON array, one entry per record in order:
 * {"text": kept text} or {"stage": name, "reason": reason}. Statistics accumulate in the handle. A configuration
 * with corpus-wide stages is refused (TK_PREP_ERROR): they decide by looking at every document. */
int32_t tk_prep_process(tk_prep *prep, const uint8_t *jsonl, ssize_t length, ssize_t threads, char **results_json,
                        tk_error *error);
int32_t tk_prep_statistics(tk_prep *prep, char **stats_json, tk_error *error);

#ifdef __cplusplus
}
#endif
#endif
