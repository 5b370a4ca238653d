/* Threads for the compiled loops: a small fork-join pool built on Python's
 * own thread and lock API (PyThread_*), so the extension needs no OpenMP
 * runtime and no C library symbol newer than the interpreter's (the wheel
 * stays manylinux_2_17), and idle workers sleep on a lock instead of
 * spinning on the cores OpenBLAS's GEMM threads want next.
 *
 * A job is a function of (args, k, parts) that does part k of parts; parts
 * write disjoint outputs, so the result does not depend on how many threads
 * ran them.  The caller runs part 0 (and any part no worker took) itself.
 * One job runs at a time per module: a caller that finds the pool busy (a
 * job from another Python thread) runs its parts serially.
 *
 * Each module that includes this header has its own pool (static state).
 * fg_pool_init must run with the GIL held, at import and in a child after
 * fork (the workers do not survive fork: the child forgets them and starts
 * new ones; see fastgrad/_threads.py). */
#ifndef FASTGRAD_PARALLEL_H
#define FASTGRAD_PARALLEL_H

#include <Python.h>
#include <stddef.h>
#include <stdint.h>

#define FG_MAX_THREADS 64
/* the least work (elements) worth a thread: below it, waking one costs more */
#define FG_GRAIN 32768

typedef void (*fg_part_fn)(const void *args, ptrdiff_t k, ptrdiff_t parts);

static struct {
    PyThread_type_lock busy;                 /* held while a job runs */
    int workers;                             /* started */
    PyThread_type_lock go[FG_MAX_THREADS - 1], done[FG_MAX_THREADS - 1];
    fg_part_fn fn;                           /* the job the workers run */
    const void *args;
    ptrdiff_t parts;
} fg_pool;

/* (Re)initialise the pool with no workers; the GIL is held.  After fork the
 * old locks and workers belong to the parent: they are dropped, not freed. */
static int fg_pool_init(void)
{
    fg_pool.workers = 0;
    fg_pool.busy = PyThread_allocate_lock();
    return fg_pool.busy != NULL ? 0 : -1;
}

/* worker w runs part w + 1 of each job it is released for */
static void fg_worker(void *arg)
{
    const int w = (int)(intptr_t)arg;
    for (;;) {
        PyThread_acquire_lock(fg_pool.go[w], WAIT_LOCK);
        fg_pool.fn(fg_pool.args, w + 1, fg_pool.parts);
        PyThread_release_lock(fg_pool.done[w]);
    }
}

/* one more worker, waiting on its (held) go lock; 0 if none could start */
static int fg_start_worker(void)
{
    const int w = fg_pool.workers;
    PyThread_type_lock go = PyThread_allocate_lock(), done = PyThread_allocate_lock();
    if (go == NULL || done == NULL)
        goto fail;
    PyThread_acquire_lock(go, WAIT_LOCK);
    PyThread_acquire_lock(done, WAIT_LOCK);
    fg_pool.go[w] = go;
    fg_pool.done[w] = done;
    if (PyThread_start_new_thread(fg_worker, (void *)(intptr_t)w) == (unsigned long)-1)
        goto fail;
    fg_pool.workers = w + 1;
    return 1;
fail:
    if (go != NULL)
        PyThread_free_lock(go);
    if (done != NULL)
        PyThread_free_lock(done);
    return 0;
}

/* How many parts to cut `work` elements of `items` independent items into
 * for nt threads: at most nt and items, and at least FG_GRAIN elements each. */
static inline ptrdiff_t fg_parts(int nt, double work, ptrdiff_t items)
{
    ptrdiff_t n = nt;
    if (n > FG_MAX_THREADS)
        n = FG_MAX_THREADS;
    if (work < (double)n * FG_GRAIN)
        n = (ptrdiff_t)(work / FG_GRAIN);
    if (n > items)
        n = items;
    return n < 1 ? 1 : n;
}

/* Run parts 0 .. parts - 1 of fn, on up to `parts` threads; no GIL needed. */
static void fg_parallel_run(ptrdiff_t parts, fg_part_fn fn, const void *args)
{
    if (parts > 1 && fg_pool.busy != NULL && PyThread_acquire_lock(fg_pool.busy, NOWAIT_LOCK)) {
        while (fg_pool.workers < parts - 1 && fg_pool.workers < FG_MAX_THREADS - 1
               && fg_start_worker())
            ;
        const ptrdiff_t helpers = parts - 1 < fg_pool.workers ? parts - 1 : fg_pool.workers;
        fg_pool.fn = fn;
        fg_pool.args = args;
        fg_pool.parts = parts;
        for (ptrdiff_t w = 0; w < helpers; w++)
            PyThread_release_lock(fg_pool.go[w]);
        fn(args, 0, parts);
        for (ptrdiff_t k = helpers + 1; k < parts; k++)
            fn(args, k, parts);
        for (ptrdiff_t w = 0; w < helpers; w++)
            PyThread_acquire_lock(fg_pool.done[w], WAIT_LOCK);
        PyThread_release_lock(fg_pool.busy);
        return;
    }
    for (ptrdiff_t k = 0; k < parts; k++)
        fn(args, k, parts);
}

/* the range [*lo, *hi) of part k when n items are cut into parts */
static inline void fg_part_range(ptrdiff_t n, ptrdiff_t k, ptrdiff_t parts, ptrdiff_t *lo,
                                 ptrdiff_t *hi)
{
    *lo = n * k / parts;
    *hi = n * (k + 1) / parts;
}

#endif
