/* sweep_mpi: `setsim sweep` under mpirun.  See sweep.h.
 *
 * Protocol (all messages between rank 0 and one worker rank):
 *
 *   worker -> 0   TAG_READY   no data: "give me a point" (sent once, first)
 *   0 -> worker   TAG_WORK    int64 point id, or -1: stop
 *   worker -> 0   TAG_RESULT  double elapsed seconds, then the result
 *                             message of sweep.h; asks for the next point
 *
 * Points are handed out one at a time as ranks become free (dynamic
 * scheduling: a rank with slow points simply asks less often), so the
 * order in which results arrive differs from run to run; what is recorded
 * for each point does not.  Rank 0 never blocks in MPI: it probes for
 * messages and polls its own children's pipes in turn (a blocking receive
 * in Open MPI spins a core).  Each rank runs its points in child
 * processes exactly as the local sweep does, so a point that crashes
 * loses only itself.
 */
#include "sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "study_db.h"

int sweep_under_mpi(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int sweep_mpi_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v)
            return atoi(v);
    }
    return 0;
}

#ifndef SETSIM_HAVE_MPI

int sweep_have_mpi(void) { return 0; }

int sweep_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc, (void)argv;
    *rank = sweep_mpi_rank();
    *size = 1;
    if (*rank == 0)
        fprintf(stderr, "setsim sweep: started by mpirun, but this setsim was built without MPI "
                        "(install libopenmpi-dev and rebuild)\n");
    return -ENOSYS;
}

int sweep_mpi_coordinate(struct sweep_ctx *x, int jobs)
{
    (void)x, (void)jobs;
    return -ENOSYS;
}

int sweep_mpi_work(const struct study *st, const char *outdir, int rank)
{
    (void)st, (void)outdir, (void)rank;
    return CLI_FAILURE;
}

void sweep_mpi_finalize(void) {}

#else

#include <mpi.h>
#include <time.h>

enum { TAG_READY = 1, TAG_WORK, TAG_RESULT };

/* How long rank 0 waits on its children's pipes between probes (ms). */
#define SWEEP_MPI_POLL_MS 5

int sweep_have_mpi(void) { return 1; }

int sweep_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
        fprintf(stderr, "setsim sweep: MPI_Init failed\n");
        return -EIO;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

void sweep_mpi_finalize(void) { MPI_Finalize(); }

static void sleep_ms__(int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Hands rank r its next point (marked running), or stop. */
static int give__(struct sweep_ctx *x, int r, int *busy)
{
    int64_t id = -1;
    if (x->next < x->ntodo) {
        id = x->todo[x->next++];
        char worker[32];
        snprintf(worker, sizeof worker, "rank %d", r);
        if (study_db_start_point(x->db, id, worker) != 0) {
            fprintf(stderr, "setsim sweep: %s\n", study_db_errmsg(x->db));
            return -EIO;
        }
    }
    MPI_Send(&id, 1, MPI_INT64_T, r, TAG_WORK, MPI_COMM_WORLD);
    *busy = id >= 0;
    return 0;
}

int sweep_mpi_coordinate(struct sweep_ctx *x, int jobs)
{
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int *busy = calloc((size_t)size, sizeof *busy);
    int *stopped = calloc((size_t)size, sizeof *stopped);
    unsigned char *buf = malloc(sizeof(double) + SWEEP_MSG_MAX);
    struct sweep_pool pool;
    if (!busy || !stopped || !buf || sweep_pool_init(&pool, (size_t)jobs, "rank 0.") != 0) {
        free(busy), free(stopped), free(buf);
        MPI_Abort(MPI_COMM_WORLD, 1);
        return -ENOMEM;
    }
    int rc = 0;
    int workers = size - 1;
    while (workers > 0 || pool.running > 0 || (!rc && jobs > 0 && x->next < x->ntodo)) {
        /* Rank 0's own points. */
        if (!rc && (rc = sweep_pool_fill(x, &pool)) != 0)
            x->next = x->ntodo;
        size_t nbusy = pool.running;
        for (int r = 1; r < size; r++)
            nbusy += (size_t)busy[r];
        sweep_progress(x, nbusy);
        /* Messages from the workers. */
        int flag = 0;
        MPI_Status stt;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &stt);
        if (flag) {
            int n = 0;
            MPI_Get_count(&stt, MPI_BYTE, &n);
            int src = stt.MPI_SOURCE;
            MPI_Recv(buf, n, MPI_BYTE, src, stt.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (stt.MPI_TAG == TAG_RESULT) {
                struct sweep_result r;
                double el = 0;
                if (n >= (int)sizeof el)
                    memcpy(&el, buf, sizeof el);
                char worker[32];
                snprintf(worker, sizeof worker, "rank %d", src);
                if (n < (int)sizeof el ||
                    sweep_msg_decode(buf + sizeof el, (size_t)n - sizeof el, &r) != 0) {
                    fprintf(stderr, "setsim sweep: rank %d sent a malformed result\n", src);
                    rc = -EPROTO;
                } else if (!rc) {
                    rc = sweep_record(x, &r, el, worker);
                }
            }
            if (!stopped[src]) {
                if (rc)
                    x->next = x->ntodo; /* stop handing out */
                if (give__(x, src, &busy[src]) != 0) {
                    rc = -EIO;
                    x->next = x->ntodo;
                    give__(x, src, &busy[src]);
                }
                if (!busy[src]) {
                    stopped[src] = 1;
                    workers--;
                }
            }
            continue;
        }
        /* Rank 0's children, or a short nap. */
        if (pool.running == 0) {
            sleep_ms__(SWEEP_MPI_POLL_MS);
            continue;
        }
        int e = sweep_pool_wait(x, &pool, SWEEP_MPI_POLL_MS);
        if (e && !rc)
            rc = e;
        if (rc)
            x->next = x->ntodo;
    }
    sweep_pool_free(&pool);
    free(busy), free(stopped), free(buf);
    return rc;
}

int sweep_mpi_work(const struct study *st, const char *outdir, int rank)
{
    (void)rank;
    unsigned char *buf = malloc(sizeof(double) + SWEEP_MSG_MAX);
    if (!buf)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_READY, MPI_COMM_WORLD);
    for (;;) {
        int64_t id;
        MPI_Recv(&id, 1, MPI_INT64_T, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (id < 0)
            break;
        struct sweep_child c;
        struct sweep_result r;
        double t0 = cli_wall_seconds();
        int e = sweep_point_start(st, outdir, id, &c);
        if (e) {
            memset(&r, 0, sizeof r);
            r.id = id;
            r.nmetrics = study_metric_count(st);
            snprintf(r.error, sizeof r.error, "cannot start a worker process: %s", strerror(-e));
        } else {
            while (!sweep_point_read(&c))
                ;
            sweep_point_reap(&c, outdir, &r);
        }
        double el = cli_wall_seconds() - t0;
        memcpy(buf, &el, sizeof el);
        size_t n = sweep_msg_encode(&r, buf + sizeof el, SWEEP_MSG_MAX);
        MPI_Send(buf, (int)(n + sizeof el), MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    }
    free(buf);
    return CLI_OK;
}

#endif
