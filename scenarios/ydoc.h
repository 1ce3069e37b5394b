/* ydoc: the YAML document layer of scenario files.  It knows YAML, units
 * and positions, and nothing about models.
 *
 * A document is loaded with libyaml's event parser into a tree of nodes:
 * mappings (ordered; keys are scalars with their own positions), sequences
 * and scalars (text, style, tag).  Every node and key keeps the 1-based
 * line:column where it starts; columns count characters, as libyaml does.
 *
 * Errors.  Every error of this layer is one line "FILE:LINE:COL: message"
 * at the offending node or key, written into a struct ydoc_err; functions
 * return 0 or a negative errno (-EINVAL for anything wrong in the input,
 * -ENOMEM, or the errno of reading the file).  libyaml's own messages are
 * rewritten into plain words with a hint (see ydoc.c, yaml_problems__).
 *
 * YAML rules this layer adds or chooses:
 *  - UTF-8 only; a leading byte order mark is skipped (columns on line 1
 *    do not count it);
 *  - one document per file; an empty file is an empty mapping;
 *  - duplicate keys in one mapping are an error (at the second key);
 *  - mapping keys must be scalars; the merge key '<<' is rejected;
 *  - anchors and aliases are supported by copying: each '*name' becomes a
 *    deep copy of the node '&name' marked most recently before it.  The
 *    copy's top node takes the alias's position, the nodes under it keep
 *    the positions of the text they were copied from.  An alias inside its
 *    own anchor's node is an error, and so is a document that aliases
 *    expand past YDOC_MAX_NODES nodes;
 *  - nesting deeper than YDOC_MAX_DEPTH is an error;
 *  - a plain empty scalar, '~' and null/Null/NULL are null: every typed
 *    accessor rejects them as "has no value";
 *  - booleans, integers and numbers must be plain scalars (a quoted "yes"
 *    or a block scalar is a string, as in YAML); strings, units and enums
 *    may be plain or quoted.
 *
 * Overrides.  ydoc_set replaces a scalar (or adds a key to an existing
 * mapping) by path, e.g. "hosts.hv1.nics.SLOT 2.rate".  The new node's
 * position is "--set:N:C": N counts the ydoc_set calls on the document
 * from 1, C is the column of the value in the argument "path=value", so a
 * later error about the value points at the override.
 *
 * Hash.  ydoc_hash is SHA-256 over a canonical form of the tree: the kind
 * of every node, mapping keys in document order, scalar text, tag, and
 * whether a scalar is plain or quoted.  Whitespace, comments, flow versus
 * block layout, and which quoting style is used do not change it; key
 * order, values and overrides do.
 *
 * Ownership: the document owns every node and string; pointers returned
 * by accessors live until ydoc_free.
 */
#ifndef SETSIM_YDOC_H
#define SETSIM_YDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_time.h"

struct ydoc;
struct ydoc_node;

/* Largest nesting of collections a file may have. */
#define YDOC_MAX_DEPTH 128
/* Largest number of nodes (alias copies included): stops "billion
 * laughs" documents long before they exhaust memory. */
#define YDOC_MAX_NODES 1000000
/* Longest error message, position included. */
#define YDOC_ERR_MAX 1024
/* The file name of positions made by ydoc_set. */
#define YDOC_SET_FILE "--set"

struct ydoc_err {
    int line, col;          /* 1-based position of the error */
    char msg[YDOC_ERR_MAX]; /* "file:line:col: message" */
};

struct ydoc_pos {
    const char *file; /* owned by the document, or YDOC_SET_FILE */
    int line, col;    /* 1-based */
};

enum ydoc_kind {
    YDOC_SCALAR = 0,
    YDOC_MAP,
    YDOC_SEQ,
};

enum ydoc_style {
    YDOC_PLAIN = 0,
    YDOC_SINGLE_QUOTED,
    YDOC_DOUBLE_QUOTED,
    YDOC_LITERAL, /* '|' block */
    YDOC_FOLDED,  /* '>' block */
};

/* ---- loading ------------------------------------------------------------ */

/* Reads and parses a file.  0 with *out set, or a negative errno with err
 * filled ("path:1:1: cannot read: No such file or directory" when the
 * file cannot be read). */
int ydoc_load_file(const char *path, struct ydoc **out, struct ydoc_err *err);
/* Parses len bytes of text; name is the file name used in positions. */
int ydoc_load_string(const char *text, size_t len, const char *name, struct ydoc **out,
                     struct ydoc_err *err);
void ydoc_free(struct ydoc *doc); /* NULL-safe */

const struct ydoc_node *ydoc_root(const struct ydoc *doc);
const char *ydoc_file(const struct ydoc *doc);

/* ---- the tree ----------------------------------------------------------- */

enum ydoc_kind ydoc_kind(const struct ydoc_node *n);
const char *ydoc_kind_name(enum ydoc_kind k); /* "scalar", "mapping", "list" */
struct ydoc_pos ydoc_pos(const struct ydoc_node *n);
/* The mapping or sequence holding n (for a key: its mapping); NULL at the
 * root. */
const struct ydoc_node *ydoc_parent(const struct ydoc_node *n);
/* Writes n's path in ydoc_set syntax ("hosts.hv1.nics", "traffic.0"; a
 * segment with '.' or '=' in it is quoted); "" for the root.  Returns the
 * length it needed, as snprintf. */
int ydoc_path(const struct ydoc_node *n, char *buf, size_t len);

/* Scalars.  text is NUL-terminated; len counts bytes (a double-quoted
 * "\0" may put a NUL inside).  tag is libyaml's resolved tag
 * ("tag:yaml.org,2002:str" for !!str) or NULL. */
const char *ydoc_text(const struct ydoc_node *n);
size_t ydoc_text_len(const struct ydoc_node *n);
enum ydoc_style ydoc_style(const struct ydoc_node *n);
const char *ydoc_tag(const struct ydoc_node *n);
bool ydoc_is_null(const struct ydoc_node *n);
/* Where the scalar's text starts in the file: *line is the line of the
 * text's first line and text column c (1-based) is file column c + *col0.
 * Block scalars ('|', '>'): the line after the header and the block's
 * indentation; quoted: the column after the quote; plain: the node's
 * position.  The PowerShell binder maps its errors through this. */
void ydoc_text_origin(const struct ydoc_node *n, int *line, int *col0);

/* Mappings and sequences: number of entries or items (0 for a scalar). */
size_t ydoc_count(const struct ydoc_node *n);
const struct ydoc_node *ydoc_item(const struct ydoc_node *seq, size_t i);
const struct ydoc_node *ydoc_key_node(const struct ydoc_node *map, size_t i);
const char *ydoc_key(const struct ydoc_node *map, size_t i);
const struct ydoc_node *ydoc_value(const struct ydoc_node *map, size_t i);
/* Value of key (exact, case-sensitive) or NULL; *index gets the entry's
 * index when found and index != NULL. */
const struct ydoc_node *ydoc_map_get(const struct ydoc_node *map, const char *key, size_t *index);

/* ---- errors ------------------------------------------------------------- */

/* Fills err with "file:line:col: <fmt...>" at n (or pos) and returns
 * -EINVAL; err may be NULL.  For clients (the world builder) that report
 * their own errors at a node. */
int ydoc_error(struct ydoc_err *err, const struct ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ydoc_error_at(struct ydoc_err *err, struct ydoc_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The candidate closest to word (case-insensitive optimal-string-alignment
 * distance, small enough to be a likely typo: at most 1 for words of up to
 * 3 characters, 2 up to 6, 3 beyond), or NULL.  Ties go to the earlier
 * candidate. */
const char *ydoc_suggest(const char *word, const char *const *cands, size_t n);

/* ---- typed values --------------------------------------------------------
 * ydoc_as_*: n must be a scalar of the type.  Messages name the value as
 * 'label: text', label being the key n is the value of ("duration"), or
 * for a list item its list's label and index ("priorities.1").
 * ydoc_get_*: the value of key in map.  An absent key leaves *out as it is
 * and returns 0, unless flags has YDOC_REQUIRED: then "missing required key
 * 'key' in 'path'" at the mapping.  Ranges are inclusive. */

#define YDOC_REQUIRED 1u

/* Strings: any non-null scalar without a NUL byte, block scalars included. */
int ydoc_as_str(const struct ydoc_node *n, const char **out, struct ydoc_err *err);
/* true/false, yes/no, on/off, in lower, Capitalized or UPPER case. */
int ydoc_as_bool(const struct ydoc_node *n, bool *out, struct ydoc_err *err);
/* Decimal with optional sign and '_' separators, or 0x hex. */
int ydoc_as_int(const struct ydoc_node *n, int64_t min, int64_t max, int64_t *out,
                struct ydoc_err *err);
int ydoc_as_u64(const struct ydoc_node *n, uint64_t min, uint64_t max, uint64_t *out,
                struct ydoc_err *err);
/* A finite decimal number (strtod syntax, no hex, inf or nan). */
int ydoc_as_double(const struct ydoc_node *n, double min, double max, double *out,
                   struct ydoc_err *err);
/* sim_time_parse / sim_rate_parse / sim_size_parse; a bare "0" is also a
 * time (zero needs no unit). */
int ydoc_as_time(const struct ydoc_node *n, sim_time_t *out, struct ydoc_err *err);
int ydoc_as_rate(const struct ydoc_node *n, uint64_t *bps, struct ydoc_err *err);
int ydoc_as_size(const struct ydoc_node *n, uint64_t *bytes, struct ydoc_err *err);
/* values: NULL-terminated; matched case-insensitively; *out = index. */
int ydoc_as_enum(const struct ydoc_node *n, const char *const *values, int *out,
                 struct ydoc_err *err);
/* Sequences of scalars.  *out is a malloc'd array the caller frees (NULL
 * when empty); strings point into the document. */
int ydoc_as_str_list(const struct ydoc_node *n, const char ***out, size_t *count,
                     struct ydoc_err *err);
int ydoc_as_int_list(const struct ydoc_node *n, int64_t min, int64_t max, int64_t **out,
                     size_t *count, struct ydoc_err *err);
/* "'label': expected a <what>, got a <kind>" unless n is of kind k. */
int ydoc_expect(const struct ydoc_node *n, enum ydoc_kind k, struct ydoc_err *err);

int ydoc_get_str(const struct ydoc_node *map, const char *key, unsigned flags, const char **out,
                 struct ydoc_err *err);
int ydoc_get_bool(const struct ydoc_node *map, const char *key, unsigned flags, bool *out,
                  struct ydoc_err *err);
int ydoc_get_int(const struct ydoc_node *map, const char *key, unsigned flags, int64_t min,
                 int64_t max, int64_t *out, struct ydoc_err *err);
int ydoc_get_u64(const struct ydoc_node *map, const char *key, unsigned flags, uint64_t min,
                 uint64_t max, uint64_t *out, struct ydoc_err *err);
int ydoc_get_double(const struct ydoc_node *map, const char *key, unsigned flags, double min,
                    double max, double *out, struct ydoc_err *err);
int ydoc_get_time(const struct ydoc_node *map, const char *key, unsigned flags, sim_time_t *out,
                  struct ydoc_err *err);
int ydoc_get_rate(const struct ydoc_node *map, const char *key, unsigned flags, uint64_t *bps,
                  struct ydoc_err *err);
int ydoc_get_size(const struct ydoc_node *map, const char *key, unsigned flags, uint64_t *bytes,
                  struct ydoc_err *err);
int ydoc_get_enum(const struct ydoc_node *map, const char *key, unsigned flags,
                  const char *const *values, int *out, struct ydoc_err *err);
int ydoc_get_str_list(const struct ydoc_node *map, const char *key, unsigned flags,
                      const char ***out, size_t *count, struct ydoc_err *err);
int ydoc_get_int_list(const struct ydoc_node *map, const char *key, unsigned flags, int64_t min,
                      int64_t max, int64_t **out, size_t *count, struct ydoc_err *err);
/* The node of a key that must be present, or NULL with the "missing
 * required key" error (map must be a mapping, else "expected a mapping"). */
const struct ydoc_node *ydoc_require(const struct ydoc_node *map, const char *key,
                                     struct ydoc_err *err);

/* ---- schema ---------------------------------------------------------------
 * A schema describes one kind of mapping: a static table of the keys it
 * allows.  ydoc_check validates a node against it (unknown keys with the
 * closest valid one suggested, types, units, ranges, enums, required and
 * one-of keys, recursively into sub-schemas); ydoc_schema_markdown renders
 * the tables as the key reference of docs/scenario.md.  The scenario
 * tables are in schema.c. */

enum ydoc_type {
    YDOC_T_STR = 0, /* text */
    YDOC_T_SCRIPT,  /* PowerShell text, usually a '|' block */
    YDOC_T_BOOL,
    YDOC_T_INT,     /* int64; range min..max when either is non-zero */
    YDOC_T_UINT,    /* uint64, full range */
    YDOC_T_DOUBLE,  /* range min..max when either is non-zero */
    YDOC_T_TIME,
    YDOC_T_RATE,
    YDOC_T_SIZE,
    YDOC_T_ENUM,    /* one of values */
    YDOC_T_LIST,    /* sequence of scalars of type item (with values,
                     * min, max for its items), min_items..max_items */
    YDOC_T_MAP,     /* mapping described by sub */
    YDOC_T_MAP_OF,  /* mapping of names chosen by the user (keys of type
                     * item: STR, or INT with min..max) to entries
                     * described by sub */
    YDOC_T_SEQ_OF,  /* sequence of entries described by sub */
};

enum ydoc_key_flags {
    YDOC_K_REQUIRED = 1u << 0, /* the key must be present */
    YDOC_K_CHOICE = 1u << 1,   /* exactly one of the mapping's CHOICE keys
                                * must be present (e.g. the timeline's
                                * actions) */
};

struct ydoc_schema;

struct ydoc_key {
    const char *name;
    enum ydoc_type type;
    unsigned flags;               /* enum ydoc_key_flags */
    const char *unit;             /* unit column of the docs; NULL: the
                                   * type's units (time, rate, size) or none */
    const char *def;              /* default as the docs show it; NULL: none */
    const char *doc;              /* one line */
    enum ydoc_type item;          /* LIST items, MAP_OF keys */
    const char *const *values;    /* ENUM (and LIST of ENUM), NULL-terminated */
    double min, max;              /* INT/DOUBLE (and items, MAP_OF keys) */
    unsigned min_items, max_items; /* LIST; 0: no bound */
    const struct ydoc_schema *sub; /* MAP, MAP_OF, SEQ_OF */
};

struct ydoc_schema {
    const char *name;      /* identifier, and the placeholder of a MAP_OF
                            * name in doc headings: hosts.<host> */
    const char *title;     /* heading text */
    const char *doc;       /* paragraph under the heading, or NULL */
    const char *shorthand; /* a non-mapping entry is the value of this key
                            * ("SLOT 2": cx5 means { model: cx5 }), or NULL */
    const struct ydoc_key *keys; /* terminated by an entry with name NULL */
};

const struct ydoc_key *ydoc_schema_key(const struct ydoc_schema *s, const char *name);
/* Validates n as an entry of s (a mapping, or the shorthand's value). */
int ydoc_check(const struct ydoc_node *n, const struct ydoc_schema *s, struct ydoc_err *err);
/* Writes one "### `path`" section per schema reachable from root (root's
 * own heading is root_heading), each with a table
 * "| Key | Type | Unit | Default | Description |".  Returns 0 or -EIO. */
int ydoc_schema_markdown(FILE *out, const struct ydoc_schema *root, const char *root_heading);

/* ---- overrides and hash ------------------------------------------------- */

/* Sets the scalar at path to value.  Path segments are separated by '.';
 * a segment may be written "..." to contain dots; on a sequence a segment
 * is an index from 0.  The last segment must name an existing scalar, or
 * a new key of an existing mapping.  Errors are at "--set:N:C", C being
 * the column of the failing segment, and name it (and the closest key of
 * the mapping it was looked up in). */
int ydoc_set(struct ydoc *doc, const char *path, const char *value, struct ydoc_err *err);
/* The same from one "path=value" argument (split at the first '=' outside
 * quotes). */
int ydoc_set_arg(struct ydoc *doc, const char *arg, struct ydoc_err *err);
/* As ydoc_set_arg, but missing mappings on the path are created empty
 * (e.g. `knobs.fo.failback_holddown_ms=5` on a file without `knobs:`). */
int ydoc_set_arg_create(struct ydoc *doc, const char *arg, struct ydoc_err *err);

#define YDOC_HASH_HEX 64
/* Writes the document's hash into hex: 64 lowercase hex digits and a NUL. */
void ydoc_hash(const struct ydoc *doc, char hex[YDOC_HASH_HEX + 1]);

#endif
