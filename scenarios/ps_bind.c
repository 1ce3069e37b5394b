/* ps_bind: PowerShell's parameter binder for one command (see ps_bind.h
 * for the phases).  The binder works on a "merged" parameter list: the
 * cmdlet's declared and dynamic parameters, then the common parameters,
 * then -WhatIf/-Confirm and -UseTransaction, the order in which PowerShell
 * searches names.  Binding state lives in struct binder; nothing global.
 *
 * Error messages are Windows PowerShell 5.1's ParameterBinderStrings with
 * the .NET conversion messages they embed; FullyQualifiedErrorId is
 * "<id>,<cmdlet type>" for binary cmdlets and "<id>,<name>" for CDXML
 * functions, as the cmdlet table records.
 */
#include "ps_bind.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ps_cmdlets.h"
#include "ps_lex.h"

/* Largest merged parameter list: the biggest cmdlet (New-NetQosPolicy, 33)
 * plus 11 common, 2 ShouldProcess and 1 transaction parameter. */
#define BIND_MAX_PARAMS 64

enum assoc { ASSOC_DECLARED, ASSOC_DYNAMIC, ASSOC_COMMON };

struct mparam {
    const struct ps_param *p;
    enum assoc assoc;
};

enum barg_kind { BA_NAMED, BA_UNRESOLVED, BA_POSITIONAL };

/* An element after name resolution (phase 1). */
struct barg {
    const struct ps_elem *el;
    enum barg_kind kind;
    int mp;                       /* BA_NAMED: merged index */
    const struct ps_value *value; /* argument, or NULL (a switch) */
    int next;                     /* BA_UNRESOLVED: index of the argument it hides, or -1 */
    bool hidden;                  /* BA_POSITIONAL hidden by an unresolved name */
    bool done;                    /* consumed */
    int conv_err;                 /* index of its positional conversion error, or -1 */
};

struct slot {
    bool bound;
    struct ps_value v;
    bool positional, implied;
    int line, col;
};

struct binder {
    const struct ps_ast_cmd *ast;
    const struct ps_cmdlet *c;
    unsigned flags;
    struct mparam mp[BIND_MAX_PARAMS];
    size_t nmp;
    struct slot slot[BIND_MAX_PARAMS];
    struct barg *args;
    size_t nargs;
    uint32_t valid; /* parameter sets still possible */
    uint32_t all;   /* every set of the cmdlet */
    struct ps_error *err;
    struct ps_error pos_err; /* first conversion error of a positional argument */
    bool have_pos_err;
    struct ps_warning *warn;
    size_t nwarn;
};

/* ---- values ---- */

void ps_value_clear(struct ps_value *v)
{
    if (!v)
        return;
    free(v->s);
    for (size_t i = 0; i < v->n; i++)
        ps_value_clear(&v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

int ps_value_copy(struct ps_value *dst, const struct ps_value *src)
{
    *dst = *src;
    dst->s = NULL;
    dst->items = NULL;
    dst->n = 0;
    if (src->s && !(dst->s = strdup(src->s)))
        return -ENOMEM;
    if (src->kind == PS_VAL_ARRAY && src->n) {
        dst->items = calloc(src->n, sizeof *dst->items);
        if (!dst->items) {
            ps_value_clear(dst);
            return -ENOMEM;
        }
        dst->n = src->n;
        for (size_t i = 0; i < src->n; i++) {
            if (ps_value_copy(&dst->items[i], &src->items[i]) < 0) {
                ps_value_clear(dst);
                return -ENOMEM;
            }
        }
    }
    return 0;
}

bool ps_value_equal(const struct ps_value *a, const struct ps_value *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case PS_VAL_NULL: return true;
    case PS_VAL_BOOL: return a->b == b->b;
    case PS_VAL_INT: return a->i == b->i;
    case PS_VAL_STRING: return strcmp(a->s, b->s) == 0;
    case PS_VAL_ARRAY:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (!ps_value_equal(&a->items[i], &b->items[i]))
                return false;
        return true;
    }
    return false;
}

/* Appends to buf at *used (snprintf-style accounting). */
static void appendf__(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf__(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = *used < len ? len - *used : 0;
    int n = vsnprintf(room ? buf + *used : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

static void value_format__(const struct ps_value *v, char *buf, size_t len, size_t *used)
{
    switch (v->kind) {
    case PS_VAL_NULL: appendf__(buf, len, used, "$null"); break;
    case PS_VAL_BOOL: appendf__(buf, len, used, "%s", v->b ? "$true" : "$false"); break;
    case PS_VAL_INT: appendf__(buf, len, used, "%lld", (long long)v->i); break;
    case PS_VAL_STRING:
        appendf__(buf, len, used, "'");
        for (const char *p = v->s; *p; p++)
            appendf__(buf, len, used, *p == '\'' ? "''" : "%c", *p);
        appendf__(buf, len, used, "'");
        break;
    case PS_VAL_ARRAY:
        if (v->n < 2)
            appendf__(buf, len, used, "@(");
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                appendf__(buf, len, used, ",");
            value_format__(&v->items[i], buf, len, used);
        }
        if (v->n < 2)
            appendf__(buf, len, used, ")");
        break;
    }
}

int ps_value_format(const struct ps_value *v, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    value_format__(v, buf, len, &used);
    return (int)used;
}

/* ---- errors ---- */

void ps_error_clear(struct ps_error *err)
{
    if (!err)
        return;
    free(err->fqid);
    free(err->message);
    free(err->cmdlet);
    free(err->parameter);
    memset(err, 0, sizeof *err);
}

int ps_error_set(struct ps_error *err, const char *id, const char *suffix, const char *cmdlet,
                 const char *parameter, int line, int col, const char *fmt, ...)
{
    ps_error_clear(err);
    err->id = id;
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t fl = strlen(id) + (suffix ? strlen(suffix) + 1 : 0) + 1;
    err->message = malloc(n > 0 ? (size_t)n + 1 : 1);
    err->fqid = malloc(fl);
    err->cmdlet = cmdlet ? strdup(cmdlet) : NULL;
    err->parameter = parameter ? strdup(parameter) : NULL;
    if (!err->message || !err->fqid || (cmdlet && !err->cmdlet) || (parameter && !err->parameter)) {
        ps_error_clear(err);
        return -ENOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(err->message, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    va_end(ap);
    snprintf(err->fqid, fl, "%s%s%s", id, suffix ? "," : "", suffix ? suffix : "");
    return -EINVAL;
}

static int bind_fail__(struct binder *b, const char *id, const char *parameter, int line, int col,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int bind_fail__(struct binder *b, const char *id, const char *parameter, int line, int col,
                       const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ps_error_set(b->err, id, b->c->error_suffix, b->c->name, parameter, line, col, "%s", msg);
}

/* ---- conversion ---- */

/* A conversion failure: id and full message (the caller decides whether
 * it is the error of the command). */
struct conv_fail {
    const char *id;
    char msg[768];
};

static int conv_fail__(struct conv_fail *f, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int conv_fail__(struct conv_fail *f, const char *id, const char *fmt, ...)
{
    f->id = id;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static const char *value_type_name__(const struct ps_value *v)
{
    switch (v->kind) {
    case PS_VAL_NULL: return "null";
    case PS_VAL_BOOL: return "System.Boolean";
    case PS_VAL_INT: return (v->i >= INT32_MIN && v->i <= INT32_MAX) ? "System.Int32" : "System.Int64";
    case PS_VAL_STRING: return "System.String";
    case PS_VAL_ARRAY: return "System.Object[]";
    }
    return "System.Object";
}

/* How PowerShell shows an argument in a message: the text, the number,
 * True/False, or the type name of an array. */
static const char *value_display__(const struct ps_value *v, char *tmp, size_t len)
{
    switch (v->kind) {
    case PS_VAL_NULL: return "";
    case PS_VAL_BOOL: return v->b ? "True" : "False";
    case PS_VAL_INT: snprintf(tmp, len, "%lld", (long long)v->i); return tmp;
    case PS_VAL_STRING: return v->s;
    case PS_VAL_ARRAY: return "System.Object[]";
    }
    return "";
}

/* The string PowerShell makes of a value: arrays join with a space ($OFS). */
static char *to_string__(const struct ps_value *v)
{
    char tmp[32];
    if (v->kind != PS_VAL_ARRAY)
        return strdup(value_display__(v, tmp, sizeof tmp));
    size_t total = 1;
    char **parts = calloc(v->n ? v->n : 1, sizeof *parts);
    if (!parts)
        return NULL;
    char *out = NULL;
    for (size_t i = 0; i < v->n; i++) {
        if (!(parts[i] = to_string__(&v->items[i])))
            goto done;
        total += strlen(parts[i]) + 1;
    }
    out = malloc(total);
    if (!out)
        goto done;
    out[0] = '\0';
    for (size_t i = 0; i < v->n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, parts[i]);
    }
done:
    for (size_t i = 0; i < v->n; i++)
        free(parts[i]);
    free(parts);
    return out;
}

struct int_range {
    int64_t lo, hi;
    const char *overflow; /* .NET OverflowException message */
};

static const struct int_range *int_range__(enum ps_ptype t)
{
    static const struct int_range byte_r = {0, 255,
                                            "Value was either too large or too small for an unsigned byte."};
    static const struct int_range sbyte_r = {-128, 127,
                                             "Value was either too large or too small for a signed byte."};
    static const struct int_range u16_r = {0, 65535, "Value was either too large or too small for a UInt16."};
    static const struct int_range i32_r = {INT32_MIN, INT32_MAX,
                                           "Value was either too large or too small for an Int32."};
    static const struct int_range u32_r = {0, UINT32_MAX,
                                           "Value was either too large or too small for a UInt32."};
    static const struct int_range u64_r = {0, INT64_MAX,
                                           "Value was either too large or too small for a UInt64."};
    switch (t) {
    case PS_PT_BYTE:
    case PS_PT_BYTE_ARRAY: return &byte_r;
    case PS_PT_SBYTE: return &sbyte_r;
    case PS_PT_UINT16: return &u16_r;
    case PS_PT_UINT32: return &u32_r;
    case PS_PT_UINT64: return &u64_r;
    default: return &i32_r;
    }
}

static const char *int_type_name__(enum ps_ptype t)
{
    switch (t) {
    case PS_PT_BYTE:
    case PS_PT_BYTE_ARRAY: return "System.Byte";
    case PS_PT_SBYTE: return "System.SByte";
    case PS_PT_UINT16: return "System.UInt16";
    case PS_PT_UINT32: return "System.UInt32";
    case PS_PT_UINT64: return "System.UInt64";
    default: return "System.Int32";
    }
}

static bool is_blank__(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Converts one scalar to an integer of type t (element type for arrays). */
static int to_int__(const struct ps_param *p, enum ps_ptype t, const struct ps_value *v, int64_t *out,
                    struct conv_fail *f)
{
    const struct int_range *r = int_range__(t);
    char tmp[32];
    int64_t x;
    switch (v->kind) {
    case PS_VAL_NULL: x = 0; break;
    case PS_VAL_BOOL: x = v->b ? 1 : 0; break;
    case PS_VAL_INT: x = v->i; break;
    case PS_VAL_STRING: {
        const char *s = v->s;
        size_t n = strlen(s);
        while (n && is_blank__(*s))
            s++, n--;
        while (n && is_blank__(s[n - 1]))
            n--;
        if (n == 0) { /* PowerShell converts an empty string to 0 */
            x = 0;
            break;
        }
        int rc = ps_lex_parse_int(s, n, &x);
        if (rc == -ERANGE)
            return conv_fail__(f, "CannotConvertArgumentNoMessage",
                               "Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". "
                               "Error: \"%s\"",
                               p->name, v->s, int_type_name__(t), r->overflow);
        if (rc < 0)
            return conv_fail__(f, "CannotConvertArgumentNoMessage",
                               "Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". "
                               "Error: \"Input string was not in a correct format.\"",
                               p->name, v->s, int_type_name__(t));
        break;
    }
    case PS_VAL_ARRAY:
        if (v->n == 1)
            return to_int__(p, t, &v->items[0], out, f);
        return conv_fail__(f, "CannotConvertArgumentNoMessage",
                           "Cannot bind parameter '%s'. Cannot convert the \"System.Object[]\" value of "
                           "type \"System.Object[]\" to type \"%s\".",
                           p->name, int_type_name__(t));
    default: x = 0; break;
    }
    if (x < r->lo || x > r->hi)
        return conv_fail__(f, "CannotConvertArgumentNoMessage",
                           "Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". "
                           "Error: \"%s\"",
                           p->name, value_display__(v, tmp, sizeof tmp), int_type_name__(t), r->overflow);
    *out = x;
    return 0;
}

static int to_enum__(const struct ps_param *p, const struct ps_value *v, struct ps_value *out,
                     struct conv_fail *f)
{
    const struct ps_enum_type *e = p->enm;
    if (v->kind == PS_VAL_ARRAY && v->n == 1)
        return to_enum__(p, &v->items[0], out, f);
    char *s = v->kind == PS_VAL_NULL ? strdup("") : to_string__(v);
    if (!s)
        return -ENOMEM;
    const char *t = s;
    size_t n = strlen(t);
    while (n && is_blank__(*t))
        t++, n--;
    while (n && is_blank__(t[n - 1]))
        n--;
    for (const char *const *val = e->values; *val; val++) {
        if (strlen(*val) == n && strncasecmp(*val, t, n) == 0 && v->kind != PS_VAL_ARRAY) {
            free(s);
            out->kind = PS_VAL_STRING;
            return (out->s = strdup(*val)) ? 0 : -ENOMEM;
        }
    }
    char list[256] = "";
    size_t used = 0;
    for (const char *const *val = e->values; *val; val++)
        appendf__(list, sizeof list, &used, "%s%s", val == e->values ? "" : (e->validate_set ? "," : ", "),
                  *val);
    char tmp[32];
    const char *shown = v->kind == PS_VAL_ARRAY ? "System.Object[]" : value_display__(v, tmp, sizeof tmp);
    int rc;
    if (e->validate_set)
        rc = conv_fail__(f, "ParameterArgumentValidationError",
                         "Cannot validate argument on parameter '%s'. The argument \"%s\" does not belong "
                         "to the set \"%s\" specified by the ValidateSet attribute. Supply an argument "
                         "that is in the set and then try the command again.",
                         p->name, shown, list);
    else if (v->kind == PS_VAL_NULL)
        rc = conv_fail__(f, "CannotConvertArgumentNoMessage",
                         "Cannot bind parameter '%s'. Cannot convert null to type \"%s\".", p->name,
                         e->type_name);
    else
        rc = conv_fail__(f, "CannotConvertArgumentNoMessage",
                         "Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Error: "
                         "\"Unable to match the identifier name %s to a valid enumerator name. Specify "
                         "one of the following enumerator names and try again: %s\"",
                         p->name, shown, e->type_name, shown, list);
    free(s);
    return rc;
}

/* Boolean and switch parameters take only Booleans and numbers. */
static int to_bool__(const struct ps_param *p, const struct ps_value *v, bool *out, struct conv_fail *f)
{
    switch (v->kind) {
    case PS_VAL_BOOL: *out = v->b; return 0;
    case PS_VAL_INT: *out = v->i != 0; return 0;
    case PS_VAL_NULL: *out = false; return 0;
    default:
        return conv_fail__(f, "ParameterArgumentTransformationError",
                           "Cannot process argument transformation on parameter '%s'. Cannot convert "
                           "value \"%s\" to type \"%s\". Boolean parameters accept only Boolean values "
                           "and numbers, such as $True, $False, 1 or 0.",
                           p->name, value_type_name__(v), ps_ptype_name(p));
    }
}

static int make_array__(struct ps_value *out, size_t n)
{
    out->kind = PS_VAL_ARRAY;
    out->n = 0;
    out->items = n ? calloc(n, sizeof *out->items) : NULL;
    if (n && !out->items)
        return -ENOMEM;
    out->n = n;
    return 0;
}

/* The elements of v as an array view (a scalar is a one-element array). */
static size_t elems__(const struct ps_value *v, const struct ps_value **items)
{
    if (v->kind == PS_VAL_ARRAY) {
        *items = v->items;
        return v->n;
    }
    *items = v;
    return 1;
}

/* Converts v to p's type into out (positions copied from v).  Returns 0,
 * -EINVAL with *f filled, or -ENOMEM. */
static int convert__(const struct ps_param *p, const struct ps_value *v, struct ps_value *out,
                     struct conv_fail *f)
{
    memset(out, 0, sizeof *out);
    int rc = 0;
    const struct ps_value *items;
    size_t n;
    char tmp[32];
    switch (p->type) {
    case PS_PT_STRING:
        if (v->kind == PS_VAL_NULL)
            break;
        out->kind = PS_VAL_STRING;
        rc = (out->s = to_string__(v)) ? 0 : -ENOMEM;
        break;
    case PS_PT_STRING_ARRAY:
        if (v->kind == PS_VAL_NULL)
            break;
        n = elems__(v, &items);
        if ((rc = make_array__(out, n)) < 0)
            break;
        for (size_t i = 0; i < n && rc == 0; i++) {
            out->items[i].line = items[i].line;
            out->items[i].col = items[i].col;
            if (items[i].kind == PS_VAL_NULL)
                continue;
            out->items[i].kind = PS_VAL_STRING;
            rc = (out->items[i].s = to_string__(&items[i])) ? 0 : -ENOMEM;
        }
        break;
    case PS_PT_BYTE:
    case PS_PT_SBYTE:
    case PS_PT_UINT16:
    case PS_PT_INT32:
    case PS_PT_UINT32:
    case PS_PT_UINT64:
        out->kind = PS_VAL_INT;
        rc = to_int__(p, p->type, v, &out->i, f);
        break;
    case PS_PT_BYTE_ARRAY:
        if (v->kind == PS_VAL_NULL)
            break;
        n = elems__(v, &items);
        if ((rc = make_array__(out, n)) < 0)
            break;
        for (size_t i = 0; i < n && rc == 0; i++) {
            out->items[i].kind = PS_VAL_INT;
            out->items[i].line = items[i].line;
            out->items[i].col = items[i].col;
            if (items[i].kind == PS_VAL_ARRAY)
                rc = conv_fail__(f, "CannotConvertArgumentNoMessage",
                                 "Cannot bind parameter '%s'. Cannot convert the \"System.Object[]\" "
                                 "value of type \"System.Object[]\" to type \"System.Byte\".",
                                 p->name);
            else
                rc = to_int__(p, p->type, &items[i], &out->items[i].i, f);
        }
        break;
    case PS_PT_BOOL:
    case PS_PT_SWITCH:
        out->kind = PS_VAL_BOOL;
        rc = to_bool__(p, v, &out->b, f);
        break;
    case PS_PT_ENUM: rc = to_enum__(p, v, out, f); break;
    case PS_PT_OBJECT: rc = ps_value_copy(out, v); break;
    case PS_PT_OBJECT_ARRAY:
        if (v->kind == PS_VAL_ARRAY || v->kind == PS_VAL_NULL) {
            rc = ps_value_copy(out, v);
            break;
        }
        if ((rc = make_array__(out, 1)) == 0)
            rc = ps_value_copy(&out->items[0], v);
        break;
    case PS_PT_REF:
        rc = conv_fail__(f, "CannotConvertArgumentNoMessage",
                         "Cannot bind parameter '%s'. Cannot convert the \"%s\" value of type \"%s\" to "
                         "type \"%s\".",
                         p->name, value_display__(v, tmp, sizeof tmp), value_type_name__(v), p->ref_type);
        break;
    }
    if (rc < 0) {
        ps_value_clear(out);
        return rc;
    }
    out->line = v->line;
    out->col = v->col;
    return 0;
}

/* Mandatory parameters refuse $null, empty strings and empty arrays. */
static int check_mandatory_value__(const struct ps_param *p, const struct ps_value *v,
                                   struct conv_fail *f)
{
    if (p->flags & PS_PF_ALLOW_NULL || p->type == PS_PT_SWITCH || p->type == PS_PT_BOOL)
        return 0;
    if (v->kind == PS_VAL_NULL)
        return conv_fail__(f, "ParameterArgumentValidationErrorNullNotAllowed",
                           "Cannot bind argument to parameter '%s' because it is null.", p->name);
    if (v->kind == PS_VAL_STRING && v->s[0] == '\0')
        return conv_fail__(f, "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                           "Cannot bind argument to parameter '%s' because it is an empty string.",
                           p->name);
    if (v->kind == PS_VAL_ARRAY) {
        if (v->n == 0)
            return conv_fail__(f, "ParameterArgumentValidationErrorEmptyArrayNotAllowed",
                               "Cannot bind argument to parameter '%s' because it is an empty array.",
                               p->name);
        for (size_t i = 0; i < v->n; i++) {
            int rc = check_mandatory_value__(p, &v->items[i], f);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ---- parameter names ---- */

static void merge_params__(struct binder *b)
{
    const struct ps_cmdlet *c = b->c;
    size_t n;
    for (size_t i = 0; i < c->nparams && b->nmp < BIND_MAX_PARAMS; i++)
        b->mp[b->nmp++] = (struct mparam){&c->params[i], (c->params[i].flags & PS_PF_DYNAMIC_REGISTRY)
                                                             ? ASSOC_DYNAMIC
                                                             : ASSOC_DECLARED};
    const struct ps_param *common = ps_cmdlet_common_params(&n);
    for (size_t i = 0; i < n && b->nmp < BIND_MAX_PARAMS; i++)
        b->mp[b->nmp++] = (struct mparam){&common[i], ASSOC_COMMON};
    if (c->flags & PS_CF_SHOULD_PROCESS) {
        const struct ps_param *sp = ps_cmdlet_should_process_params(&n);
        for (size_t i = 0; i < n && b->nmp < BIND_MAX_PARAMS; i++)
            b->mp[b->nmp++] = (struct mparam){&sp[i], ASSOC_COMMON};
    }
    if (c->flags & PS_CF_TRANSACTIONS && b->nmp < BIND_MAX_PARAMS)
        b->mp[b->nmp++] = (struct mparam){ps_cmdlet_transaction_param(), ASSOC_COMMON};
}

static bool is_prefix__(const char *full, const char *prefix, size_t plen, bool *exact)
{
    if (strncasecmp(full, prefix, plen) != 0)
        return false;
    *exact = full[plen] == '\0';
    return true;
}

/* Finds the parameter a written name means (PowerShell's
 * GetMatchingParameter).  dynamic selects the dynamic parameters instead
 * of the static ones.  Returns the merged index, -1 when none matches, or
 * -EINVAL with the AmbiguousParameter error set. */
static int lookup__(struct binder *b, const char *name, bool dynamic, int line, int col)
{
    int match[BIND_MAX_PARAMS];
    size_t nm = 0;
    size_t len = strlen(name);
    bool exact;
    for (size_t i = 0; i < b->nmp; i++) {
        if ((b->mp[i].assoc == ASSOC_DYNAMIC) != dynamic)
            continue;
        if (is_prefix__(b->mp[i].p->name, name, len, &exact)) {
            if (exact)
                return (int)i;
            match[nm++] = (int)i;
        }
    }
    for (size_t i = 0; i < b->nmp; i++) {
        if ((b->mp[i].assoc == ASSOC_DYNAMIC) != dynamic)
            continue;
        for (const char *const *a = b->mp[i].p->aliases; a && *a; a++) {
            if (!is_prefix__(*a, name, len, &exact))
                continue;
            if (exact)
                return (int)i;
            bool seen = false;
            for (size_t k = 0; k < nm; k++)
                seen |= match[k] == (int)i;
            if (!seen)
                match[nm++] = (int)i;
        }
    }
    if (nm == 0)
        return -1;
    if (nm == 1)
        return match[0];
    /* Prefer the cmdlet's own parameters over common parameters. */
    int own = -1;
    size_t nown = 0;
    for (size_t k = 0; k < nm; k++) {
        if (b->mp[match[k]].assoc != ASSOC_COMMON) {
            own = match[k];
            nown++;
        }
    }
    if (nown == 1)
        return own;
    char list[1024] = "";
    size_t used = 0;
    for (size_t k = 0; k < nm; k++)
        appendf__(list, sizeof list, &used, " -%s", b->mp[match[k]].p->name);
    /* CFG-018: a prefix matching several parameters is AmbiguousParameter. */
    return bind_fail__(b, "AmbiguousParameter", name, line, col,
                       "Parameter cannot be processed because the parameter name '%s' is ambiguous. "
                       "Possible matches include:%s.",
                       name, list);
}

/* Phase 1: resolve names and pair non-switch parameters with their
 * arguments (PowerShell's ReparseUnboundArguments). */
static int resolve_names__(struct binder *b)
{
    const struct ps_ast_cmd *ast = b->ast;
    b->args = calloc(ast->nelems ? ast->nelems : 1, sizeof *b->args);
    if (!b->args)
        return -ENOMEM;
    for (size_t i = 0; i < ast->nelems; i++) {
        const struct ps_elem *el = &ast->elems[i];
        struct barg *a = &b->args[b->nargs++];
        a->el = el;
        a->next = -1;
        a->conv_err = -1;
        if (el->kind == PS_ELEM_ARG) {
            a->kind = BA_POSITIONAL;
            a->value = &el->value;
            continue;
        }
        int mp = lookup__(b, el->name, false, el->line, el->col);
        if (mp == -EINVAL)
            return mp;
        bool next_is_arg = i + 1 < ast->nelems && ast->elems[i + 1].kind == PS_ELEM_ARG;
        if (mp < 0) {
            /* Maybe a dynamic parameter: keep it, and hide the argument
             * after it from positional binding. */
            a->kind = BA_UNRESOLVED;
            if (el->has_value) {
                a->value = &el->value;
            } else if (next_is_arg) {
                a->next = (int)b->nargs;
                struct barg *h = &b->args[b->nargs++];
                i++;
                h->el = &ast->elems[i];
                h->kind = BA_POSITIONAL;
                h->value = &h->el->value;
                h->hidden = true;
                h->next = -1;
                h->conv_err = -1;
            }
            continue;
        }
        a->kind = BA_NAMED;
        a->mp = mp;
        const struct ps_param *p = b->mp[mp].p;
        if (el->has_value) {
            a->value = &el->value;
        } else if (p->type != PS_PT_SWITCH) {
            if (!next_is_arg)
                return bind_fail__(b, "MissingArgument", p->name, el->line, el->col,
                                   "Missing an argument for parameter '%s'. Specify a parameter of type "
                                   "'%s' and try again.",
                                   p->name, ps_ptype_name(p));
            i++;
            a->value = &ast->elems[i].value;
        }
    }
    return 0;
}

/* ---- binding ---- */

static uint32_t set_bits__(uint32_t sets, uint32_t all) { return sets & all; }

/* Binds merged parameter mp to value v (converted); narrows the sets. */
static int bind_value__(struct binder *b, int mp, const struct ps_value *v, bool positional, int line,
                        int col, struct conv_fail *f)
{
    const struct ps_param *p = b->mp[mp].p;
    struct ps_value conv;
    int rc;
    if (!v) {
        memset(&conv, 0, sizeof conv);
        conv.kind = PS_VAL_BOOL;
        conv.b = true;
    } else if ((rc = convert__(p, v, &conv, f)) < 0) {
        return rc;
    }
    if ((p->mandatory & b->valid) && (rc = check_mandatory_value__(p, &conv, f)) < 0) {
        ps_value_clear(&conv);
        return rc;
    }
    struct slot *s = &b->slot[mp];
    s->bound = true;
    s->v = conv;
    s->positional = positional;
    s->line = line;
    s->col = col;
    return 0;
}

static int narrow__(struct binder *b, int mp, int line, int col)
{
    const struct ps_param *p = b->mp[mp].p;
    uint32_t nv = b->valid & set_bits__(p->sets, b->all);
    if (nv == 0)
        return bind_fail__(b, "AmbiguousParameterSet", p->name, line, col,
                           "Parameter set cannot be resolved using the specified named parameters.");
    b->valid = nv;
    return 0;
}

/* Phase 2: named parameters, in the order written. */
static int bind_named__(struct binder *b)
{
    for (size_t i = 0; i < b->nargs; i++) {
        struct barg *a = &b->args[i];
        if (a->kind != BA_NAMED)
            continue;
        const struct ps_param *p = b->mp[a->mp].p;
        if (b->slot[a->mp].bound)
            return bind_fail__(b, "ParameterAlreadyBound", p->name, a->el->line, a->el->col,
                               "Cannot bind parameter because parameter '%s' is specified more than "
                               "once. To provide multiple values to parameters that can accept multiple "
                               "values, use the array syntax. For example, \"-parameter "
                               "value1,value2,value3\".",
                               p->name);
        struct conv_fail f;
        int rc = bind_value__(b, a->mp, a->value, false, a->el->line, a->el->col, &f);
        if (rc == -EINVAL)
            return bind_fail__(b, f.id, p->name, a->el->line, a->el->col, "%s", f.msg);
        if (rc < 0)
            return rc;
        a->done = true;
        if ((rc = narrow__(b, a->mp, a->el->line, a->el->col)) < 0)
            return rc;
    }
    return 0;
}

static bool in_default__(const struct binder *b, const struct ps_param *p)
{
    uint32_t d = PS_SET(b->c->default_set);
    return (b->valid & d) && (p->sets & d);
}

/* Phase 3: positional arguments to the unbound positional parameters of
 * the valid sets, by ascending position (PowerShell's
 * BindPositionalParameters). */
static int bind_positional__(struct binder *b)
{
    int positions[BIND_MAX_PARAMS];
    size_t npos = 0;
    for (size_t i = 0; i < b->nmp; i++) {
        const struct ps_param *p = b->mp[i].p;
        if (p->position < 0 || b->slot[i].bound || !(p->sets & b->valid))
            continue;
        size_t k = 0;
        while (k < npos && positions[k] < p->position)
            k++;
        if (k < npos && positions[k] == p->position)
            continue;
        memmove(&positions[k + 1], &positions[k], (npos - k) * sizeof positions[0]);
        positions[k] = p->position;
        npos++;
    }
    size_t next = 0;
    for (size_t k = 0; k < npos; k++) {
        int cand[BIND_MAX_PARAMS];
        size_t nc = 0;
        /* Default-set candidates first, then the others. */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < b->nmp; i++) {
                const struct ps_param *p = b->mp[i].p;
                if (p->position == positions[k] && !b->slot[i].bound && (p->sets & b->valid) &&
                    in_default__(b, p) == (pass == 0))
                    cand[nc++] = (int)i;
            }
        if (nc == 0)
            continue;
        while (next < b->nargs && (b->args[next].kind != BA_POSITIONAL || b->args[next].hidden))
            next++;
        if (next >= b->nargs)
            break;
        struct barg *a = &b->args[next++];
        struct conv_fail first = {0};
        bool bound = false;
        for (size_t j = 0; j < nc && !bound; j++) {
            struct conv_fail f;
            int rc = bind_value__(b, cand[j], a->value, true, a->el->line, a->el->col, &f);
            if (rc == -ENOMEM)
                return rc;
            if (rc == 0) {
                bound = true;
                a->done = true;
                b->valid &= set_bits__(b->mp[cand[j]].p->sets, b->all);
            } else if (j == 0) {
                first = f;
            }
        }
        if (!bound && !b->have_pos_err) {
            const struct ps_param *p = b->mp[cand[0]].p;
            if (bind_fail__(b, first.id, p->name, a->el->line, a->el->col, "%s", first.msg) ==
                -ENOMEM)
                return -ENOMEM;
            b->pos_err = *b->err;
            memset(b->err, 0, sizeof *b->err);
            b->have_pos_err = true;
            a->conv_err = 0;
        }
    }
    return 0;
}

static bool registry_path__(const char *s)
{
    static const char *const prefixes[] = {"HKLM:", "HKCU:", "HKEY_", "Registry::",
                                           "Microsoft.PowerShell.Core\\Registry::"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* Phase 4: the registry provider's dynamic parameters (Set-ItemProperty
 * -Type), once -Path or -LiteralPath names a registry location. */
static int bind_dynamic__(struct binder *b)
{
    if (!(b->c->flags & PS_CF_DYNAMIC_REGISTRY))
        return 0;
    bool registry = false;
    for (size_t i = 0; i < b->nmp; i++) {
        const char *n = b->mp[i].p->name;
        const struct ps_value *v = &b->slot[i].v;
        if (b->slot[i].bound && (strcmp(n, "Path") == 0 || strcmp(n, "LiteralPath") == 0) &&
            v->kind == PS_VAL_ARRAY && v->n && v->items[0].kind == PS_VAL_STRING)
            registry = registry_path__(v->items[0].s);
    }
    if (!registry)
        return 0;
    for (size_t i = 0; i < b->nargs; i++) {
        struct barg *a = &b->args[i];
        if (a->kind != BA_UNRESOLVED)
            continue;
        int mp = lookup__(b, a->el->name, true, a->el->line, a->el->col);
        if (mp == -EINVAL)
            return mp;
        if (mp < 0)
            continue;
        const struct ps_param *p = b->mp[mp].p;
        const struct ps_value *v = a->value;
        if (!v && p->type != PS_PT_SWITCH) {
            if (a->next < 0)
                return bind_fail__(b, "MissingArgument", p->name, a->el->line, a->el->col,
                                   "Missing an argument for parameter '%s'. Specify a parameter of type "
                                   "'%s' and try again.",
                                   p->name, ps_ptype_name(p));
            v = b->args[a->next].value;
            b->args[a->next].done = true;
        } else if (a->next >= 0) {
            b->args[a->next].hidden = false; /* a switch leaves it positional */
        }
        if (b->slot[mp].bound)
            return bind_fail__(b, "ParameterAlreadyBound", p->name, a->el->line, a->el->col,
                               "Cannot bind parameter because parameter '%s' is specified more than "
                               "once. To provide multiple values to parameters that can accept multiple "
                               "values, use the array syntax. For example, \"-parameter "
                               "value1,value2,value3\".",
                               p->name);
        struct conv_fail f;
        int rc = bind_value__(b, mp, v, false, a->el->line, a->el->col, &f);
        if (rc == -EINVAL)
            return bind_fail__(b, f.id, p->name, a->el->line, a->el->col, "%s", f.msg);
        if (rc < 0)
            return rc;
        a->done = true;
        a->kind = BA_NAMED;
        a->mp = mp;
    }
    return 0;
}

static int warn__(struct binder *b, const char *id, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int warn__(struct binder *b, const char *id, int line, int col, const char *fmt, ...)
{
    struct ps_warning *w = realloc(b->warn, (b->nwarn + 1) * sizeof *w);
    if (!w)
        return -ENOMEM;
    b->warn = w;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w[b->nwarn] = (struct ps_warning){id, strdup(msg), line, col};
    if (!w[b->nwarn].message)
        return -ENOMEM;
    b->nwarn++;
    return 0;
}

/* CFG-020 (--seed-compat): the positional arguments PowerShell cannot
 * place join the position-0 string[] parameter (-Name of
 * Enable-NetAdapterRdma), as the seed intends; strict mode keeps
 * PositionalParameterNotFound. */
static int compat_merge_positional__(struct binder *b)
{
    if (!(b->flags & PS_BIND_SEED_COMPAT) || !(b->c->flags & PS_CF_COMPAT_MERGE_POSITIONAL))
        return 0;
    int target = -1;
    for (size_t i = 0; i < b->nmp; i++)
        if (b->mp[i].p->position == 0 && b->mp[i].p->type == PS_PT_STRING_ARRAY &&
            (b->mp[i].p->sets & b->valid))
            target = (int)i;
    if (target < 0)
        return 0;
    size_t extra = 0;
    int line = 0, col = 0;
    for (size_t i = 0; i < b->nargs; i++) {
        struct barg *a = &b->args[i];
        if (a->kind == BA_POSITIONAL && !a->done && !a->hidden) {
            const struct ps_value *items;
            extra += elems__(a->value, &items);
            if (!line)
                line = a->el->line, col = a->el->col;
        }
    }
    if (extra == 0)
        return 0;
    struct slot *s = &b->slot[target];
    struct ps_value merged = {0};
    size_t have = s->bound && s->v.kind == PS_VAL_ARRAY ? s->v.n : 0;
    if (make_array__(&merged, have + extra) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < have; i++) {
        merged.items[i] = s->v.items[i];
        memset(&s->v.items[i], 0, sizeof s->v.items[i]);
    }
    size_t k = have;
    char names[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < b->nargs; i++) {
        struct barg *a = &b->args[i];
        if (a->kind != BA_POSITIONAL || a->done || a->hidden)
            continue;
        const struct ps_value *items;
        size_t n = elems__(a->value, &items);
        for (size_t j = 0; j < n; j++, k++) {
            merged.items[k].kind = PS_VAL_STRING;
            merged.items[k].line = items[j].line;
            merged.items[k].col = items[j].col;
            if (!(merged.items[k].s = to_string__(&items[j]))) {
                ps_value_clear(&merged);
                return -ENOMEM;
            }
            appendf__(names, sizeof names, &used, "%s'%s'", k == have ? "" : ", ", merged.items[k].s);
        }
        a->done = true;
    }
    if (!s->bound) {
        s->bound = true;
        s->positional = true;
        s->line = line;
        s->col = col;
    }
    ps_value_clear(&s->v);
    merged.line = s->line;
    merged.col = s->col;
    s->v = merged;
    return warn__(b, "SEED_W_POSITIONAL_MERGED", line, col,
                  "SEED_W_POSITIONAL_MERGED: %s merged into -%s (CFG-020, --seed-compat); real "
                  "PowerShell fails with PositionalParameterNotFound.",
                  names, b->mp[target].p->name);
}

/* Phase 5: arguments nothing took. */
static int verify_processed__(struct binder *b)
{
    int rc = compat_merge_positional__(b);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < b->nargs; i++) {
        struct barg *a = &b->args[i];
        if (a->done)
            continue;
        if (a->kind == BA_UNRESOLVED)
            return bind_fail__(b, "NamedParameterNotFound", a->el->name, a->el->line, a->el->col,
                               "A parameter cannot be found that matches parameter name '%s'.",
                               a->el->name);
        if (a->kind == BA_POSITIONAL) {
            if (a->conv_err >= 0) {
                ps_error_clear(b->err);
                *b->err = b->pos_err;
                memset(&b->pos_err, 0, sizeof b->pos_err);
                b->have_pos_err = false;
                return -EINVAL;
            }
            char tmp[32];
            const char *shown = value_display__(a->value, tmp, sizeof tmp);
            return bind_fail__(b, "PositionalParameterNotFound", NULL, a->el->line, a->el->col,
                               "A positional parameter cannot be found that accepts argument '%s'.",
                               shown);
        }
    }
    return 0;
}

/* Phase 6: the parameter set (PowerShell's ValidateParameterSets and
 * ResolveParameterSetAmbiguityBasedOnMandatoryParameters). */
static int choose_set__(struct binder *b, int *set)
{
    uint32_t v = b->valid;
    if ((v & (v - 1)) == 0) {
        *set = __builtin_ctz(v);
        return 0;
    }
    if (v & PS_SET(b->c->default_set)) {
        *set = b->c->default_set;
        return 0;
    }
    uint32_t rest = v;
    for (size_t i = 0; i < b->nmp; i++)
        if (!b->slot[i].bound)
            rest &= ~b->mp[i].p->mandatory;
    if (rest && (rest & (rest - 1)) == 0) {
        *set = __builtin_ctz(rest);
        return 0;
    }
    return bind_fail__(b, "AmbiguousParameterSet", NULL, b->ast->line, b->ast->col,
                       "Parameter set cannot be resolved using the specified named parameters.");
}

/* CFG-019 (--seed-compat): Add-VMNetworkAdapter without -VMName and
 * without -ManagementOS creates a host vNIC, as the seed intends; strict
 * mode keeps MissingMandatoryParameter (VMName). */
static int compat_imply_management_os__(struct binder *b, int *set)
{
    if (!(b->flags & PS_BIND_SEED_COMPAT) || !(b->c->flags & PS_CF_COMPAT_IMPLY_MANAGEMENT_OS))
        return 0;
    int mos = ps_cmdlet_set_index(b->c, "ManagementOS");
    if (mos < 0 || *set == mos || !(b->valid & PS_SET(mos)))
        return 0;
    for (size_t i = 0; i < b->nmp; i++) {
        const struct ps_param *p = b->mp[i].p;
        if ((p->mandatory & PS_SET(*set)) && !b->slot[i].bound && !(p->sets & PS_SET(mos)))
            goto imply;
    }
    return 0;
imply:
    for (size_t i = 0; i < b->nmp; i++) {
        if (strcmp(b->mp[i].p->name, "ManagementOS") == 0 && !b->slot[i].bound) {
            struct slot *s = &b->slot[i];
            s->bound = true;
            s->implied = true;
            s->v.kind = PS_VAL_BOOL;
            s->v.b = true;
            s->line = b->ast->line;
            s->col = b->ast->col;
        }
    }
    *set = mos;
    b->valid = PS_SET(mos);
    return warn__(b, "SEED_W_IMPLIED_MANAGEMENTOS", b->ast->line, b->ast->col,
                  "SEED_W_IMPLIED_MANAGEMENTOS: %s without -VMName or -ManagementOS; -ManagementOS "
                  "implied (CFG-019, --seed-compat); real PowerShell fails with "
                  "MissingMandatoryParameter (VMName).",
                  b->c->name);
}

/* Phase 7: mandatory parameters of the chosen set. */
static int check_mandatory__(struct binder *b, int set)
{
    char list[512] = "";
    size_t used = 0;
    const char *first = NULL;
    for (size_t i = 0; i < b->nmp; i++) {
        const struct ps_param *p = b->mp[i].p;
        if ((p->mandatory & PS_SET(set)) && !b->slot[i].bound) {
            appendf__(list, sizeof list, &used, " %s", p->name);
            if (!first)
                first = p->name;
        }
    }
    if (!first)
        return 0;
    /* Interactive PowerShell would prompt; a scenario runs non-interactively. */
    return bind_fail__(b, "MissingMandatoryParameter", first, b->ast->line, b->ast->col,
                       "Cannot process command because of one or more missing mandatory "
                       "parameters:%s.",
                       list);
}

static int build_command__(struct binder *b, int set, struct ps_command **out)
{
    struct ps_command *cmd = calloc(1, sizeof *cmd);
    if (!cmd)
        return -ENOMEM;
    cmd->cmdlet = b->c;
    cmd->name = b->c->name;
    cmd->set = b->c->sets[set];
    cmd->line = b->ast->line;
    cmd->col = b->ast->col;
    size_t n = 0;
    for (size_t i = 0; i < b->nmp; i++)
        n += b->slot[i].bound;
    cmd->params = calloc(n ? n : 1, sizeof *cmd->params);
    if (!cmd->params) {
        free(cmd);
        return -ENOMEM;
    }
    for (size_t i = 0; i < b->nmp; i++) {
        struct slot *s = &b->slot[i];
        if (!s->bound)
            continue;
        struct ps_bound_param *bp = &cmd->params[cmd->nparams++];
        bp->param = b->mp[i].p;
        bp->name = b->mp[i].p->name;
        bp->value = s->v;
        bp->positional = s->positional;
        bp->implied = s->implied;
        bp->common = b->mp[i].assoc == ASSOC_COMMON;
        bp->line = s->line;
        bp->col = s->col;
        memset(&s->v, 0, sizeof s->v);
        s->bound = false;
    }
    cmd->warnings = b->warn;
    cmd->nwarnings = b->nwarn;
    b->warn = NULL;
    b->nwarn = 0;
    *out = cmd;
    return 0;
}

static void binder_clear__(struct binder *b)
{
    for (size_t i = 0; i < b->nmp; i++)
        ps_value_clear(&b->slot[i].v);
    free(b->args);
    ps_error_clear(&b->pos_err);
    for (size_t i = 0; i < b->nwarn; i++)
        free(b->warn[i].message);
    free(b->warn);
}

int ps_bind(const struct ps_ast_cmd *ast, unsigned flags, struct ps_command **out,
            struct ps_error *err)
{
    *out = NULL;
    memset(err, 0, sizeof *err);
    const struct ps_cmdlet *c = ps_cmdlet_find(ast->name);
    if (!c)
        return ps_error_set(err, "CommandNotFoundException", NULL, ast->name, NULL, ast->line,
                            ast->col,
                            "The term '%s' is not recognized as the name of a cmdlet, function, "
                            "script file, or operable program. Check the spelling of the name, or if "
                            "a path was included, verify that the path is correct and try again.",
                            ast->name);
    struct binder b = {.ast = ast, .c = c, .flags = flags, .err = err};
    b.all = c->nsets >= 32 ? UINT32_MAX : PS_SET(c->nsets) - 1;
    b.valid = b.all;
    merge_params__(&b);
    int set = c->default_set;
    int rc = resolve_names__(&b);
    if (rc == 0)
        rc = bind_named__(&b);
    if (rc == 0)
        rc = bind_positional__(&b);
    if (rc == 0)
        rc = bind_dynamic__(&b);
    if (rc == 0)
        rc = verify_processed__(&b);
    if (rc == 0)
        rc = choose_set__(&b, &set);
    if (rc == 0)
        rc = compat_imply_management_os__(&b, &set);
    if (rc == 0)
        rc = check_mandatory__(&b, set);
    if (rc == 0)
        rc = build_command__(&b, set, out);
    if (rc == -ENOMEM)
        ps_error_clear(err);
    binder_clear__(&b);
    return rc;
}

void ps_command_free(struct ps_command *cmd)
{
    if (!cmd)
        return;
    for (size_t i = 0; i < cmd->nparams; i++)
        ps_value_clear(&cmd->params[i].value);
    free(cmd->params);
    for (size_t i = 0; i < cmd->nwarnings; i++)
        free(cmd->warnings[i].message);
    free(cmd->warnings);
    ps_command_free(cmd->format);
    free(cmd);
}

void ps_ast_clear(struct ps_ast_cmd *ast)
{
    if (!ast)
        return;
    free(ast->name);
    for (size_t i = 0; i < ast->nelems; i++) {
        free(ast->elems[i].name);
        ps_value_clear(&ast->elems[i].value);
    }
    free(ast->elems);
    memset(ast, 0, sizeof *ast);
}

/* ---- queries on a bound command ---- */

const struct ps_bound_param *ps_command_param(const struct ps_command *cmd, const char *name)
{
    for (size_t i = 0; cmd && name && i < cmd->nparams; i++)
        if (strcasecmp(cmd->params[i].name, name) == 0)
            return &cmd->params[i];
    return NULL;
}

enum ps_teaming ps_command_teaming(const struct ps_command *cmd)
{
    if (!cmd || strcmp(cmd->name, "New-VMSwitch") != 0)
        return PS_TEAMING_NO;
    const struct ps_bound_param *flag = ps_command_param(cmd, "EnableEmbeddedTeaming");
    const struct ps_bound_param *nics = ps_command_param(cmd, "NetAdapterName");
    if (!nics)
        nics = ps_command_param(cmd, "NetAdapterInterfaceDescription");
    /* CFG-006 model choice (a): "an array" means two or more elements after
     * binding; a [String[]] cannot tell "NIC 1" from @("NIC 1"). */
    size_t count = nics && nics->value.kind == PS_VAL_ARRAY ? nics->value.n : 0;
    if (flag && flag->value.b)
        return PS_TEAMING_EXPLICIT;
    if (count >= 2)
        return flag ? PS_TEAMING_CONFLICT /* CFG-006 (b) */ : PS_TEAMING_IMPLIED;
    /* CFG-007: a single adapter without the flag is an ordinary switch. */
    return PS_TEAMING_NO;
}

bool ps_command_same(const struct ps_command *a, const struct ps_command *b)
{
    if (!a || !b)
        return a == b;
    if (a->cmdlet != b->cmdlet || strcmp(a->set, b->set) != 0 || a->nparams != b->nparams)
        return false;
    for (size_t i = 0; i < a->nparams; i++)
        if (a->params[i].param != b->params[i].param ||
            !ps_value_equal(&a->params[i].value, &b->params[i].value))
            return false;
    return ps_command_same(a->format, b->format);
}

static void command_format__(const struct ps_command *cmd, char *buf, size_t len, size_t *used)
{
    appendf__(buf, len, used, "%s [%s]", cmd->name, cmd->set);
    for (size_t i = 0; i < cmd->nparams; i++) {
        const struct ps_bound_param *bp = &cmd->params[i];
        if (bp->param->type == PS_PT_SWITCH) {
            appendf__(buf, len, used, " -%s%s", bp->name, bp->value.b ? "" : ":$false");
            continue;
        }
        appendf__(buf, len, used, " -%s ", bp->name);
        value_format__(&bp->value, buf, len, used);
    }
    if (cmd->format) {
        appendf__(buf, len, used, " | ");
        command_format__(cmd->format, buf, len, used);
    }
}

int ps_command_format(const struct ps_command *cmd, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    command_format__(cmd, buf, len, &used);
    return (int)used;
}
