/* sim_time: parse and format simulated time, rates and sizes (see
 * sim_time.h).  Numbers are parsed exactly as decimal fractions (integer
 * mantissa and a power of ten) so "1.1us" is exactly 1,100,000 ps; no
 * floating point is involved. */
#include "sim_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim_err.h"

struct unit {
    const char *name;
    uint64_t scale; /* value of one unit in the base unit */
};

static const struct unit time_units[] = {
    {"ps", 1}, {"ns", 1000}, {"us", 1000000}, {"\xc2\xb5s", 1000000}, /* µs */
    {"ms", 1000000000ULL}, {"s", 1000000000000ULL}, {NULL, 0},
};

static const struct unit rate_units[] = {
    {"bps", 1}, {"Kbps", 1000}, {"kbps", 1000}, {"Mbps", 1000000},
    {"Gbps", 1000000000ULL}, {"Tbps", 1000000000000ULL},
    {"b/s", 1}, {"Kb/s", 1000}, {"kb/s", 1000}, {"Mb/s", 1000000},
    {"Gb/s", 1000000000ULL}, {"Tb/s", 1000000000000ULL}, {NULL, 0},
};

static const struct unit size_units[] = {
    {"B", 1}, {"KB", 1000}, {"kB", 1000}, {"MB", 1000000}, {"GB", 1000000000ULL},
    {"TB", 1000000000000ULL}, {"KiB", 1024}, {"MiB", 1048576},
    {"GiB", 1073741824ULL}, {NULL, 0},
};

/* Parses "<digits>[.<digits>]" into mantissa * 10^-frac_digits.  Returns
 * the first byte after the number, or NULL if there is no digit. */
static const char *parse_decimal__(const char *p, unsigned __int128 *mant, unsigned *frac_digits,
                                   int *overflow)
{
    unsigned __int128 m = 0;
    unsigned frac = 0;
    int digits = 0, in_frac = 0;
    *overflow = 0;
    for (;; p++) {
        if (*p == '.' && !in_frac) {
            in_frac = 1;
            continue;
        }
        if (*p == '_' && digits) /* 1_000_000 */
            continue;
        if (!isdigit((unsigned char)*p))
            break;
        digits++;
        if (m > ((unsigned __int128)1 << 100)) {
            *overflow = 1;
        } else {
            m = m * 10 + (unsigned)(*p - '0');
            if (in_frac)
                frac++;
        }
    }
    if (!digits)
        return NULL;
    *mant = m;
    *frac_digits = frac;
    return p;
}

static int parse_units__(const char *text, const struct unit *units, const char *what,
                         const char *expected, int bare_ok, uint64_t *out, char *err,
                         size_t errlen)
{
    if (!text) {
        sim_errf(err, errlen, "missing %s", what);
        return -EINVAL;
    }
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0') {
        sim_errf(err, errlen, "empty %s", what);
        return -EINVAL;
    }
    if (*p == '-') {
        sim_errf(err, errlen, "'%s': a %s cannot be negative", text, what);
        return -ERANGE;
    }
    if (*p == '+')
        p++;
    unsigned __int128 mant;
    unsigned frac;
    int overflow;
    const char *u = parse_decimal__(p, &mant, &frac, &overflow);
    if (!u) {
        sim_errf(err, errlen, "'%s': expected a number followed by a unit (%s)", text, expected);
        return -EINVAL;
    }
    if (overflow) {
        sim_errf(err, errlen, "'%s': number too large", text);
        return -ERANGE;
    }
    if (*u == ' ')
        u++;
    size_t ulen = strlen(u);
    while (ulen > 0 && isspace((unsigned char)u[ulen - 1]))
        ulen--;
    uint64_t scale = 0;
    if (ulen == 0) {
        if (!bare_ok) {
            sim_errf(err, errlen, "'%s': missing unit (expected %s)", text, expected);
            return -EINVAL;
        }
        scale = 1;
    } else {
        for (const struct unit *un = units; un->name; un++) {
            if (strlen(un->name) == ulen && memcmp(un->name, u, ulen) == 0) {
                scale = un->scale;
                break;
            }
        }
        if (!scale) {
            sim_errf(err, errlen, "'%s': unknown %s unit '%.*s' (expected %s)", text, what,
                     (int)ulen, u, expected);
            return -EINVAL;
        }
    }
    unsigned __int128 v = mant * scale;
    unsigned __int128 div = 1;
    for (unsigned i = 0; i < frac; i++)
        div *= 10;
    if (v % div != 0) {
        sim_errf(err, errlen, "'%s': finer than the resolution of a %s (1 %s)", text, what,
                 units[0].name);
        return -ERANGE;
    }
    v /= div;
    if (v > UINT64_MAX) {
        sim_errf(err, errlen, "'%s': %s too large", text, what);
        return -ERANGE;
    }
    *out = (uint64_t)v;
    return 0;
}

int sim_time_parse(const char *text, sim_time_t *out, char *err, size_t errlen)
{
    return parse_units__(text, time_units, "time", "ps, ns, us, ms, s", 0, out, err, errlen);
}

int sim_rate_parse(const char *text, uint64_t *bps, char *err, size_t errlen)
{
    return parse_units__(text, rate_units, "rate", "bps, Kbps, Mbps, Gbps, Tbps", 0, bps, err,
                         errlen);
}

int sim_size_parse(const char *text, uint64_t *bytes, char *err, size_t errlen)
{
    return parse_units__(text, size_units, "size", "B, KB, MB, GB, KiB, MiB, GiB", 1, bytes, err,
                         errlen);
}

/* Formats v in the largest unit where it is >= 1 and exact to 3 decimals. */
static char *format_units__(uint64_t v, const struct unit *units, const char *const *order,
                            size_t n, char *buf, size_t len)
{
    if (v == 0) {
        snprintf(buf, len, "0%s", order[0]);
        return buf;
    }
    for (size_t i = n; i-- > 0;) {
        uint64_t scale = 0;
        for (const struct unit *un = units; un->name; un++)
            if (strcmp(un->name, order[i]) == 0)
                scale = un->scale;
        if (v < scale)
            continue;
        if (scale >= 1000 && v % (scale / 1000) != 0 && i > 0)
            continue;
        uint64_t whole = v / scale, rem = v % scale;
        if (rem == 0) {
            snprintf(buf, len, "%llu%s", (unsigned long long)whole, order[i]);
        } else {
            unsigned milli = (unsigned)(rem / (scale / 1000));
            char frac[8];
            snprintf(frac, sizeof frac, "%03u", milli);
            for (int k = 2; k > 0 && frac[k] == '0'; k--)
                frac[k] = '\0';
            snprintf(buf, len, "%llu.%s%s", (unsigned long long)whole, frac, order[i]);
        }
        return buf;
    }
    snprintf(buf, len, "%llu%s", (unsigned long long)v, order[0]);
    return buf;
}

char *sim_time_format(sim_time_t t, char *buf, size_t len)
{
    static const char *const order[] = {"ps", "ns", "us", "ms", "s"};
    return format_units__(t, time_units, order, 5, buf, len);
}

char *sim_rate_format(uint64_t bps, char *buf, size_t len)
{
    static const char *const order[] = {"bps", "Kbps", "Mbps", "Gbps", "Tbps"};
    return format_units__(bps, rate_units, order, 5, buf, len);
}

char *sim_size_format(uint64_t bytes, char *buf, size_t len)
{
    static const char *const order[] = {"B", "KB", "MB", "GB", "TB"};
    return format_units__(bytes, size_units, order, 5, buf, len);
}

sim_time_t sim_tx_time(uint64_t bytes, uint64_t bps)
{
    if (bps == 0)
        return SIM_TIME_MAX;
    /* Frame-sized counts fit 64 bits: the same ceiling without a 128-bit
     * division (bytes * 8e12 + bps - 1 < 2^64). */
    if (bytes <= (UINT64_MAX / 2) / (8 * SIM_S) && bps <= UINT64_MAX / 2)
        return (bytes * 8 * SIM_S + bps - 1) / bps;
    unsigned __int128 bits_ps = (unsigned __int128)bytes * 8 * SIM_S;
    unsigned __int128 t = (bits_ps + bps - 1) / bps;
    return t > UINT64_MAX ? SIM_TIME_MAX : (sim_time_t)t;
}
