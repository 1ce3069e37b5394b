/* sweep: the parts of `setsim sweep` shared by the local scheduler
 * (cmd_sweep.c) and the MPI one (sweep_mpi.c).
 *
 * A point runs in a child process (sweep_point_start forks it): the child
 * builds the point's scenario with its overrides and seed, runs it into
 * DIR/runs/pNNNN/, computes the study's metrics from its run.sqlite and
 * writes one result message to a pipe; its stdout and stderr go to
 * DIR/runs/pNNNN.log (removed when the point succeeds).  The parent reads
 * the message and reaps the child: a child that dies without a whole
 * message (crash, kill, out of memory) is a failed point whose error
 * names the signal or exit status.  So a crashing point never takes the
 * sweep down.
 *
 * The result message is the same bytes locally and over MPI:
 *   header  struct sweep_msg_hdr
 *   values  nmetrics doubles
 *   nulls   nmetrics bytes (1: the metric had no data)
 *   error   errlen bytes, no NUL
 */
#ifndef SETSIM_SWEEP_H
#define SETSIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>

#include "study.h"

#define SWEEP_ERR_MAX 1024
#define SWEEP_MSG_MAX                                                                          \
    (sizeof(struct sweep_msg_hdr) + STUDY_MAX_METRICS * (sizeof(double) + 1) + SWEEP_ERR_MAX)

struct sweep_msg_hdr {
    int64_t id;        /* point id */
    int32_t ok;        /* 1 done, 0 failed */
    int32_t nmetrics;
    int32_t errlen;
    int32_t interrupted; /* 1: a signal stopped the point (ok is 0): not a
                          * result, the point runs again on resume */
};

/* A decoded result. */
struct sweep_result {
    int64_t id;
    int ok;
    int interrupted;   /* see sweep_msg_hdr */
    size_t nmetrics;
    double values[STUDY_MAX_METRICS];
    unsigned char is_null[STUDY_MAX_METRICS];
    char error[SWEEP_ERR_MAX];
};

/* A point running in a child process. */
struct sweep_child {
    pid_t pid;              /* 0: slot free */
    int fd;                 /* read end of the result pipe */
    int64_t id;
    double t0;              /* wall clock at start */
    unsigned char buf[SWEEP_MSG_MAX];
    size_t len;
};

/* Forks the child that runs point id of the study into outdir.  0 or a
 * negative errno (fork or pipe failed). */
int sweep_point_start(const struct study *st, const char *outdir, int64_t id,
                      struct sweep_child *c);
/* Reads what the child wrote so far (call when c->fd is readable).
 * Returns 1 when the pipe reached EOF (then call sweep_point_reap), 0
 * otherwise. */
int sweep_point_read(struct sweep_child *c);
/* Waits for the child and decodes its result into r (a failed result when
 * the child died).  Frees the slot. */
void sweep_point_reap(struct sweep_child *c, const char *outdir, struct sweep_result *r);

/* Message encoding (encode returns the length). */
size_t sweep_msg_encode(const struct sweep_result *r, unsigned char *buf, size_t cap);
int sweep_msg_decode(const unsigned char *buf, size_t len, struct sweep_result *r);

/* The sweep's coordinator state, shared with the MPI driver. */
struct sweep_ctx {
    const struct study *st;
    const char *outdir;
    struct study_db *db;
    int64_t *todo;          /* point ids to run, in order */
    size_t ntodo, next;     /* next: index of the next to hand out */
    size_t done, failed, skipped, total;
    size_t interrupted;     /* points a signal stopped: left 'running' */
    double t0;
    int tty, quiet;
    size_t shown_errors;
    double last_draw;       /* wall clock of the last progress redraw */
    size_t last_finished;   /* points finished at that redraw */
};

/* Records a result in the database and the counters, redraws progress;
 * an interrupted point is only counted (it stays 'running' in the
 * database, so a resumed sweep runs it again).
 * 0 or a negative errno (database write failed: the sweep stops). */
int sweep_record(struct sweep_ctx *x, const struct sweep_result *r, double elapsed,
                 const char *worker);
void sweep_progress(struct sweep_ctx *x, size_t running);

/* A pool of local children running points (the local sweep's workers,
 * and rank 0's own under MPI). */
struct sweep_pool {
    struct sweep_child *kids;  /* jobs slots, owned */
    struct pollfd *pf;         /* owned */
    size_t jobs, running;
    const char *name;          /* worker name prefix: "local " -> "local 3" */
};
int sweep_pool_init(struct sweep_pool *p, size_t jobs, const char *name);
void sweep_pool_free(struct sweep_pool *p);
/* Starts points from x's list while slots are free.  0 or a negative
 * errno (the database could not be written). */
int sweep_pool_fill(struct sweep_ctx *x, struct sweep_pool *p);
/* Waits up to timeout_ms for children, records those that finished.  0 or
 * a negative errno. */
int sweep_pool_wait(struct sweep_ctx *x, struct sweep_pool *p, int timeout_ms);

/* MPI.  sweep_under_mpi: whether this process was started by mpirun
 * (Open MPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE / PMIX_RANK of other
 * launchers); sweep_mpi_rank: the rank from the same variables, before
 * MPI is initialised (0 when not under mpirun).  The rest is sweep_mpi.c;
 * in a build without MPI, sweep_have_mpi() is 0 and sweep_mpi_init fails
 * with a message.
 *
 * Every rank calls sweep_mpi_init.  Rank 0 then prepares the database and
 * calls sweep_mpi_coordinate (also with nothing to do, so the workers are
 * told to stop); it hands out points one at a time to the ranks that ask
 * and runs `jobs` points of its own in local children, and it alone
 * writes the database.  The other ranks call sweep_mpi_work: they run the
 * points they are given and send the results back.  Then every rank calls
 * sweep_mpi_finalize. */
int sweep_under_mpi(void);
int sweep_mpi_rank(void);
int sweep_have_mpi(void);
int sweep_mpi_init(int *argc, char ***argv, int *rank, int *size);
int sweep_mpi_coordinate(struct sweep_ctx *x, int jobs);
int sweep_mpi_work(const struct study *st, const char *outdir, int rank);
void sweep_mpi_finalize(void);

#endif
