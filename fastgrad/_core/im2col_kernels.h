/* im2col and its adjoint for 2-D convolutions on the CPU, NCHW.
 *
 * x is (P, H, W) for P = N * C planes, col (P, kh, kw, oh, ow):
 *   col[p, i, j, y, x] = x[p, y*sy + i*dy - ph, x*sx + j*dx - pw]
 * (zero where the index falls outside the image: the padding, and the extra
 * windows of cover_all).  col2im writes img (P, H, W) = the sum over every
 * (i, j, y, x) whose index falls inside of col[p, i, j, y, x]; padding
 * positions are dropped, so no padded buffer is needed.  With N > 0, col is
 * batch-major instead, (C, kh, kw, N, oh, ow) for P = N * C planes: the
 * columns of one GEMM over the whole batch.
 *
 * Planes are independent: they are split over the caller's threads
 * (fg_parallel.h), and each output element is written by one thread.  The
 * caller has checked the sizes (all >= 0, kernel sizes, strides and
 * dilations >= 1) and the arrays' shapes. */
#ifndef FASTGRAD_IM2COL_KERNELS_H
#define FASTGRAD_IM2COL_KERNELS_H

#include <stddef.h>
#include <string.h>

#include "fg_parallel.h"

/* The output columns [*x0, *x1) whose input column x*s + off lies in [0, W);
 * the others read padding. */
static inline void fg_valid_range(ptrdiff_t off, ptrdiff_t s, ptrdiff_t W, ptrdiff_t ow,
                                  ptrdiff_t *x0, ptrdiff_t *x1)
{
    /* first x with x*s + off >= 0, first x with x*s + off >= W */
    ptrdiff_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    ptrdiff_t b = W - off <= 0 ? 0 : (W - off + s - 1) / s;
    if (a > ow)
        a = ow;
    if (b > ow)
        b = ow;
    if (b < a)
        b = a;
    *x0 = a;
    *x1 = b;
}

#define T float
#define FN(name) name##_f
#include "im2col_kernels_impl.h"
#undef T
#undef FN

#define T double
#define FN(name) name##_d
#include "im2col_kernels_impl.h"
#undef T
#undef FN

#endif
