/* pcapng_blocks: the pcapng block reader (see pcapng_blocks.h).
 *
 * Invariants: r->swap says whether the current section is in the other
 * byte order than this host's little-endian reading (the reader decodes
 * every field with get32__/get16__, which apply it); r->ifs holds the
 * interfaces of the current section only; r->buf holds the body of the
 * last block read (total length minus the 8-byte header).
 */
#include "pcapng_blocks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BOM 0x1A2B3C4Du
#define BOM_SWAPPED 0x4D3C2B1Au
#define OPT_ENDOFOPT 0
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2
/* Largest block accepted: a packet of libpcap's maximum snap length with
 * room for options; anything larger is taken as corruption. */
#define BLOCK_MAX (16u << 20)
#define PS_PER_S 1000000000000ull

struct pcapng_iface {
    uint16_t linktype;
    uint32_t snaplen;
    char *name;        /* owned */
    int tsresol;       /* if_tsresol byte (default 6: microseconds) */
};

struct pcapng_blocks {
    FILE *f;                   /* owned */
    char *path;                /* owned, for messages */
    int swap;                  /* current section is big-endian */
    uint8_t *buf;              /* block body, owned */
    size_t cap;
    uint64_t offset;           /* file offset of the next block */
    uint64_t packets;          /* packets returned so far */
    struct pcapng_iface *ifs;  /* current section's interfaces, owned */
    size_t n_ifs, cap_ifs;
    char ifname_tmp[24];
    char errmsg[600];
};

static int fail__(struct pcapng_blocks *r, int e, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail__(struct pcapng_blocks *r, int e, uint64_t off, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(r->errmsg, sizeof r->errmsg, "%s: at byte %llu: %s", r->path,
             (unsigned long long)off, what);
    return e;
}

static uint32_t get32__(const struct pcapng_blocks *r, const uint8_t *p)
{
    return r->swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t get16__(const struct pcapng_blocks *r, const uint8_t *p)
{
    return r->swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static void clear_ifs__(struct pcapng_blocks *r)
{
    for (size_t i = 0; i < r->n_ifs; i++)
        free(r->ifs[i].name);
    r->n_ifs = 0;
}

/* Reads exactly n bytes; 1 done, 0 clean end of file before any byte,
 * or a negative errno. */
static int read_exact__(struct pcapng_blocks *r, void *to, size_t n, uint64_t off)
{
    size_t got = fread(to, 1, n, r->f);
    if (got == n)
        return 1;
    if (ferror(r->f))
        return fail__(r, -EIO, off, "read error");
    if (got == 0)
        return 0;
    return fail__(r, -EMSGSIZE, off, "the file ends inside a block");
}

/* Makes r->buf hold at least n bytes.  0 or -ENOMEM. */
static int grow__(struct pcapng_blocks *r, size_t n)
{
    if (r->cap >= n)
        return 0;
    uint8_t *nb = realloc(r->buf, n);
    if (!nb)
        return -ENOMEM;
    r->buf = nb;
    r->cap = n;
    return 0;
}

/* Reads one block: its type and its body (total length - 8 bytes) into
 * r->buf, *body_len.  1, 0 at end of file, or a negative errno. */
static int read_block__(struct pcapng_blocks *r, uint32_t *type, uint32_t *body_len)
{
    uint8_t head[8];
    uint64_t off = r->offset;
    int rc = read_exact__(r, head, sizeof head, off);
    if (rc <= 0)
        return rc;
    uint32_t raw_type = (uint32_t)head[3] << 24 | (uint32_t)head[2] << 16 |
                        (uint32_t)head[1] << 8 | head[0];
    if (raw_type == BT_SHB) {
        /* The byte order comes with the section: peek at the magic. */
        uint8_t bom[4];
        rc = read_exact__(r, bom, 4, off);
        if (rc <= 0)
            return rc ? rc : fail__(r, -EMSGSIZE, off, "the file ends inside a block");
        uint32_t le = (uint32_t)bom[3] << 24 | (uint32_t)bom[2] << 16 | (uint32_t)bom[1] << 8 |
                      bom[0];
        if (le == BOM)
            r->swap = 0;
        else if (le == BOM_SWAPPED)
            r->swap = 1;
        else
            return fail__(r, -EPROTO, off, "bad byte-order magic in a section header");
        uint32_t total = get32__(r, head + 4);
        if (total < 28 || total % 4 || total > BLOCK_MAX)
            return fail__(r, -EPROTO, off, "bad section header length %u", (unsigned)total);
        if (grow__(r, total - 8) != 0)
            return fail__(r, -ENOMEM, off, "out of memory");
        memcpy(r->buf, bom, 4);
        rc = read_exact__(r, r->buf + 4, total - 12, off);
        if (rc <= 0)
            return rc ? rc : fail__(r, -EMSGSIZE, off, "the file ends inside a block");
        *type = BT_SHB;
        *body_len = total - 8;
    } else {
        uint32_t total = get32__(r, head + 4);
        if (total < 12 || total % 4 || total > BLOCK_MAX)
            return fail__(r, -EPROTO, off, "bad block length %u", (unsigned)total);
        if (grow__(r, total - 8) != 0)
            return fail__(r, -ENOMEM, off, "out of memory");
        rc = read_exact__(r, r->buf, total - 8, off);
        if (rc <= 0)
            return rc ? rc : fail__(r, -EMSGSIZE, off, "the file ends inside a block");
        *type = get32__(r, head);
        *body_len = total - 8;
    }
    if (get32__(r, r->buf + *body_len - 4) != *body_len + 8)
        return fail__(r, -EPROTO, off, "the block's trailing length differs from its length");
    return 1;
}

/* Walks options at p[0..len) and calls back for each: returns 0 or -EPROTO. */
static int options__(struct pcapng_blocks *r, const uint8_t *p, uint32_t len,
                     void (*fn)(struct pcapng_blocks *, void *, uint16_t, const uint8_t *,
                                uint16_t),
                     void *ctx)
{
    uint32_t o = 0;
    while (o + 4 <= len) {
        uint16_t code = get16__(r, p + o), olen = get16__(r, p + o + 2);
        if (code == OPT_ENDOFOPT)
            return 0;
        uint32_t padded = (olen + 3u) & ~3u;
        if (o + 4 + padded > len)
            return -EPROTO;
        fn(r, ctx, code, p + o + 4, olen);
        o += 4 + padded;
    }
    return 0;
}

static void idb_option__(struct pcapng_blocks *r, void *ctx, uint16_t code, const uint8_t *v,
                         uint16_t len)
{
    (void)r;
    struct pcapng_iface *i = ctx;
    if (code == OPT_IF_NAME && !i->name)
        i->name = strndup((const char *)v, len);
    else if (code == OPT_IF_TSRESOL && len >= 1)
        i->tsresol = v[0];
}

struct epb_opts {
    int has_flags;
    uint32_t flags;
};

static void epb_option__(struct pcapng_blocks *r, void *ctx, uint16_t code, const uint8_t *v,
                         uint16_t len)
{
    struct epb_opts *e = ctx;
    if (code == OPT_EPB_FLAGS && len == 4) {
        e->has_flags = 1;
        e->flags = get32__(r, v);
    }
}

static int add_idb__(struct pcapng_blocks *r, uint32_t body, uint64_t off)
{
    if (body < 12)
        return fail__(r, -EPROTO, off, "interface description block too short");
    if (r->n_ifs == r->cap_ifs) {
        size_t ncap = r->cap_ifs ? 2 * r->cap_ifs : 8;
        struct pcapng_iface *n = realloc(r->ifs, ncap * sizeof *n);
        if (!n)
            return fail__(r, -ENOMEM, off, "out of memory");
        r->ifs = n;
        r->cap_ifs = ncap;
    }
    struct pcapng_iface *i = &r->ifs[r->n_ifs];
    memset(i, 0, sizeof *i);
    i->linktype = get16__(r, r->buf);
    i->snaplen = get32__(r, r->buf + 4);
    i->tsresol = 6;
    if (options__(r, r->buf + 8, body - 12, idb_option__, i) != 0) {
        free(i->name);
        return fail__(r, -EPROTO, off, "malformed interface options");
    }
    r->n_ifs++;
    return 0;
}

/* Timestamp units of if_tsresol -> picoseconds. */
static sim_time_t ts_to_ps__(uint64_t units, int tsresol)
{
    unsigned n = (unsigned)tsresol & 0x7F;
    if (tsresol & 0x80) { /* 2^-n seconds */
        unsigned __int128 v = (unsigned __int128)units * PS_PER_S;
        return n >= 128 ? 0 : (sim_time_t)(v >> n);
    }
    if (n <= 12) {
        uint64_t mul = 1;
        for (unsigned k = n; k < 12; k++)
            mul *= 10;
        return (sim_time_t)(units * mul);
    }
    uint64_t div = 1;
    for (unsigned k = 12; k < n && k < 31; k++)
        div *= 10;
    return (sim_time_t)(units / div);
}

static const char *ifname__(struct pcapng_blocks *r, uint32_t ifid)
{
    if (r->ifs[ifid].name)
        return r->ifs[ifid].name;
    snprintf(r->ifname_tmp, sizeof r->ifname_tmp, "if%u", (unsigned)ifid);
    return r->ifname_tmp;
}

int pcapng_blocks_next(struct pcapng_blocks *r, struct pcapng_packet *p)
{
    if (!r || !p)
        return -EINVAL;
    for (;;) {
        uint32_t type = 0, body = 0;
        uint64_t off = r->offset;
        int rc = read_block__(r, &type, &body);
        if (rc <= 0)
            return rc;
        r->offset += (uint64_t)body + 8;
        if (type == BT_SHB) {
            clear_ifs__(r);
            continue;
        }
        if (type == BT_IDB) {
            rc = add_idb__(r, body, off);
            if (rc)
                return rc;
            continue;
        }
        if (type != BT_EPB && type != BT_SPB)
            continue;
        memset(p, 0, sizeof *p);
        p->offset = off;
        const uint8_t *b = r->buf;
        uint32_t room; /* bytes of the body after the fixed fields, before the trailer */
        if (type == BT_EPB) {
            if (body < 24)
                return fail__(r, -EPROTO, off, "enhanced packet block too short");
            p->ifid = get32__(r, b);
            uint64_t units = (uint64_t)get32__(r, b + 4) << 32 | get32__(r, b + 8);
            p->caplen = get32__(r, b + 12);
            p->wire_len = get32__(r, b + 16);
            room = body - 24;
            if (p->ifid >= r->n_ifs)
                return fail__(r, -EPROTO, off, "packet on interface %u, which has no "
                              "description block", (unsigned)p->ifid);
            if (p->caplen > room)
                return fail__(r, -EPROTO, off, "captured length %u runs past its block",
                              (unsigned)p->caplen);
            p->ts = ts_to_ps__(units, r->ifs[p->ifid].tsresol);
            p->data = b + 20;
            uint32_t data_pad = (p->caplen + 3u) & ~3u;
            struct epb_opts eo = {0};
            if (data_pad < room &&
                options__(r, b + 20 + data_pad, room - data_pad, epb_option__, &eo) != 0)
                return fail__(r, -EPROTO, off, "malformed packet options");
            p->has_flags = eo.has_flags;
            p->flags = eo.flags;
        } else {
            if (body < 8)
                return fail__(r, -EPROTO, off, "simple packet block too short");
            if (r->n_ifs == 0)
                return fail__(r, -EPROTO, off, "simple packet block before any interface");
            p->ifid = 0;
            p->wire_len = get32__(r, b);
            room = body - 8;
            uint32_t cap = p->wire_len < room ? p->wire_len : room;
            if (r->ifs[0].snaplen && cap > r->ifs[0].snaplen)
                cap = r->ifs[0].snaplen;
            p->caplen = cap;
            p->data = b + 4;
        }
        p->ifname = ifname__(r, p->ifid);
        p->linktype = r->ifs[p->ifid].linktype;
        p->number = ++r->packets;
        return 1;
    }
}

struct pcapng_blocks *pcapng_blocks_open(const char *path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    struct pcapng_blocks *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path ? path : ""))) {
        free(r);
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path ? path : "");
        errno = ENOMEM;
        return NULL;
    }
    r->f = fopen(path, "rb");
    if (!r->f) {
        int e = errno;
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        pcapng_blocks_close(r);
        errno = e;
        return NULL;
    }
    /* The file must start with a section header. */
    uint8_t head[4];
    size_t got = fread(head, 1, 4, r->f);
    uint32_t t = got == 4 ? (uint32_t)head[3] << 24 | (uint32_t)head[2] << 16 |
                                (uint32_t)head[1] << 8 | head[0]
                          : 0;
    if (t != BT_SHB) {
        if (err && errlen)
            snprintf(err, errlen, "%s: not a pcapng file (no section header block)", path);
        pcapng_blocks_close(r);
        errno = EPROTO;
        return NULL;
    }
    rewind(r->f);
    return r;
}

const char *pcapng_blocks_errmsg(const struct pcapng_blocks *r) { return r ? r->errmsg : ""; }

void pcapng_blocks_close(struct pcapng_blocks *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    clear_ifs__(r);
    free(r->ifs);
    free(r->buf);
    free(r->path);
    free(r);
}
