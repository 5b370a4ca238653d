/* Depthwise 2-D convolution on the CPU, NCHW, computed directly (no im2col:
 * a GEMM per channel would have K = kh * kw).
 *
 * x is (N, C, H, W), W (C, M, kh, kw) (M outputs per input channel: output
 * channel c * M + m), y and gy (N, C * M, oh, ow):
 *   y[n, c*M + m, u, v] = b[c*M + m]
 *       + sum_{i,j} W[c, m, i, j] * x[n, c, u*sy + i*dy - ph, v*sx + j*dx - pw]
 * with x read as zero outside the image.  grad_x is the adjoint in x, grad_W
 * the sums over n, u, v of gy times the window (each row in T, the rows in
 * double).
 *
 * The forward and grad_x work plane by plane, (n, c), so that one input plane
 * and its M output planes stay in cache across the kh * kw taps; grad_W
 * channel by channel (each W[c] is one thread's).  Parts go to the caller's
 * threads (fg_parallel.h).  The caller has checked sizes and shapes as for
 * im2col_kernels.h, whose fg_valid_range this uses. */
#ifndef FASTGRAD_DEPTHWISE_KERNELS_H
#define FASTGRAD_DEPTHWISE_KERNELS_H

#include <stddef.h>
#include <string.h>

#include "fg_clones.h"
#include "fg_parallel.h"
#include "im2col_kernels.h"       /* fg_valid_range */

typedef struct {
    const void *x, *w, *b, *gy;
    void *out;
    double *acc;
    ptrdiff_t N, C, M, H, W, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx;
} fg_dw_args;

#define T float
#define FN(name) name##_f
#include "depthwise_kernels_impl.h"
#undef T
#undef FN

#define T double
#define FN(name) name##_d
#include "depthwise_kernels_impl.h"
#undef T
#undef FN

#endif
