/* capread: streaming pcapng / pcap reader for the trace checker (see
 * capread.h).  pcapng block layout per draft-ietf-opsawg-pcapng: every block
 * is type, total length, body, total length again, padded to 32 bits. */
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
#define OPT_ENDOFOPT 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2
#define LINKTYPE_ETHERNET 1
/* Default if_tsresol: microseconds. */
#define TSRESOL_DEFAULT 6
#define READ_CHUNK (1u << 20)
#define IFNAME_MAX 256

struct capread_if {
    char name[IFNAME_MAX];
    uint8_t tsresol; /* if_tsresol as in the option */
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
    uint64_t frame;          /* packets returned so far */
    int setsim;
};

static int fail__(struct capread *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail__(struct capread *r, int rc, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof r->err, "%s: ", r->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

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

/* Makes n bytes available at buf + pos.  1, 0 at a clean end (no byte
 * left), or -EMSGSIZE when the file ends inside them. */
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

static sim_time_t ts_ps__(uint64_t ts, uint8_t res)
{
    if (res & 0x80) {
        unsigned n = res & 0x7F;
        if (n >= 64)
            return 0;
        return (sim_time_t)(((unsigned __int128)ts * 1000000000000ull) >> n);
    }
    if (res <= 12) {
        static const uint64_t mul[13] = {1000000000000ull, 100000000000ull, 10000000000ull,
                                         1000000000ull, 100000000ull, 10000000ull, 1000000ull,
                                         100000ull, 10000ull, 1000ull, 100ull, 10ull, 1ull};
        return (sim_time_t)(ts * mul[res]);
    }
    uint64_t d = 1;
    for (unsigned i = 12; i < res && i < 31; i++)
        d *= 10;
    return (sim_time_t)(ts / d);
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
        if (i + 4 + len > n)
            return -EPROTO;
        fn(r, ctx, code, p + i + 4, len);
        i += 4 + (((size_t)len + 3) & ~(size_t)3);
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

static void epb_opt__(struct capread *r, void *ctx, uint16_t code, const uint8_t *v,
                      uint16_t len)
{
    enum capread_dir *dir = ctx;
    if (code == OPT_EPB_FLAGS && len >= 4)
        *dir = (enum capread_dir)(rd32__(r, v) & 3u);
}

static int add_if__(struct capread *r, const uint8_t *body, size_t n, uint64_t off)
{
    if (n < 8)
        return fail__(r, -EPROTO, "offset %llu: interface description block too short",
                      (unsigned long long)off);
    uint16_t linktype = rd16__(r, body);
    if (linktype != LINKTYPE_ETHERNET)
        return fail__(r, -EPROTONOSUPPORT,
                      "interface %zu has link type %u; the checker reads Ethernet captures "
                      "only (link type 1, EN10MB)",
                      r->nifs, linktype);
    if (r->nifs == r->cap_ifs) {
        size_t nc = r->cap_ifs ? r->cap_ifs * 2 : 8;
        struct capread_if *ni = realloc(r->ifs, nc * sizeof *ni);
        if (!ni)
            return -ENOMEM;
        r->ifs = ni;
        r->cap_ifs = nc;
    }
    struct capread_if *ifc = &r->ifs[r->nifs];
    memset(ifc, 0, sizeof *ifc);
    snprintf(ifc->name, sizeof ifc->name, "if%zu", r->nifs);
    ifc->tsresol = TSRESOL_DEFAULT;
    if (options__(r, body + 8, n - 8, idb_opt__, ifc) != 0)
        return fail__(r, -EPROTO, "offset %llu: an interface option runs past its block",
                      (unsigned long long)off);
    r->nifs++;
    return 0;
}

struct capread *capread_open(const char *path, char *err, size_t errlen)
{
    struct capread *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    r->f = fopen(path, "rb");
    if (!r->f) {
        snprintf(err, errlen, "%s: cannot open the capture: %s", path, strerror(errno));
        free(r);
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
            return NULL;
        }
        return r;
    }
    fclose(r->f);
    r->f = NULL;
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    r->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!r->pc) {
        snprintf(err, errlen, "%s: not a readable pcap or pcapng capture (%s)", path, ebuf);
        free(r);
        return NULL;
    }
    int dlt = pcap_datalink(r->pc);
    if (dlt != DLT_EN10MB) {
        const char *nm = pcap_datalink_val_to_name(dlt);
        snprintf(err, errlen,
                 "%s: link type %d (%s); the checker reads Ethernet captures only (link type "
                 "1, EN10MB)",
                 path, dlt, nm ? nm : "unknown");
        capread_close(r);
        return NULL;
    }
    r->ifs = calloc(1, sizeof *r->ifs);
    if (!r->ifs) {
        snprintf(err, errlen, "%s: out of memory", path);
        capread_close(r);
        return NULL;
    }
    const char *base = strrchr(path, '/');
    snprintf(r->ifs[0].name, sizeof r->ifs[0].name, "%s", base ? base + 1 : path);
    r->nifs = r->cap_ifs = 1;
    return r;
}

static int next_pcap__(struct capread *r, struct capread_pkt *p)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(r->pc, &h, &data);
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc != 1)
        return fail__(r, -EMSGSIZE, "after packet %llu: %s", (unsigned long long)r->frame,
                      pcap_geterr(r->pc));
    if (h->caplen > h->len)
        return fail__(r, -EPROTO, "packet %llu: captured length %u above its length %u",
                      (unsigned long long)r->frame + 1, h->caplen, h->len);
    p->ifid = 0;
    p->frame = ++r->frame;
    p->ts = (sim_time_t)h->ts.tv_sec * SIM_S + (sim_time_t)h->ts.tv_usec * 1000u;
    p->caplen = h->caplen;
    p->wire_len = h->len;
    p->dir = CAPREAD_DIR_NONE;
    p->data = data;
    return 1;
}

int capread_next(struct capread *r, struct capread_pkt *p)
{
    if (r->pc)
        return next_pcap__(r, p);
    for (;;) {
        int rc = need__(r, 8);
        if (rc == 0)
            return 0;
        if (rc < 0)
            return fail__(r, rc, "offset %llu: truncated block header",
                          (unsigned long long)r->off);
        const uint8_t *b = r->buf + r->pos;
        uint32_t type = rd32__(r, b);
        if (type == BT_SHB) {
            rc = need__(r, 12);
            if (rc <= 0)
                return fail__(r, -EMSGSIZE, "offset %llu: truncated section header",
                              (unsigned long long)r->off);
            b = r->buf + r->pos;
            uint32_t magic = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 |
                             (uint32_t)b[11] << 24;
            if (magic == SHB_MAGIC)
                r->swap = 0;
            else if (magic == SHB_MAGIC_SWAPPED)
                r->swap = 1;
            else
                return fail__(r, -EPROTO, "offset %llu: bad byte-order magic",
                              (unsigned long long)r->off);
        }
        uint32_t total = rd32__(r, b + 4);
        if (total < 12 || total % 4 || total > CAPREAD_BLOCK_MAX)
            return fail__(r, -EPROTO, "offset %llu: bad block length %u",
                          (unsigned long long)r->off, total);
        rc = need__(r, total);
        if (rc <= 0)
            return fail__(r, rc == -ENOMEM ? rc : -EMSGSIZE,
                          "offset %llu: truncated block (%u bytes announced)",
                          (unsigned long long)r->off, total);
        b = r->buf + r->pos;
        if (rd32__(r, b + total - 4) != total)
            return fail__(r, -EPROTO, "offset %llu: block lengths disagree",
                          (unsigned long long)r->off);
        const uint8_t *body = b + 8;
        size_t n = total - 12;
        uint64_t off = r->off;
        r->pos += total;
        r->off += total;
        switch (type) {
        case BT_SHB:
            r->nifs = 0; /* a new section declares its own interfaces */
            if (n >= 16)
                options__(r, body + 16, n - 16, shb_opt__, NULL);
            break;
        case BT_IDB:
            rc = add_if__(r, body, n, off);
            if (rc)
                return rc;
            break;
        case BT_EPB:
        case BT_PB: {
            if (n < 20)
                return fail__(r, -EPROTO, "offset %llu: packet block too short",
                              (unsigned long long)off);
            uint32_t ifid = type == BT_EPB ? rd32__(r, body) : rd16__(r, body);
            uint64_t ts = (uint64_t)rd32__(r, body + 4) << 32 | rd32__(r, body + 8);
            uint32_t caplen = rd32__(r, body + 12), len = rd32__(r, body + 16);
            if (ifid >= r->nifs)
                return fail__(r, -EPROTO, "offset %llu: packet on undeclared interface %u",
                              (unsigned long long)off, ifid);
            if ((size_t)caplen + 20 > n || caplen > len)
                return fail__(r, -EPROTO, "offset %llu: bad captured length %u (length %u)",
                              (unsigned long long)off, caplen, len);
            p->ifid = ifid;
            p->frame = ++r->frame;
            p->ts = ts_ps__(ts, r->ifs[ifid].tsresol);
            p->caplen = caplen;
            p->wire_len = len;
            p->data = body + 20;
            p->dir = CAPREAD_DIR_NONE;
            size_t opt = 20 + (((size_t)caplen + 3) & ~(size_t)3);
            if (type == BT_EPB && opt < n)
                options__(r, body + opt, n - opt, epb_opt__, &p->dir);
            return 1;
        }
        case BT_SPB: {
            if (n < 4 || r->nifs == 0)
                return fail__(r, -EPROTO, "offset %llu: bad simple packet block",
                              (unsigned long long)off);
            uint32_t len = rd32__(r, body);
            uint32_t caplen = (uint32_t)(n - 4) < len ? (uint32_t)(n - 4) : len;
            p->ifid = 0;
            p->frame = ++r->frame;
            p->ts = 0;
            p->caplen = caplen;
            p->wire_len = len;
            p->data = body + 4;
            p->dir = CAPREAD_DIR_NONE;
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
