/* pcapng: the capture writer.  Encodes SHB, IDB and EPB blocks
 * little-endian into one output buffer and hands full chunks to write(2).
 *
 * Invariants:
 *  - w->cap >= PCAPNG_BUFFER_MIN, so any single block fits in an empty
 *    buffer (a packet is cut at PCAPNG_SNAPLEN_MAX, a name at UINT16_MAX);
 *  - w->len bytes at w->buf are complete blocks not yet written;
 *  - once w->err != 0 nothing more is written and every call returns it.
 */
#include "pcapng.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"

/* Block types and option codes of the pcapng specification. */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define SHB_MAGIC 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2

/* if_tsresol value: 10^-9 s, so EPB timestamps count nanoseconds. */
#define TSRESOL_NS 9
#define PS_PER_TS_UNIT 1000u

/* Fixed parts of an EPB: 28 bytes of header fields before the packet data,
 * the epb_flags option (4 + 4), opt_endofopt (4) and the trailing length. */
#define EPB_HEAD 28u
#define EPB_FLAGS_OPT 8u
#define OPT_END_LEN 4u
#define BLOCK_TAIL 4u
/* The largest IDB: 16 bytes of fields, if_name up to UINT16_MAX (padded),
 * if_tsresol (8), endofopt, tail. */
#define IDB_MAX (16u + 4u + 65536u + 8u + OPT_END_LEN + BLOCK_TAIL)
#define PCAPNG_BUFFER_MIN (IDB_MAX + EPB_HEAD + PCAPNG_SNAPLEN_MAX + 64u)

struct pcapng_if {
    uint32_t snaplen; /* packets of this interface are cut at this length */
};

struct pcapng_writer {
    int fd;                 /* the capture file, owned */
    int err;                /* first error (negative errno), sticky */
    uint8_t *buf;           /* output buffer, owned */
    size_t len;             /* bytes pending in buf */
    size_t cap;             /* size of buf */
    struct pcapng_if *ifs;  /* interfaces by id, owned */
    size_t n_ifs;
    size_t cap_ifs;
    uint64_t packets;       /* EPBs written */
    uint32_t snaplen;       /* snap length written in every IDB */
};

static inline uint32_t pad4__(uint32_t n) { return (n + 3u) & ~3u; }

static inline void put16__(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put32__(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Writes one option (code, length, value, zero padding) at p; returns the
 * bytes used. */
static uint32_t put_option__(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
    uint32_t padded = pad4__(len);
    put16__(p, code);
    put16__(p + 2, len);
    if (len)
        memcpy(p + 4, val, len);
    memset(p + 4 + len, 0, padded - len);
    return 4u + padded;
}

static void set_err__(char *err, size_t errlen, const char *fmt, const char *path, int e)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, path, strerror(e));
}

int pcapng_flush(struct pcapng_writer *w)
{
    if (!w)
        return -EINVAL;
    if (w->err)
        return w->err;
    size_t done = 0;
    while (done < w->len) {
        ssize_t n = write(w->fd, w->buf + done, w->len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            w->err = -errno;
            break;
        }
        if (n == 0) {
            w->err = -EIO;
            break;
        }
        done += (size_t)n;
    }
    w->len = 0;
    return w->err;
}

/* Room for `need` bytes at the end of the buffer (need <= w->cap by the
 * invariant); flushes when full.  Returns the place or NULL on error. */
static inline uint8_t *reserve__(struct pcapng_writer *w, size_t need)
{
    if (w->len + need > w->cap && pcapng_flush(w) != 0)
        return NULL;
    return w->buf + w->len;
}

static int write_shb__(struct pcapng_writer *w)
{
    static const char userappl[] = "setsim " SETSIM_VERSION;
    uint16_t ulen = (uint16_t)(sizeof userappl - 1);
    uint32_t total = 24u + 4u + pad4__(ulen) + OPT_END_LEN + BLOCK_TAIL;
    uint8_t *p = reserve__(w, total);
    if (!p)
        return w->err;
    put32__(p, BT_SHB);
    put32__(p + 4, total);
    put32__(p + 8, SHB_MAGIC);
    put16__(p + 12, 1); /* major version */
    put16__(p + 14, 0); /* minor version */
    put32__(p + 16, 0xFFFFFFFFu); /* section length: not specified (-1) */
    put32__(p + 20, 0xFFFFFFFFu);
    uint32_t o = 24;
    o += put_option__(p + o, OPT_SHB_USERAPPL, userappl, ulen);
    o += put_option__(p + o, OPT_ENDOFOPT, NULL, 0);
    put32__(p + o, total);
    w->len += total;
    return 0;
}

struct pcapng_writer *pcapng_open(const char *path, const struct pcapng_settings *settings,
                                  char *err, size_t errlen)
{
    struct pcapng_settings defaults = {0};
    if (!settings)
        settings = &defaults;
    if (err && errlen)
        err[0] = '\0';
    if (!path || !*path) {
        set_err__(err, errlen, "pcapng: cannot create '%s': %s", path ? path : "", EINVAL);
        errno = EINVAL;
        return NULL;
    }
    if (settings->snaplen > PCAPNG_SNAPLEN_MAX) {
        if (err && errlen)
            snprintf(err, errlen, "pcapng: cannot create '%s': snap length %u above %u", path,
                     (unsigned)settings->snaplen, PCAPNG_SNAPLEN_MAX);
        errno = EINVAL;
        return NULL;
    }
    struct pcapng_writer *w = calloc(1, sizeof *w);
    if (!w) {
        set_err__(err, errlen, "pcapng: cannot create '%s': %s", path, ENOMEM);
        errno = ENOMEM;
        return NULL;
    }
    w->snaplen = settings->snaplen ? settings->snaplen : PCAPNG_SNAPLEN_DEFAULT;
    w->cap = settings->buffer_size ? settings->buffer_size : PCAPNG_BUFFER_DEFAULT;
    if (w->cap < PCAPNG_BUFFER_MIN)
        w->cap = PCAPNG_BUFFER_MIN;
    w->buf = malloc(w->cap);
    if (!w->buf) {
        set_err__(err, errlen, "pcapng: cannot create '%s': %s", path, ENOMEM);
        free(w);
        errno = ENOMEM;
        return NULL;
    }
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (settings->overwrite ? O_TRUNC : O_EXCL);
    w->fd = open(path, flags, 0644);
    if (w->fd < 0) {
        int e = errno;
        set_err__(err, errlen,
                  e == EEXIST ? "pcapng: cannot create '%s': %s (overwrite not requested)"
                              : "pcapng: cannot create '%s': %s",
                  path, e);
        free(w->buf);
        free(w);
        errno = e;
        return NULL;
    }
    write_shb__(w);
    return w;
}

int pcapng_add_interface(struct pcapng_writer *w, const char *name, uint32_t snaplen)
{
    if (!w || !name || !*name || snaplen > w->snaplen)
        return -EINVAL;
    if (w->err)
        return w->err;
    size_t nlen = strlen(name);
    if (nlen > UINT16_MAX || w->n_ifs >= (size_t)INT32_MAX)
        return -EINVAL;
    if (snaplen == 0)
        snaplen = w->snaplen;
    if (w->n_ifs == w->cap_ifs) {
        size_t ncap = w->cap_ifs ? 2 * w->cap_ifs : 8;
        struct pcapng_if *n = realloc(w->ifs, ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        w->ifs = n;
        w->cap_ifs = ncap;
    }
    static const uint8_t tsresol = TSRESOL_NS;
    uint32_t total = 16u + 4u + pad4__((uint32_t)nlen) + 4u + pad4__(1) + OPT_END_LEN + BLOCK_TAIL;
    uint8_t *p = reserve__(w, total);
    if (!p)
        return w->err;
    put32__(p, BT_IDB);
    put32__(p + 4, total);
    put16__(p + 8, PCAPNG_LINKTYPE_ETHERNET);
    put16__(p + 10, 0); /* reserved */
    put32__(p + 12, w->snaplen); /* the same in every IDB, for libpcap */
    uint32_t o = 16;
    o += put_option__(p + o, OPT_IF_NAME, name, (uint16_t)nlen);
    o += put_option__(p + o, OPT_IF_TSRESOL, &tsresol, 1);
    o += put_option__(p + o, OPT_ENDOFOPT, NULL, 0);
    put32__(p + o, total);
    w->len += total;
    w->ifs[w->n_ifs].snaplen = snaplen;
    return (int)w->n_ifs++;
}

/* Encodes one EPB whose packet is hdr_len bytes at hdr, zero_len zero
 * bytes, then trl_len bytes at trl, cut at the interface's snap length. */
static int write_epb__(struct pcapng_writer *w, int ifid, sim_time_t ts, const uint8_t *hdr,
                       uint32_t hdr_len, uint32_t zero_len, const uint8_t *trl,
                       uint32_t trl_len, uint32_t wire_len, enum pcapng_dir dir)
{
    if (!w || ifid < 0 || (size_t)ifid >= w->n_ifs)
        return -EINVAL;
    if (w->err)
        return w->err;
    uint32_t snap = w->ifs[ifid].snaplen;
    uint64_t full = (uint64_t)hdr_len + zero_len + trl_len;
    uint32_t cap = full < snap ? (uint32_t)full : snap;
    uint32_t h = hdr_len < cap ? hdr_len : cap;
    uint32_t z = zero_len < cap - h ? zero_len : cap - h;
    uint32_t t = cap - h - z;
    uint32_t data = pad4__(cap);
    uint32_t opts = dir != PCAPNG_DIR_NONE ? EPB_FLAGS_OPT + OPT_END_LEN : 0;
    uint32_t total = EPB_HEAD + data + opts + BLOCK_TAIL;

    uint8_t *p = reserve__(w, total);
    if (!p)
        return w->err;
    uint64_t units = ts / PS_PER_TS_UNIT;
    put32__(p, BT_EPB);
    put32__(p + 4, total);
    put32__(p + 8, (uint32_t)ifid);
    put32__(p + 12, (uint32_t)(units >> 32));
    put32__(p + 16, (uint32_t)units);
    put32__(p + 20, cap);
    put32__(p + 24, wire_len);
    uint8_t *d = p + EPB_HEAD;
    if (h)
        memcpy(d, hdr, h);
    memset(d + h, 0, z);
    if (t)
        memcpy(d + h + z, trl, t);
    memset(d + cap, 0, data - cap);
    uint32_t o = EPB_HEAD + data;
    if (opts) {
        uint8_t flags[4];
        put32__(flags, (uint32_t)dir & 3u); /* bits 0-1: inbound 1, outbound 2 */
        o += put_option__(p + o, OPT_EPB_FLAGS, flags, 4);
        o += put_option__(p + o, OPT_ENDOFOPT, NULL, 0);
    }
    put32__(p + o, total);
    w->len += total;
    w->packets++;
    return 0;
}

int pcapng_write(struct pcapng_writer *w, int ifid, sim_time_t ts, const struct frame *f,
                 enum pcapng_dir dir)
{
    if (!f)
        return -EINVAL;
    return write_epb__(w, ifid, ts, frame_cdata(f), f->len, f->payload_len, f->trailer,
                       f->trailer_len, frame_wire_len(f), dir);
}

int pcapng_write_raw(struct pcapng_writer *w, int ifid, sim_time_t ts, const uint8_t *bytes,
                     uint32_t caplen, uint32_t wire_len, enum pcapng_dir dir)
{
    if ((!bytes && caplen) || wire_len < caplen)
        return -EINVAL;
    return write_epb__(w, ifid, ts, bytes, caplen, 0, NULL, 0, wire_len, dir);
}

uint64_t pcapng_packet_count(const struct pcapng_writer *w) { return w ? w->packets : 0; }

int pcapng_close(struct pcapng_writer *w)
{
    if (!w)
        return 0;
    int rc = pcapng_flush(w);
    if (close(w->fd) != 0 && rc == 0)
        rc = -errno;
    free(w->ifs);
    free(w->buf);
    free(w);
    return rc;
}
