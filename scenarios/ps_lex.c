/* ps_lex: tokenizer for the PowerShell subset carried by scenario files.
 * See ps_lex.h for the rules; this file is a hand-written scanner over
 * UTF-8 that keeps a (line, column-in-characters) position as it goes. */
#include "ps_lex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LEX_EOF UINT32_MAX /* code point returned past the end */

struct lexer {
    const char *src;
    size_t len;
    size_t pos;  /* byte offset of the next character */
    int line;    /* 1-based line of pos, caller offset applied */
    int col;     /* 1-based column (characters) of pos, without offset */
    int coloff;  /* added to every reported column */
    struct ps_tokens *out;
    struct ps_lex_error *err;
};

struct sbuf {
    char *p;
    size_t n, cap;
};

/* ---- character classes (PowerShell CharTraits, CFG-018) ---- */

bool ps_lex_is_dash(uint32_t cp)
{
    return cp == '-' || cp == 0x2013 || cp == 0x2014 || cp == 0x2015;
}

bool ps_lex_is_single_quote(uint32_t cp)
{
    return cp == '\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x201B;
}

bool ps_lex_is_double_quote(uint32_t cp)
{
    return cp == '"' || cp == 0x201C || cp == 0x201D || cp == 0x201E;
}

bool ps_lex_is_space(uint32_t cp)
{
    /* ASCII blanks, NBSP, NEL and the Unicode space separators (Zs). */
    return cp == ' ' || cp == '\t' || cp == '\f' || cp == '\v' || cp == 0xA0 || cp == 0x85 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

static bool is_newline__(uint32_t cp) { return cp == '\n' || cp == '\r'; }

static bool is_ascii_letter__(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

static bool is_digit__(uint32_t cp) { return cp >= '0' && cp <= '9'; }

/* Characters that end a bare word in argument mode. */
static bool ends_word__(uint32_t cp)
{
    return cp == LEX_EOF || ps_lex_is_space(cp) || is_newline__(cp) || cp == ';' || cp == ',' ||
           cp == '|' || cp == '&' || cp == '(' || cp == ')' || cp == '{' || cp == '}' ||
           cp == '<' || cp == '>';
}

/* Characters that end a parameter name (PowerShell's ScanParameter). */
static bool ends_param__(uint32_t cp)
{
    return ends_word__(cp) || cp == '.' || cp == '[';
}

/* Characters that may start a variable name after '$'. */
static bool is_var_char__(uint32_t cp)
{
    return is_ascii_letter__(cp) || is_digit__(cp) || cp == '_' || cp == '?' ||
           (cp >= 0x80 && cp != LEX_EOF && !ps_lex_is_space(cp));
}

/* ---- UTF-8 ---- */

/* Decodes one code point at s[0..avail); returns its byte length, or 0 on
 * malformed input. */
static size_t utf8_decode__(const unsigned char *s, size_t avail, uint32_t *cp)
{
    if (avail == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* ---- string builder ---- */

static int sb_grow__(struct sbuf *b, size_t add)
{
    if (b->n + add + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 32;
    while (cap < b->n + add + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int sb_put__(struct sbuf *b, const char *s, size_t n)
{
    if (sb_grow__(b, n) < 0)
        return -ENOMEM;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

static int sb_putcp__(struct sbuf *b, uint32_t cp)
{
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return sb_put__(b, tmp, n);
}

/* Takes the buffer's string (an empty string when nothing was added). */
static char *sb_take__(struct sbuf *b)
{
    if (!b->p) {
        if (sb_grow__(b, 0) < 0)
            return NULL;
        b->p[0] = '\0';
    }
    char *p = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

/* ---- scanner primitives ---- */

static int fail__(struct lexer *lx, int line, int col, const char *id, const char *fmt, ...)
{
    lx->err->id = id;
    lx->err->line = line;
    lx->err->col = col + lx->coloff;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err->message, sizeof lx->err->message, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* Code point at byte offset pos (LEX_EOF past the end); *n = its length.
 * Malformed UTF-8 reads as U+FFFD of length 1; lex_check_utf8__ rejects
 * such input before scanning starts. */
static uint32_t cp_at__(const struct lexer *lx, size_t pos, size_t *n)
{
    uint32_t cp;
    if (pos >= lx->len) {
        if (n)
            *n = 0;
        return LEX_EOF;
    }
    size_t len = utf8_decode__((const unsigned char *)lx->src + pos, lx->len - pos, &cp);
    if (len == 0) {
        cp = 0xFFFD;
        len = 1;
    }
    if (n)
        *n = len;
    return cp;
}

static uint32_t cur__(const struct lexer *lx) { return cp_at__(lx, lx->pos, NULL); }

/* The code point k characters after the current one. */
static uint32_t peek__(const struct lexer *lx, int k)
{
    size_t pos = lx->pos, n;
    for (int i = 0; i < k; i++) {
        if (cp_at__(lx, pos, &n) == LEX_EOF)
            return LEX_EOF;
        pos += n;
    }
    return cp_at__(lx, pos, NULL);
}

/* Consumes one character, keeping line and column. CR LF is one newline. */
static void advance__(struct lexer *lx)
{
    size_t n;
    uint32_t cp = cp_at__(lx, lx->pos, &n);
    if (cp == LEX_EOF)
        return;
    lx->pos += n;
    if (cp == '\r' && cp_at__(lx, lx->pos, NULL) == '\n') {
        lx->pos += 1;
        cp = '\n';
    }
    if (is_newline__(cp)) {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
}

static int push__(struct lexer *lx, enum ps_tok_kind kind, char *text, size_t off, int line, int col,
                  struct ps_token **tok)
{
    struct ps_tokens *t = lx->out;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct ps_token *v = realloc(t->v, cap * sizeof *v);
        if (!v) {
            free(text);
            return -ENOMEM;
        }
        t->v = v;
        t->cap = cap;
    }
    struct ps_token *k = &t->v[t->n++];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->text = text;
    k->off = off;
    k->end = lx->pos;
    k->line = line;
    k->col = col + lx->coloff;
    if (tok)
        *tok = k;
    return 0;
}

static int push_text__(struct lexer *lx, enum ps_tok_kind kind, const char *text, size_t n, size_t off,
                       int line, int col, struct ps_token **tok)
{
    char *copy = malloc(n + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, text, n);
    copy[n] = '\0';
    return push__(lx, kind, copy, off, line, col, tok);
}

/* The character a backtick escape stands for (PowerShell 5.1 escapes). */
static uint32_t backtick_escape__(uint32_t c)
{
    switch (c) {
    case '0': return 0;
    case 'a': return 7;
    case 'b': return 8;
    case 'f': return 12;
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return 11;
    default: return c;
    }
}

/* ---- strings ---- */

/* Scans a single-quoted string whose opening quote is current; appends its
 * content to b.  Two quote characters in a row stand for one. */
static int scan_squote__(struct lexer *lx, struct sbuf *b)
{
    int line = lx->line, col = lx->col;
    advance__(lx);
    for (;;) {
        uint32_t c = cur__(lx);
        if (c == LEX_EOF)
            return fail__(lx, line, col, "TerminatorExpectedAtEndOfString",
                          "The string is missing the terminator: '.");
        if (ps_lex_is_single_quote(c)) {
            advance__(lx);
            if (!ps_lex_is_single_quote(cur__(lx)))
                return 0;
            c = cur__(lx);
        }
        if (c == '\r' && peek__(lx, 1) == '\n') {
            if (sb_put__(b, "\r\n", 2) < 0)
                return -ENOMEM;
        } else if (sb_putcp__(b, c) < 0) {
            return -ENOMEM;
        }
        advance__(lx);
    }
}

/* Reports the variable expansion PowerShell would do at '$' (current) when
 * a name follows; returns 1 when '$' is literal. */
static int check_dollar__(struct lexer *lx)
{
    uint32_t n = peek__(lx, 1);
    if (is_var_char__(n) || n == '{' || n == '(' || n == '$' || n == '^' || n == ':')
        return fail__(lx, lx->line, lx->col, "SETSIM_UnsupportedSyntax",
                      "Variable expansion is not supported by setsim's PowerShell subset "
                      "(only $true, $false and $null, and not inside strings).");
    return 1;
}

/* Scans a double-quoted string whose opening quote is current; appends its
 * content (escapes resolved) to b. */
static int scan_dquote__(struct lexer *lx, struct sbuf *b)
{
    int line = lx->line, col = lx->col;
    advance__(lx);
    for (;;) {
        uint32_t c = cur__(lx);
        if (c == LEX_EOF)
            return fail__(lx, line, col, "TerminatorExpectedAtEndOfString",
                          "The string is missing the terminator: \".");
        if (ps_lex_is_double_quote(c)) {
            advance__(lx);
            if (!ps_lex_is_double_quote(cur__(lx)))
                return 0;
            c = cur__(lx);
        } else if (c == '`') {
            uint32_t e = peek__(lx, 1);
            if (e == LEX_EOF)
                return fail__(lx, line, col, "TerminatorExpectedAtEndOfString",
                              "The string is missing the terminator: \".");
            advance__(lx);
            c = backtick_escape__(e);
        } else if (c == '$') {
            int rc = check_dollar__(lx);
            if (rc < 0)
                return rc;
        }
        if (c == '\r' && peek__(lx, 1) == '\n') {
            if (sb_put__(b, "\r\n", 2) < 0)
                return -ENOMEM;
        } else if (sb_putcp__(b, c) < 0) {
            return -ENOMEM;
        }
        advance__(lx);
    }
}

/* Pushes what the scan collected in b as a token of that kind; when the
 * scan failed (rc < 0), frees b and returns rc. */
static int push_buf__(struct lexer *lx, enum ps_tok_kind kind, struct sbuf *b, int rc, size_t off,
                      int line, int col)
{
    if (rc < 0) {
        free(b->p);
        b->p = NULL;
        return rc;
    }
    char *text = sb_take__(b);
    if (!text)
        return -ENOMEM;
    return push__(lx, kind, text, off, line, col, NULL);
}

static int scan_string__(struct lexer *lx)
{
    size_t off = lx->pos;
    int line = lx->line, col = lx->col;
    struct sbuf b = {0};
    int rc = ps_lex_is_single_quote(cur__(lx)) ? scan_squote__(lx, &b) : scan_dquote__(lx, &b);
    return push_buf__(lx, PS_TOK_STRING, &b, rc, off, line, col);
}

/* ---- bare words, parameters, numbers ---- */

/* Scans a generic token from the current position (which may be a dash
 * that did not make a parameter).  Quoted parts join the token. */
static int scan_word__(struct lexer *lx)
{
    size_t off = lx->pos;
    int line = lx->line, col = lx->col;
    struct sbuf b = {0};
    int rc = 0;
    for (;;) {
        uint32_t c = cur__(lx);
        if (ends_word__(c))
            break;
        if (c == '`') {
            uint32_t e = peek__(lx, 1);
            if (e == LEX_EOF)
                advance__(lx); /* a backtick ending the script escapes nothing */
            if (e == LEX_EOF || is_newline__(e))
                break;         /* line continuation: the word ends here */
            advance__(lx);
            advance__(lx);
            rc = sb_putcp__(&b, backtick_escape__(e));
        } else if (ps_lex_is_single_quote(c)) {
            rc = scan_squote__(lx, &b);
        } else if (ps_lex_is_double_quote(c)) {
            rc = scan_dquote__(lx, &b);
        } else if (c == '$' && (rc = check_dollar__(lx)) < 0) {
            break;
        } else {
            rc = sb_putcp__(&b, c);
            advance__(lx);
        }
        if (rc < 0)
            break;
    }
    return push_buf__(lx, PS_TOK_WORD, &b, rc, off, line, col);
}

/* A dash followed by a letter, '_' or '?': -Name or -Name: .  A quote or a
 * backtick inside makes the whole thing a bare word, as in PowerShell. */
static int scan_param__(struct lexer *lx)
{
    size_t off = lx->pos;
    int line = lx->line, col = lx->col;
    struct lexer save = *lx;
    advance__(lx); /* the dash */
    size_t name_start = lx->pos;
    for (;;) {
        uint32_t c = cur__(lx);
        if (c == ':') {
            size_t name_end = lx->pos;
            advance__(lx);
            struct ps_token *t;
            int rc = push_text__(lx, PS_TOK_PARAM, lx->src + name_start, name_end - name_start, off,
                                 line, col, &t);
            if (rc == 0)
                t->colon = true;
            return rc;
        }
        if (ends_param__(c))
            break;
        if (c == '`' || ps_lex_is_single_quote(c) || ps_lex_is_double_quote(c)) {
            *lx = save;
            return scan_word__(lx);
        }
        advance__(lx);
    }
    return push_text__(lx, PS_TOK_PARAM, lx->src + name_start, lx->pos - name_start, off, line, col,
                       NULL);
}

int ps_lex_parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    bool hex = i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
    if (hex)
        i += 2;
    size_t digits = 0;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < n; i++, digits++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        unsigned base = hex ? 16 : 10;
        if (v > (UINT64_MAX - d) / base)
            overflow = true;
        v = v * base + d;
    }
    if (digits == 0)
        return -EINVAL;
    int64_t value;
    if (hex) {
        /* Windows PowerShell 5.1: hex literals are bit patterns of Int32
         * (up to 8 digits) or Int64. */
        if (digits > 16 || overflow)
            return -ERANGE;
        if (v <= 0xFFFFFFFFu)
            value = (int64_t)(int32_t)(uint32_t)v;
        else
            value = (int64_t)v;
    } else {
        if (overflow || v > (uint64_t)INT64_MAX)
            return -ERANGE;
        value = (int64_t)v;
    }
    static const struct {
        char c;
        int shift;
    } mult[] = {{'k', 10}, {'m', 20}, {'g', 30}, {'t', 40}, {'p', 50}};
    if (i + 2 == n && (s[i + 1] == 'b' || s[i + 1] == 'B')) {
        char m = (char)(s[i] | 0x20);
        size_t k;
        for (k = 0; k < sizeof mult / sizeof mult[0]; k++)
            if (mult[k].c == m)
                break;
        if (k == sizeof mult / sizeof mult[0])
            return -EINVAL;
        int64_t lim = INT64_MAX >> mult[k].shift;
        if (value > lim || value < -lim)
            return -ERANGE;
        value *= (int64_t)1 << mult[k].shift;
        i = n;
    }
    if (i != n)
        return -EINVAL;
    *out = neg ? -value : value;
    return 0;
}

/* Tries a number at the current position (digit, or a dash then a digit);
 * falls back to a bare word when the token is not a whole integer. */
static int scan_number_or_word__(struct lexer *lx)
{
    size_t off = lx->pos;
    int line = lx->line, col = lx->col;
    struct lexer save = *lx;
    struct sbuf b = {0};
    int rc = 0;
    if (ps_lex_is_dash(cur__(lx))) {
        rc = sb_putcp__(&b, '-');
        advance__(lx);
    }
    while (rc == 0 && !ends_word__(cur__(lx)) && cur__(lx) < 0x80 && cur__(lx) != '`' &&
           !ps_lex_is_single_quote(cur__(lx)) && !ps_lex_is_double_quote(cur__(lx)) &&
           cur__(lx) != '$') {
        rc = sb_putcp__(&b, cur__(lx));
        advance__(lx);
    }
    int64_t v;
    if (rc == 0 && ends_word__(cur__(lx)) && ps_lex_parse_int(b.p ? b.p : "", b.n, &v) == 0) {
        struct ps_token *t;
        char *text = sb_take__(&b);
        if (!text)
            return -ENOMEM;
        rc = push__(lx, PS_TOK_NUMBER, text, off, line, col, &t);
        if (rc == 0)
            t->num = v;
        return rc;
    }
    free(b.p);
    if (rc < 0)
        return rc;
    *lx = save;
    return scan_word__(lx);
}

/* $true, $false, $null (and a lone '$', which is a bare word). */
static int scan_variable__(struct lexer *lx)
{
    size_t off = lx->pos;
    int line = lx->line, col = lx->col;
    uint32_t n = peek__(lx, 1);
    if (n == '(' || n == '{')
        return fail__(lx, line, col, "SETSIM_UnsupportedSyntax",
                      "'$%c' is not supported by setsim's PowerShell subset.", (char)n);
    if (!is_var_char__(n) && n != ':')
        return scan_word__(lx);
    advance__(lx);
    size_t name_start = lx->pos;
    while (is_var_char__(cur__(lx)) || cur__(lx) == ':')
        advance__(lx);
    size_t nlen = lx->pos - name_start;
    const char *name = lx->src + name_start;
    static const char *const known[] = {"true", "false", "null"};
    for (size_t k = 0; k < 3; k++) {
        if (nlen == strlen(known[k]) && strncasecmp(name, known[k], nlen) == 0) {
            if (!ends_word__(cur__(lx)))
                break;
            return push_text__(lx, PS_TOK_VARIABLE, known[k], nlen, off, line, col, NULL);
        }
    }
    return fail__(lx, line, col, "SETSIM_UnsupportedSyntax",
                  "Variable '$%.*s' is not supported by setsim's PowerShell subset "
                  "(only $true, $false and $null).",
                  (int)(nlen > 64 ? 64 : nlen), name);
}

/* ---- whitespace and comments ---- */

/* Skips blanks, comments and backtick line continuations. */
static int skip_blank__(struct lexer *lx)
{
    for (;;) {
        uint32_t c = cur__(lx);
        if (ps_lex_is_space(c)) {
            advance__(lx);
        } else if (c == '`' && (is_newline__(peek__(lx, 1)) || peek__(lx, 1) == LEX_EOF)) {
            advance__(lx);
            advance__(lx);
        } else if (c == '#') {
            while (cur__(lx) != LEX_EOF && !is_newline__(cur__(lx)))
                advance__(lx);
        } else if (c == '<' && peek__(lx, 1) == '#') {
            int line = lx->line, col = lx->col;
            advance__(lx);
            advance__(lx);
            for (;;) {
                uint32_t d = cur__(lx);
                if (d == LEX_EOF)
                    return fail__(lx, line, col, "MissingEndOfComment",
                                  "The comment is missing the terminator '#>'.");
                if (d == '#' && peek__(lx, 1) == '>') {
                    advance__(lx);
                    advance__(lx);
                    break;
                }
                advance__(lx);
            }
        } else {
            return 0;
        }
    }
}

static int check_utf8__(struct lexer *lx)
{
    size_t pos = 0;
    int line = lx->line, col = 1;
    while (pos < lx->len) {
        uint32_t cp;
        size_t n = utf8_decode__((const unsigned char *)lx->src + pos, lx->len - pos, &cp);
        if (n == 0)
            return fail__(lx, line, col, "SETSIM_InvalidUtf8", "The script is not valid UTF-8.");
        if (cp == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        pos += n;
    }
    return 0;
}

static int lex_one__(struct lexer *lx, bool *done)
{
    int rc = skip_blank__(lx);
    if (rc < 0)
        return rc;
    size_t off = lx->pos;
    int line = lx->line, col = lx->col;
    uint32_t c = cur__(lx);
    uint32_t n = peek__(lx, 1);
    if (c == LEX_EOF) {
        *done = true;
        return push__(lx, PS_TOK_EOF, NULL, off, line, col, NULL);
    }
    if (is_newline__(c)) {
        advance__(lx);
        return push__(lx, PS_TOK_NEWLINE, NULL, off, line, col, NULL);
    }
    static const struct {
        char c;
        enum ps_tok_kind kind;
    } punct[] = {{';', PS_TOK_SEMI}, {'|', PS_TOK_PIPE}, {',', PS_TOK_COMMA},
                 {'(', PS_TOK_LPAREN}, {')', PS_TOK_RPAREN}};
    for (size_t k = 0; k < sizeof punct / sizeof punct[0]; k++) {
        if (c == (uint32_t)punct[k].c) {
            advance__(lx);
            return push__(lx, punct[k].kind, NULL, off, line, col, NULL);
        }
    }
    if (c == '@') {
        if (n != '(')
            return fail__(lx, line, col, "SETSIM_UnsupportedSyntax",
                          "'@' is only supported as '@(' by setsim's PowerShell subset.");
        advance__(lx);
        advance__(lx);
        struct ps_token *t;
        rc = push__(lx, PS_TOK_LPAREN, NULL, off, line, col, &t);
        if (rc == 0)
            t->at_paren = true;
        return rc;
    }
    if (c == '{' || c == '}' || c == '&' || c == '<' || c == '>')
        return fail__(lx, line, col, "SETSIM_UnsupportedSyntax",
                      "'%c' is not supported by setsim's PowerShell subset "
                      "(no script blocks, call operator or redirection).",
                      (char)c);
    if (ps_lex_is_single_quote(c) || ps_lex_is_double_quote(c))
        return scan_string__(lx);
    if (c == '$')
        return scan_variable__(lx);
    if (ps_lex_is_dash(c)) {
        /* CFG-018: an en dash, em dash or horizontal bar starts a parameter
         * exactly as '-' does. */
        if (ps_lex_is_dash(n) && ends_word__(peek__(lx, 2))) {
            advance__(lx);
            advance__(lx);
            return push__(lx, PS_TOK_DASHDASH, NULL, off, line, col, NULL);
        }
        if (is_ascii_letter__(n) || n == '_' || n == '?' ||
            (n >= 0x80 && n != LEX_EOF && !ps_lex_is_space(n) && !ps_lex_is_single_quote(n) &&
             !ps_lex_is_double_quote(n) && !ps_lex_is_dash(n)))
            return scan_param__(lx);
        if (is_digit__(n))
            return scan_number_or_word__(lx);
        return scan_word__(lx);
    }
    if (is_digit__(c))
        return scan_number_or_word__(lx);
    return scan_word__(lx);
}

int ps_lex(const char *text, size_t len, int first_line, int col_offset, struct ps_tokens *out,
           struct ps_lex_error *err)
{
    memset(out, 0, sizeof *out);
    struct ps_lex_error scratch;
    struct lexer lx = {
        .src = text ? text : "",
        .len = text ? len : 0,
        .line = first_line,
        .col = 1,
        .coloff = col_offset,
        .out = out,
        .err = err ? err : &scratch,
    };
    memset(lx.err, 0, sizeof *lx.err);
    int rc = check_utf8__(&lx);
    if (rc < 0)
        return rc;
    /* A UTF-8 byte order mark is not part of the script. */
    if (lx.len >= 3 && memcmp(lx.src, "\xEF\xBB\xBF", 3) == 0)
        lx.pos = 3;
    bool done = false;
    while (!done) {
        rc = lex_one__(&lx, &done);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void ps_lex_free(struct ps_tokens *toks)
{
    if (!toks)
        return;
    for (size_t i = 0; i < toks->n; i++)
        free(toks->v[i].text);
    free(toks->v);
    memset(toks, 0, sizeof *toks);
}
