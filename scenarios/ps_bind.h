/* ps_bind: PowerShell's parameter binder for one command of the subset.
 * Input: a parsed command (name and elements: parameter tokens and
 * argument values).  Output: a bound command, the clean interface the
 * effects layer consumes: cmdlet (canonical casing) + parameter set +
 * (canonical parameter, typed value) pairs + source positions; or one
 * error carrying PowerShell's FullyQualifiedErrorId and message.
 *
 * The binder follows PowerShell (Windows PowerShell 5.1) in this order:
 *   1. resolve parameter names: case-insensitive; an exact name or alias
 *      wins, else a unique prefix of a name or alias; when a prefix matches
 *      several parameters and exactly one is the cmdlet's own (not a common
 *      parameter) it wins, otherwise AmbiguousParameter.  A non-switch
 *      parameter takes the next argument (MissingArgument if none); a
 *      switch takes none unless written -Switch:value.  A name that is not
 *      found is kept (it may be a dynamic parameter) and hides the argument
 *      after it from positional binding;
 *   2. bind named parameters in order (ParameterAlreadyBound, type
 *      conversion, null/empty checks on mandatory parameters); each
 *      narrows the valid parameter sets (none left: AmbiguousParameterSet);
 *   3. bind positional arguments in order to the unbound parameters of the
 *      valid sets, by ascending position, preferring the default set and
 *      falling back to a set whose parameter accepts the value's type;
 *   4. dynamic parameters (Set-ItemProperty -Type on a registry path);
 *   5. a name never found: NamedParameterNotFound; an argument left over:
 *      its conversion error, or PositionalParameterNotFound;
 *   6. choose the parameter set: the only valid one, else the default
 *      set, else the only one whose mandatory parameters are all bound,
 *      else AmbiguousParameterSet;
 *   7. mandatory parameters of that set: MissingMandatoryParameter.  Real
 *      PowerShell prompts for them in an interactive session; scenario
 *      scripts run non-interactively, where PowerShell fails with this id.
 * Type conversion: string <-> integer, integer -> string, a single value
 * -> an array, arrays element by element, enums case-insensitively,
 * Boolean parameters accept only $true/$false and numbers.
 *
 * Options (PS_BIND_SEED_COMPAT, the --seed-compat knob): CFG-019 (a host
 * vNIC without -ManagementOS) and CFG-020 (extra positional adapters for
 * Enable-NetAdapterRdma) bind as the seed intends, with a warning.
 */
#ifndef SETSIM_PS_BIND_H
#define SETSIM_PS_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ps_cmdlet;
struct ps_param;

enum ps_value_kind {
    PS_VAL_NULL,   /* $null */
    PS_VAL_BOOL,   /* $true / $false, or a switch */
    PS_VAL_INT,    /* any integer type */
    PS_VAL_STRING, /* strings, bare words, enum names (canonical) */
    PS_VAL_ARRAY,  /* a, b, c  or @(...) */
};

/* A value: a literal argument as written, or a bound, converted value. */
struct ps_value {
    enum ps_value_kind kind;
    bool b;                 /* PS_VAL_BOOL */
    int64_t i;              /* PS_VAL_INT */
    char *s;                /* PS_VAL_STRING: UTF-8, owned */
    struct ps_value *items; /* PS_VAL_ARRAY: owned array of n items */
    size_t n;
    int line, col;          /* where the value starts (0 when implied) */
};

/* ---- input: a parsed command ---- */

enum ps_elem_kind {
    PS_ELEM_PARAM, /* -Name (value set only for -Name:value) */
    PS_ELEM_ARG,   /* an argument value */
};

struct ps_elem {
    enum ps_elem_kind kind;
    char *name;            /* PS_ELEM_PARAM: as written, without the dash; owned */
    bool colon;            /* PS_ELEM_PARAM written -Name:value */
    bool has_value;        /* value is set (an argument, or a -Name:value) */
    struct ps_value value; /* owned */
    int line, col;         /* start of the element */
};

struct ps_ast_cmd {
    char *name;            /* command name as written; owned */
    struct ps_elem *elems; /* owned */
    size_t nelems;
    int line, col;         /* start of the command name */
};

/* ---- output ---- */

struct ps_bound_param {
    const struct ps_param *param; /* table entry (static data) */
    const char *name;             /* == param->name, canonical casing */
    struct ps_value value;        /* converted to the parameter's type; owned */
    bool positional;              /* bound by position */
    bool implied;                 /* supplied by --seed-compat, not written */
    bool common;                  /* a common or ShouldProcess parameter */
    int line, col;                /* parameter token (argument, if positional) */
};

struct ps_warning {
    const char *id;  /* SEED_W_IMPLIED_MANAGEMENTOS, SEED_W_POSITIONAL_MERGED */
    char *message;   /* owned */
    int line, col;
};

struct ps_command {
    const struct ps_cmdlet *cmdlet; /* table entry (static data) */
    const char *name;               /* canonical cmdlet name */
    const char *set;                /* chosen parameter set name */
    struct ps_bound_param *params;  /* owned; in the cmdlet table's order */
    size_t nparams;
    struct ps_command *format;      /* owned: a "| Format-List" / "| fl" stage, or NULL */
    struct ps_warning *warnings;    /* owned */
    size_t nwarnings;
    int line, col;                  /* command name */
};

/* A binding (or parsing) failure.  All strings are owned. */
struct ps_error {
    const char *id;  /* static: "NamedParameterNotFound", ... */
    char *fqid;      /* FullyQualifiedErrorId: "<id>,<command type or name>" */
    char *message;   /* PowerShell's message */
    char *cmdlet;    /* canonical cmdlet name (as written if unknown), or NULL */
    char *parameter; /* the parameter concerned, or NULL */
    int line, col;
};

enum ps_bind_flags {
    PS_BIND_SEED_COMPAT = 1 << 0, /* --seed-compat: CFG-019, CFG-020 */
};

/* Binds one command.  Returns 0 with *out set; -EINVAL with *err filled
 * (free it with ps_error_clear); -ENOMEM. */
int ps_bind(const struct ps_ast_cmd *ast, unsigned flags, struct ps_command **out,
            struct ps_error *err);
void ps_command_free(struct ps_command *cmd);

/* The bound parameter with this canonical name (case-insensitive), or NULL. */
const struct ps_bound_param *ps_command_param(const struct ps_command *cmd, const char *name);

/* CFG-006 / CFG-007: whether a New-VMSwitch creates a SET team. */
enum ps_teaming {
    PS_TEAMING_NO,       /* not teamed (or not New-VMSwitch) */
    PS_TEAMING_EXPLICIT, /* -EnableEmbeddedTeaming $true */
    PS_TEAMING_IMPLIED,  /* CFG-006: two or more adapters, the flag omitted */
    PS_TEAMING_CONFLICT, /* CFG-006 (b): two or more adapters, flag $false */
};
enum ps_teaming ps_command_teaming(const struct ps_command *cmd);

/* Same cmdlet, set and parameter values (positions ignored): the CFG-018
 * "same AST" comparison. */
bool ps_command_same(const struct ps_command *a, const struct ps_command *b);

/* One-line rendering, canonical: "New-VMSwitch [NetAdapterName] -Name
 * 'SETswitch' -NetAdapterName 'SLOT 2','SLOT 3' -EnableEmbeddedTeaming
 * $true", then " | Format-List [...] ..." for a format stage.  Returns the
 * length it needed (as snprintf). */
int ps_command_format(const struct ps_command *cmd, char *buf, size_t len);

/* Values. */
void ps_value_clear(struct ps_value *v);
int ps_value_copy(struct ps_value *dst, const struct ps_value *src);
bool ps_value_equal(const struct ps_value *a, const struct ps_value *b);
/* PowerShell-style literal: 'text' (quotes doubled), 42, $true, $null,
 * 'a','b' (arrays).  Returns the length it needed. */
int ps_value_format(const struct ps_value *v, char *buf, size_t len);

void ps_ast_clear(struct ps_ast_cmd *ast);
void ps_error_clear(struct ps_error *err);
/* Sets *err; fmt builds the message.  Returns -EINVAL (or -ENOMEM). */
int ps_error_set(struct ps_error *err, const char *id, const char *suffix, const char *cmdlet,
                 const char *parameter, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

#endif
