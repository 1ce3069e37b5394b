/* ps_script: the PowerShell front end's driver.  It tokenizes a script
 * (ps_lex), parses it into statements (pipelines of commands with their
 * parameter tokens and argument values), binds every command (ps_bind),
 * and returns the bound commands and the errors, each error with
 * file:line:col in the scenario file.
 *
 * Statements: separated by newlines and ';'.  A pipeline is a command
 * followed by at most one output stage, Format-List/fl or Format-Table/ft
 * (attached to the command as ps_command.format); any other pipeline is
 * reported.  Arguments: values (bare words, strings, numbers, $true,
 * $false, $null), arrays with ',' (a newline may follow a ','), and
 * @(...) / (...) around such values.
 *
 * Errors: a tokenizer or parser error makes PowerShell reject the whole
 * script before running any statement: such a script has parse_failed
 * set, and the effects layer must not apply any of it.  A binding error
 * fails only its own statement (the others run), as in PowerShell.
 */
#ifndef SETSIM_PS_SCRIPT_H
#define SETSIM_PS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "ps_bind.h"

struct ps_stmt {
    struct ps_command *cmd; /* owned: the bound command, or NULL if it failed */
    size_t error;           /* when cmd is NULL: index into ps_script.errors */
    int line, col;          /* start of the statement */
};

struct ps_script {
    char *file;              /* owned copy of the file name given */
    struct ps_stmt *stmts;   /* owned, in script order */
    size_t nstmts;
    struct ps_error *errors; /* owned, in script order */
    size_t nerrors;
    bool parse_failed;       /* PowerShell would run no statement */
};

enum ps_script_flags {
    PS_SCRIPT_SEED_COMPAT = 1 << 0, /* --seed-compat (CFG-019, CFG-020) */
};

/* Parses and binds a script.  text is UTF-8 (NUL-terminated); file names
 * it in errors; first_line is the scenario-file line of the script's first
 * line; col_offset is added to every column (the indentation of a YAML
 * block scalar, or the column before a one-line value).  Returns 0 with
 * *out set (errors, if any, are in (*out)->errors), or -ENOMEM. */
int ps_parse_script(const char *text, const char *file, int first_line, int col_offset,
                    unsigned flags, struct ps_script **out);
void ps_script_free(struct ps_script *s);

/* "file:line:col: Cmdlet: message [FullyQualifiedErrorId]".  Returns the
 * length it needed (as snprintf). */
int ps_script_format_error(const struct ps_script *s, const struct ps_error *e, char *buf, size_t len);

/* CFG-018 model choice: a markdown line wrapped in inline-code backticks
 * (`New-NetQosTrafficClass ...`) loses the backticks, which PowerShell
 * would read as escapes.  Copies the unwrapped line into out; returns its
 * length, or -ENOSPC. */
int ps_script_unwrap_markdown(const char *line, char *out, size_t outlen);

#endif
