/* The CTC loss's forward-backward recursions on the CPU, one sequence at a
 * time (Graves et al. 2006), in double, on probabilities rescaled at every
 * step (the log of each step's scale is summed into log p): multiply-adds
 * instead of a log and an exp per lattice edge, and no underflow.
 *
 * logy is the log-softmax of the activations, (T, B, V) C-contiguous; path
 * the extended label sequence of each sample, (B, S) (blank, t0, blank, t1,
 * ..., blank, then blanks past path_length); t_len the valid steps of each
 * sample.  The caller has checked every index (0 <= path < V, 1 <= path_length
 * <= S, 0 <= t_len <= T).
 *
 * For each sample: logz = log p(labels | x), and, when grad is not NULL, the
 * gradient of -logz w.r.t. the activations: softmax(x) minus the occupancy of
 * each vocabulary entry (zero past t_len, and for a sample no alignment fits).
 * The occupancy of (t, s) is alpha_t(s) beta_t(s) normalised over s (beta
 * without the emission at t): every alignment passes one position per step.
 * alpha, beta and emit are scratch of T * S doubles each. */
#ifndef FASTGRAD_CTC_KERNELS_H
#define FASTGRAD_CTC_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* whether path position s may be reached from s - 2 (two different labels) */
static inline int fg_ctc_skip(const int64_t *path, ptrdiff_t s, int64_t blank)
{
    return s >= 2 && path[s] != blank && path[s] != path[s - 2];
}

#define T float
#define FN(name) name##_f
#include "ctc_kernels_impl.h"
#undef T
#undef FN

#define T double
#define FN(name) name##_d
#include "ctc_kernels_impl.h"
#undef T
#undef FN

#endif
