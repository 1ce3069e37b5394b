/* capread: streaming pcapng / pcap reader (see capread.h).  pcapng block
 * layout per draft-ietf-opsawg-pcapng: every block is type, total length,
 * body, total length again, padded to 32 bits.
 *
 * Invariants: r->swap says whether the current section is in the other
 * byte order (every field is decoded through rd16__/rd32__, which apply
 * it); r->buf[r->pos..r->len) holds bytes read ahead, r->off is the file
 * offset of r->buf[r->pos]; r->ifs holds every interface declared so far,
 * those of the current section from r->sect_base on. */
#include "capread.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB 0x00000002u  /* obsolete Packet Block */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define SHB_MAGIC 0x1A2B3C4Du
#define SHB_MAGIC_SWAPPED 0x4D3C2B1Au
#define SHB_MIN 28 /* header, magic, versions, section length, trailer */
#define OPT_ENDOFOPT 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_NETANALYZER 240
#define LINKTYPE_NETANALYZER_TRANSPARENT 241
/* Default if_tsresol: microseconds. */
#define TSRESOL_DEFAULT 6
#define READ_CHUNK (1u << 20)
#define IFNAME_MAX 256
#define PS_PER_S 1000000000000ull

struct capread_if {
    char name[IFNAME_MAX];
    uint8_t tsresol;   /* if_tsresol as in the option */
    uint16_t linktype;
    uint8_t hdr, fcs;  /* bytes before / after the Ethernet frame */
    uint32_t snaplen;
};

struct capread {
    char path[1024];
    char err[1400];
    FILE *f;                 /* pcapng: the file, owned */
    pcap_t *pc;              /* pcap: libpcap's handle, owned */
    int swap;                /* pcapng section in the other byte order */
    uint8_t *buf;            /* read buffer, owned */
    size_t cap, len, pos;    /* buffer size, bytes held, next unread byte */
    uint64_t off;            /* file offset of buf[pos] */
    int eof;
    struct capread_if *ifs;  /* owned */
    size_t nifs, cap_ifs;
    size_t sect_base;        /* first interface of the current section */
    uint64_t blocks;         /* pcapng blocks read so far */
    uint64_t frame;          /* packets returned so far */
    int setsim;
};

static int fail__(struct capread *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail__(struct capread *r, int rc, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof r->err, "%s: ", r->path);
    if (n < 0 || (size_t)n >= sizeof r->err)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

/* A pcapng error at block `blk` (1-based) starting at byte off. */
#define BFAIL(r, rc, blk, off, fmt, ...)                                                     \
    fail__(r, rc, "block %llu at byte %llu: " fmt, (unsigned long long)(blk),                \
           (unsigned long long)(off), ##__VA_ARGS__)

static inline uint32_t rd32__(const struct capread *r, const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    return r->swap ? __builtin_bswap32(v) : v;
}

static inline uint16_t rd16__(const struct capread *r, const uint8_t *p)
{
    uint16_t v = (uint16_t)(p[0] | p[1] << 8);
    return r->swap ? __builtin_bswap16(v) : v;
}

/* Link types that carry Ethernet: bytes of pseudo-header (and preamble)
 * before the frame and of FCS after it.  -1 for any other link type. */
static int eth_framing__(unsigned linktype, uint8_t *hdr, uint8_t *fcs)
{
    switch (linktype) {
    case LINKTYPE_ETHERNET:
        *hdr = 0, *fcs = 0;
        return 0;
    case LINKTYPE_NETANALYZER: /* 4-byte pseudo-header, frame with FCS */
        *hdr = 4, *fcs = 4;
        return 0;
    case LINKTYPE_NETANALYZER_TRANSPARENT: /* ... and preamble + SFD */
        *hdr = 12, *fcs = 4;
        return 0;
    default:
        return -1;
    }
}

#define ETH_LINKTYPES "1 (EN10MB), 240 (NETANALYZER), 241 (NETANALYZER_TRANSPARENT)"

/* Makes n bytes available at buf + pos.  1, 0 at a clean end (no byte
 * left), -EMSGSIZE when the file ends inside them, -EIO, -ENOMEM. */
static int need__(struct capread *r, size_t n)
{
    if (r->len - r->pos >= n)
        return 1;
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (n > r->cap) {
        size_t nc = r->cap;
        while (nc < n)
            nc *= 2;
        uint8_t *nb = realloc(r->buf, nc);
        if (!nb)
            return -ENOMEM;
        r->buf = nb;
        r->cap = nc;
    }
    while (r->len < n && !r->eof) {
        size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
        if (got == 0) {
            if (ferror(r->f))
                return -EIO;
            r->eof = 1;
        }
        r->len += got;
    }
    if (r->len >= n)
        return 1;
    return r->len == 0 ? 0 : -EMSGSIZE;
}

/* Timestamp units of if_tsresol -> picoseconds. */
static sim_time_t ts_ps__(uint64_t units, uint8_t res)
{
    unsigned n = res & 0x7Fu;
    if (res & 0x80) /* 2^-n seconds */
        return (sim_time_t)(((unsigned __int128)units * PS_PER_S) >> n);
    if (n <= 12) {
        static const uint64_t mul[13] = {1000000000000ull, 100000000000ull, 10000000000ull,
                                         1000000000ull, 100000000ull, 10000000ull, 1000000ull,
                                         100000ull, 10000ull, 1000ull, 100ull, 10ull, 1ull};
        return (sim_time_t)(units * mul[n]);
    }
    uint64_t d = 1;
    for (unsigned i = 12; i < n && i < 31; i++)
        d *= 10;
    return (sim_time_t)(units / d);
}

/* Walks the options at p (n bytes); calls fn for each.  -EPROTO when an
 * option runs past the block. */
typedef void (*opt_fn)(struct capread *r, void *ctx, uint16_t code, const uint8_t *v,
                       uint16_t len);
static int options__(struct capread *r, const uint8_t *p, size_t n, opt_fn fn, void *ctx)
{
    size_t i = 0;
    while (i + 4 <= n) {
        uint16_t code = rd16__(r, p + i), len = rd16__(r, p + i + 2);
        if (code == OPT_ENDOFOPT)
            return 0;
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        if (i + 4 + padded > n)
            return -EPROTO;
        fn(r, ctx, code, p + i + 4, len);
        i += 4 + padded;
    }
    return 0;
}

static void shb_opt__(struct capread *r, void *ctx, uint16_t code, const uint8_t *v, uint16_t len)
{
    (void)ctx;
    if (code == OPT_SHB_USERAPPL && len >= 6 && memcmp(v, "setsim", 6) == 0)
        r->setsim = 1;
}

static void idb_opt__(struct capread *r, void *ctx, uint16_t code, const uint8_t *v,
                      uint16_t len)
{
    struct capread_if *ifc = ctx;
    (void)r;
    if (code == OPT_IF_NAME) {
        size_t n = len < IFNAME_MAX - 1 ? len : IFNAME_MAX - 1;
        memcpy(ifc->name, v, n);
        ifc->name[n] = 0;
    } else if (code == OPT_IF_TSRESOL && len >= 1) {
        ifc->tsresol = v[0];
    }
}

struct epb_opts {
    int has_flags;
    uint32_t flags;
};

static void epb_opt__(struct capread *r, void *ctx, uint16_t code, const uint8_t *v,
                      uint16_t len)
{
    struct epb_opts *e = ctx;
    if (code == OPT_EPB_FLAGS && len == 4) {
        e->has_flags = 1;
        e->flags = rd32__(r, v);
    }
}

static struct capread_if *new_if__(struct capread *r)
{
    if (r->nifs == r->cap_ifs) {
        size_t nc = r->cap_ifs ? r->cap_ifs * 2 : 8;
        struct capread_if *ni = realloc(r->ifs, nc * sizeof *ni);
        if (!ni)
            return NULL;
        r->ifs = ni;
        r->cap_ifs = nc;
    }
    struct capread_if *ifc = &r->ifs[r->nifs];
    memset(ifc, 0, sizeof *ifc);
    ifc->tsresol = TSRESOL_DEFAULT;
    return ifc;
}

static int add_if__(struct capread *r, const uint8_t *body, size_t n, uint64_t blk, uint64_t off)
{
    if (n < 8)
        return BFAIL(r, -EPROTO, blk, off, "interface description block too short");
    uint16_t linktype = rd16__(r, body);
    struct capread_if *ifc = new_if__(r);
    if (!ifc)
        return BFAIL(r, -ENOMEM, blk, off, "out of memory");
    ifc->linktype = linktype;
    ifc->snaplen = rd32__(r, body + 4);
    if (eth_framing__(linktype, &ifc->hdr, &ifc->fcs) != 0)
        return BFAIL(r, -EPROTONOSUPPORT, blk, off,
                     "interface %zu has link type %u, which does not carry Ethernet (the "
                     "reader takes link types " ETH_LINKTYPES ")",
                     r->nifs, linktype);
    snprintf(ifc->name, sizeof ifc->name, "if%zu", r->nifs - r->sect_base);
    if (options__(r, body + 8, n - 8, idb_opt__, ifc) != 0)
        return BFAIL(r, -EPROTO, blk, off, "malformed interface options");
    r->nifs++;
    return 0;
}

/* Hands out the Ethernet frame of a packet of interface ifc: strips the
 * link type's pseudo-header and FCS (capread.h). */
static int eth_frame__(struct capread *r, const struct capread_if *ifc, struct capread_pkt *p,
                       uint64_t blk)
{
    p->linktype = ifc->linktype;
    if (!ifc->hdr && !ifc->fcs)
        return 0;
    if (p->caplen < ifc->hdr)
        return BFAIL(r, -EPROTO, blk, p->offset,
                     "packet of %u bytes is shorter than the %u-byte header of link type %u",
                     p->caplen, ifc->hdr, ifc->linktype);
    p->data += ifc->hdr;
    p->caplen -= ifc->hdr;
    p->wire_len = p->wire_len > (uint32_t)ifc->hdr + ifc->fcs
                      ? p->wire_len - ifc->hdr - ifc->fcs : 0;
    if (p->caplen > p->wire_len)
        p->caplen = p->wire_len;
    return 0;
}

struct capread *capread_open(const char *path, char *err, size_t errlen)
{
    struct capread *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "%s: out of memory", path);
        errno = ENOMEM;
        return NULL;
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    r->f = fopen(path, "rb");
    if (!r->f) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open the capture: %s", path, strerror(e));
        free(r);
        errno = e;
        return NULL;
    }
    uint8_t magic[4];
    size_t got = fread(magic, 1, 4, r->f);
    uint32_t m = (uint32_t)magic[0] | (uint32_t)magic[1] << 8 | (uint32_t)magic[2] << 16 |
                 (uint32_t)magic[3] << 24;
    if (got == 4 && m == BT_SHB) {
        rewind(r->f);
        r->cap = READ_CHUNK;
        r->buf = malloc(r->cap);
        if (!r->buf) {
            snprintf(err, errlen, "%s: out of memory", path);
            capread_close(r);
            errno = ENOMEM;
            return NULL;
        }
        return r;
    }
    int rerr = ferror(r->f);
    fclose(r->f);
    r->f = NULL;
    if (got < 4) {
        snprintf(err, errlen, "%s: %s", path,
                 rerr ? "read error" : "the file ends before a capture header (truncated or "
                                       "empty: not a pcap or pcapng capture)");
        free(r);
        errno = rerr ? EIO : EPROTO;
        return NULL;
    }
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    r->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!r->pc) {
        snprintf(err, errlen, "%s: not a readable pcap or pcapng capture (%s)", path, ebuf);
        free(r);
        errno = EPROTO;
        return NULL;
    }
    struct capread_if *ifc = new_if__(r);
    if (!ifc) {
        snprintf(err, errlen, "%s: out of memory", path);
        capread_close(r);
        errno = ENOMEM;
        return NULL;
    }
    int dlt = pcap_datalink(r->pc);
    ifc->linktype = (uint16_t)dlt;
    if (dlt < 0 || eth_framing__((unsigned)dlt, &ifc->hdr, &ifc->fcs) != 0) {
        const char *nm = pcap_datalink_val_to_name(dlt);
        snprintf(err, errlen,
                 "%s: link type %d (%s), which does not carry Ethernet (the reader takes link "
                 "types " ETH_LINKTYPES ")",
                 path, dlt, nm ? nm : "unknown");
        capread_close(r);
        errno = EPROTONOSUPPORT;
        return NULL;
    }
    const char *base = strrchr(path, '/');
    snprintf(ifc->name, sizeof ifc->name, "%s", base ? base + 1 : path);
    r->nifs = 1;
    return r;
}

static int next_pcap__(struct capread *r, struct capread_pkt *p)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    FILE *pf = pcap_file(r->pc);
    long at = pf ? ftell(pf) : -1;
    uint64_t off = at >= 0 ? (uint64_t)at : r->off;
    int rc = pcap_next_ex(r->pc, &h, &data);
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc != 1)
        return fail__(r, -EMSGSIZE, "packet %llu at byte %llu: %s",
                      (unsigned long long)r->frame + 1, (unsigned long long)off,
                      pcap_geterr(r->pc));
    at = pf ? ftell(pf) : -1;
    r->off = at >= 0 ? (uint64_t)at : off;
    if (h->caplen > h->len)
        return fail__(r, -EPROTO, "packet %llu at byte %llu: captured length %u above its "
                      "length %u", (unsigned long long)r->frame + 1, (unsigned long long)off,
                      h->caplen, h->len);
    memset(p, 0, sizeof *p);
    p->ifid = 0;
    p->frame = ++r->frame;
    p->ts = (sim_time_t)h->ts.tv_sec * SIM_S + (sim_time_t)h->ts.tv_usec * 1000u;
    p->caplen = h->caplen;
    p->wire_len = h->len;
    p->dir = CAPREAD_DIR_NONE;
    p->data = data;
    p->offset = off;
    if (p->caplen < r->ifs[0].hdr)
        return fail__(r, -EPROTO, "packet %llu at byte %llu: %u bytes, shorter than the "
                      "%u-byte header of link type %u", (unsigned long long)p->frame,
                      (unsigned long long)off, p->caplen, r->ifs[0].hdr, r->ifs[0].linktype);
    eth_frame__(r, &r->ifs[0], p, 0); /* cannot fail: the header is there */
    return 1;
}

/* One packet block (EPB or obsolete PB) of n body bytes at body. */
static int packet_block__(struct capread *r, uint32_t type, const uint8_t *body, size_t n,
                          uint64_t blk, uint64_t off, struct capread_pkt *p)
{
    if (n < 20)
        return BFAIL(r, -EPROTO, blk, off, "packet block too short");
    uint32_t ifid = type == BT_EPB ? rd32__(r, body) : rd16__(r, body);
    uint64_t ts = (uint64_t)rd32__(r, body + 4) << 32 | rd32__(r, body + 8);
    uint32_t caplen = rd32__(r, body + 12), len = rd32__(r, body + 16);
    if (ifid >= r->nifs - r->sect_base)
        return BFAIL(r, -EPROTO, blk, off,
                     "packet on interface %u, which has no description block", ifid);
    if ((size_t)caplen > n - 20)
        return BFAIL(r, -EPROTO, blk, off, "captured length %u runs past its block", caplen);
    if (caplen > len)
        return BFAIL(r, -EPROTO, blk, off, "captured length %u above the packet's length %u",
                      caplen, len);
    const struct capread_if *ifc = &r->ifs[r->sect_base + ifid];
    memset(p, 0, sizeof *p);
    p->ifid = (uint32_t)(r->sect_base + ifid);
    p->ts = ts_ps__(ts, ifc->tsresol);
    p->caplen = caplen;
    p->wire_len = len;
    p->data = body + 20;
    p->offset = off;
    size_t opt = 20 + (((size_t)caplen + 3) & ~(size_t)3);
    if (opt < n) {
        struct epb_opts eo = {0};
        if (options__(r, body + opt, n - opt, epb_opt__, &eo) != 0)
            return BFAIL(r, -EPROTO, blk, off, "malformed packet options");
        if (type == BT_EPB) {
            p->has_flags = eo.has_flags;
            p->flags = eo.flags;
            if (eo.has_flags && (eo.flags & 3u) != 0 && (eo.flags & 3u) != 3)
                p->dir = (enum capread_dir)(eo.flags & 3u);
        }
    }
    int rc = eth_frame__(r, ifc, p, blk);
    if (rc)
        return rc;
    p->frame = ++r->frame;
    return 1;
}

int capread_next(struct capread *r, struct capread_pkt *p)
{
    if (r->pc)
        return next_pcap__(r, p);
    for (;;) {
        uint64_t off = r->off, blk = r->blocks + 1;
        int rc = need__(r, 8);
        if (rc == 0)
            return 0;
        if (rc == -EIO || rc == -ENOMEM)
            return BFAIL(r, rc, blk, off, "%s", rc == -EIO ? "read error" : "out of memory");
        if (rc < 0)
            return BFAIL(r, rc, blk, off, "truncated block: the file ends inside a block "
                         "header (%zu of 8 bytes)", r->len - r->pos);
        const uint8_t *b = r->buf + r->pos;
        uint32_t type = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                        (uint32_t)b[3] << 24;
        if (type == BT_SHB) {
            /* The byte order comes with the section: read its magic. */
            rc = need__(r, 12);
            if (rc <= 0)
                return BFAIL(r, rc == -EIO || rc == -ENOMEM ? rc : -EMSGSIZE, blk, off,
                             "truncated block: the file ends inside a section header");
            b = r->buf + r->pos;
            uint32_t magic = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 |
                             (uint32_t)b[11] << 24;
            if (magic == SHB_MAGIC)
                r->swap = 0;
            else if (magic == SHB_MAGIC_SWAPPED)
                r->swap = 1;
            else
                return BFAIL(r, -EPROTO, blk, off, "bad byte-order magic in a section header");
        } else {
            type = rd32__(r, b);
        }
        uint32_t total = rd32__(r, b + 4);
        if (total < (type == BT_SHB ? SHB_MIN : 12) || total % 4 || total > CAPREAD_BLOCK_MAX)
            return BFAIL(r, -EPROTO, blk, off, "bad block length %u", total);
        rc = need__(r, total);
        if (rc == -EIO || rc == -ENOMEM)
            return BFAIL(r, rc, blk, off, "%s", rc == -EIO ? "read error" : "out of memory");
        if (rc <= 0)
            return BFAIL(r, -EMSGSIZE, blk, off, "truncated block: the file ends inside a "
                         "block (%u bytes announced, %zu present)", total, r->len - r->pos);
        b = r->buf + r->pos;
        uint32_t trailer = rd32__(r, b + total - 4);
        if (trailer != total)
            return BFAIL(r, -EPROTO, blk, off, "the block's trailing length %u differs from "
                         "its length %u", trailer, total);
        const uint8_t *body = b + 8;
        size_t n = total - 12;
        r->pos += total;
        r->off += total;
        r->blocks++;
        switch (type) {
        case BT_SHB:
            r->sect_base = r->nifs; /* a new section declares its own interfaces */
            options__(r, body + 16, n - 16, shb_opt__, NULL);
            break;
        case BT_IDB:
            rc = add_if__(r, body, n, blk, off);
            if (rc)
                return rc;
            break;
        case BT_EPB:
        case BT_PB:
            return packet_block__(r, type, body, n, blk, off, p);
        case BT_SPB: {
            if (n < 4)
                return BFAIL(r, -EPROTO, blk, off, "simple packet block too short");
            if (r->nifs == r->sect_base)
                return BFAIL(r, -EPROTO, blk, off, "simple packet block before any interface");
            const struct capread_if *ifc = &r->ifs[r->sect_base];
            memset(p, 0, sizeof *p);
            p->ifid = (uint32_t)r->sect_base;
            p->wire_len = rd32__(r, body);
            uint32_t room = (uint32_t)(n - 4);
            uint32_t caplen = p->wire_len < room ? p->wire_len : room;
            if (ifc->snaplen && caplen > ifc->snaplen)
                caplen = ifc->snaplen;
            p->caplen = caplen;
            p->data = body + 4;
            p->offset = off;
            rc = eth_frame__(r, ifc, p, blk);
            if (rc)
                return rc;
            p->frame = ++r->frame;
            return 1;
        }
        default:
            break; /* statistics, name resolution, custom: not needed */
        }
    }
}

size_t capread_if_count(const struct capread *r) { return r->nifs; }
const char *capread_if_name(const struct capread *r, size_t ifid)
{
    return ifid < r->nifs ? r->ifs[ifid].name : NULL;
}
int capread_is_setsim(const struct capread *r) { return r->setsim; }
uint64_t capread_offset(const struct capread *r) { return r->off; }
const char *capread_path(const struct capread *r) { return r->path; }
const char *capread_errmsg(const struct capread *r) { return r->err; }

void capread_close(struct capread *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    if (r->pc)
        pcap_close(r->pc);
    free(r->buf);
    free(r->ifs);
    free(r);
}
