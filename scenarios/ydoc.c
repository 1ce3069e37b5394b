/* ydoc: YAML documents with positions, typed accessors, schema checks,
 * --set overrides and the canonical hash (see ydoc.h for the rules).
 *
 * Loading runs libyaml's event parser and builds the tree with an explicit
 * stack of open collections (struct frame__): a mapping's frame holds the
 * key that waits for its value.  Anchors are recorded as they are marked
 * (a collection's anchor becomes usable when the collection ends), and an
 * alias attaches a deep copy of its anchor's node.
 *
 * The file's bytes are kept during the load for two things libyaml does
 * not give: where a block scalar's text starts (its indentation), and the
 * character at an error position (to tell a tab from other characters).
 */
#include "ydoc.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "sha256.h"

struct ydoc_entry {
    struct ydoc_node *key;   /* owned: a scalar */
    struct ydoc_node *value; /* owned */
};

struct ydoc_node {
    enum ydoc_kind kind;
    enum ydoc_style style;   /* scalars */
    bool is_key;             /* a mapping key (parent is its mapping) */
    struct ydoc_pos pos;
    struct ydoc_node *parent; /* the holding collection; NULL at the root */
    size_t index;            /* entry or item index in parent */
    char *text;              /* owned, NUL-terminated (scalars) */
    size_t len;              /* bytes of text */
    char *tag;               /* owned, or NULL */
    int text_line, text_col0; /* ydoc_text_origin */
    struct ydoc_entry *ents; /* owned (mappings) */
    struct ydoc_node **items; /* owned (sequences) */
    size_t n, cap;           /* entries or items */
};

struct ydoc {
    char *file;              /* owned: the name positions carry */
    struct ydoc_node *root;  /* owned */
    size_t nodes;            /* nodes allocated (YDOC_MAX_NODES) */
    unsigned nsets;          /* ydoc_set calls so far */
};

/* Messages quote values up to this many bytes, then "...". */
#define SHOW_MAX 60
/* Longest label or path written into a message. */
#define LABEL_MAX 256

static const char TAG_BOOL[] = "tag:yaml.org,2002:bool";
static const char TAG_INT[] = "tag:yaml.org,2002:int";
static const char TAG_FLOAT[] = "tag:yaml.org,2002:float";

/* ---- small buffers and messages ----------------------------------------- */

struct sbuf__ {
    char *p;
    size_t cap;
    size_t len; /* bytes needed so far (may exceed cap) */
};

static void sb_printf__(struct sbuf__ *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf__(struct sbuf__ *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

static int verror__(struct ydoc_err *err, int rc, struct ydoc_pos pos, const char *fmt, va_list ap)
{
    if (!err)
        return rc;
    err->line = pos.line;
    err->col = pos.col;
    int n = snprintf(err->msg, sizeof err->msg, "%s:%d:%d: ", pos.file ? pos.file : "?",
                     pos.line, pos.col);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    return rc;
}

int ydoc_error_at(struct ydoc_err *err, struct ydoc_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror__(err, -EINVAL, pos, fmt, ap);
    va_end(ap);
    return rc;
}

int ydoc_error(struct ydoc_err *err, const struct ydoc_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror__(err, -EINVAL, n->pos, fmt, ap);
    va_end(ap);
    return rc;
}

static int nomem__(struct ydoc_err *err, struct ydoc_pos pos)
{
    ydoc_error_at(err, pos, "out of memory");
    return -ENOMEM;
}

/* Copies text for a message: at most SHOW_MAX bytes (cut on a character
 * boundary, then "..."), line breaks and tabs written as \n and \t. */
static const char *show__(const char *text, size_t len, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)text[i];
        if (i >= SHOW_MAX && (c & 0xC0) != 0x80) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c == '\n' || c == '\t' || c == '\0') {
            buf[o++] = '\\';
            buf[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : '0';
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* ---- nodes -------------------------------------------------------------- */

static struct ydoc_node *node_new__(struct ydoc *doc, enum ydoc_kind kind, struct ydoc_pos pos)
{
    if (doc->nodes >= YDOC_MAX_NODES)
        return NULL;
    struct ydoc_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    doc->nodes++;
    n->kind = kind;
    n->pos = pos;
    n->text_line = pos.line;
    n->text_col0 = pos.col - 1;
    return n;
}

static void node_free__(struct ydoc *doc, struct ydoc_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == YDOC_MAP) {
            node_free__(doc, n->ents[i].key);
            node_free__(doc, n->ents[i].value);
        } else if (n->kind == YDOC_SEQ) {
            node_free__(doc, n->items[i]);
        }
    }
    free(n->ents);
    free(n->items);
    free(n->text);
    free(n->tag);
    free(n);
    doc->nodes--;
}

static int scalar_set_text__(struct ydoc_node *n, const char *text, size_t len)
{
    char *t = malloc(len + 1);
    if (!t)
        return -ENOMEM;
    memcpy(t, text, len);
    t[len] = '\0';
    free(n->text);
    n->text = t;
    n->len = len;
    return 0;
}

static int grow__(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 4;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return -ENOMEM;
    *arr = p;
    *cap = nc;
    return 0;
}

static int seq_append__(struct ydoc_node *seq, struct ydoc_node *item)
{
    if (grow__((void **)&seq->items, &seq->cap, seq->n + 1, sizeof *seq->items))
        return -ENOMEM;
    item->parent = seq;
    item->index = seq->n;
    seq->items[seq->n++] = item;
    return 0;
}

static int map_append__(struct ydoc_node *map, struct ydoc_node *key, struct ydoc_node *value)
{
    if (grow__((void **)&map->ents, &map->cap, map->n + 1, sizeof *map->ents))
        return -ENOMEM;
    key->parent = value->parent = map;
    key->index = value->index = map->n;
    key->is_key = true;
    map->ents[map->n].key = key;
    map->ents[map->n].value = value;
    map->n++;
    return 0;
}

static size_t count_nodes__(const struct ydoc_node *n)
{
    size_t c = 1;
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == YDOC_MAP)
            c += count_nodes__(n->ents[i].key) + count_nodes__(n->ents[i].value);
        else if (n->kind == YDOC_SEQ)
            c += count_nodes__(n->items[i]);
    }
    return c;
}

/* Deep copy of src; NULL when out of memory. */
static struct ydoc_node *copy__(struct ydoc *doc, const struct ydoc_node *src)
{
    struct ydoc_node *n = node_new__(doc, src->kind, src->pos);
    if (!n)
        return NULL;
    n->style = src->style;
    n->text_line = src->text_line;
    n->text_col0 = src->text_col0;
    if (src->kind == YDOC_SCALAR && scalar_set_text__(n, src->text, src->len))
        goto fail;
    if (src->tag && !(n->tag = strdup(src->tag)))
        goto fail;
    for (size_t i = 0; i < src->n; i++) {
        if (src->kind == YDOC_SEQ) {
            struct ydoc_node *it = copy__(doc, src->items[i]);
            if (!it || seq_append__(n, it)) {
                node_free__(doc, it);
                goto fail;
            }
        } else {
            struct ydoc_node *k = copy__(doc, src->ents[i].key);
            struct ydoc_node *v = k ? copy__(doc, src->ents[i].value) : NULL;
            if (!v || map_append__(n, k, v)) {
                node_free__(doc, k);
                node_free__(doc, v);
                goto fail;
            }
        }
    }
    return n;
fail:
    node_free__(doc, n);
    return NULL;
}

/* ---- the tree ----------------------------------------------------------- */

const struct ydoc_node *ydoc_root(const struct ydoc *doc) { return doc->root; }
const char *ydoc_file(const struct ydoc *doc) { return doc->file; }
enum ydoc_kind ydoc_kind(const struct ydoc_node *n) { return n->kind; }
struct ydoc_pos ydoc_pos(const struct ydoc_node *n) { return n->pos; }
const struct ydoc_node *ydoc_parent(const struct ydoc_node *n) { return n->parent; }
const char *ydoc_text(const struct ydoc_node *n) { return n->kind == YDOC_SCALAR ? n->text : NULL; }
size_t ydoc_text_len(const struct ydoc_node *n) { return n->kind == YDOC_SCALAR ? n->len : 0; }
enum ydoc_style ydoc_style(const struct ydoc_node *n) { return n->style; }
const char *ydoc_tag(const struct ydoc_node *n) { return n->tag; }

const char *ydoc_kind_name(enum ydoc_kind k)
{
    switch (k) {
    case YDOC_SCALAR:
        return "scalar";
    case YDOC_MAP:
        return "mapping";
    case YDOC_SEQ:
        return "list";
    }
    return "?";
}

bool ydoc_is_null(const struct ydoc_node *n)
{
    if (n->kind != YDOC_SCALAR || n->style != YDOC_PLAIN || n->tag)
        return false;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

void ydoc_text_origin(const struct ydoc_node *n, int *line, int *col0)
{
    *line = n->text_line;
    *col0 = n->text_col0;
}

size_t ydoc_count(const struct ydoc_node *n) { return n->kind == YDOC_SCALAR ? 0 : n->n; }

const struct ydoc_node *ydoc_item(const struct ydoc_node *seq, size_t i)
{
    return seq->kind == YDOC_SEQ && i < seq->n ? seq->items[i] : NULL;
}

const struct ydoc_node *ydoc_key_node(const struct ydoc_node *map, size_t i)
{
    return map->kind == YDOC_MAP && i < map->n ? map->ents[i].key : NULL;
}

const char *ydoc_key(const struct ydoc_node *map, size_t i)
{
    return map->kind == YDOC_MAP && i < map->n ? map->ents[i].key->text : NULL;
}

const struct ydoc_node *ydoc_value(const struct ydoc_node *map, size_t i)
{
    return map->kind == YDOC_MAP && i < map->n ? map->ents[i].value : NULL;
}

static struct ydoc_node *map_find__(const struct ydoc_node *map, const char *key, size_t klen,
                                    size_t *index)
{
    if (map->kind != YDOC_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const struct ydoc_node *k = map->ents[i].key;
        if (k->len == klen && memcmp(k->text, key, klen) == 0) {
            if (index)
                *index = i;
            return map->ents[i].value;
        }
    }
    return NULL;
}

const struct ydoc_node *ydoc_map_get(const struct ydoc_node *map, const char *key, size_t *index)
{
    return map_find__(map, key, strlen(key), index);
}

static bool segment_needs_quotes__(const char *s, size_t len)
{
    return len == 0 || memchr(s, '.', len) || memchr(s, '=', len) || s[0] == '"';
}

static void path__(const struct ydoc_node *n, struct sbuf__ *b)
{
    const struct ydoc_node *p = n->parent;
    if (!p)
        return;
    path__(p, b);
    const char *dot = p->parent ? "." : "";
    if (p->kind == YDOC_SEQ) {
        sb_printf__(b, "%s%zu", dot, n->index);
        return;
    }
    const struct ydoc_node *k = p->ents[n->index].key;
    if (n->is_key)
        k = n;
    if (segment_needs_quotes__(k->text, k->len))
        sb_printf__(b, "%s\"%s\"", dot, k->text);
    else
        sb_printf__(b, "%s%s", dot, k->text);
}

int ydoc_path(const struct ydoc_node *n, char *buf, size_t len)
{
    struct sbuf__ b = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    path__(n, &b);
    return (int)b.len;
}

/* The name a message gives a value: its key, or for a list item its
 * list's label and index ("priorities.1"). */
static const char *label__(const struct ydoc_node *n, char *buf, size_t cap)
{
    struct sbuf__ b = {buf, cap, 0};
    buf[0] = '\0';
    const struct ydoc_node *p = n->parent;
    if (!p) {
        sb_printf__(&b, "the document");
    } else if (n->is_key) {
        sb_printf__(&b, "%s", n->text);
    } else if (p->kind == YDOC_MAP) {
        sb_printf__(&b, "%s", p->ents[n->index].key->text);
    } else {
        char up[LABEL_MAX];
        if (p->parent)
            sb_printf__(&b, "%s.%zu", label__(p, up, sizeof up), n->index);
        else
            sb_printf__(&b, "%zu", n->index);
    }
    return buf;
}

/* "in 'hosts.hv1'" or "at the top level". */
static const char *where__(const struct ydoc_node *map, char *buf, size_t cap)
{
    if (!map->parent) {
        snprintf(buf, cap, "at the top level");
        return buf;
    }
    char path[LABEL_MAX];
    ydoc_path(map, path, sizeof path);
    snprintf(buf, cap, "in '%s'", path);
    return buf;
}

/* ---- the loader --------------------------------------------------------- */

struct anchor__ {
    char *name;             /* owned */
    struct ydoc_node *node; /* in the tree */
    bool complete;          /* its collection has ended */
};

struct frame__ {
    struct ydoc_node *node; /* open mapping or sequence */
    struct ydoc_node *key;  /* owned: a mapping key waiting for its value */
    size_t anchor;          /* 1 + index in anchors, or 0 */
};

struct loader__ {
    struct ydoc *doc;
    const char *buf;        /* the text (not owned) */
    size_t len;
    size_t *lines;          /* owned: byte offset of each line's start */
    size_t nlines;
    struct frame__ stack[YDOC_MAX_DEPTH];
    int depth;
    struct anchor__ *anchors; /* owned */
    size_t nanchors, cap_anchors;
    int ndocs;
    struct ydoc_err *err;
};

static int index_lines__(struct loader__ *L)
{
    size_t n = 1;
    for (size_t i = 0; i < L->len; i++)
        if (L->buf[i] == '\n' || (L->buf[i] == '\r' && (i + 1 >= L->len || L->buf[i + 1] != '\n')))
            n++;
    L->lines = malloc(n * sizeof *L->lines);
    if (!L->lines)
        return -ENOMEM;
    L->lines[0] = 0;
    L->nlines = 1;
    for (size_t i = 0; i < L->len; i++)
        if (L->buf[i] == '\n' || (L->buf[i] == '\r' && (i + 1 >= L->len || L->buf[i + 1] != '\n')))
            L->lines[L->nlines++] = i + 1;
    return 0;
}

/* Byte offset of (line, col), both 1-based, columns in characters. */
static size_t offset_of__(const struct loader__ *L, int line, int col)
{
    if (line < 1 || (size_t)line > L->nlines)
        return L->len;
    size_t o = L->lines[line - 1];
    for (int c = 1; c < col && o < L->len; c++) {
        o++;
        while (o < L->len && ((unsigned char)L->buf[o] & 0xC0) == 0x80)
            o++;
    }
    return o;
}

static void position_of__(const struct loader__ *L, size_t off, int *line, int *col)
{
    size_t lo = 0, hi = L->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (L->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = (int)lo + 1;
    int c = 1;
    for (size_t o = L->lines[lo]; o < off && o < L->len; o++)
        if (((unsigned char)L->buf[o] & 0xC0) != 0x80)
            c++;
    *col = c;
}

static struct ydoc_pos mark_pos__(const struct loader__ *L, yaml_mark_t m)
{
    return (struct ydoc_pos){L->doc->file, (int)m.line + 1, (int)m.column + 1};
}

/* A block scalar's text starts on the line after its header; its first
 * non-empty text line, k lines down, sits at the block's indentation plus
 * the spaces the text itself keeps. */
static void block_origin__(const struct loader__ *L, struct ydoc_node *n)
{
    n->text_line = n->pos.line + 1;
    n->text_col0 = 0;
    size_t k = 0, i = 0;
    while (i < n->len && n->text[i] == '\n') {
        k++;
        i++;
    }
    if (i == n->len)
        return;
    int kept = 0;
    while (i + (size_t)kept < n->len && n->text[i + (size_t)kept] == ' ')
        kept++;
    size_t line = (size_t)n->text_line + k; /* 1-based */
    if (line > L->nlines)
        return;
    int src = 0;
    for (size_t o = L->lines[line - 1]; o < L->len && L->buf[o] == ' '; o++)
        src++;
    n->text_col0 = src > kept ? src - kept : 0;
}

static const char *problem_text__(const yaml_parser_t *p)
{
    return p->problem ? p->problem : "unknown YAML error";
}

/* libyaml's problem in plain words, at the position that helps most. */
static int yaml_error__(struct loader__ *L, const yaml_parser_t *p)
{
    const char *pr = problem_text__(p);
    const char *cx = p->context ? p->context : "";
    struct ydoc_pos at = mark_pos__(L, p->problem_mark);
    struct ydoc_pos ctx = mark_pos__(L, p->context_mark);

    if (p->error == YAML_MEMORY_ERROR)
        return nomem__(L->err, at);
    if (p->error == YAML_READER_ERROR) {
        position_of__(L, p->problem_offset, &at.line, &at.col);
        if (strstr(pr, "control characters"))
            return ydoc_error_at(L->err, at, "control character U+%04X is not allowed in YAML",
                                 (unsigned)p->problem_value);
        if (strstr(pr, "UTF-8") || strstr(pr, "Unicode"))
            return ydoc_error_at(L->err, at,
                                 "the file is not valid UTF-8 (%s, byte 0x%02X); save it as UTF-8",
                                 pr, (unsigned)p->problem_value & 0xFF);
        return ydoc_error_at(L->err, at, "%s", pr);
    }
    if (strstr(pr, "cannot start any token")) {
        size_t o = offset_of__(L, at.line, at.col);
        unsigned char c = o < L->len ? (unsigned char)L->buf[o] : 0;
        if (c == '\t')
            return ydoc_error_at(L->err, at,
                                 "a tab cannot indent YAML or start a value; use spaces");
        if (c == '@' || c == '`')
            return ydoc_error_at(L->err, at,
                                 "'%c' cannot start a plain value (it is reserved); quote "
                                 "the value",
                                 c);
        if (c >= 0x21 && c < 0x7F)
            return ydoc_error_at(L->err, at, "'%c' cannot start a value here; quote the value", c);
        return ydoc_error_at(L->err, at,
                             "this character cannot start a value here; quote the value");
    }
    if (strstr(pr, "tab character"))
        return ydoc_error_at(L->err, at, "a tab cannot be used for indentation; use spaces");
    if (strstr(pr, "mapping values are not allowed"))
        return ydoc_error_at(L->err, at,
                             "unexpected ':' here: quote a value that contains ': ', start a "
                             "nested mapping on its own line, or look for a missing ':' above");
    if (strstr(pr, "did not find expected key"))
        return ydoc_error_at(L->err, at,
                             "expected a 'key: value' line of the mapping at line %d, column %d; "
                             "check this line's indentation",
                             ctx.line, ctx.col);
    if (strstr(pr, "expected '-' indicator"))
        return ydoc_error_at(L->err, at,
                             "expected a '- ' item of the list at line %d, column %d; check this "
                             "line's indentation",
                             ctx.line, ctx.col);
    if (strstr(pr, "expected ',' or ']'"))
        return ydoc_error_at(L->err, at,
                             "expected ',' or ']' in the list opened at line %d, column %d",
                             ctx.line, ctx.col);
    if (strstr(pr, "expected ',' or '}'"))
        return ydoc_error_at(L->err, at,
                             "expected ',' or '}' in the mapping opened at line %d, column %d",
                             ctx.line, ctx.col);
    if (strstr(pr, "could not find expected ':'"))
        return ydoc_error_at(L->err, at, "expected ':' after the key at line %d, column %d",
                             ctx.line, ctx.col);
    if (strstr(pr, "unexpected end of stream") && strstr(cx, "quoted scalar"))
        return ydoc_error_at(L->err, ctx, "unterminated quoted string: no closing quote before the "
                                          "end of the file");
    if (strstr(pr, "unknown escape character"))
        return ydoc_error_at(L->err, at,
                             "unknown escape in a double-quoted string: write '\\\\' for a "
                             "backslash, or use single quotes");
    if (strstr(pr, "expected node content"))
        return ydoc_error_at(L->err, at, "expected a value here");
    if (strstr(pr, "block sequence entries are not allowed"))
        return ydoc_error_at(L->err, at,
                             "a '- ' item cannot start here: put the list on the lines below its "
                             "key, indented");
    if (strstr(pr, "expected comment or line break") && strstr(cx, "block scalar"))
        return ydoc_error_at(L->err, at,
                             "after '|' or '>' only an indentation or chomping indicator "
                             "('|2', '|-', '|+') or a comment may follow on the same line");
    if (strstr(pr, "found unexpected ':'"))
        return ydoc_error_at(L->err, at,
                             "':' cannot end a plain value inside [ ] or { } (a key needs ': ' "
                             "with a space); quote a value that contains ':'");
    if (strstr(pr, "alphabetic or numeric character") &&
        (strstr(cx, "anchor") || strstr(cx, "alias")))
        return ydoc_error_at(L->err, ctx,
                             "'%c' starts an %s and must be followed by its name; quote a value "
                             "that starts with '%c'",
                             strstr(cx, "anchor") ? '&' : '*',
                             strstr(cx, "anchor") ? "anchor" : "alias",
                             strstr(cx, "anchor") ? '&' : '*');
    if (strstr(pr, "expected <document start>"))
        return ydoc_error_at(L->err, at,
                             "unexpected text after the end of the document (one YAML document "
                             "per file)");
    const char *expected = strstr(pr, "did not find expected ");
    if (expected == pr)
        pr += strlen("did not find ");
    if (*cx)
        return ydoc_error_at(L->err, at, "%s (%s at line %d, column %d)", pr, cx, ctx.line,
                             ctx.col);
    return ydoc_error_at(L->err, at, "%s", pr);
}

static bool is_merge_key__(const struct ydoc_node *n)
{
    return n->style == YDOC_PLAIN && n->len == 2 && memcmp(n->text, "<<", 2) == 0;
}

/* Attaches n to the open collection (or makes it the root); takes n. */
static int attach__(struct loader__ *L, struct ydoc_node *n)
{
    char w[LABEL_MAX + 32], shown[SHOW_MAX * 2 + 16];
    if (L->depth == 0) {
        L->doc->root = n;
        return 0;
    }
    struct frame__ *f = &L->stack[L->depth - 1];
    int rc = 0;
    if (f->node->kind == YDOC_SEQ) {
        rc = seq_append__(f->node, n);
    } else if (f->key) {
        rc = map_append__(f->node, f->key, n);
        if (rc == 0)
            f->key = NULL;
    } else {
        struct ydoc_node *map = f->node;
        if (n->kind != YDOC_SCALAR) {
            rc = ydoc_error(L->err, n, "a mapping key must be a scalar, not a %s",
                            ydoc_kind_name(n->kind));
            goto fail;
        }
        if (is_merge_key__(n)) {
            rc = ydoc_error(L->err, n,
                            "merge keys ('<<') are not supported: repeat the keys, or alias the "
                            "whole value (key: *name)");
            goto fail;
        }
        size_t i;
        if (map_find__(map, n->text, n->len, &i)) {
            struct ydoc_pos first = map->ents[i].key->pos;
            rc = ydoc_error(L->err, n, "duplicate key '%s' %s (first at line %d, column %d)",
                            show__(n->text, n->len, shown, sizeof shown),
                            where__(map, w, sizeof w), first.line, first.col);
            goto fail;
        }
        n->is_key = true;
        n->parent = map;
        n->index = map->n;
        f->key = n;
        return 0;
    }
    if (rc == 0)
        return 0;
    rc = nomem__(L->err, n->pos);
fail:
    node_free__(L->doc, n);
    return rc;
}

static int add_anchor__(struct loader__ *L, const yaml_char_t *name, struct ydoc_node *n,
                        bool complete, size_t *slot)
{
    if (grow__((void **)&L->anchors, &L->cap_anchors, L->nanchors + 1, sizeof *L->anchors))
        return nomem__(L->err, n->pos);
    struct anchor__ *a = &L->anchors[L->nanchors];
    if (!(a->name = strdup((const char *)name)))
        return nomem__(L->err, n->pos);
    a->node = n;
    a->complete = complete;
    *slot = ++L->nanchors;
    return 0;
}

static int too_many_nodes__(struct loader__ *L, struct ydoc_pos at)
{
    if (L->doc->nodes >= YDOC_MAX_NODES)
        return ydoc_error_at(L->err, at, "the document has more than %d nodes", YDOC_MAX_NODES);
    return nomem__(L->err, at);
}

static int on_scalar__(struct loader__ *L, const yaml_event_t *e)
{
    struct ydoc_pos at = mark_pos__(L, e->start_mark);
    struct ydoc_node *n = node_new__(L->doc, YDOC_SCALAR, at);
    if (!n)
        return too_many_nodes__(L, at);
    static const enum ydoc_style styles[] = {
        [YAML_ANY_SCALAR_STYLE] = YDOC_PLAIN,
        [YAML_PLAIN_SCALAR_STYLE] = YDOC_PLAIN,
        [YAML_SINGLE_QUOTED_SCALAR_STYLE] = YDOC_SINGLE_QUOTED,
        [YAML_DOUBLE_QUOTED_SCALAR_STYLE] = YDOC_DOUBLE_QUOTED,
        [YAML_LITERAL_SCALAR_STYLE] = YDOC_LITERAL,
        [YAML_FOLDED_SCALAR_STYLE] = YDOC_FOLDED,
    };
    n->style = styles[e->data.scalar.style];
    if (scalar_set_text__(n, (const char *)e->data.scalar.value, e->data.scalar.length) ||
        (e->data.scalar.tag && !(n->tag = strdup((const char *)e->data.scalar.tag)))) {
        node_free__(L->doc, n);
        return nomem__(L->err, at);
    }
    if (n->style == YDOC_LITERAL || n->style == YDOC_FOLDED)
        block_origin__(L, n);
    else if (n->style != YDOC_PLAIN)
        n->text_col0 = at.col; /* after the opening quote */
    int rc = attach__(L, n);
    if (rc)
        return rc;
    size_t slot;
    if (e->data.scalar.anchor)
        return add_anchor__(L, e->data.scalar.anchor, n, true, &slot);
    return 0;
}

static int on_collection_start__(struct loader__ *L, const yaml_event_t *e, enum ydoc_kind kind,
                                 const yaml_char_t *anchor)
{
    struct ydoc_pos at = mark_pos__(L, e->start_mark);
    if (L->depth == YDOC_MAX_DEPTH)
        return ydoc_error_at(L->err, at, "collections nested deeper than %d levels",
                             YDOC_MAX_DEPTH);
    struct ydoc_node *n = node_new__(L->doc, kind, at);
    if (!n)
        return too_many_nodes__(L, at);
    int rc = attach__(L, n);
    if (rc)
        return rc;
    struct frame__ *f = &L->stack[L->depth++];
    f->node = n;
    f->key = NULL;
    f->anchor = 0;
    if (anchor)
        return add_anchor__(L, anchor, n, false, &f->anchor);
    return 0;
}

static void on_collection_end__(struct loader__ *L)
{
    struct frame__ *f = &L->stack[--L->depth];
    if (f->anchor)
        L->anchors[f->anchor - 1].complete = true;
}

static int on_alias__(struct loader__ *L, const yaml_event_t *e)
{
    struct ydoc_pos at = mark_pos__(L, e->start_mark);
    const char *name = (const char *)e->data.alias.anchor;
    const struct anchor__ *a = NULL;
    for (size_t i = L->nanchors; i-- > 0;) {
        if (strcmp(L->anchors[i].name, name) == 0) {
            a = &L->anchors[i];
            break;
        }
    }
    if (!a)
        return ydoc_error_at(L->err, at,
                             "unknown alias '*%s' (no anchor '&%s' before it); quote a value that "
                             "starts with '*'",
                             name, name);
    if (!a->complete)
        return ydoc_error_at(L->err, at,
                             "alias '*%s' is inside the node it refers to (line %d, column %d)",
                             name, a->node->pos.line, a->node->pos.col);
    if (L->doc->nodes + count_nodes__(a->node) > YDOC_MAX_NODES)
        return ydoc_error_at(L->err, at,
                             "alias '*%s' makes the document larger than %d nodes", name,
                             YDOC_MAX_NODES);
    struct ydoc_node *n = copy__(L->doc, a->node);
    if (!n)
        return nomem__(L->err, at);
    n->pos = at;
    return attach__(L, n);
}

static int on_event__(struct loader__ *L, const yaml_event_t *e, bool *done)
{
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (L->ndocs++ > 0)
            return ydoc_error_at(L->err, mark_pos__(L, e->start_mark),
                                 "a second YAML document starts here; a scenario file holds one");
        return 0;
    case YAML_SCALAR_EVENT:
        return on_scalar__(L, e);
    case YAML_SEQUENCE_START_EVENT:
        return on_collection_start__(L, e, YDOC_SEQ, e->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return on_collection_start__(L, e, YDOC_MAP, e->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        on_collection_end__(L);
        return 0;
    case YAML_ALIAS_EVENT:
        return on_alias__(L, e);
    case YAML_STREAM_END_EVENT:
        *done = true;
        return 0;
    default:
        return 0;
    }
}

static int parse__(struct loader__ *L)
{
    yaml_parser_t p;
    struct ydoc_pos start = {L->doc->file, 1, 1};
    if (!yaml_parser_initialize(&p))
        return nomem__(L->err, start);
    yaml_parser_set_input_string(&p, (const unsigned char *)L->buf, L->len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    int rc = 0;
    for (bool done = false; !done && rc == 0;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = yaml_error__(L, &p);
            break;
        }
        rc = on_event__(L, &e, &done);
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    if (rc == 0 && !L->doc->root) {
        L->doc->root = node_new__(L->doc, YDOC_MAP, start);
        if (!L->doc->root)
            rc = nomem__(L->err, start);
    }
    return rc;
}

int ydoc_load_string(const char *text, size_t len, const char *name, struct ydoc **out,
                     struct ydoc_err *err)
{
    *out = NULL;
    struct ydoc_pos start = {name, 1, 1};
    struct ydoc *doc = calloc(1, sizeof *doc);
    if (!doc || !(doc->file = strdup(name))) {
        free(doc);
        return nomem__(err, start);
    }
    struct loader__ *L = calloc(1, sizeof *L);
    if (!L) {
        ydoc_free(doc);
        return nomem__(err, start);
    }
    /* A UTF-8 byte order mark (Notepad writes one) is not part of the
     * text; columns on line 1 then count as an editor shows them. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    L->doc = doc;
    L->buf = text;
    L->len = len;
    L->err = err;
    int rc = index_lines__(L);
    if (rc)
        rc = nomem__(err, start);
    else
        rc = parse__(L);
    for (int i = 0; i < L->depth; i++)
        node_free__(doc, L->stack[i].key);
    for (size_t i = 0; i < L->nanchors; i++)
        free(L->anchors[i].name);
    free(L->anchors);
    free(L->lines);
    free(L);
    if (rc) {
        ydoc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

int ydoc_load_file(const char *path, struct ydoc **out, struct ydoc_err *err)
{
    *out = NULL;
    struct ydoc_pos start = {path, 1, 1};
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        ydoc_error_at(err, start, "cannot read: %s", strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        /* fopen succeeds on a directory; fread then fails with EISDIR. */
        fclose(f);
        ydoc_error_at(err, start, "cannot read: %s", strerror(EISDIR));
        return -EISDIR;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (len == cap && grow__((void **)&buf, &cap, cap + 65536, 1)) {
            rc = nomem__(err, start);
            break;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                rc = -EIO;
                ydoc_error_at(err, start, "cannot read: %s", strerror(EIO));
            }
            break;
        }
    }
    fclose(f);
    if (rc == 0)
        rc = ydoc_load_string(buf ? buf : "", len, path, out, err);
    free(buf);
    return rc;
}

void ydoc_free(struct ydoc *doc)
{
    if (!doc)
        return;
    node_free__(doc, doc->root);
    free(doc->file);
    free(doc);
}

/* ---- typed values ------------------------------------------------------- */

enum scalar_form__ {
    FORM_ANY,   /* block scalars too */
    FORM_FLOW,  /* plain or quoted */
    FORM_PLAIN, /* plain, or tagged with the type's tag */
};

int ydoc_expect(const struct ydoc_node *n, enum ydoc_kind k, struct ydoc_err *err)
{
    if (n->kind == k)
        return 0;
    char lab[LABEL_MAX];
    return ydoc_error(err, n, "'%s': expected a %s, got a %s", label__(n, lab, sizeof lab),
                      ydoc_kind_name(k), ydoc_kind_name(n->kind));
}

/* Checks that n is a non-null scalar of the given form; what is "a time". */
static int scalar__(const struct ydoc_node *n, const char *what, enum scalar_form__ form,
                    const char *type_tag, struct ydoc_err *err)
{
    char lab[LABEL_MAX], shown[SHOW_MAX * 2 + 16];
    if (n->kind != YDOC_SCALAR)
        return ydoc_error(err, n, "'%s': expected %s, got a %s", label__(n, lab, sizeof lab), what,
                          ydoc_kind_name(n->kind));
    if (ydoc_is_null(n))
        return ydoc_error(err, n, "'%s' has no value (expected %s)", label__(n, lab, sizeof lab),
                          what);
    bool block = n->style == YDOC_LITERAL || n->style == YDOC_FOLDED;
    if (form == FORM_ANY || (form == FORM_FLOW && !block))
        return 0;
    if (form == FORM_PLAIN && n->tag && type_tag && strcmp(n->tag, type_tag) == 0)
        return 0;
    label__(n, lab, sizeof lab);
    show__(n->text, n->len, shown, sizeof shown);
    if (n->tag)
        return ydoc_error(err, n, "'%s: %s': expected %s, but the value is tagged '%s'", lab, shown,
                          what, n->tag);
    if (block)
        return ydoc_error(err, n, "'%s: %s': expected %s, not a block scalar", lab, shown, what);
    if (form == FORM_PLAIN && n->style != YDOC_PLAIN)
        return ydoc_error(err, n, "'%s: %s': expected %s, not a quoted string (remove the quotes)",
                          lab, shown, what);
    return 0;
}

static int value_error__(const struct ydoc_node *n, struct ydoc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "'label: text': <fmt...>" at n. */
static int value_error__(const struct ydoc_node *n, struct ydoc_err *err, const char *fmt, ...)
{
    char lab[LABEL_MAX], shown[SHOW_MAX * 2 + 16], tail[YDOC_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    return ydoc_error(err, n, "'%s: %s': %s", label__(n, lab, sizeof lab),
                      show__(n->text, n->len, shown, sizeof shown), tail);
}

int ydoc_as_str(const struct ydoc_node *n, const char **out, struct ydoc_err *err)
{
    int rc = scalar__(n, "a string", FORM_ANY, NULL, err);
    if (rc)
        return rc;
    if (memchr(n->text, '\0', n->len))
        return value_error__(n, err, "a string cannot contain a NUL character");
    *out = n->text;
    return 0;
}

static const char WHAT_BOOL[] = "a boolean (true/false, yes/no, on/off)";

int ydoc_as_bool(const struct ydoc_node *n, bool *out, struct ydoc_err *err)
{
    /* YAML 1.1 booleans, without the one-letter y/n forms. */
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No",
                                     "NO",    "off",   "Off",   "OFF"};
    int rc = scalar__(n, WHAT_BOOL, FORM_PLAIN, TAG_BOOL, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(n->text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(n->text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return value_error__(n, err, "expected %s", WHAT_BOOL);
}

/* Parses [+-]digits (with '_' between digits) or [+-]0x hex into sign and
 * magnitude.  -EINVAL for bad syntax, -ERANGE past 2^64 - 1. */
static int parse_int__(const char *s, bool *neg, uint64_t *mag)
{
    *neg = false;
    if (*s == '+' || *s == '-')
        *neg = *s++ == '-';
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    int digits = 0, overflow = 0;
    for (; *s; s++) {
        if (*s == '_' && digits)
            continue;
        unsigned d;
        if (isdigit((unsigned char)*s))
            d = (unsigned)(*s - '0');
        else if (base == 16 && isxdigit((unsigned char)*s))
            d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
        else
            return -EINVAL;
        if (v > (UINT64_MAX - d) / base)
            overflow = 1;
        else
            v = v * base + d;
        digits++;
    }
    if (!digits)
        return -EINVAL;
    *mag = v;
    return overflow ? -ERANGE : 0;
}

static int out_of_range__(const struct ydoc_node *n, struct ydoc_err *err, int64_t min, int64_t max)
{
    if (min == INT64_MIN && max == INT64_MAX)
        return value_error__(n, err, "out of range (a 64-bit integer)");
    return value_error__(n, err, "out of range (%lld..%lld)", (long long)min, (long long)max);
}

int ydoc_as_int(const struct ydoc_node *n, int64_t min, int64_t max, int64_t *out,
                struct ydoc_err *err)
{
    int rc = scalar__(n, "an integer", FORM_PLAIN, TAG_INT, err);
    if (rc)
        return rc;
    bool neg;
    uint64_t mag;
    rc = parse_int__(n->text, &neg, &mag);
    if (rc == -EINVAL)
        return value_error__(n, err, "expected an integer");
    if (rc || (!neg && mag > (uint64_t)INT64_MAX) || (neg && mag > (uint64_t)INT64_MAX + 1))
        return out_of_range__(n, err, min, max);
    int64_t v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    if (v < min || v > max)
        return out_of_range__(n, err, min, max);
    *out = v;
    return 0;
}

int ydoc_as_u64(const struct ydoc_node *n, uint64_t min, uint64_t max, uint64_t *out,
                struct ydoc_err *err)
{
    int rc = scalar__(n, "an integer", FORM_PLAIN, TAG_INT, err);
    if (rc)
        return rc;
    bool neg;
    uint64_t mag;
    rc = parse_int__(n->text, &neg, &mag);
    if (rc == -EINVAL)
        return value_error__(n, err, "expected an integer");
    if (rc || (neg && mag) || mag < min || mag > max)
        return value_error__(n, err, "out of range (%llu..%llu)", (unsigned long long)min,
                             (unsigned long long)max);
    *out = mag;
    return 0;
}

int ydoc_as_double(const struct ydoc_node *n, double min, double max, double *out,
                   struct ydoc_err *err)
{
    int rc = scalar__(n, "a number", FORM_PLAIN, TAG_FLOAT, err);
    if (rc)
        return rc;
    const char *s = n->text;
    /* strtod also reads hex, inf and nan: a scenario number is decimal. */
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p))
            return value_error__(n, err, "expected a number");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end)
        return value_error__(n, err, "expected a number");
    if (errno == ERANGE || !isfinite(v) || v < min || v > max)
        return value_error__(n, err, "out of range (%g..%g)", min, max);
    *out = v;
    return 0;
}

typedef int (*unit_parse_fn__)(const char *text, uint64_t *out, char *err, size_t errlen);

static int as_unit__(const struct ydoc_node *n, const char *what, unit_parse_fn__ parse,
                     uint64_t *out, struct ydoc_err *err)
{
    int rc = scalar__(n, what, FORM_FLOW, NULL, err);
    if (rc)
        return rc;
    char reason[512], quoted[SHOW_MAX * 2 + 16];
    uint64_t v;
    rc = parse(n->text, &v, reason, sizeof reason);
    if (rc == 0) {
        *out = v;
        return 0;
    }
    /* The parsers start their reason with "'<text>': "; the message names
     * the key instead. */
    snprintf(quoted, sizeof quoted, "'%s': ", n->text);
    const char *tail = reason;
    if (strncmp(reason, quoted, strlen(quoted)) == 0)
        tail += strlen(quoted);
    value_error__(n, err, "%s", tail);
    return rc == -ENOMEM ? rc : -EINVAL;
}

int ydoc_as_time(const struct ydoc_node *n, sim_time_t *out, struct ydoc_err *err)
{
    if (n->kind == YDOC_SCALAR && n->style == YDOC_PLAIN && strcmp(n->text, "0") == 0) {
        *out = 0;
        return 0;
    }
    return as_unit__(n, "a time", sim_time_parse, out, err);
}

int ydoc_as_rate(const struct ydoc_node *n, uint64_t *bps, struct ydoc_err *err)
{
    return as_unit__(n, "a rate", sim_rate_parse, bps, err);
}

int ydoc_as_size(const struct ydoc_node *n, uint64_t *bytes, struct ydoc_err *err)
{
    return as_unit__(n, "a size", sim_size_parse, bytes, err);
}

/* "a, b, c" of a NULL-terminated list, into buf. */
static const char *join__(const char *const *values, char *buf, size_t cap)
{
    struct sbuf__ b = {buf, cap, 0};
    buf[0] = '\0';
    for (size_t i = 0; values[i]; i++)
        sb_printf__(&b, "%s%s", i ? ", " : "", values[i]);
    return buf;
}

int ydoc_as_enum(const struct ydoc_node *n, const char *const *values, int *out,
                 struct ydoc_err *err)
{
    char list[512], what[600];
    snprintf(what, sizeof what, "one of %s", join__(values, list, sizeof list));
    int rc = scalar__(n, what, FORM_FLOW, NULL, err);
    if (rc)
        return rc;
    size_t count = 0;
    for (; values[count]; count++) {
        if (strcasecmp(n->text, values[count]) == 0) {
            *out = (int)count;
            return 0;
        }
    }
    const char *near = ydoc_suggest(n->text, values, count);
    if (near)
        return value_error__(n, err, "expected %s (did you mean '%s'?)", what, near);
    return value_error__(n, err, "expected %s", what);
}

int ydoc_as_str_list(const struct ydoc_node *n, const char ***out, size_t *count,
                     struct ydoc_err *err)
{
    int rc = ydoc_expect(n, YDOC_SEQ, err);
    if (rc)
        return rc;
    const char **v = NULL;
    if (n->n && !(v = calloc(n->n, sizeof *v)))
        return nomem__(err, n->pos);
    for (size_t i = 0; i < n->n; i++) {
        if ((rc = ydoc_as_str(n->items[i], &v[i], err))) {
            free(v);
            return rc;
        }
    }
    *out = v;
    *count = n->n;
    return 0;
}

int ydoc_as_int_list(const struct ydoc_node *n, int64_t min, int64_t max, int64_t **out,
                     size_t *count, struct ydoc_err *err)
{
    int rc = ydoc_expect(n, YDOC_SEQ, err);
    if (rc)
        return rc;
    int64_t *v = NULL;
    if (n->n && !(v = calloc(n->n, sizeof *v)))
        return nomem__(err, n->pos);
    for (size_t i = 0; i < n->n; i++) {
        if ((rc = ydoc_as_int(n->items[i], min, max, &v[i], err))) {
            free(v);
            return rc;
        }
    }
    *out = v;
    *count = n->n;
    return 0;
}

static int missing__(const struct ydoc_node *map, const char *key, struct ydoc_err *err)
{
    char w[LABEL_MAX + 32];
    return ydoc_error(err, map, "missing required key '%s' %s", key, where__(map, w, sizeof w));
}

/* 0 with *n set, 1 when the key is absent and optional, or an error. */
static int lookup__(const struct ydoc_node *map, const char *key, unsigned flags,
                    const struct ydoc_node **n, struct ydoc_err *err)
{
    int rc = ydoc_expect(map, YDOC_MAP, err);
    if (rc)
        return rc;
    *n = ydoc_map_get(map, key, NULL);
    if (*n)
        return 0;
    return flags & YDOC_REQUIRED ? missing__(map, key, err) : 1;
}

const struct ydoc_node *ydoc_require(const struct ydoc_node *map, const char *key,
                                     struct ydoc_err *err)
{
    const struct ydoc_node *n;
    return lookup__(map, key, YDOC_REQUIRED, &n, err) == 0 ? n : NULL;
}

#define GET_BODY__(call)                                                                          \
    const struct ydoc_node *n;                                                                    \
    int rc = lookup__(map, key, flags, &n, err);                                                  \
    if (rc)                                                                                       \
        return rc < 0 ? rc : 0;                                                                   \
    return call

int ydoc_get_str(const struct ydoc_node *map, const char *key, unsigned flags, const char **out,
                 struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_str(n, out, err));
}

int ydoc_get_bool(const struct ydoc_node *map, const char *key, unsigned flags, bool *out,
                  struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_bool(n, out, err));
}

int ydoc_get_int(const struct ydoc_node *map, const char *key, unsigned flags, int64_t min,
                 int64_t max, int64_t *out, struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_int(n, min, max, out, err));
}

int ydoc_get_u64(const struct ydoc_node *map, const char *key, unsigned flags, uint64_t min,
                 uint64_t max, uint64_t *out, struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_u64(n, min, max, out, err));
}

int ydoc_get_double(const struct ydoc_node *map, const char *key, unsigned flags, double min,
                    double max, double *out, struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_double(n, min, max, out, err));
}

int ydoc_get_time(const struct ydoc_node *map, const char *key, unsigned flags, sim_time_t *out,
                  struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_time(n, out, err));
}

int ydoc_get_rate(const struct ydoc_node *map, const char *key, unsigned flags, uint64_t *bps,
                  struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_rate(n, bps, err));
}

int ydoc_get_size(const struct ydoc_node *map, const char *key, unsigned flags, uint64_t *bytes,
                  struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_size(n, bytes, err));
}

int ydoc_get_enum(const struct ydoc_node *map, const char *key, unsigned flags,
                  const char *const *values, int *out, struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_enum(n, values, out, err));
}

int ydoc_get_str_list(const struct ydoc_node *map, const char *key, unsigned flags,
                      const char ***out, size_t *count, struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_str_list(n, out, count, err));
}

int ydoc_get_int_list(const struct ydoc_node *map, const char *key, unsigned flags, int64_t min,
                      int64_t max, int64_t **out, size_t *count, struct ydoc_err *err)
{
    GET_BODY__(ydoc_as_int_list(n, min, max, out, count, err));
}

/* ---- suggestions -------------------------------------------------------- */

/* Words longer than this get no suggestion (and cost no work). */
#define SUGGEST_MAX_LEN 64

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions), ASCII case-insensitive, over bytes. */
static size_t osa_distance__(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t cost = ca != cb;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *ydoc_suggest(const char *word, const char *const *cands, size_t n)
{
    size_t lw = strlen(word);
    if (lw > SUGGEST_MAX_LEN)
        return NULL;
    /* A typo changes about one character in three: 1 edit for short words,
     * 2 up to six characters, 3 beyond. */
    size_t limit = lw <= 3 ? 1 : lw <= 6 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t lc = strlen(cands[i]);
        if (lc > SUGGEST_MAX_LEN)
            continue;
        size_t d = osa_distance__(word, lw, cands[i], lc);
        if (d < best_d && d < lc) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

/* ---- schema check ------------------------------------------------------- */

const struct ydoc_key *ydoc_schema_key(const struct ydoc_schema *s, const char *name)
{
    for (const struct ydoc_key *k = s->keys; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static void int_range__(double min, double max, int64_t *lo, int64_t *hi)
{
    if (min == 0 && max == 0) {
        *lo = INT64_MIN;
        *hi = INT64_MAX;
        return;
    }
    *lo = (int64_t)min;
    *hi = (int64_t)max;
}

static int check_scalar__(const struct ydoc_node *n, enum ydoc_type type,
                          const struct ydoc_key *k, struct ydoc_err *err)
{
    const char *s;
    bool b;
    int64_t i, lo, hi;
    uint64_t u;
    double d;
    int e;
    switch (type) {
    case YDOC_T_STR:
    case YDOC_T_SCRIPT:
        return ydoc_as_str(n, &s, err);
    case YDOC_T_BOOL:
        return ydoc_as_bool(n, &b, err);
    case YDOC_T_INT:
        int_range__(k->min, k->max, &lo, &hi);
        return ydoc_as_int(n, lo, hi, &i, err);
    case YDOC_T_UINT:
        return ydoc_as_u64(n, 0, UINT64_MAX, &u, err);
    case YDOC_T_DOUBLE:
        if (k->min == 0 && k->max == 0)
            return ydoc_as_double(n, -DBL_MAX, DBL_MAX, &d, err);
        return ydoc_as_double(n, k->min, k->max, &d, err);
    case YDOC_T_TIME:
        return ydoc_as_time(n, &u, err);
    case YDOC_T_RATE:
        return ydoc_as_rate(n, &u, err);
    case YDOC_T_SIZE:
        return ydoc_as_size(n, &u, err);
    case YDOC_T_ENUM:
        return ydoc_as_enum(n, k->values, &e, err);
    default:
        return ydoc_error(err, n, "schema error: key '%s' has a collection item type", k->name);
    }
}

static int check_entry__(const struct ydoc_node *n, const struct ydoc_schema *s,
                         struct ydoc_err *err);

static int check_list__(const struct ydoc_node *n, const struct ydoc_key *k, struct ydoc_err *err)
{
    char lab[LABEL_MAX];
    int rc = ydoc_expect(n, YDOC_SEQ, err);
    if (rc)
        return rc;
    if (k->min_items && k->min_items == k->max_items && n->n != k->min_items)
        return ydoc_error(err, n, "'%s': expected %u items, got %zu", label__(n, lab, sizeof lab),
                          k->min_items, n->n);
    if (k->min_items && n->n < k->min_items)
        return ydoc_error(err, n, "'%s': expected at least %u items, got %zu",
                          label__(n, lab, sizeof lab), k->min_items, n->n);
    if (k->max_items && n->n > k->max_items)
        return ydoc_error(err, n, "'%s': expected at most %u items, got %zu",
                          label__(n, lab, sizeof lab), k->max_items, n->n);
    for (size_t i = 0; i < n->n; i++)
        if ((rc = check_scalar__(n->items[i], k->item, k, err)))
            return rc;
    return 0;
}

static int check_map_of__(const struct ydoc_node *n, const struct ydoc_key *k, struct ydoc_err *err)
{
    int rc = ydoc_expect(n, YDOC_MAP, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        const struct ydoc_node *key = n->ents[i].key;
        if (k->item == YDOC_T_INT) {
            char w[LABEL_MAX + 32];
            int64_t lo, hi, v;
            bool neg;
            uint64_t mag;
            int_range__(k->min, k->max, &lo, &hi);
            if (key->style != YDOC_PLAIN || parse_int__(key->text, &neg, &mag) != 0 ||
                mag > (uint64_t)INT64_MAX || (v = neg ? -(int64_t)mag : (int64_t)mag) < lo ||
                v > hi)
                return ydoc_error(err, key, "key '%s' %s: expected an integer %lld..%lld",
                                  key->text, where__(n, w, sizeof w), (long long)lo,
                                  (long long)hi);
        }
        if ((rc = check_entry__(n->ents[i].value, k->sub, err)))
            return rc;
    }
    return 0;
}

static int check_value__(const struct ydoc_node *n, const struct ydoc_key *k, struct ydoc_err *err)
{
    int rc;
    switch (k->type) {
    case YDOC_T_LIST:
        return check_list__(n, k, err);
    case YDOC_T_MAP:
        return check_entry__(n, k->sub, err);
    case YDOC_T_MAP_OF:
        return check_map_of__(n, k, err);
    case YDOC_T_SEQ_OF:
        if ((rc = ydoc_expect(n, YDOC_SEQ, err)))
            return rc;
        for (size_t i = 0; i < n->n; i++)
            if ((rc = check_entry__(n->items[i], k->sub, err)))
                return rc;
        return 0;
    default:
        return check_scalar__(n, k->type, k, err);
    }
}

/* "'run', 'cut', 'restore'" of a schema's CHOICE keys. */
static const char *choices__(const struct ydoc_schema *s, char *buf, size_t cap)
{
    struct sbuf__ b = {buf, cap, 0};
    buf[0] = '\0';
    for (const struct ydoc_key *k = s->keys; k->name; k++)
        if (k->flags & YDOC_K_CHOICE)
            sb_printf__(&b, "%s'%s'", b.len ? ", " : "", k->name);
    return buf;
}

static int unknown_key__(const struct ydoc_node *map, const struct ydoc_node *key,
                         const struct ydoc_schema *s, struct ydoc_err *err)
{
    const char *names[128];
    size_t n = 0;
    for (const struct ydoc_key *k = s->keys; k->name && n < 128; k++)
        names[n++] = k->name;
    char w[LABEL_MAX + 32], shown[SHOW_MAX * 2 + 16];
    const char *near = ydoc_suggest(key->text, names, n);
    show__(key->text, key->len, shown, sizeof shown);
    where__(map, w, sizeof w);
    if (near)
        return ydoc_error(err, key, "unknown key '%s' %s (did you mean '%s'?)", shown, w, near);
    return ydoc_error(err, key, "unknown key '%s' %s", shown, w);
}

static int check_map__(const struct ydoc_node *map, const struct ydoc_schema *s,
                       struct ydoc_err *err)
{
    char w[LABEL_MAX + 32], list[512];
    const struct ydoc_node *choice = NULL;
    for (size_t i = 0; i < map->n; i++) {
        const struct ydoc_node *key = map->ents[i].key;
        const struct ydoc_key *k = ydoc_schema_key(s, key->text);
        if (!k)
            return unknown_key__(map, key, s, err);
        if (k->flags & YDOC_K_CHOICE) {
            if (choice)
                return ydoc_error(err, key,
                                  "'%s' cannot be combined with '%s' %s (one of %s per entry)",
                                  key->text, choice->text, where__(map, w, sizeof w),
                                  choices__(s, list, sizeof list));
            choice = key;
        }
        int rc = check_value__(map->ents[i].value, k, err);
        if (rc)
            return rc;
    }
    bool has_choice = false;
    for (const struct ydoc_key *k = s->keys; k->name; k++) {
        if ((k->flags & YDOC_K_REQUIRED) && !ydoc_map_get(map, k->name, NULL))
            return missing__(map, k->name, err);
        has_choice |= (k->flags & YDOC_K_CHOICE) != 0;
    }
    if (has_choice && !choice)
        return ydoc_error(err, map, "missing one of %s %s", choices__(s, list, sizeof list),
                          where__(map, w, sizeof w));
    return 0;
}

static int check_entry__(const struct ydoc_node *n, const struct ydoc_schema *s,
                         struct ydoc_err *err)
{
    if (n->kind == YDOC_MAP)
        return check_map__(n, s, err);
    const struct ydoc_key *k = s->shorthand ? ydoc_schema_key(s, s->shorthand) : NULL;
    if (k)
        return check_value__(n, k, err);
    return ydoc_expect(n, YDOC_MAP, err);
}

int ydoc_check(const struct ydoc_node *n, const struct ydoc_schema *s, struct ydoc_err *err)
{
    return check_entry__(n, s, err);
}

/* ---- schema documentation ----------------------------------------------- */

struct md__ {
    FILE *out;
    const struct ydoc_schema *seen[64]; /* sections written */
    size_t nseen;
};

static const char *const type_names__[] = {
    [YDOC_T_STR] = "string",   [YDOC_T_SCRIPT] = "PowerShell", [YDOC_T_BOOL] = "boolean",
    [YDOC_T_INT] = "integer",  [YDOC_T_UINT] = "integer",      [YDOC_T_DOUBLE] = "number",
    [YDOC_T_TIME] = "time",    [YDOC_T_RATE] = "rate",         [YDOC_T_SIZE] = "size",
    [YDOC_T_ENUM] = "one of",  [YDOC_T_LIST] = "list",         [YDOC_T_MAP] = "mapping",
    [YDOC_T_MAP_OF] = "names", [YDOC_T_SEQ_OF] = "list",
};

static const char *const type_units__[] = {
    [YDOC_T_TIME] = "ps, ns, us, ms, s",
    [YDOC_T_RATE] = "bps, Kbps, Mbps, Gbps, Tbps",
    [YDOC_T_SIZE] = "B, KB, MB, GB, KiB, MiB, GiB",
};

/* Markdown table cells may not hold '|' or a line break. */
static void md_cell__(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

static void md_scalar_type__(FILE *out, enum ydoc_type t, const struct ydoc_key *k, bool plural)
{
    if (t == YDOC_T_ENUM) {
        fputs("one of ", out);
        for (size_t i = 0; k->values && k->values[i]; i++)
            fprintf(out, "%s`%s`", i ? ", " : "", k->values[i]);
        return;
    }
    fprintf(out, "%s%s", type_names__[t], plural ? "s" : "");
    if (t == YDOC_T_UINT)
        fputs(" >= 0", out);
    if ((t == YDOC_T_INT || t == YDOC_T_DOUBLE) && (k->min != 0 || k->max != 0))
        fprintf(out, " %g..%g", k->min, k->max);
}

static void md_type__(FILE *out, const struct ydoc_key *k, const char *child)
{
    switch (k->type) {
    case YDOC_T_LIST:
        fputs("list of ", out);
        md_scalar_type__(out, k->item, k, k->item != YDOC_T_ENUM);
        if (k->min_items && k->min_items == k->max_items)
            fprintf(out, ", %u items", k->min_items);
        else if (k->min_items && k->max_items)
            fprintf(out, ", %u..%u items", k->min_items, k->max_items);
        else if (k->min_items)
            fprintf(out, ", at least %u items", k->min_items);
        else if (k->max_items)
            fprintf(out, ", at most %u items", k->max_items);
        break;
    case YDOC_T_MAP:
        fprintf(out, "mapping, see `%s`", child);
        break;
    case YDOC_T_MAP_OF:
        fprintf(out, "%s, see `%s`", k->item == YDOC_T_INT ? "entries by number" : "named entries",
                child);
        break;
    case YDOC_T_SEQ_OF:
        fprintf(out, "list, see `%s`", child);
        break;
    default:
        md_scalar_type__(out, k->type, k, false);
    }
}

static void child_path__(char *buf, size_t cap, const char *path, const struct ydoc_key *k)
{
    const char *dot = *path ? "." : "";
    if (k->type == YDOC_T_MAP_OF)
        snprintf(buf, cap, "%s%s%s.<%s>", path, dot, k->name, k->sub->name);
    else if (k->type == YDOC_T_SEQ_OF)
        snprintf(buf, cap, "%s%s%s.<n>", path, dot, k->name);
    else
        snprintf(buf, cap, "%s%s%s", path, dot, k->name);
}

static bool has_sub__(const struct ydoc_key *k)
{
    return (k->type == YDOC_T_MAP || k->type == YDOC_T_MAP_OF || k->type == YDOC_T_SEQ_OF) &&
           k->sub;
}

static void md_section__(struct md__ *md, const struct ydoc_schema *s, const char *path,
                         const char *heading)
{
    FILE *out = md->out;
    if (md->nseen < sizeof md->seen / sizeof md->seen[0])
        md->seen[md->nseen++] = s;
    if (*path)
        fprintf(out, "### %s (`%s`)\n\n", s->title, path);
    else
        fprintf(out, "### %s\n\n", heading);
    if (s->doc)
        fprintf(out, "%s\n\n", s->doc);
    if (s->shorthand)
        fprintf(out, "An entry that is not a mapping is its `%s`.\n\n", s->shorthand);
    fputs("| Key | Type | Unit | Default | Description |\n", out);
    fputs("| --- | --- | --- | --- | --- |\n", out);
    char child[512];
    for (const struct ydoc_key *k = s->keys; k->name; k++) {
        child_path__(child, sizeof child, path, k);
        fprintf(out, "| `%s` | ", k->name);
        md_type__(out, k, child);
        fputs(" |", out);
        enum ydoc_type ut = k->type == YDOC_T_LIST ? k->item : k->type;
        const char *unit = k->unit;
        if (!unit && ut < sizeof type_units__ / sizeof type_units__[0])
            unit = type_units__[ut];
        if (unit) {
            fputc(' ', out);
            md_cell__(out, unit);
        }
        fputs(" |", out);
        if (k->flags & YDOC_K_REQUIRED) {
            fputs(" required", out);
        } else if (k->def && !*k->def) {
            fputs(" `\"\"`", out); /* empty text */
        } else if (k->def) {
            fputs(" `", out);
            md_cell__(out, k->def);
            fputc('`', out);
        }
        fputs(" | ", out);
        md_cell__(out, k->doc);
        if (k->flags & YDOC_K_CHOICE)
            fputs(" One action per entry.", out);
        fputs(" |\n", out);
    }
    fputc('\n', out);
    for (const struct ydoc_key *k = s->keys; k->name; k++) {
        if (!has_sub__(k))
            continue;
        bool seen = false;
        for (size_t i = 0; i < md->nseen; i++)
            seen |= md->seen[i] == k->sub;
        if (seen)
            continue;
        child_path__(child, sizeof child, path, k);
        md_section__(md, k->sub, child, NULL);
    }
}

int ydoc_schema_markdown(FILE *out, const struct ydoc_schema *root, const char *root_heading)
{
    struct md__ md = {.out = out};
    md_section__(&md, root, "", root_heading ? root_heading : root->title);
    return ferror(out) ? -EIO : 0;
}

/* ---- overrides ---------------------------------------------------------- */

/* Characters in s[0..len) (UTF-8), for columns. */
static int chars__(const char *s, size_t len)
{
    int c = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

struct segment__ {
    const char *s; /* text (not NUL-terminated) */
    size_t len;
    int col;       /* 1-based column in the argument */
    bool last;
};

/* Reads the segment at *p; advances *p past it and its '.'. */
static int next_segment__(const char *path, const char **p, struct segment__ *seg,
                          struct ydoc_pos at, struct ydoc_err *err)
{
    const char *s = *p;
    at.col = seg->col = chars__(path, (size_t)(s - path)) + 1;
    if (*s == '"') {
        const char *close = strchr(s + 1, '"');
        if (!close)
            return ydoc_error_at(err, at, "unterminated quoted segment in path '%s'", path);
        seg->s = s + 1;
        seg->len = (size_t)(close - s - 1);
        s = close + 1;
        if (*s && *s != '.') {
            at.col += chars__(seg->s - 1, seg->len + 2);
            return ydoc_error_at(err, at, "expected '.' after the quoted segment in path '%s'",
                                 path);
        }
    } else {
        seg->s = s;
        seg->len = strcspn(s, ".");
        s += seg->len;
        if (seg->len == 0)
            return ydoc_error_at(err, at, "empty segment in path '%s'", path);
    }
    if (*s == '.') {
        s++;
        if (!*s) {
            at.col = chars__(path, (size_t)(s - path)) + 1;
            return ydoc_error_at(err, at, "empty segment at the end of path '%s'", path);
        }
    }
    seg->last = *s == '\0';
    *p = s;
    return 0;
}

static int no_such_key__(const struct ydoc_node *map, const struct segment__ *seg,
                         struct ydoc_pos at, struct ydoc_err *err)
{
    char w[LABEL_MAX + 32], key[LABEL_MAX];
    snprintf(key, sizeof key, "%.*s", (int)seg->len, seg->s);
    where__(map, w, sizeof w);
    const char **names = malloc((map->n ? map->n : 1) * sizeof *names);
    const char *near = NULL;
    if (names) {
        for (size_t i = 0; i < map->n; i++)
            names[i] = map->ents[i].key->text;
        near = ydoc_suggest(key, names, map->n);
    }
    int rc;
    if (near)
        rc = ydoc_error_at(err, at, "no key '%s' %s (did you mean '%s'?)", key, w, near);
    else
        rc = ydoc_error_at(err, at, "no key '%s' %s", key, w);
    free(names);
    return rc;
}

static int seq_index__(const struct ydoc_node *seq, const struct segment__ *seg,
                       struct ydoc_pos at, size_t *index, struct ydoc_err *err)
{
    char path[LABEL_MAX];
    ydoc_path(seq, path, sizeof path);
    size_t v = 0;
    bool ok = seg->len > 0 && seg->len < 10;
    for (size_t i = 0; ok && i < seg->len; i++) {
        ok = isdigit((unsigned char)seg->s[i]);
        v = v * 10 + (size_t)(seg->s[i] - '0');
    }
    if (!ok)
        return ydoc_error_at(err, at, "'%.*s': '%s' is a list; expected an index from 0",
                             (int)seg->len, seg->s, *path ? path : "the document");
    if (v >= seq->n)
        return ydoc_error_at(err, at, "index %zu is past the end of '%s' (%zu items)", v,
                             *path ? path : "the document", seq->n);
    *index = v;
    return 0;
}

/* Replaces scalar n's value with an override at `at`. */
static int override__(struct ydoc_node *n, const char *value, struct ydoc_pos at,
                      struct ydoc_err *err)
{
    if (scalar_set_text__(n, value, strlen(value)))
        return nomem__(err, at);
    free(n->tag);
    n->tag = NULL;
    n->style = YDOC_PLAIN;
    n->pos = at;
    n->text_line = at.line;
    n->text_col0 = at.col - 1;
    return 0;
}

static int add_key__(struct ydoc *doc, struct ydoc_node *map, const struct segment__ *seg,
                     const char *value, struct ydoc_pos key_at, struct ydoc_pos value_at,
                     struct ydoc_err *err)
{
    struct ydoc_node *k = node_new__(doc, YDOC_SCALAR, key_at);
    struct ydoc_node *v = k ? node_new__(doc, YDOC_SCALAR, value_at) : NULL;
    if (!v || scalar_set_text__(k, seg->s, seg->len) || override__(v, value, value_at, err) ||
        map_append__(map, k, v)) {
        node_free__(doc, k);
        node_free__(doc, v);
        return nomem__(err, key_at);
    }
    return 0;
}

/* With create, a missing key before the last segment is added as an empty
 * mapping (the schema check then judges it like any key of the file). */
static int set__(struct ydoc *doc, const char *path, const char *value, bool create,
                 struct ydoc_err *err)
{
    struct ydoc_pos at = {YDOC_SET_FILE, (int)++doc->nsets, 1};
    struct ydoc_pos value_at = at;
    value_at.col = chars__(path, strlen(path)) + 2; /* after "path=" */
    if (!*path)
        return ydoc_error_at(err, at, "empty path");
    struct ydoc_node *cur = doc->root;
    const char *p = path;
    for (;;) {
        struct segment__ seg = {0};
        int rc = next_segment__(path, &p, &seg, at, err);
        if (rc)
            return rc;
        struct ydoc_pos seg_at = {YDOC_SET_FILE, at.line, seg.col};
        struct ydoc_node *next;
        if (cur->kind == YDOC_MAP) {
            next = map_find__(cur, seg.s, seg.len, NULL);
            if (!next && seg.last)
                return add_key__(doc, cur, &seg, value, seg_at, value_at, err);
            if (!next && create) {
                struct ydoc_node *k = node_new__(doc, YDOC_SCALAR, seg_at);
                next = k ? node_new__(doc, YDOC_MAP, seg_at) : NULL;
                if (!next || scalar_set_text__(k, seg.s, seg.len) || map_append__(cur, k, next)) {
                    node_free__(doc, k);
                    node_free__(doc, next);
                    return nomem__(err, seg_at);
                }
            }
            if (!next)
                return no_such_key__(cur, &seg, seg_at, err);
        } else if (cur->kind == YDOC_SEQ) {
            size_t i = 0;
            if ((rc = seq_index__(cur, &seg, seg_at, &i, err)))
                return rc;
            next = cur->items[i];
        } else {
            char up[LABEL_MAX];
            ydoc_path(cur, up, sizeof up);
            return ydoc_error_at(err, seg_at, "'%s' is a scalar: it has no '%.*s'", up,
                                 (int)seg.len, seg.s);
        }
        if (seg.last) {
            if (next->kind != YDOC_SCALAR) {
                char here[LABEL_MAX];
                ydoc_path(next, here, sizeof here);
                return ydoc_error_at(err, seg_at, "'%s' is a %s; --set replaces only scalars",
                                     here, ydoc_kind_name(next->kind));
            }
            return override__(next, value, value_at, err);
        }
        cur = next;
    }
}

int ydoc_set(struct ydoc *doc, const char *path, const char *value, struct ydoc_err *err)
{
    return set__(doc, path, value, false, err);
}

static int set_arg__(struct ydoc *doc, const char *arg, bool create, struct ydoc_err *err);

int ydoc_set_arg(struct ydoc *doc, const char *arg, struct ydoc_err *err)
{
    return set_arg__(doc, arg, false, err);
}

int ydoc_set_arg_create(struct ydoc *doc, const char *arg, struct ydoc_err *err)
{
    return set_arg__(doc, arg, true, err);
}

static int set_arg__(struct ydoc *doc, const char *arg, bool create, struct ydoc_err *err)
{
    bool quoted = false;
    const char *eq = NULL;
    for (const char *s = arg; *s && !eq; s++) {
        if (*s == '"')
            quoted = !quoted;
        else if (*s == '=' && !quoted)
            eq = s;
    }
    if (!eq) {
        struct ydoc_pos at = {YDOC_SET_FILE, (int)++doc->nsets, 1};
        return ydoc_error_at(err, at, "expected path=value, got '%s'", arg);
    }
    size_t plen = (size_t)(eq - arg);
    char *path = malloc(plen + 1);
    if (!path) {
        struct ydoc_pos at = {YDOC_SET_FILE, (int)++doc->nsets, 1};
        return nomem__(err, at);
    }
    memcpy(path, arg, plen);
    path[plen] = '\0';
    int rc = set__(doc, path, eq + 1, create, err);
    free(path);
    return rc;
}

/* ---- hash --------------------------------------------------------------- */

/* Version of the canonical form; a change of the form changes it. */
static const char HASH_FORM[] = "setsim-ydoc-hash-1";

static void hash_u64__(struct sha256 *c, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    sha256_update(c, b, sizeof b);
}

static void hash_bytes__(struct sha256 *c, const char *s, size_t len)
{
    hash_u64__(c, len);
    sha256_update(c, s, len);
}

static void hash_node__(struct sha256 *c, const struct ydoc_node *n)
{
    switch (n->kind) {
    case YDOC_SCALAR:
        sha256_update(c, n->style == YDOC_PLAIN ? "P" : "Q", 1);
        hash_bytes__(c, n->tag ? n->tag : "", n->tag ? strlen(n->tag) : 0);
        hash_bytes__(c, n->text, n->len);
        return;
    case YDOC_MAP:
        sha256_update(c, "M", 1);
        hash_u64__(c, n->n);
        for (size_t i = 0; i < n->n; i++) {
            hash_node__(c, n->ents[i].key);
            hash_node__(c, n->ents[i].value);
        }
        return;
    case YDOC_SEQ:
        sha256_update(c, "L", 1);
        hash_u64__(c, n->n);
        for (size_t i = 0; i < n->n; i++)
            hash_node__(c, n->items[i]);
        return;
    }
}

void ydoc_hash(const struct ydoc *doc, char hex[YDOC_HASH_HEX + 1])
{
    struct sha256 c;
    uint8_t d[SHA256_DIGEST_LEN];
    sha256_init(&c);
    hash_bytes__(&c, HASH_FORM, strlen(HASH_FORM));
    hash_node__(&c, doc->root);
    sha256_final(&c, d);
    sha256_hex(d, hex);
}
