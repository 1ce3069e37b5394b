/* rawhost: raw frame source/sink on a NIC (see rawhost.h).
 *
 * The source is one self-rescheduling event (send__); the sink is the NIC's
 * receive handler (rx__).  Test frames: Ethernet [+ tag] + EtherType 0x88B5
 * + 8-byte flow id + 8-byte sequence number, zero payload to frame_size. */
#include "rawhost.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nic.h"
#include "pkt.h"
#include "sim_rng.h"

#define TEST_HDR 16 /* flow id + sequence number */

struct rh_flow {
    struct rawhost *host;
    struct rawhost_flow cfg;
    uint64_t seq;            /* next sequence number */
    uint64_t sent;           /* frames offered */
    sim_time_t interval;     /* mean time between frames */
};

struct rawhost {
    struct sim_engine *eng;  /* not owned */
    struct frame_pool *pool; /* not owned */
    struct nic *nic;         /* not owned */
    struct sim_rng rng;
    struct rh_flow flow[RAWHOST_MAX_FLOWS];
    int nflows;
    struct rawhost_stats st;
    uint64_t next_seq[RAWHOST_MAX_PEERS]; /* expected next sequence per peer */
    uint32_t last_peer;      /* index of the peer the last frame came from */
};

static void rx__(void *ctx, struct nic *nic, struct frame *f);

struct rawhost *rawhost_create(struct sim_engine *eng, struct frame_pool *pool, struct nic *nic,
                               const char *name, uint64_t seed)
{
    struct rawhost *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->eng = eng;
    h->pool = pool;
    h->nic = nic;
    sim_rng_init(&h->rng, seed, name);
    nic_set_rx_handler(nic, rx__, h);
    return h;
}

void rawhost_destroy(struct rawhost *h) { free(h); }

/* Big-endian 64-bit store and load, spelled out byte by byte so the
 * compiler turns each into one byte-swapped access (a loop is not). */
static inline void put64__(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)(v >> 56);
    p[1] = (uint8_t)(v >> 48);
    p[2] = (uint8_t)(v >> 40);
    p[3] = (uint8_t)(v >> 32);
    p[4] = (uint8_t)(v >> 24);
    p[5] = (uint8_t)(v >> 16);
    p[6] = (uint8_t)(v >> 8);
    p[7] = (uint8_t)v;
}

static inline uint64_t get64__(const uint8_t *p)
{
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | p[7];
}

static struct frame *build__(struct rawhost *h, struct rh_flow *rf)
{
    struct frame *f = frame_alloc(h->pool);
    if (!f)
        return NULL;
    const struct rawhost_flow *fl = &rf->cfg;
    size_t l2 = PKT_ETH_HLEN + (fl->tagged ? PKT_VLAN_HLEN : 0);
    uint8_t *b = frame_put(f, l2 + TEST_HDR);
    memcpy(b, fl->dst, 6);
    memcpy(b + 6, nic_mac(h->nic), 6);
    size_t o = 12;
    if (fl->tagged) {
        uint16_t tci = (uint16_t)((fl->pcp & 7) << 13 | (fl->vid & 0x0FFF));
        b[o++] = 0x81;
        b[o++] = 0x00;
        b[o++] = (uint8_t)(tci >> 8);
        b[o++] = (uint8_t)tci;
    }
    b[o++] = RAWHOST_ETHERTYPE >> 8;
    b[o++] = RAWHOST_ETHERTYPE & 0xff;
    put64__(b + o, fl->flow_id);
    put64__(b + o + 8, rf->seq++);
    uint32_t hdr = (uint32_t)(l2 + TEST_HDR);
    f->payload_len = fl->frame_size > hdr ? fl->frame_size - hdr : 0;
    if (frame_wire_len(f) < FRAME_ETH_MIN)
        f->payload_len = FRAME_ETH_MIN - hdr;
    f->flow_id = fl->flow_id;
    f->t_created = sim_now(h->eng);
    return f;
}

static void send__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct rh_flow *rf = ctx;
    struct rawhost *h = rf->host;
    const struct rawhost_flow *fl = &rf->cfg;
    sim_time_t now = sim_now(eng);
    if (fl->stop && now >= fl->stop)
        return;
    if (fl->count && rf->sent >= fl->count)
        return;
    int send = 1;
    if (fl->pattern == RAWHOST_BACKLOGGED)
        send = nic_tx_backlog(h->nic, fl->tagged ? fl->pcp : 0) < 2ULL * fl->frame_size;
    if (send) {
        rf->sent++;
        struct frame *f = build__(h, rf);
        if (f) {
            uint32_t len = frame_wire_len(f);
            if (nic_send(h->nic, f) == 0) {
                h->st.tx_frames++;
                h->st.tx_bytes += len;
            } else {
                h->st.tx_refused++;
            }
        }
    }
    sim_time_t next = rf->interval;
    if (fl->pattern == RAWHOST_POISSON)
        next = (sim_time_t)sim_rng_exp(&h->rng, (double)rf->interval);
    sim_schedule_in(eng, next, send__, rf, NULL);
}

int rawhost_start(struct rawhost *h, const struct rawhost_flow *flow)
{
    if (flow->frame_size < FRAME_ETH_MIN || flow->frame_size > 9216 ||
        flow->pattern == RAWHOST_OFF)
        return -EINVAL;
    uint64_t rate = flow->pattern == RAWHOST_BACKLOGGED ? nic_rate(h->nic) : flow->rate_bps;
    if (rate == 0)
        return -EINVAL;
    if (h->nflows == RAWHOST_MAX_FLOWS)
        return -ENOSPC;
    struct rh_flow *rf = &h->flow[h->nflows++];
    rf->host = h;
    rf->cfg = *flow;
    /* Line bits per frame include FCS, preamble and gap. */
    rf->interval = sim_tx_time((uint64_t)flow->frame_size + FRAME_ETH_OVERHEAD, rate);
    sim_time_t at = flow->start > sim_now(h->eng) ? flow->start : sim_now(h->eng);
    sim_schedule_at(h->eng, at, send__, rf, NULL);
    return 0;
}

static inline int peer_is__(const struct rawhost_peer_stats *p, const uint8_t *src,
                             uint64_t flow)
{
    return p->flow_id == flow && memcmp(p->src, src, 6) == 0;
}

static struct rawhost_peer_stats *peer__(struct rawhost *h, const uint8_t *src, uint64_t flow,
                                         size_t *idx)
{
    /* Frames come in runs from one peer: try the last one first. */
    uint32_t last = h->last_peer;
    if (last < h->st.npeers && peer_is__(&h->st.peer[last], src, flow)) {
        *idx = last;
        return &h->st.peer[last];
    }
    for (uint32_t i = 0; i < h->st.npeers; i++) {
        if (peer_is__(&h->st.peer[i], src, flow)) {
            *idx = h->last_peer = i;
            return &h->st.peer[i];
        }
    }
    if (h->st.npeers == RAWHOST_MAX_PEERS)
        return NULL;
    *idx = h->last_peer = h->st.npeers;
    struct rawhost_peer_stats *p = &h->st.peer[h->st.npeers++];
    memcpy(p->src, src, 6);
    p->flow_id = flow;
    return p;
}

static void rx__(void *ctx, struct nic *nic, struct frame *f)
{
    (void)nic;
    struct rawhost *h = ctx;
    struct pkt_l2 l2;
    uint32_t len = frame_wire_len(f);
    sim_time_t now = sim_now(h->eng);
    h->st.rx_frames++;
    h->st.rx_bytes += len;
    if (pkt_l2(f, &l2) != 0 || l2.ethertype != RAWHOST_ETHERTYPE ||
        f->len < l2.l3_off + TEST_HDR) {
        h->st.rx_other++;
        frame_unref(f);
        return;
    }
    size_t idx;
    uint64_t flow = get64__(frame_cdata(f) + l2.l3_off);
    struct rawhost_peer_stats *p = peer__(h, l2.src, flow, &idx);
    if (p) {
        uint64_t seq = get64__(frame_cdata(f) + l2.l3_off + 8);
        if (p->frames == 0)
            p->first_rx = now;
        p->frames++;
        p->bytes += len;
        p->last_rx = now;
        if (seq > h->next_seq[idx])
            p->seq_gaps += seq - h->next_seq[idx];
        else if (seq < h->next_seq[idx])
            p->out_of_order++;
        if (seq >= h->next_seq[idx])
            h->next_seq[idx] = seq + 1;
        sim_time_t d = now - f->t_created;
        p->delay_sum += d;
        if (d > p->delay_max)
            p->delay_max = d;
    }
    frame_unref(f);
}

const struct rawhost_stats *rawhost_stats(const struct rawhost *h) { return &h->st; }

const struct rawhost_peer_stats *rawhost_peer_flow(const struct rawhost *h, const uint8_t src[6],
                                                   uint64_t flow_id)
{
    for (uint32_t i = 0; i < h->st.npeers; i++)
        if (memcmp(h->st.peer[i].src, src, 6) == 0 && h->st.peer[i].flow_id == flow_id)
            return &h->st.peer[i];
    return NULL;
}

const struct rawhost_peer_stats *rawhost_peer(const struct rawhost *h, const uint8_t src[6])
{
    for (uint32_t i = 0; i < h->st.npeers; i++)
        if (memcmp(h->st.peer[i].src, src, 6) == 0)
            return &h->st.peer[i];
    return NULL;
}
