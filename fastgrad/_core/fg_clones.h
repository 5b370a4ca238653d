/* FG_CLONES: compile a loop twice, for AVX2 and for the baseline x86-64
 * (SSE2) that wheels target; the loader picks the clone the CPU runs (GCC's
 * function multiversioning, an ifunc: Linux with glibc, not musl).  Put it
 * on the functions that do the work, not on ones that only start threads:
 * the clones are of the function itself. */
#ifndef FASTGRAD_CLONES_H
#define FASTGRAD_CLONES_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && defined(__GLIBC__)
#define FG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FG_CLONES
#endif

#endif
