/* Batch and group normalization on the CPU.  Batch normalization works per
 * channel, for x viewed as (A, C, B): C channels, each A runs of B contiguous
 * elements (x of shape (N, C, ...), C-contiguous: A = N, B = the product of
 * the spatial sizes); group normalization per (sample, group), a contiguous
 * block of x.
 *
 * One channel's (or group's) data is read a few times in a row, so it comes
 * from cache after the first pass: the forward reads x from memory once and
 * writes y once, the backward reads x and gy once and writes gx once (NumPy
 * code makes about eight passes each way, with temporaries).
 *
 * The arithmetic is that of the CuPy kernels (functions/_util/bn_kernels.py):
 * sums accumulated in double, every other operation in the dtype T.
 * norm_kernels_impl.h is included once per dtype. */
#ifndef FASTGRAD_NORM_KERNELS_H
#define FASTGRAD_NORM_KERNELS_H

#include <math.h>
#include <stddef.h>

#include "fg_clones.h"      /* the loops: AVX2 and baseline builds */
#include "fg_parallel.h"

/* an (N, C) x is split over threads by ranges of at least this many channels */
#define FG_ROW_CHANNELS 16

#define T float
#define FN(name) name##_f
#define SQRT sqrtf
#include "norm_kernels_impl.h"
#undef T
#undef FN
#undef SQRT

#define T double
#define FN(name) name##_d
#define SQRT sqrt
#include "norm_kernels_impl.h"
#undef T
#undef FN
#undef SQRT

#endif
