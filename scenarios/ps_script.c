/* ps_script: tokenize, parse into statements and pipelines, bind.  The
 * parser is a small recursive descent over ps_lex tokens:
 *
 *   script    := { sep } [ pipeline { sep { sep } pipeline } ] { sep } EOF
 *   sep       := NEWLINE | ';'
 *   pipeline  := command { '|' { NEWLINE } command }
 *   command   := WORD { PARAM [ argument-if-colon ] | '--' | argument }
 *   argument  := primary { ',' { NEWLINE } primary }
 *   primary   := WORD | STRING | NUMBER | $true | $false | $null
 *              | ',' primary                      (one-element array)
 *              | '(' list ')' | '@(' [ list ] ')'
 *   list      := { NEWLINE } argument { NEWLINE }
 */
#include "ps_script.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_cmdlets.h"
#include "ps_lex.h"

struct parser {
    const char *src;
    const struct ps_tokens *toks;
    size_t pos;
    int depth;            /* inside ( ) or @( ): expression mode */
    struct ps_error *err; /* set on a parse error */
};

static const struct ps_token *tok__(const struct parser *p) { return &p->toks->v[p->pos]; }

static enum ps_tok_kind kind__(const struct parser *p) { return tok__(p)->kind; }

static void next__(struct parser *p)
{
    if (kind__(p) != PS_TOK_EOF)
        p->pos++;
}

static void skip_newlines__(struct parser *p)
{
    while (kind__(p) == PS_TOK_NEWLINE)
        next__(p);
}

static bool ends_command__(enum ps_tok_kind k)
{
    return k == PS_TOK_NEWLINE || k == PS_TOK_SEMI || k == PS_TOK_PIPE || k == PS_TOK_EOF;
}

static int parse_fail__(struct parser *p, const struct ps_token *t, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int parse_fail__(struct parser *p, const struct ps_token *t, const char *id, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ps_error_set(p->err, id, NULL, NULL, NULL, t->line, t->col, "%s", msg);
}

/* The source text of a token, for messages. */
static void tok_text__(const struct parser *p, const struct ps_token *t, char *buf, size_t len)
{
    size_t n = t->end - t->off;
    if (n >= len)
        n = len - 1;
    memcpy(buf, p->src + t->off, n);
    buf[n] = '\0';
}

static int parse_argument__(struct parser *p, struct ps_value *out);

/* A parameter token where a value must be (after -Name: or a ','): its
 * source text is the value, as PowerShell reads it there. */
static int param_as_value__(struct parser *p, struct ps_value *out)
{
    const struct ps_token *t = tok__(p);
    char text[256];
    tok_text__(p, t, text, sizeof text);
    memset(out, 0, sizeof *out);
    out->kind = PS_VAL_STRING;
    out->line = t->line;
    out->col = t->col;
    if (!(out->s = strdup(text)))
        return -ENOMEM;
    next__(p);
    return 0;
}

static int push_item__(struct ps_value *arr, struct ps_value *item)
{
    struct ps_value *items = realloc(arr->items, (arr->n + 1) * sizeof *items);
    if (!items)
        return -ENOMEM;
    arr->items = items;
    arr->items[arr->n++] = *item;
    memset(item, 0, sizeof *item);
    return 0;
}

/* ( list ) or @( [list] ): a parenthesized value, or an array. */
static int parse_paren_body__(struct parser *p, struct ps_value *out)
{
    const struct ps_token *open = tok__(p);
    bool at = open->at_paren;
    next__(p);
    skip_newlines__(p);
    memset(out, 0, sizeof *out);
    out->line = open->line;
    out->col = open->col;
    if (kind__(p) == PS_TOK_RPAREN) {
        if (!at)
            return parse_fail__(p, tok__(p), "ExpectedExpression", "An expression was expected after '('.");
        next__(p);
        out->kind = PS_VAL_ARRAY; /* @() */
        return 0;
    }
    struct ps_value inner;
    int rc = parse_argument__(p, &inner);
    if (rc < 0)
        return rc;
    if (!at) {
        skip_newlines__(p);
        if (kind__(p) != PS_TOK_RPAREN) {
            ps_value_clear(&inner);
            return parse_fail__(p, open, "MissingEndParenthesisInExpression",
                                "Missing closing ')' in expression.");
        }
        next__(p);
        inner.line = out->line;
        inner.col = out->col;
        *out = inner;
        return 0;
    }
    /* @( ... ): every statement inside adds its values to one array. */
    out->kind = PS_VAL_ARRAY;
    for (;;) {
        if (inner.kind == PS_VAL_ARRAY) {
            for (size_t i = 0; i < inner.n && rc == 0; i++)
                rc = push_item__(out, &inner.items[i]);
        } else {
            rc = push_item__(out, &inner);
        }
        ps_value_clear(&inner);
        if (rc < 0)
            break;
        while (kind__(p) == PS_TOK_NEWLINE || kind__(p) == PS_TOK_SEMI)
            next__(p);
        if (kind__(p) == PS_TOK_RPAREN) {
            next__(p);
            return 0;
        }
        if (kind__(p) == PS_TOK_EOF) {
            rc = parse_fail__(p, open, "MissingEndParenthesisInSubexpression",
                              "Missing closing ')' in subexpression.");
            break;
        }
        if ((rc = parse_argument__(p, &inner)) < 0)
            break;
    }
    ps_value_clear(out);
    return rc;
}

static int parse_paren__(struct parser *p, struct ps_value *out)
{
    p->depth++;
    int rc = parse_paren_body__(p, out);
    p->depth--;
    return rc;
}

static int parse_primary__(struct parser *p, struct ps_value *out)
{
    const struct ps_token *t = tok__(p);
    memset(out, 0, sizeof *out);
    out->line = t->line;
    out->col = t->col;
    char text[128];
    switch (t->kind) {
    case PS_TOK_WORD:
        if (p->depth > 0) {
            /* In expression mode a bare word runs a command. */
            tok_text__(p, t, text, sizeof text);
            return parse_fail__(p, t, "SETSIM_UnsupportedSyntax",
                                "'%s' inside parentheses would run a command: setsim's PowerShell "
                                "subset accepts only literal values there (quote strings).",
                                text);
        }
        /* fall through */
    case PS_TOK_STRING:
        out->kind = PS_VAL_STRING;
        if (!(out->s = strdup(t->text)))
            return -ENOMEM;
        next__(p);
        return 0;
    case PS_TOK_NUMBER:
        out->kind = PS_VAL_INT;
        out->i = t->num;
        next__(p);
        return 0;
    case PS_TOK_VARIABLE:
        if (strcmp(t->text, "null") == 0) {
            out->kind = PS_VAL_NULL;
        } else {
            out->kind = PS_VAL_BOOL;
            out->b = strcmp(t->text, "true") == 0;
        }
        next__(p);
        return 0;
    case PS_TOK_COMMA: {
        /* Unary comma: a one-element array. */
        next__(p);
        skip_newlines__(p);
        struct ps_value item;
        int rc = parse_primary__(p, &item);
        if (rc < 0)
            return rc;
        out->kind = PS_VAL_ARRAY;
        rc = push_item__(out, &item);
        if (rc < 0) {
            ps_value_clear(&item);
            ps_value_clear(out);
        }
        return rc;
    }
    case PS_TOK_LPAREN: return parse_paren__(p, out);
    case PS_TOK_EOF:
    case PS_TOK_NEWLINE:
    case PS_TOK_SEMI:
    case PS_TOK_PIPE:
        return parse_fail__(p, t, "MissingExpressionAfterToken", "Missing expression after ','.");
    case PS_TOK_RPAREN:
        return parse_fail__(p, t, "UnexpectedToken",
                            "Unexpected token ')' in expression or statement.");
    default:
        tok_text__(p, t, text, sizeof text);
        return parse_fail__(p, t, "SETSIM_UnsupportedSyntax",
                            "Unexpected token '%s': setsim's PowerShell subset accepts only literal "
                            "values here.",
                            text);
    }
}

/* primary { , primary }: a comma makes an array even with spaces around
 * it, and a newline may follow the comma. */
static int parse_argument__(struct parser *p, struct ps_value *out)
{
    int rc = parse_primary__(p, out);
    if (rc < 0 || kind__(p) != PS_TOK_COMMA)
        return rc;
    struct ps_value arr = {.kind = PS_VAL_ARRAY, .line = out->line, .col = out->col};
    if ((rc = push_item__(&arr, out)) < 0)
        goto fail;
    while (kind__(p) == PS_TOK_COMMA) {
        const struct ps_token *comma = tok__(p);
        next__(p);
        skip_newlines__(p);
        if (ends_command__(kind__(p)) || kind__(p) == PS_TOK_RPAREN) {
            rc = parse_fail__(p, comma, "MissingExpressionAfterToken", "Missing expression after ','.");
            goto fail;
        }
        struct ps_value item;
        rc = kind__(p) == PS_TOK_PARAM ? param_as_value__(p, &item) : parse_primary__(p, &item);
        if (rc < 0)
            goto fail;
        if ((rc = push_item__(&arr, &item)) < 0) {
            ps_value_clear(&item);
            goto fail;
        }
    }
    *out = arr;
    return 0;
fail:
    ps_value_clear(&arr);
    ps_value_clear(out);
    return rc;
}

static int push_elem__(struct ps_ast_cmd *cmd, struct ps_elem *el)
{
    struct ps_elem *v = realloc(cmd->elems, (cmd->nelems + 1) * sizeof *v);
    if (!v)
        return -ENOMEM;
    cmd->elems = v;
    cmd->elems[cmd->nelems++] = *el;
    memset(el, 0, sizeof *el);
    return 0;
}

static int parse_command__(struct parser *p, struct ps_ast_cmd *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    const struct ps_token *t = tok__(p);
    char text[128];
    if (t->kind != PS_TOK_WORD) {
        tok_text__(p, t, text, sizeof text);
        if (t->kind == PS_TOK_PIPE || ends_command__(t->kind))
            return parse_fail__(p, t, "EmptyPipeElement", "An empty pipe element is not allowed.");
        return parse_fail__(p, t, "SETSIM_UnsupportedSyntax",
                            "'%s' cannot start a statement: setsim's PowerShell subset runs commands "
                            "only.",
                            text);
    }
    cmd->line = t->line;
    cmd->col = t->col;
    if (!(cmd->name = strdup(t->text)))
        return -ENOMEM;
    next__(p);
    bool args_only = false;
    int rc = 0;
    while (rc == 0 && !ends_command__(kind__(p))) {
        t = tok__(p);
        struct ps_elem el = {.line = t->line, .col = t->col};
        if (t->kind == PS_TOK_DASHDASH && !args_only) {
            args_only = true;
            next__(p);
            continue;
        }
        if (t->kind == PS_TOK_PARAM && !args_only) {
            el.kind = PS_ELEM_PARAM;
            el.colon = t->colon;
            if (!(el.name = strdup(t->text)))
                return -ENOMEM;
            next__(p);
            if (el.colon && kind__(p) == PS_TOK_PARAM) {
                if ((rc = param_as_value__(p, &el.value)) == 0)
                    el.has_value = true;
            } else if (el.colon && !ends_command__(kind__(p))) {
                if ((rc = parse_argument__(p, &el.value)) == 0)
                    el.has_value = true;
            }
        } else if (t->kind == PS_TOK_PARAM || t->kind == PS_TOK_DASHDASH) {
            /* After --, a parameter token is the literal text. */
            el.kind = PS_ELEM_ARG;
            if ((rc = param_as_value__(p, &el.value)) == 0)
                el.has_value = true;
        } else {
            el.kind = PS_ELEM_ARG;
            if ((rc = parse_argument__(p, &el.value)) == 0)
                el.has_value = true;
        }
        if (rc == 0)
            rc = push_elem__(cmd, &el);
        free(el.name);
        ps_value_clear(&el.value);
    }
    return rc;
}

/* ---- the script ---- */

static int add_error__(struct ps_script *s, struct ps_error *e, size_t *index)
{
    struct ps_error *v = realloc(s->errors, (s->nerrors + 1) * sizeof *v);
    if (!v)
        return -ENOMEM;
    s->errors = v;
    *index = s->nerrors;
    s->errors[s->nerrors++] = *e;
    memset(e, 0, sizeof *e);
    return 0;
}

static int add_stmt__(struct ps_script *s, struct ps_command *cmd, struct ps_error *e, int line, int col)
{
    struct ps_stmt *v = realloc(s->stmts, (s->nstmts + 1) * sizeof *v);
    if (!v)
        return -ENOMEM;
    s->stmts = v;
    struct ps_stmt *st = &s->stmts[s->nstmts];
    *st = (struct ps_stmt){.cmd = cmd, .line = line, .col = col};
    if (!cmd && add_error__(s, e, &st->error) < 0)
        return -ENOMEM;
    s->nstmts++;
    return 0;
}

struct pipeline {
    struct ps_ast_cmd cmd[2]; /* the command and its optional format stage */
    size_t n;
    const struct ps_token *extra; /* a stage beyond what setsim supports */
};

static void pipeline_clear__(struct pipeline *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        ps_ast_clear(&pl->cmd[i]);
    pl->n = 0;
}

static int parse_pipeline__(struct parser *p, struct pipeline *pl)
{
    memset(pl, 0, sizeof *pl);
    int rc = parse_command__(p, &pl->cmd[0]);
    pl->n = 1;
    while (rc == 0 && kind__(p) == PS_TOK_PIPE) {
        next__(p);
        skip_newlines__(p);
        struct ps_ast_cmd stage;
        const struct ps_token *start = tok__(p);
        rc = parse_command__(p, &stage);
        if (rc < 0) {
            ps_ast_clear(&stage);
            break;
        }
        if (pl->n < 2) {
            pl->cmd[pl->n++] = stage;
        } else {
            if (!pl->extra)
                pl->extra = start;
            ps_ast_clear(&stage);
        }
    }
    return rc;
}

/* Binds a parsed pipeline: the command, then its Format-* stage. */
static int bind_pipeline__(struct ps_script *s, struct pipeline *pl, unsigned flags)
{
    struct ps_error err = {0};
    struct ps_command *cmd = NULL, *fmt = NULL;
    int rc = ps_bind(&pl->cmd[0], flags, &cmd, &err);
    if (rc == 0 && pl->n > 1) {
        const struct ps_ast_cmd *stage = &pl->cmd[1];
        const struct ps_cmdlet *c = ps_cmdlet_find(stage->name);
        if (c && !(c->flags & PS_CF_FORMATTER)) {
            rc = ps_error_set(&err, "SETSIM_UnsupportedPipeline", NULL, c->name, NULL, stage->line,
                              stage->col,
                              "setsim's PowerShell subset pipes a command only into Format-List (fl) or "
                              "Format-Table (ft), as the last stage; '%s' cannot be a pipeline stage "
                              "here.",
                              c->name);
        } else if (c && pl->extra) {
            rc = ps_error_set(&err, "SETSIM_UnsupportedPipeline", NULL, NULL, NULL, pl->extra->line,
                              pl->extra->col,
                              "setsim's PowerShell subset pipes a command only into one Format-List (fl) "
                              "or Format-Table (ft) stage.");
        } else {
            rc = ps_bind(&pl->cmd[1], flags, &fmt, &err);
        }
        if (rc == 0)
            cmd->format = fmt;
        else {
            ps_command_free(cmd);
            cmd = NULL;
        }
    }
    if (rc == -ENOMEM) {
        ps_error_clear(&err);
        return rc;
    }
    rc = add_stmt__(s, cmd, &err, pl->cmd[0].line, pl->cmd[0].col);
    if (rc < 0) {
        ps_command_free(cmd);
        ps_error_clear(&err);
    }
    return rc;
}

/* Parses the whole token list first: a parse error anywhere means no
 * statement runs (PowerShell parses a script before running it). */
static int parse_and_bind__(struct ps_script *s, const char *text, const struct ps_tokens *toks,
                            unsigned flags)
{
    struct ps_error err = {0};
    struct parser p = {.src = text, .toks = toks, .err = &err};
    struct pipeline *pls = NULL;
    size_t npl = 0;
    int rc = 0;
    for (;;) {
        while (kind__(&p) == PS_TOK_NEWLINE || kind__(&p) == PS_TOK_SEMI)
            next__(&p);
        if (kind__(&p) == PS_TOK_EOF)
            break;
        struct pipeline *v = realloc(pls, (npl + 1) * sizeof *v);
        if (!v) {
            rc = -ENOMEM;
            break;
        }
        pls = v;
        rc = parse_pipeline__(&p, &pls[npl]);
        npl++;
        if (rc == 0 && !ends_command__(kind__(&p))) {
            char t[128];
            tok_text__(&p, tok__(&p), t, sizeof t);
            rc = parse_fail__(&p, tok__(&p), "UnexpectedToken", "Unexpected token '%s' in expression or "
                              "statement.", t);
        }
        if (rc < 0)
            break;
    }
    if (rc == -EINVAL) {
        s->parse_failed = true;
        size_t idx;
        rc = add_error__(s, &err, &idx);
    } else {
        for (size_t i = 0; i < npl && rc == 0; i++)
            rc = bind_pipeline__(s, &pls[i], flags);
    }
    for (size_t i = 0; i < npl; i++)
        pipeline_clear__(&pls[i]);
    free(pls);
    ps_error_clear(&err);
    return rc;
}

int ps_parse_script(const char *text, const char *file, int first_line, int col_offset,
                    unsigned flags, struct ps_script **out)
{
    *out = NULL;
    struct ps_script *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    if (!(s->file = strdup(file ? file : "<script>"))) {
        free(s);
        return -ENOMEM;
    }
    unsigned bflags = (flags & PS_SCRIPT_SEED_COMPAT) ? PS_BIND_SEED_COMPAT : 0;
    struct ps_tokens toks;
    struct ps_lex_error lerr;
    int rc = ps_lex(text, text ? strlen(text) : 0, first_line, col_offset, &toks, &lerr);
    if (rc == -EINVAL) {
        struct ps_error e = {0};
        s->parse_failed = true;
        size_t idx;
        rc = ps_error_set(&e, lerr.id, NULL, NULL, NULL, lerr.line, lerr.col, "%s", lerr.message);
        if (rc == -EINVAL)
            rc = add_error__(s, &e, &idx);
        ps_error_clear(&e);
    } else if (rc == 0) {
        rc = parse_and_bind__(s, text, &toks, bflags);
    }
    ps_lex_free(&toks);
    if (rc < 0) {
        ps_script_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void ps_script_free(struct ps_script *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nstmts; i++)
        ps_command_free(s->stmts[i].cmd);
    free(s->stmts);
    for (size_t i = 0; i < s->nerrors; i++)
        ps_error_clear(&s->errors[i]);
    free(s->errors);
    free(s->file);
    free(s);
}

int ps_script_format_error(const struct ps_script *s, const struct ps_error *e, char *buf, size_t len)
{
    return snprintf(buf, len, "%s:%d:%d: %s%s%s [%s]", s && s->file ? s->file : "<script>", e->line,
                    e->col, e->cmdlet ? e->cmdlet : "", e->cmdlet ? ": " : "", e->message, e->fqid);
}

int ps_script_unwrap_markdown(const char *line, char *out, size_t outlen)
{
    const char *a = line, *z = line + strlen(line);
    while (a < z && (*a == ' ' || *a == '\t'))
        a++;
    while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\n' || z[-1] == '\r'))
        z--;
    if (z - a >= 2 && a[0] == '`' && z[-1] == '`' && memchr(a + 1, '`', (size_t)(z - a - 2)) == NULL) {
        a++;
        z--;
    } else {
        a = line;
        z = line + strlen(line);
    }
    size_t n = (size_t)(z - a);
    if (n + 1 > outlen)
        return -ENOSPC;
    memcpy(out, a, n);
    out[n] = '\0';
    return (int)n;
}
