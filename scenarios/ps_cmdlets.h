/* ps_cmdlets: the table of cmdlets setsim's PowerShell front end knows,
 * with their parameter surface as the Windows Server 2016 cmdlet
 * references describe it (names, aliases, types, parameter sets,
 * mandatory flags, positions), and the common parameters every cmdlet
 * accepts.  The table is constant data; the binder (ps_bind) reads it.
 *
 * Parameter sets are bits: bit i is cmdlet->sets[i].  A parameter lists
 * the sets it belongs to (PS_SETS_ALL for every set) and the sets in which
 * it is mandatory; its position, when it has one, applies in all of its
 * sets.  Parameter order in the table is the order PowerShell lists
 * possible matches in an AmbiguousParameter error.
 */
#ifndef SETSIM_PS_CMDLETS_H
#define SETSIM_PS_CMDLETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_SETS_ALL UINT32_MAX
#define PS_SET(i) ((uint32_t)1 << (i))
#define PS_NAMED (-1) /* position of a parameter that binds only by name */

enum ps_ptype {
    PS_PT_STRING,       /* System.String */
    PS_PT_STRING_ARRAY, /* System.String[] */
    PS_PT_BYTE,         /* System.Byte */
    PS_PT_SBYTE,        /* System.SByte */
    PS_PT_UINT16,       /* System.UInt16 */
    PS_PT_INT32,        /* System.Int32 */
    PS_PT_UINT32,       /* System.UInt32 */
    PS_PT_UINT64,       /* System.UInt64 */
    PS_PT_BYTE_ARRAY,   /* System.Byte[] (priorities) */
    PS_PT_BOOL,         /* System.Boolean: needs a value ($true, $false, 1, 0) */
    PS_PT_SWITCH,       /* SwitchParameter: present = $true, -X:$false */
    PS_PT_ENUM,         /* enumeration or ValidateSet: see enm */
    PS_PT_OBJECT,       /* System.Object: any literal, kept as written */
    PS_PT_OBJECT_ARRAY, /* System.Object[] */
    PS_PT_REF,          /* an object (VMSwitch, CimInstance...) a literal cannot be */
};

struct ps_enum_type {
    const char *type_name;     /* .NET type named in conversion errors */
    const char *const *values; /* canonical spellings, NULL-terminated */
    bool validate_set;         /* a [ValidateSet] string, not an enum */
};

enum ps_param_flags {
    PS_PF_COMMON = 1 << 0,        /* a common or ShouldProcess parameter */
    PS_PF_DYNAMIC_REGISTRY = 1 << 1, /* dynamic: exists when the path is in the registry */
    PS_PF_ALLOW_NULL = 1 << 2,    /* [AllowNull] on a mandatory parameter */
};

struct ps_param {
    const char *name;            /* canonical name */
    const char *const *aliases;  /* NULL-terminated, or NULL */
    enum ps_ptype type;
    const struct ps_enum_type *enm; /* PS_PT_ENUM */
    const char *ref_type;        /* PS_PT_REF: the .NET element type */
    uint32_t sets;               /* parameter sets it belongs to */
    uint32_t mandatory;          /* sets in which it is mandatory */
    int position;                /* PS_NAMED or 0, 1, 2... */
    unsigned flags;              /* enum ps_param_flags */
};

enum ps_cmdlet_flags {
    PS_CF_SHOULD_PROCESS = 1 << 0, /* has -WhatIf and -Confirm */
    PS_CF_TRANSACTIONS = 1 << 1,   /* has -UseTransaction */
    PS_CF_FORMATTER = 1 << 2,      /* Format-List / Format-Table: a pipeline's output stage */
    PS_CF_DYNAMIC_REGISTRY = 1 << 3, /* has registry-provider dynamic parameters */
    /* CFG-020 (--seed-compat): extra positional arguments merge into the
     * position-0 string[] parameter. */
    PS_CF_COMPAT_MERGE_POSITIONAL = 1 << 4,
    /* CFG-019 (--seed-compat): a missing VMName implies -ManagementOS. */
    PS_CF_COMPAT_IMPLY_MANAGEMENT_OS = 1 << 5,
};

struct ps_cmdlet {
    const char *name;            /* canonical name, e.g. "New-VMSwitch" */
    const char *const *aliases;  /* NULL-terminated, or NULL ("fl") */
    const char *module;          /* "Hyper-V", "NetQos", ... */
    const char *error_suffix;    /* after the id in a FullyQualifiedErrorId */
    const char *const *sets;     /* parameter set names, bit order */
    size_t nsets;
    int default_set;             /* index into sets */
    const struct ps_param *params;
    size_t nparams;
    unsigned flags;              /* enum ps_cmdlet_flags */
};

/* Finds a cmdlet by name or alias, case-insensitively; a module-qualified
 * name ("Hyper-V\New-VMSwitch") is accepted.  NULL when unknown. */
const struct ps_cmdlet *ps_cmdlet_find(const char *name);

/* The whole table, for documentation and tests. */
size_t ps_cmdlet_count(void);
const struct ps_cmdlet *ps_cmdlet_at(size_t i);

/* The common parameters (-Verbose, -ErrorAction, ...) every cmdlet has. */
const struct ps_param *ps_cmdlet_common_params(size_t *n);
/* -WhatIf and -Confirm (cmdlets with PS_CF_SHOULD_PROCESS). */
const struct ps_param *ps_cmdlet_should_process_params(size_t *n);
/* -UseTransaction (cmdlets with PS_CF_TRANSACTIONS). */
const struct ps_param *ps_cmdlet_transaction_param(void);

/* The cmdlet's own parameter with this canonical name (exact, case-
 * insensitive), or NULL. */
const struct ps_param *ps_cmdlet_param(const struct ps_cmdlet *c, const char *name);
/* Index of a parameter set by name, or -1. */
int ps_cmdlet_set_index(const struct ps_cmdlet *c, const char *set);

/* The .NET type name of a parameter type, as PowerShell writes it in
 * messages ("System.String[]", "System.Byte"...). */
const char *ps_ptype_name(const struct ps_param *p);

#endif
