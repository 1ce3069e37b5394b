/* ns3_engine: the sim_engine interface over ns-3's Simulator.
 *
 * Every scheduled event is a slot of a slab owned by the engine.  A slot is
 * itself the ns3::EventImpl that ns-3 queues, so scheduling allocates
 * nothing in the steady state: the engine keeps one permanent reference on
 * every slot (the SimpleRefCount starts at 1), ns-3 adds one while the slot
 * is queued and drops it after invoking it, so ns-3 never deletes a slot.
 * Slots live in fixed-size chunks whose addresses never move, because ns-3's
 * queue holds raw pointers to them.  The handle of an event is
 * generation << 32 | slot index (generation starts at 1, so 0 is never a
 * handle); the generation changes whenever a slot is freed.
 *
 * Cancelling is lazy, as Simulator::Cancel is: the slot is marked and stays
 * in ns-3's queue until ns-3 pops it, and only then is it freed; this way a
 * slot is never reused while ns-3 still holds it, and ns-3's scheduler does
 * no O(n) removal (PriorityQueueScheduler::Remove is a linear search).
 *
 * run_until(end) queues a boundary event at end (a slot of kind BOUNDARY)
 * and calls Simulator::Run().  The boundary runs after every event queued at
 * end before it; if user events were scheduled at end since it was queued,
 * it queues itself again with zero delay (behind them), else it calls
 * Simulator::Stop().  ns-3's own Stop(t) would not run events scheduled at
 * exactly t during the run.  Boundary events are not counted in `executed`
 * or pending().
 *
 * Invariant: while a user callback runs, and between runs, ns-3's current
 * time equals ns3_clamp(eng->now), so a delay for ns-3 is ns3_clamp(at) -
 * ns3_clamp(now) without asking ns-3 for the time.  (When the boundary
 * pops, ns-3 is at the end while now may still be the last user event's
 * time, so the boundary requeues with an explicit zero delay.)
 *
 * Slot states and transitions:
 *   FREE      -> SCHEDULED  ns3_schedule_at (user), ns3_run_until (boundary)
 *   SCHEDULED -> FREE       ns3_slot::Notify: the event runs (user) or the
 *                           run reaches its end (boundary)
 *   SCHEDULED -> SCHEDULED  ns3_slot::Notify: boundary queued again at end
 *   SCHEDULED -> CANCELLED  ns3_cancel (user), ns3_run_until after stop()
 *                           (boundary)
 *   CANCELLED -> FREE       ns3_slot::Notify: ns-3 popped the cancelled slot
 *   any       -> (gone)     ns3_destroy, after Simulator::Destroy() has
 *                           dropped ns-3's references
 */
#include "ns3_engine.h"

/* ns-3.37's mac64-address.h (pulled in by the network headers) calls
 * memcmp without including <cstring> itself. */
#include <cstring>
#include <ctime>

#include <ns3/application-container.h>
#include <ns3/arp-l3-protocol.h>
#include <ns3/bridge-helper.h>
#include <ns3/boolean.h>
#include <ns3/bulk-send-helper.h>
#include <ns3/config.h>
#include <ns3/ipv4-global-routing-helper.h>
#include <ns3/point-to-point-helper.h>
#include <ns3/tcp-socket-factory.h>
#include <ns3/traffic-control-helper.h>
#include <ns3/csma-helper.h>
#include <ns3/csma-net-device.h>
#include <ns3/data-rate.h>
#include <ns3/event-impl.h>
#include <ns3/inet-socket-address.h>
#include <ns3/internet-stack-helper.h>
#include <ns3/ipv4-address-helper.h>
#include <ns3/ipv4-interface-container.h>
#include <ns3/net-device-container.h>
#include <ns3/node-container.h>
#include <ns3/nstime.h>
#include <ns3/object-factory.h>
#include <ns3/on-off-helper.h>
#include <ns3/packet-sink-helper.h>
#include <ns3/packet-sink.h>
#include <ns3/simulator.h>
#include <ns3/string.h>
#include <ns3/uinteger.h>

#include <atomic>
#include <string>
#include <chrono>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace {

/* Slots per chunk: chunks never move once allocated (ns-3 keeps raw
 * pointers to queued slots); 4096 slots of 72 bytes is a 288 KiB chunk,
 * large enough that growth is rare and small enough for idle engines. */
constexpr uint32_t NS3_CHUNK_SLOTS = 4096;
/* Index meaning "no slot" at the end of the free list. */
constexpr uint32_t NS3_NO_SLOT = UINT32_MAX;
/* The most slots an engine may hold: indices must fit 32 bits and leave
 * NS3_NO_SLOT free. */
constexpr uint64_t NS3_MAX_SLOTS = (uint64_t)(NS3_NO_SLOT / NS3_CHUNK_SLOTS) * NS3_CHUNK_SLOTS;

enum ns3_slot_state : uint8_t { NS3_FREE, NS3_SCHEDULED, NS3_CANCELLED };
enum ns3_slot_kind : uint8_t { NS3_USER, NS3_BOUNDARY };

struct ns3_engine;

/* One event record, and the ns3::EventImpl ns-3 queues for it. */
class ns3_slot final : public ns3::EventImpl {
  public:
    ns3_engine *eng;     /* owning engine */
    sim_event_fn fn;     /* user callback (USER slots) */
    void *ctx;           /* callback context, owned by the caller */
    void *arg;           /* callback argument, owned by the caller */
    sim_time_t at;       /* time the event runs; ns-3 has it at ns3_clamp(at) */
    uint32_t gen;        /* handle generation, never 0 */
    uint32_t index;      /* own index in the slab */
    uint32_t next_free;  /* next FREE slot, or NS3_NO_SLOT */
    ns3_slot_state state;
    ns3_slot_kind kind;

  protected:
    void Notify() override;
};

/* The engine: the interface base first, so a struct sim_engine * from C
 * converts back to the ns3_engine that embeds it. */
struct ns3_engine {
    struct sim_engine base;
    std::vector<std::unique_ptr<ns3_slot[]>> chunks; /* the slab, owned */
    uint32_t nslots;        /* slots allocated (chunks * NS3_CHUNK_SLOTS) */
    uint32_t free_head;     /* first FREE slot, or NS3_NO_SLOT */
    size_t live;            /* user events SCHEDULED (pending()) */
    ns3_slot *boundary;     /* the run's boundary slot while running */
    sim_time_t run_end_ns3; /* boundary time as ns-3 sees it (clamped) */
    int run_error;          /* 0, or why the boundary could not requeue */
    bool running;           /* inside Simulator::Run() */
    bool reached_end;       /* the boundary stopped the run */
    bool late_at_end;       /* user event scheduled at run_end_ns3 since the
                               boundary was last queued */
};

static_assert(sizeof(ns3_slot) <= 72, "keep slots small: one per pending event");
static_assert(std::is_standard_layout<ns3_engine>::value,
              "struct sim_engine * must convert to ns3_engine *");

/* ns-3's Simulator is one per process: at most one ns3_engine exists. */
std::atomic<bool> ns3_engine_exists{false};

inline ns3_engine *ns3_from_base(struct sim_engine *eng)
{
    return reinterpret_cast<ns3_engine *>(eng);
}

inline const ns3_engine *ns3_from_base(const struct sim_engine *eng)
{
    return reinterpret_cast<const ns3_engine *>(eng);
}

/* A sim_time_t as ns-3 can hold it: ns-3 time is a signed 64-bit count. */
inline sim_time_t ns3_clamp(sim_time_t t)
{
    return t > NS3_ENGINE_TIME_MAX ? NS3_ENGINE_TIME_MAX : t;
}

/* The time an event scheduled for `at` runs at, as callbacks see it: not
 * before now (sim_engine.h), and not beyond what ns-3 can queue, so that
 * now never decreases.  Past NS3_ENGINE_TIME_MAX, ns-3 runs events in
 * insertion order at NS3_ENGINE_TIME_MAX; they run at that time, or at now
 * if run_until already took now beyond it. */
inline sim_time_t ns3_event_time__(sim_time_t now, sim_time_t at)
{
    if (at < now)
        at = now;
    if (__builtin_expect(at > NS3_ENGINE_TIME_MAX, 0))
        at = now > NS3_ENGINE_TIME_MAX ? now : NS3_ENGINE_TIME_MAX;
    return at;
}

inline ns3_slot *ns3_slot_at(ns3_engine *e, uint32_t idx)
{
    return &e->chunks[idx / NS3_CHUNK_SLOTS][idx % NS3_CHUNK_SLOTS];
}

/* Adds one chunk of FREE slots to the slab.  Throws std::bad_alloc. */
void ns3_grow__(ns3_engine *e)
{
    if ((uint64_t)e->nslots + NS3_CHUNK_SLOTS > NS3_MAX_SLOTS)
        throw std::bad_alloc();
    std::unique_ptr<ns3_slot[]> chunk(new ns3_slot[NS3_CHUNK_SLOTS]);
    uint32_t base = e->nslots;
    for (uint32_t i = 0; i < NS3_CHUNK_SLOTS; i++) {
        ns3_slot *s = &chunk[i];
        s->eng = e;
        s->fn = nullptr;
        s->ctx = s->arg = nullptr;
        s->at = 0;
        s->gen = 1;
        s->index = base + i;
        s->next_free = i + 1 < NS3_CHUNK_SLOTS ? base + i + 1 : e->free_head;
        s->state = NS3_FREE;
        s->kind = NS3_USER;
    }
    e->chunks.push_back(std::move(chunk));
    e->free_head = base;
    e->nslots = base + NS3_CHUNK_SLOTS;
}

/* Takes a FREE slot off the free list.  Throws std::bad_alloc. */
inline uint32_t ns3_alloc_slot__(ns3_engine *e)
{
    if (e->free_head == NS3_NO_SLOT)
        ns3_grow__(e);
    uint32_t idx = e->free_head;
    e->free_head = ns3_slot_at(e, idx)->next_free;
    return idx;
}

/* Returns a slot to the free list and retires its handle. */
inline void ns3_free_slot__(ns3_engine *e, ns3_slot *s)
{
    s->state = NS3_FREE;
    if (++s->gen == 0)
        s->gen = 1;
    s->next_free = e->free_head;
    e->free_head = s->index;
}

/* Queues a slot in ns-3 `delay` ps after ns-3's current time.  ns-3's
 * queue takes a reference, dropped after it pops the slot.
 * ScheduleWithContext with a raw EventImpl skips the EventId (and its
 * reference traffic) that Schedule() builds; the context plays no part in
 * ordering, which is by (time, uid) for every ns-3 scheduler.  Throws
 * std::bad_alloc. */
inline void ns3_queue__(ns3_slot *s, sim_time_t delay)
{
    ns3::Time d(static_cast<int64_t>(delay));
    s->Ref();
    try {
        ns3::Simulator::ScheduleWithContext(ns3::Simulator::NO_CONTEXT, d, s);
    } catch (...) {
        s->Unref();
        throw;
    }
}

/* Queues a slot at its time, from user code or between runs, where ns-3's
 * current time is ns3_clamp(now) (the invariant above). */
inline void ns3_queue_at__(ns3_engine *e, ns3_slot *s)
{
    ns3_queue__(s, ns3_clamp(s->at) - ns3_clamp(e->base.now));
}

/* The boundary of a run popped: queue it again behind user events
 * scheduled at the end meanwhile, or end the run.  No exception may unwind
 * through ns-3's frames: a failure to queue ends the run with an error. */
void ns3_boundary_fire__(ns3_engine *e, ns3_slot *s)
{
    if (e->late_at_end) {
        e->late_at_end = false;
        try {
            /* Zero delay: ns-3 is at the end (now may still be the time
             * of the last user event, before it). */
            ns3_queue__(s, 0);
            return;
        } catch (...) {
            e->run_error = -ENOMEM;
        }
    } else {
        e->reached_end = true;
    }
    e->boundary = nullptr;
    ns3_free_slot__(e, s);
    ns3::Simulator::Stop();
}

} // namespace

/* The trampoline ns-3 calls for every popped slot.  For a user event it
 * frees the slot before calling back, so the callback may cancel its own
 * (now stale) handle or reuse the slot; ns-3 drops its reference after
 * Notify returns, which the engine's permanent reference absorbs. */
void ns3_slot::Notify()
{
    ns3_engine *e = eng;
    if (__builtin_expect(state != NS3_SCHEDULED, 0)) {
        ns3_free_slot__(e, this);
        return;
    }
    if (__builtin_expect(kind == NS3_BOUNDARY, 0)) {
        ns3_boundary_fire__(e, this);
        return;
    }
    sim_event_fn f = fn;
    void *c = ctx, *a = arg;
    e->base.now = at;
    e->base.executed++;
    e->live--;
    ns3_free_slot__(e, this);
    f(&e->base, c, a);
}

extern "C" const char *const ns3_engine_schedulers[] = {
    "priority-queue", "map", "heap", "list", "calendar", nullptr};

namespace {

/* ns-3 scheduler TypeIds, by index in ns3_engine_schedulers (the first is
 * the default). */
const char *const ns3_scheduler_type_ids[] = {
    "ns3::PriorityQueueScheduler", "ns3::MapScheduler",      "ns3::HeapScheduler",
    "ns3::ListScheduler",          "ns3::CalendarScheduler",
};

static_assert(sizeof ns3_engine_schedulers / sizeof ns3_engine_schedulers[0] ==
                  sizeof ns3_scheduler_type_ids / sizeof ns3_scheduler_type_ids[0] + 1,
              "one TypeId per scheduler name");

const char *ns3_scheduler_type__(const char *name)
{
    if (!name || !*name)
        return ns3_scheduler_type_ids[0];
    for (size_t i = 0; ns3_engine_schedulers[i]; i++)
        if (std::strcmp(ns3_engine_schedulers[i], name) == 0)
            return ns3_scheduler_type_ids[i];
    return nullptr;
}

void ns3_err__(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void ns3_err__(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Called inside a catch (...) of a benchmark: names the exception in err
 * ("<what>: out of memory", "<what>: <what()>") and returns -ENOMEM or
 * -EIO. */
static int ns3_bench_exception__(const char *what, char *err, size_t errlen)
{
    try {
        throw;
    } catch (const std::bad_alloc &) {
        ns3_err__(err, errlen, "%s: out of memory", what);
        return -ENOMEM;
    } catch (const std::exception &ex) {
        ns3_err__(err, errlen, "%s: %s", what, ex.what());
        return -EIO;
    } catch (...) {
        ns3_err__(err, errlen, "%s: unknown C++ exception", what);
        return -EIO;
    }
}

/* Picosecond resolution, set once per process.  ns-3 records every Time
 * created before the resolution is set so it can rescale them; the first
 * SetResolution() (or Simulator::Run()) drops that registry, and a second
 * SetResolution() would dereference it (an assertion in ns-3's debug
 * builds, a crash in release ones).  So it is called only while the
 * resolution is not yet picoseconds; nothing else in setsim uses ns-3. */
bool ns3_set_ps_resolution__(char *err, size_t errlen)
{
    if (ns3::Time::GetResolution() != ns3::Time::PS)
        ns3::Time::SetResolution(ns3::Time::PS);
    if (ns3::Time::GetResolution() != ns3::Time::PS) {
        ns3_err__(err, errlen, "ns3 engine: cannot set ns-3's time resolution to picoseconds");
        return false;
    }
    return true;
}

} // namespace

extern "C" {

static sim_event_id ns3_schedule_at(struct sim_engine *eng, sim_time_t at, sim_event_fn fn,
                                    void *ctx, void *arg)
{
    ns3_engine *e = ns3_from_base(eng);
    if (__builtin_expect(!fn, 0))
        return 0;
    at = ns3_event_time__(eng->now, at);
    ns3_slot *s;
    try {
        s = ns3_slot_at(e, ns3_alloc_slot__(e));
        s->fn = fn;
        s->ctx = ctx;
        s->arg = arg;
        s->at = at;
        s->state = NS3_SCHEDULED;
        s->kind = NS3_USER;
    } catch (...) {
        return 0;
    }
    try {
        ns3_queue_at__(e, s);
    } catch (...) {
        ns3_free_slot__(e, s);
        return 0;
    }
    e->live++;
    if (e->running && ns3_clamp(at) == e->run_end_ns3)
        e->late_at_end = true;
    return ((uint64_t)s->gen << 32) | s->index;
}

static int ns3_cancel(struct sim_engine *eng, sim_event_id id)
{
    ns3_engine *e = ns3_from_base(eng);
    uint32_t idx = (uint32_t)id;
    uint32_t gen = (uint32_t)(id >> 32);
    if (gen == 0 || idx >= e->nslots)
        return -ENOENT;
    ns3_slot *s = ns3_slot_at(e, idx);
    if (s->gen != gen || s->state != NS3_SCHEDULED || s->kind != NS3_USER)
        return -ENOENT;
    s->state = NS3_CANCELLED; /* freed when ns-3 pops it */
    e->live--;
    return 0;
}

static int ns3_run_until(struct sim_engine *eng, sim_time_t end)
{
    ns3_engine *e = ns3_from_base(eng);
    if (e->running)
        return -EBUSY;
    if (end < eng->now)
        return 0; /* every event left is at or after now */
    ns3_slot *b;
    try {
        b = ns3_slot_at(e, ns3_alloc_slot__(e));
    } catch (...) {
        return -ENOMEM;
    }
    b->at = end;
    b->state = NS3_SCHEDULED;
    b->kind = NS3_BOUNDARY;
    b->fn = nullptr;
    e->run_end_ns3 = ns3_clamp(end);
    e->late_at_end = false;
    e->reached_end = false;
    e->run_error = 0;
    try {
        ns3_queue_at__(e, b);
    } catch (...) {
        ns3_free_slot__(e, b);
        return -ENOMEM;
    }
    e->boundary = b;
    e->running = true;
    int rc = 0;
    try {
        ns3::Simulator::Run();
    } catch (const std::bad_alloc &) {
        rc = -ENOMEM;
    } catch (...) {
        rc = -EIO;
    }
    e->running = false;
    if (e->reached_end) {
        eng->now = end;
    } else if (e->boundary) {
        /* stop() ended the run before its end: the boundary stays queued
         * in ns-3, inert, until ns-3 pops and frees it. */
        e->boundary->state = NS3_CANCELLED;
        e->boundary = nullptr;
    }
    return rc ? rc : e->run_error;
}

static void ns3_stop(struct sim_engine *eng)
{
    if (ns3_from_base(eng)->running)
        ns3::Simulator::Stop();
}

static size_t ns3_pending(const struct sim_engine *eng) { return ns3_from_base(eng)->live; }

static void ns3_destroy(struct sim_engine *eng)
{
    if (!eng)
        return;
    ns3_engine *e = ns3_from_base(eng);
    try {
        /* Drops ns-3's references to queued slots before the slab goes. */
        ns3::Simulator::Destroy();
    } catch (...) {
        /* Nothing to report to; the slab is freed regardless. */
    }
    delete e;
    ns3_engine_exists.store(false);
}

static const struct sim_engine_ops ns3_ops = {
    "ns3", ns3_schedule_at, ns3_cancel, ns3_run_until, ns3_stop, ns3_pending, ns3_destroy,
};

struct sim_engine *ns3_engine_create(const struct ns3_engine_settings *s, char *err,
                                     size_t errlen)
{
    const char *name = s ? s->scheduler : nullptr;
    const char *type_id = ns3_scheduler_type__(name);
    if (!type_id) {
        ns3_err__(err, errlen,
                  "ns3 engine: unknown scheduler '%s' (known: priority-queue, map, heap, list, "
                  "calendar)",
                  name);
        return nullptr;
    }
    bool expected = false;
    if (!ns3_engine_exists.compare_exchange_strong(expected, true)) {
        ns3_err__(err, errlen,
                  "ns3 engine: another ns-3 engine exists in this process (ns-3's Simulator is "
                  "a process-wide singleton); destroy it first");
        return nullptr;
    }
    ns3_engine *e = nullptr;
    try {
        if (!ns3_set_ps_resolution__(err, errlen))
            goto fail;
        e = new ns3_engine();
        e->base.ops = &ns3_ops;
        e->base.now = 0;
        e->base.executed = 0;
        e->base.stop_flag = nullptr; /* not read: world_run checks it */
        e->nslots = 0;
        e->free_head = NS3_NO_SLOT;
        e->live = 0;
        e->boundary = nullptr;
        e->run_end_ns3 = 0;
        e->run_error = 0;
        e->running = e->reached_end = e->late_at_end = false;
        ns3_grow__(e);
        ns3::ObjectFactory factory;
        factory.SetTypeId(type_id);
        ns3::Simulator::SetScheduler(factory);
        return &e->base;
    } catch (const std::exception &ex) {
        ns3_err__(err, errlen, "ns3 engine: %s", ex.what());
    } catch (...) {
        ns3_err__(err, errlen, "ns3 engine: unknown C++ exception while creating the engine");
    }
fail:
    if (e) {
        try {
            ns3::Simulator::Destroy();
        } catch (...) {
            /* Already failing; the first error is the one reported. */
        }
        delete e;
    }
    ns3_engine_exists.store(false);
    return nullptr;
}

} /* extern "C" */

/* ---- Benchmarks written against ns-3's own API (ns3_engine.h) ----------
 *
 * Both take ns-3's singleton the way ns3_engine_create() does (the
 * ns3_engine_exists flag), so a benchmark and an engine never share the
 * Simulator, and both end with Simulator::Destroy(). */

namespace {

/* Bytes of the headers around an OnOff UDP payload in a CSMA frame:
 * Ethernet II 14, IPv4 20, UDP 8, FCS 4. */
constexpr uint32_t NS3_FABRIC_FRAME_OVERHEAD = 14 + 20 + 8 + 4;
/* Preamble + SFD (8) and inter-frame gap (12): line bytes a frame costs
 * beyond its own, which CSMA models only as an inter-frame gap. */
constexpr uint32_t NS3_FABRIC_LINE_EXTRA = 8 + 12;
/* Largest frame_bytes: a 1500-byte CSMA MTU plus Ethernet header and FCS. */
constexpr uint32_t NS3_FABRIC_FRAME_MAX = 1518;
/* Smallest frame_bytes: the Ethernet minimum (64 with FCS). */
constexpr uint32_t NS3_FABRIC_FRAME_MIN = 64;
/* Most host pairs: the IPv4 /8 and the bridge's port count are no limit
 * below this, and it matches the native switch's 256 ports. */
constexpr uint32_t NS3_FABRIC_MAX_PAIRS = 128;
/* UDP port of the sinks. */
constexpr uint16_t NS3_FABRIC_PORT = 9;

/* Takes ns-3's Simulator for a benchmark; false if an engine holds it. */
bool ns3_bench_claim__(char *err, size_t errlen)
{
    bool expected = false;
    if (ns3_engine_exists.compare_exchange_strong(expected, true))
        return true;
    ns3_err__(err, errlen,
              "ns-3 benchmark: an ns-3 engine exists in this process (ns-3's Simulator is a "
              "process-wide singleton); destroy it first");
    return false;
}

/* Destroys what the benchmark left in the Simulator and releases it. */
void ns3_bench_release__()
{
    try {
        ns3::Simulator::Destroy();
    } catch (...) {
        /* Nothing to report to: the benchmark's result stands. */
    }
    ns3_engine_exists.store(false);
}

void ns3_use_priority_queue__()
{
    ns3::ObjectFactory factory;
    factory.SetTypeId(ns3_scheduler_type_ids[0]);
    ns3::Simulator::SetScheduler(factory);
}

/* State of the plain hold model, shared by all its events. */
struct ns3_hold_plain {
    uint64_t lcg, mul, add;
    unsigned shift;       /* 64 - delay bits */
    uint64_t to_schedule; /* events still to be created */
    uint64_t executed;
    uint64_t warm;        /* events of the warm-up */
    std::chrono::steady_clock::time_point t_warm; /* when the warm-up ended */
};

inline ns3::Time ns3_hold_plain_delay__(ns3_hold_plain *st)
{
    st->lcg = st->lcg * st->mul + st->add;
    return ns3::PicoSeconds(st->lcg >> st->shift);
}

/* One hold event, written as an ns-3 model writes its events: a plain
 * function rescheduled through Simulator::Schedule. */
void ns3_hold_plain_event__(ns3_hold_plain *st)
{
    if (++st->executed == st->warm)
        st->t_warm = std::chrono::steady_clock::now();
    if (st->to_schedule == 0)
        return;
    st->to_schedule--;
    ns3::Simulator::Schedule(ns3_hold_plain_delay__(st), &ns3_hold_plain_event__, st);
}

/* The fabric world; every object is owned by ns-3 (NodeList and the
 * applications), freed by Simulator::Destroy(). */
void ns3_fabric_build__(const struct ns3_bench_fabric_cfg *cfg,
                        std::vector<ns3::Ptr<ns3::PacketSink>> &sinks, uint32_t payload)
{
    uint32_t nhosts = 2 * cfg->pairs;
    ns3::NodeContainer hosts, bridge;
    hosts.Create(nhosts);
    bridge.Create(1);

    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(cfg->rate_bps)));
    csma.SetChannelAttribute("Delay", ns3::TimeValue(ns3::PicoSeconds(cfg->delay)));
    /* 20 byte times of preamble, SFD and gap, rounded up to whole ps. */
    ns3::Time gap = ns3::PicoSeconds(
        ((uint64_t)NS3_FABRIC_LINE_EXTRA * 8 * 1000000000000ULL + cfg->rate_bps - 1) /
        cfg->rate_bps);
    ns3::NetDeviceContainer host_devs, bridge_ports;
    for (uint32_t i = 0; i < nhosts; i++) {
        ns3::NetDeviceContainer pair = csma.Install(ns3::NodeContainer(hosts.Get(i), bridge.Get(0)));
        for (uint32_t k = 0; k < 2; k++)
            ns3::DynamicCast<ns3::CsmaNetDevice>(pair.Get(k))->SetInterframeGap(gap);
        host_devs.Add(pair.Get(0));
        bridge_ports.Add(pair.Get(1));
    }
    ns3::BridgeHelper bridge_helper;
    bridge_helper.Install(bridge.Get(0), bridge_ports);

    ns3::InternetStackHelper stack;
    stack.Install(hosts);
    /* ARP requests go out at once, not after ns-3's default random jitter
     * of up to 10 ms: the native hosts' learning frames take microseconds,
     * and both sides should be sending from the start. */
    for (uint32_t i = 0; i < nhosts; i++)
        hosts.Get(i)->GetObject<ns3::ArpL3Protocol>()->SetAttribute(
            "RequestJitter", ns3::StringValue("ns3::ConstantRandomVariable[Constant=0]"));
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.0.0.0");
    ns3::Ipv4InterfaceContainer ifs = addresses.Assign(host_devs);

    /* Application bits per line time of one frame: the line rate as the
     * OnOff application counts it (payload only), scaled by the load and
     * rounded down so the source never outruns the line. */
    uint64_t line_bits = (uint64_t)(cfg->frame_bytes + NS3_FABRIC_LINE_EXTRA) * 8 * 100;
    uint64_t app_rate = (uint64_t)((unsigned __int128)cfg->rate_bps * payload * 8 *
                                   cfg->load_pct / line_bits);
    for (uint32_t i = 0; i < cfg->pairs; i++) {
        uint32_t rx = cfg->pairs + i;
        ns3::PacketSinkHelper sink("ns3::UdpSocketFactory",
                                   ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(),
                                                          NS3_FABRIC_PORT));
        ns3::ApplicationContainer sa = sink.Install(hosts.Get(rx));
        sa.Start(ns3::Seconds(0));
        sinks.push_back(ns3::DynamicCast<ns3::PacketSink>(sa.Get(0)));

        ns3::OnOffHelper onoff("ns3::UdpSocketFactory",
                               ns3::InetSocketAddress(ifs.GetAddress(rx), NS3_FABRIC_PORT));
        onoff.SetAttribute("OnTime", ns3::StringValue("ns3::ConstantRandomVariable[Constant=1e9]"));
        onoff.SetAttribute("OffTime", ns3::StringValue("ns3::ConstantRandomVariable[Constant=0]"));
        onoff.SetAttribute("PacketSize", ns3::UintegerValue(payload));
        onoff.SetAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(app_rate)));
        ns3::ApplicationContainer ca = onoff.Install(hosts.Get(i));
        ca.Start(ns3::PicoSeconds(cfg->start));
    }
}

constexpr uint32_t NS3_TCP_MAX_PAIRS = 64;
constexpr uint16_t NS3_TCP_PORT = 5001;

void ns3_tcp_count_rx__(uint64_t *n, ns3::Ptr<const ns3::Packet>) { ++*n; }

/* The TCP world (objects owned by ns-3, freed by Simulator::Destroy()). */
void ns3_tcp_build__(const struct ns3_bench_tcp_cfg *cfg,
                     std::vector<ns3::Ptr<ns3::PacketSink>> &sinks, uint64_t *rx_frames)
{
    ns3::Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                            ns3::TypeIdValue(ns3::TypeId::LookupByName("ns3::TcpNewReno")));
    ns3::Config::SetDefault("ns3::TcpSocket::SegmentSize", ns3::UintegerValue(cfg->mss));
    ns3::Config::SetDefault("ns3::TcpSocket::SndBufSize", ns3::UintegerValue(cfg->rcv_buf));
    ns3::Config::SetDefault("ns3::TcpSocket::RcvBufSize", ns3::UintegerValue(cfg->rcv_buf));
    ns3::Config::SetDefault("ns3::TcpSocket::DelAckCount", ns3::UintegerValue(2));
    /* as the native TCP's defaults: no timestamps, no SACK */
    ns3::Config::SetDefault("ns3::TcpSocketBase::Timestamp", ns3::BooleanValue(false));
    ns3::Config::SetDefault("ns3::TcpSocketBase::Sack", ns3::BooleanValue(false));

    ns3::NodeContainer tx, rx, routers;
    tx.Create(cfg->pairs);
    rx.Create(cfg->pairs);
    routers.Create(2);
    ns3::InternetStackHelper stack;
    stack.Install(tx);
    stack.Install(rx);
    stack.Install(routers);

    std::string qsize = std::to_string(cfg->queue_pkts) + "p";
    ns3::PointToPointHelper host, trunk;
    host.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(cfg->rate_bps)));
    host.SetChannelAttribute("Delay", ns3::TimeValue(ns3::PicoSeconds(cfg->host_delay)));
    host.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", ns3::StringValue(qsize));
    trunk.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(cfg->trunk_bps)));
    trunk.SetChannelAttribute("Delay", ns3::TimeValue(ns3::PicoSeconds(cfg->trunk_delay)));
    trunk.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", ns3::StringValue(qsize));

    ns3::Ipv4AddressHelper addr;
    addr.SetBase("10.1.0.0", "255.255.255.0");
    ns3::NetDeviceContainer td = trunk.Install(routers.Get(0), routers.Get(1));
    addr.Assign(td);
    ns3::TrafficControlHelper().Uninstall(td);
    std::vector<ns3::Ipv4Address> rx_addr;
    for (uint32_t side = 0; side < 2; side++) {
        for (uint32_t i = 0; i < cfg->pairs; i++) {
            ns3::Ptr<ns3::Node> h = side ? rx.Get(i) : tx.Get(i);
            ns3::NetDeviceContainer d = host.Install(h, routers.Get(side));
            addr.NewNetwork();
            ns3::Ipv4InterfaceContainer ifs = addr.Assign(d);
            /* no queue disc in front of the device queue: the native NICs and
             * switch ports have only their transmit queues */
            ns3::TrafficControlHelper().Uninstall(d);
            if (side)
                rx_addr.push_back(ifs.GetAddress(0));
            d.Get(0)->TraceConnectWithoutContext(
                "MacRx", ns3::MakeBoundCallback(&ns3_tcp_count_rx__, rx_frames));
        }
    }
    ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    for (uint32_t i = 0; i < cfg->pairs; i++) {
        ns3::PacketSinkHelper sink("ns3::TcpSocketFactory",
                                   ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(),
                                                          NS3_TCP_PORT));
        ns3::ApplicationContainer sa = sink.Install(rx.Get(i));
        sa.Start(ns3::Seconds(0));
        sinks.push_back(ns3::DynamicCast<ns3::PacketSink>(sa.Get(0)));
        for (uint32_t k = 0; k < cfg->flows; k++) {
            ns3::BulkSendHelper bulk("ns3::TcpSocketFactory",
                                     ns3::InetSocketAddress(rx_addr[i], NS3_TCP_PORT));
            bulk.SetAttribute("MaxBytes", ns3::UintegerValue(0));
            bulk.SetAttribute("SendSize", ns3::UintegerValue(cfg->mss));
            ns3::ApplicationContainer ca = bulk.Install(tx.Get(i));
            ca.Start(ns3::PicoSeconds(cfg->start + (k ? 50000000ULL : 0)));
        }
    }
}

} // namespace

extern "C" {

int ns3_bench_tcp(const struct ns3_bench_tcp_cfg *cfg, struct ns3_bench_tcp_result *out,
                  char *err, size_t errlen)
{
    if (!cfg || !out || cfg->pairs == 0 || cfg->pairs > NS3_TCP_MAX_PAIRS || cfg->flows == 0 ||
        cfg->flows > 64 || cfg->rate_bps == 0 || cfg->trunk_bps == 0 || cfg->mss < 536 ||
        cfg->mss > 8960 || cfg->rcv_buf < cfg->mss || cfg->queue_pkts == 0 ||
        cfg->sim_time > NS3_ENGINE_TIME_MAX || cfg->warmup >= cfg->sim_time ||
        cfg->start > cfg->warmup) {
        ns3_err__(err, errlen,
                  "ns-3 TCP benchmark: bad settings (1..%u pairs, 1..64 flows, MSS 536..8960, "
                  "start <= warm-up < sim time)",
                  NS3_TCP_MAX_PAIRS);
        return -EINVAL;
    }
    if (!ns3_bench_claim__(err, errlen))
        return -EBUSY;
    int rc = 0;
    try {
        if (!ns3_set_ps_resolution__(err, errlen)) {
            ns3_bench_release__();
            return -EINVAL;
        }
        ns3_use_priority_queue__();
        std::vector<ns3::Ptr<ns3::PacketSink>> sinks;
        uint64_t frames = 0;
        ns3_tcp_build__(cfg, sinks, &frames);
        ns3::Simulator::Stop(ns3::PicoSeconds(cfg->warmup));
        ns3::Simulator::Run();
        uint64_t f0 = frames, b0 = 0, e0 = ns3::Simulator::GetEventCount();
        for (const auto &s : sinks)
            b0 += s->GetTotalRx();
        ns3::Simulator::Stop(ns3::PicoSeconds(cfg->sim_time - cfg->warmup));
        struct timespec c0, c1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        auto t0 = std::chrono::steady_clock::now();
        ns3::Simulator::Run();
        out->wall_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        out->cpu_s = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9;
        out->frames = frames - f0;
        out->bytes = 0;
        for (const auto &s : sinks)
            out->bytes += s->GetTotalRx();
        out->bytes -= b0;
        out->events = ns3::Simulator::GetEventCount() - e0;
    } catch (...) {
        rc = ns3_bench_exception__("ns-3 TCP benchmark", err, errlen);
    }
    ns3_bench_release__();
    return rc;
}

int ns3_bench_hold(const struct ns3_bench_hold_cfg *cfg, struct ns3_bench_hold_result *out,
                   char *err, size_t errlen)
{
    if (!cfg || !out || cfg->pending == 0 || cfg->pending > cfg->events ||
        cfg->delay_bits == 0 || cfg->delay_bits > 63) {
        ns3_err__(err, errlen, "ns-3 hold benchmark: bad settings");
        return -EINVAL;
    }
    if (!ns3_bench_claim__(err, errlen))
        return -EBUSY;
    int rc = 0;
    try {
        if (!ns3_set_ps_resolution__(err, errlen)) {
            ns3_bench_release__();
            return -EINVAL;
        }
        ns3_use_priority_queue__();
        ns3_hold_plain st{};
        st.lcg = cfg->lcg_seed;
        st.mul = cfg->lcg_mul;
        st.add = cfg->lcg_add;
        st.shift = 64 - cfg->delay_bits;
        st.to_schedule = cfg->events - cfg->pending;
        st.warm = cfg->events / 10;
        for (uint64_t i = 0; i < cfg->pending; i++)
            ns3::Simulator::Schedule(ns3_hold_plain_delay__(&st), &ns3_hold_plain_event__, &st);
        auto t0 = std::chrono::steady_clock::now();
        if (st.warm == 0)
            st.t_warm = t0;
        ns3::Simulator::Run();
        double dt =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - st.t_warm).count();
        out->executed = st.executed;
        out->events_per_s = dt > 0 ? (double)(st.executed - st.warm) / dt : 0;
    } catch (...) {
        rc = ns3_bench_exception__("ns-3 hold benchmark", err, errlen);
    }
    ns3_bench_release__();
    return rc;
}

int ns3_bench_fabric(const struct ns3_bench_fabric_cfg *cfg, struct ns3_bench_fabric_result *out,
                     char *err, size_t errlen)
{
    if (!cfg || !out || cfg->pairs == 0 || cfg->pairs > NS3_FABRIC_MAX_PAIRS ||
        cfg->rate_bps == 0 || cfg->frame_bytes < NS3_FABRIC_FRAME_MIN ||
        cfg->frame_bytes > NS3_FABRIC_FRAME_MAX || cfg->load_pct == 0 || cfg->load_pct > 100 ||
        cfg->sim_time > NS3_ENGINE_TIME_MAX || cfg->start > cfg->sim_time) {
        ns3_err__(err, errlen,
                  "ns-3 fabric benchmark: bad settings (1..%u pairs, frames of %u..%u bytes, "
                  "load 1..100 %%, start <= sim time)",
                  NS3_FABRIC_MAX_PAIRS, NS3_FABRIC_FRAME_MIN, NS3_FABRIC_FRAME_MAX);
        return -EINVAL;
    }
    if (!ns3_bench_claim__(err, errlen))
        return -EBUSY;
    int rc = 0;
    try {
        if (!ns3_set_ps_resolution__(err, errlen)) {
            ns3_bench_release__();
            return -EINVAL;
        }
        ns3_use_priority_queue__();
        uint32_t payload = cfg->frame_bytes - NS3_FABRIC_FRAME_OVERHEAD;
        std::vector<ns3::Ptr<ns3::PacketSink>> sinks;
        ns3_fabric_build__(cfg, sinks, payload);
        ns3::Simulator::Stop(ns3::PicoSeconds(cfg->sim_time));
        auto t0 = std::chrono::steady_clock::now();
        ns3::Simulator::Run();
        out->wall_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        out->delivered = 0;
        for (const auto &s : sinks)
            out->delivered += s->GetTotalRx() / payload;
        out->events = ns3::Simulator::GetEventCount();
        out->sim_time = (sim_time_t)ns3::Simulator::Now().GetPicoSeconds();
    } catch (...) {
        rc = ns3_bench_exception__("ns-3 fabric benchmark", err, errlen);
    }
    ns3_bench_release__();
    return rc;
}

} /* extern "C" */
