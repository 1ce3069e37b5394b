/* ps_lex: tokenizer for the PowerShell subset carried by scenario files
 * (the commands an operator types on a Hyper-V host: a command name and
 * its arguments, statement separators, pipelines into Format-List).
 *
 * The tokenizer works in PowerShell's argument mode and follows its rules:
 *   - a generic token (bare word) runs to whitespace or one of ; , | & ( )
 *     { } < > ; a quoted string inside it is part of the same token, so
 *     HKLM:"\SYSTEM\X" is the single argument HKLM:\SYSTEM\X;
 *   - '...' strings ('' is a quote), "..." strings (backtick escapes, ""
 *     is a quote); $var expansion is not supported and is reported;
 *   - -Name and -Name: parameter tokens (a dash followed by a letter, _
 *     or ?); -5 is a number; -- ends parameter parsing;
 *   - integers, 0x hex and kb/mb/gb/tb/pb multipliers (1.5 is a bare word);
 *   - $true $false $null (other variables are reported);
 *   - # comments to end of line and <# ... #> block comments;
 *   - a backtick at the end of a line continues the statement; a newline
 *     ends it (the parser also continues after a trailing , or |);
 *   - CFG-018 typography, as PowerShell's CharTraits: U+2013 U+2014 U+2015
 *     are dashes, U+2018 U+2019 U+201A U+201B single quotes, U+201C U+201D
 *     U+201E double quotes, and U+00A0, U+0085 and every Unicode space
 *     separator (Zs) are whitespace.
 *
 * Positions: line and col are 1-based.  col counts characters (Unicode
 * code points), not bytes, so an en dash or a curly quote is one column;
 * a tab is one column.  ps_lex() adds the caller's line offset and column
 * offset so positions name the scenario file, not the embedded script.
 */
#ifndef SETSIM_PS_LEX_H
#define SETSIM_PS_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ps_tok_kind {
    PS_TOK_EOF,
    PS_TOK_NEWLINE,  /* end of a line (ends a statement) */
    PS_TOK_SEMI,     /* ; */
    PS_TOK_PIPE,     /* | */
    PS_TOK_COMMA,    /* , (array construction) */
    PS_TOK_LPAREN,   /* ( or @(  (at_paren tells which) */
    PS_TOK_RPAREN,   /* ) */
    PS_TOK_DASHDASH, /* -- : the following tokens are arguments */
    PS_TOK_PARAM,    /* -Name / -Name: ; text = Name (no dash, no colon) */
    PS_TOK_WORD,     /* bare word; text = value (quotes and escapes resolved) */
    PS_TOK_STRING,   /* '...' or "..."; text = content */
    PS_TOK_NUMBER,   /* integer literal; num = value */
    PS_TOK_VARIABLE, /* $true $false $null; text = name without '$' */
};

struct ps_token {
    enum ps_tok_kind kind;
    char *text;      /* UTF-8, NUL-terminated; owned by the ps_tokens list */
    int64_t num;     /* PS_TOK_NUMBER */
    bool colon;      /* PS_TOK_PARAM written as -Name: (argument follows) */
    bool at_paren;   /* PS_TOK_LPAREN written as @( */
    size_t off, end; /* byte range in the source text */
    int line, col;   /* start, with the caller's offsets applied */
};

struct ps_tokens {
    struct ps_token *v; /* owned array */
    size_t n, cap;
};

/* A tokenizer failure: the whole script is rejected, as PowerShell rejects
 * a script that does not parse. */
struct ps_lex_error {
    const char *id;    /* PowerShell's parser error id, or SETSIM_* */
    char message[256];
    int line, col;
};

/* Tokenizes len bytes of UTF-8 text.  Lines are numbered from first_line;
 * col_offset is added to every column (the indentation of a YAML block).
 * Returns 0, -EINVAL with *err filled, or -ENOMEM.  *out is always left
 * valid (free it with ps_lex_free, even after an error). */
int ps_lex(const char *text, size_t len, int first_line, int col_offset, struct ps_tokens *out,
           struct ps_lex_error *err);
void ps_lex_free(struct ps_tokens *toks);

/* PowerShell's integer syntax, as for a number literal or a string
 * converted to a number: optional sign, decimal digits or 0x hex digits,
 * optional kb/mb/gb/tb/pb multiplier.  A hex literal of up to 8 digits is
 * an Int32 bit pattern (0xFFFFFFFF is -1), as in Windows PowerShell 5.1.
 * Returns 0, -EINVAL (not an integer) or -ERANGE (out of Int64). */
int ps_lex_parse_int(const char *s, size_t n, int64_t *out);

/* Character classes of PowerShell's CharTraits (CFG-018). */
bool ps_lex_is_dash(uint32_t cp);
bool ps_lex_is_single_quote(uint32_t cp);
bool ps_lex_is_double_quote(uint32_t cp);
bool ps_lex_is_space(uint32_t cp);

#endif
