/* ReLU on the CPU in one pass each way, split over the caller's threads
 * (fg_parallel.h) by ranges of elements.  The results are NumPy's, bit for
 * bit: the forward is numpy.maximum(x, 0) (NaN stays NaN, -0 becomes +0), the
 * backward gy * (y > 0) (a NaN in gy stays NaN where y <= 0).  NumPy makes
 * two passes and a boolean temporary for the backward. */
#ifndef FASTGRAD_RELU_KERNELS_H
#define FASTGRAD_RELU_KERNELS_H

#include <stddef.h>

#include "fg_clones.h"
#include "fg_parallel.h"

typedef struct {
    const void *a, *b;           /* forward: x; backward: y, gy */
    void *out;
    ptrdiff_t n;
} fg_relu_args;

#define T float
#define FN(name) name##_f
#include "relu_kernels_impl.h"
#undef T
#undef FN

#define T double
#define FN(name) name##_d
#include "relu_kernels_impl.h"
#undef T
#undef FN

#endif
