/* The loops of norm_kernels.h for one dtype T (included once per dtype, with
 * T, FN and SQRT defined).  Pointers are to C-contiguous arrays the caller
 * has checked: x, y, gy, gx of A * C * B elements, the rest of C; work is
 * 2 * C doubles of scratch (2 * N * C for group normalization's backward).
 *
 * Batch normalization walks channel by channel, except where B == 1 (x of
 * shape (N, C)): a channel is then a column, read at a stride of C
 * elements, so those loops go row by row instead, over a range of channels.
 *
 * nt is the caller's thread count (fg_parallel.h): channels (batch
 * normalization) or (sample, group) blocks (group normalization) are split
 * over the threads; each writes only its own outputs, so the results do not
 * depend on the thread count.  The per-item loops carry FG_CLONES (an AVX2
 * build beside the baseline); the entry points below only cut the work. */

/* the sum of n contiguous elements, in double */
static inline double FN(fg_sum)(const T *p, ptrdiff_t n)
{
    double s = 0.0;
#pragma omp simd reduction(+:s)
    for (ptrdiff_t i = 0; i < n; i++)
        s += (double)p[i];
    return s;
}

/* the sum of the sums of squared differences from mu of n contiguous
 * elements (d * d in T, as the CuPy kernels), in double */
static inline double FN(fg_sum_sq)(const T *p, ptrdiff_t n, T mu)
{
    double q = 0.0;
#pragma omp simd reduction(+:q)
    for (ptrdiff_t i = 0; i < n; i++) {
        const T d = p[i] - mu;
        q += (double)(d * d);
    }
    return q;
}

/* Training mode: mean and variance of each channel (two passes, the second
 * over centred values), then y = (x - mean) * (gamma * inv_std) + beta; here
 * for channels c0 <= c < c1 of an (A, C) x. */
FG_CLONES static void FN(fg_bn_forward_rows)(const T *x, const T *gamma, const T *beta, T eps,
                                   ptrdiff_t A, ptrdiff_t C, ptrdiff_t c0, ptrdiff_t c1,
                                   T *y, T *mean, T *inv_std, T *var, double *work)
{
    double *s = work, *q = work + C;
    for (ptrdiff_t c = c0; c < c1; c++)
        s[c] = q[c] = 0.0;
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C;
#pragma omp simd
        for (ptrdiff_t c = c0; c < c1; c++)
            s[c] += (double)p[c];
    }
    for (ptrdiff_t c = c0; c < c1; c++)
        mean[c] = (T)(s[c] / (double)A);
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C;
#pragma omp simd
        for (ptrdiff_t c = c0; c < c1; c++) {
            const T d = p[c] - mean[c];
            q[c] += (double)(d * d);
        }
    }
    for (ptrdiff_t c = c0; c < c1; c++) {
        var[c] = (T)(q[c] / (double)A);
        inv_std[c] = (T)1 / SQRT(var[c] + eps);
        s[c] = (double)(gamma[c] * inv_std[c]);       /* the scale, reusing s */
    }
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C;
        T *o = y + a * C;
#pragma omp simd
        for (ptrdiff_t c = c0; c < c1; c++)
            o[c] = (p[c] - mean[c]) * (T)s[c] + beta[c];
    }
}

/* one channel of an (A, C, B) x, B > 1 */
FG_CLONES static void FN(fg_bn_forward_channel)(const T *x, const T *gamma, const T *beta, T eps,
                                             ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                                             ptrdiff_t c, T *y, T *mean, T *inv_std, T *var)
{
    const double m = (double)A * (double)B;
    double s = 0.0, q = 0.0;
    for (ptrdiff_t a = 0; a < A; a++)
        s += FN(fg_sum)(x + (a * C + c) * B, B);
    const T mu = (T)(s / m);
    for (ptrdiff_t a = 0; a < A; a++)
        q += FN(fg_sum_sq)(x + (a * C + c) * B, B, mu);
    const T v = (T)(q / m);
    const T inv = (T)1 / SQRT(v + eps);
    const T scale = gamma[c] * inv;
    const T shift = beta[c];
    for (ptrdiff_t a = 0; a < A; a++) {
        const ptrdiff_t off = (a * C + c) * B;
        const T *p = x + off;
        T *o = y + off;
#pragma omp simd
        for (ptrdiff_t b = 0; b < B; b++)
            o[b] = (p[b] - mu) * scale + shift;
    }
    mean[c] = mu;
    inv_std[c] = inv;
    var[c] = v;
}

/* The gradients of beta (sum of gy) and gamma (sum of gy * x_hat) and, when
 * gx is not NULL, of x:
 * gx = gamma * inv_std * (gy - (x_hat * ggamma + gbeta) / m). */
FG_CLONES static void FN(fg_bn_backward_rows)(const T *x, const T *gy, const T *gamma,
                                    const T *mean, const T *inv_std, ptrdiff_t A,
                                    ptrdiff_t C, ptrdiff_t c0, ptrdiff_t c1,
                                    T *gx, T *ggamma, T *gbeta, double *work)
{
    double *s = work, *t = work + C;
    const T inv_m = (T)(1.0 / (double)A);
    for (ptrdiff_t c = c0; c < c1; c++)
        s[c] = t[c] = 0.0;
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C, *g = gy + a * C;
#pragma omp simd
        for (ptrdiff_t c = c0; c < c1; c++) {
            s[c] += (double)g[c];
            t[c] += (double)(g[c] * ((p[c] - mean[c]) * inv_std[c]));
        }
    }
    for (ptrdiff_t c = c0; c < c1; c++) {
        gbeta[c] = (T)s[c];
        ggamma[c] = (T)t[c];
    }
    if (gx == NULL)
        return;
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C, *g = gy + a * C;
        T *o = gx + a * C;
#pragma omp simd
        for (ptrdiff_t c = c0; c < c1; c++)
            o[c] = (gamma[c] * inv_std[c])
                   * (g[c] - ((p[c] - mean[c]) * inv_std[c] * ggamma[c] + gbeta[c]) * inv_m);
    }
}

/* one channel of an (A, C, B) x, B > 1 */
FG_CLONES static void FN(fg_bn_backward_channel)(const T *x, const T *gy, const T *gamma,
                                       const T *mean, const T *inv_std, ptrdiff_t A,
                                       ptrdiff_t C, ptrdiff_t B, ptrdiff_t c,
                                       T *gx, T *ggamma, T *gbeta)
{
    const T inv_m = (T)(1.0 / ((double)A * (double)B));
    const T mu = mean[c], inv = inv_std[c];
    double s = 0.0, t = 0.0;
    for (ptrdiff_t a = 0; a < A; a++) {
        const ptrdiff_t off = (a * C + c) * B;
        const T *p = x + off, *g = gy + off;
#pragma omp simd reduction(+:s, t)
        for (ptrdiff_t b = 0; b < B; b++) {
            s += (double)g[b];
            t += (double)(g[b] * ((p[b] - mu) * inv));
        }
    }
    const T gb = (T)s, gg = (T)t;
    gbeta[c] = gb;
    ggamma[c] = gg;
    if (gx == NULL)
        return;
    const T k = gamma[c] * inv;
    for (ptrdiff_t a = 0; a < A; a++) {
        const ptrdiff_t off = (a * C + c) * B;
        const T *p = x + off, *g = gy + off;
        T *o = gx + off;
#pragma omp simd
        for (ptrdiff_t b = 0; b < B; b++)
            o[b] = k * (g[b] - ((p[b] - mu) * inv * gg + gb) * inv_m);
    }
}

/* Inference mode (given statistics): y = x * scale + (beta - mean * scale),
 * scale = gamma / sqrt(var + eps); one pass in memory order.  scale and
 * shift (work, 2 * C doubles) are computed first, then the blocks split over
 * the threads: rows of an (A, C) x, or the (a, c) blocks of B elements. */
static void FN(fg_bn_fixed_scale)(const T *gamma, const T *beta, const T *mean, const T *var,
                                  T eps, ptrdiff_t C, double *work)
{
    for (ptrdiff_t c = 0; c < C; c++) {
        const T k = gamma[c] * ((T)1 / SQRT(var[c] + eps));
        work[c] = (double)k;
        work[C + c] = (double)(beta[c] - mean[c] * k);
    }
}

/* blocks i0 <= i < i1 */
FG_CLONES static void FN(fg_bn_fixed_blocks)(const T *x, ptrdiff_t i0, ptrdiff_t i1,
                                             ptrdiff_t C, ptrdiff_t B, T *y,
                                             const double *work)
{
    const double *scale = work, *shift = work + C;
    for (ptrdiff_t i = i0; i < i1; i++) {
        if (B == 1) {
            const T *p = x + i * C;
            T *o = y + i * C;
#pragma omp simd
            for (ptrdiff_t c = 0; c < C; c++)
                o[c] = p[c] * (T)scale[c] + (T)shift[c];
            continue;
        }
        const T k = (T)scale[i % C], h = (T)shift[i % C];
        const T *p = x + i * B;
        T *o = y + i * B;
#pragma omp simd
        for (ptrdiff_t b = 0; b < B; b++)
            o[b] = p[b] * k + h;
    }
}

/* Group normalization, x viewed as (N, G, cg, S): the statistics of sample n
 * and group g are taken over its cg * S contiguous elements; gamma and beta
 * are per channel (G * cg of them).  mean and inv_std have N * G entries.
 * Each function below does one (n, g) block, r = n * G + g. */
FG_CLONES static void FN(fg_gn_forward_block)(const T *x, const T *gamma, const T *beta, T eps,
                                    ptrdiff_t G, ptrdiff_t cg, ptrdiff_t S, ptrdiff_t r,
                                    T *y, T *mean, T *inv_std)
{
    const ptrdiff_t M = cg * S;
    const T *p = x + r * M;
    const T mu = (T)(FN(fg_sum)(p, M) / (double)M);
    const T inv = (T)1 / SQRT((T)(FN(fg_sum_sq)(p, M, mu) / (double)M) + eps);
    const ptrdiff_t c0 = (r % G) * cg;
    for (ptrdiff_t j = 0; j < cg; j++) {
        const T scale = gamma[c0 + j] * inv, shift = beta[c0 + j];
        const T *pj = p + j * S;
        T *o = y + r * M + j * S;
#pragma omp simd
        for (ptrdiff_t s = 0; s < S; s++)
            o[s] = (pj[s] - mu) * scale + shift;
    }
    mean[r] = mu;
    inv_std[r] = inv;
}

/* The block's sums of gy and gy * x_hat per channel, into s and t (the block's
 * cg entries), and, when gx is not NULL, its
 * gx = inv_std * (gamma * gy - mean_g(gamma * gy) - x_hat * mean_g(gamma * gy * x_hat)). */
FG_CLONES static void FN(fg_gn_backward_block)(const T *x, const T *gy, const T *gamma,
                                     const T *mean, const T *inv_std, ptrdiff_t G,
                                     ptrdiff_t cg, ptrdiff_t S, ptrdiff_t r, T *gx,
                                     double *s_out, double *t_out)
{
    const ptrdiff_t M = cg * S;
    const T mu = mean[r], inv = inv_std[r];
    const ptrdiff_t c0 = (r % G) * cg;
    double m1 = 0.0, m2 = 0.0;      /* group sums of gamma * gy, gamma * gy * x_hat */
    for (ptrdiff_t j = 0; j < cg; j++) {
        const T *p = x + r * M + j * S, *g = gy + r * M + j * S;
        double s = 0.0, t = 0.0;
#pragma omp simd reduction(+:s, t)
        for (ptrdiff_t i = 0; i < S; i++) {
            s += (double)g[i];
            t += (double)(g[i] * ((p[i] - mu) * inv));
        }
        s_out[j] = s;
        t_out[j] = t;
        m1 += (double)gamma[c0 + j] * s;
        m2 += (double)gamma[c0 + j] * t;
    }
    if (gx == NULL)
        return;
    const T a = (T)(m1 / (double)M), b = (T)(m2 / (double)M);
    for (ptrdiff_t j = 0; j < cg; j++) {
        const T gam = gamma[c0 + j];
        const T *p = x + r * M + j * S, *g = gy + r * M + j * S;
        T *o = gx + r * M + j * S;
#pragma omp simd
        for (ptrdiff_t i = 0; i < S; i++)
            o[i] = inv * (gam * g[i] - a - ((p[i] - mu) * inv) * b);
    }
}

/* The entry points: each cuts its items (channels, row ranges, blocks) into
 * parts for fg_parallel_run; one argument record serves them all. */
typedef struct {
    const T *x, *gy, *gamma, *beta, *mean, *inv_std, *var;
    T *y, *gx, *out_mean, *out_inv_std, *out_var, *ggamma, *gbeta;
    T eps;
    ptrdiff_t A, C, B, G, cg, S, items;
    double *work;
} FN(fg_norm_args);

static void FN(fg_bn_forward_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const FN(fg_norm_args) *a = (const FN(fg_norm_args) *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->C, k, parts, &lo, &hi);
    if (a->B == 1) {
        FN(fg_bn_forward_rows)(a->x, a->gamma, a->beta, a->eps, a->A, a->C, lo, hi, a->y,
                               a->out_mean, a->out_inv_std, a->out_var, a->work);
        return;
    }
    for (ptrdiff_t c = lo; c < hi; c++)
        FN(fg_bn_forward_channel)(a->x, a->gamma, a->beta, a->eps, a->A, a->C, a->B, c, a->y,
                                  a->out_mean, a->out_inv_std, a->out_var);
}

static void FN(fg_bn_forward)(const T *x, const T *gamma, const T *beta, T eps,
                              ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                              T *y, T *mean, T *inv_std, T *var, double *work, int nt)
{
    const FN(fg_norm_args) a = {.x = x, .gamma = gamma, .beta = beta, .eps = eps, .A = A,
                                .C = C, .B = B, .y = y, .out_mean = mean,
                                .out_inv_std = inv_std, .out_var = var, .work = work};
    const ptrdiff_t items = B == 1 ? C / FG_ROW_CHANNELS : C;
    fg_parallel_run(fg_parts(nt, (double)A * (double)C * (double)B, items),
                    FN(fg_bn_forward_part), &a);
}

static void FN(fg_bn_backward_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const FN(fg_norm_args) *a = (const FN(fg_norm_args) *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->C, k, parts, &lo, &hi);
    if (a->B == 1) {
        FN(fg_bn_backward_rows)(a->x, a->gy, a->gamma, a->mean, a->inv_std, a->A, a->C, lo, hi,
                                a->gx, a->ggamma, a->gbeta, a->work);
        return;
    }
    for (ptrdiff_t c = lo; c < hi; c++)
        FN(fg_bn_backward_channel)(a->x, a->gy, a->gamma, a->mean, a->inv_std, a->A, a->C,
                                   a->B, c, a->gx, a->ggamma, a->gbeta);
}

/* The gradients of beta (sum of gy) and gamma (sum of gy * x_hat) and, when
 * gx is not NULL, of x (see fg_bn_backward_channel). */
static void FN(fg_bn_backward)(const T *x, const T *gy, const T *gamma, const T *mean,
                               const T *inv_std, ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                               T *gx, T *ggamma, T *gbeta, double *work, int nt)
{
    const FN(fg_norm_args) a = {.x = x, .gy = gy, .gamma = gamma, .mean = mean,
                                .inv_std = inv_std, .A = A, .C = C, .B = B, .gx = gx,
                                .ggamma = ggamma, .gbeta = gbeta, .work = work};
    const ptrdiff_t items = B == 1 ? C / FG_ROW_CHANNELS : C;
    fg_parallel_run(fg_parts(nt, (double)A * (double)C * (double)B, items),
                    FN(fg_bn_backward_part), &a);
}

static void FN(fg_bn_fixed_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const FN(fg_norm_args) *a = (const FN(fg_norm_args) *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->items, k, parts, &lo, &hi);
    FN(fg_bn_fixed_blocks)(a->x, lo, hi, a->C, a->B, a->y, a->work);
}

static void FN(fg_bn_fixed_forward)(const T *x, const T *gamma, const T *beta,
                                    const T *mean, const T *var, T eps,
                                    ptrdiff_t A, ptrdiff_t C, ptrdiff_t B, T *y,
                                    double *work, int nt)
{
    FN(fg_bn_fixed_scale)(gamma, beta, mean, var, eps, C, work);
    const FN(fg_norm_args) a = {.x = x, .C = C, .B = B, .y = y, .work = work,
                                .items = B == 1 ? A : A * C};
    fg_parallel_run(fg_parts(nt, (double)A * (double)C * (double)B, a.items),
                    FN(fg_bn_fixed_part), &a);
}

static void FN(fg_gn_forward_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const FN(fg_norm_args) *a = (const FN(fg_norm_args) *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->items, k, parts, &lo, &hi);
    for (ptrdiff_t r = lo; r < hi; r++)
        FN(fg_gn_forward_block)(a->x, a->gamma, a->beta, a->eps, a->G, a->cg, a->S, r, a->y,
                                a->out_mean, a->out_inv_std);
}

static void FN(fg_gn_forward)(const T *x, const T *gamma, const T *beta, T eps,
                              ptrdiff_t N, ptrdiff_t G, ptrdiff_t cg, ptrdiff_t S,
                              T *y, T *mean, T *inv_std, int nt)
{
    const FN(fg_norm_args) a = {.x = x, .gamma = gamma, .beta = beta, .eps = eps, .G = G,
                                .cg = cg, .S = S, .y = y, .out_mean = mean,
                                .out_inv_std = inv_std, .items = N * G};
    fg_parallel_run(fg_parts(nt, (double)N * (double)G * (double)cg * (double)S, a.items),
                    FN(fg_gn_forward_part), &a);
}

static void FN(fg_gn_backward_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const FN(fg_norm_args) *a = (const FN(fg_norm_args) *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->items, k, parts, &lo, &hi);
    double *ws = a->work, *wt = a->work + a->items * a->cg;
    for (ptrdiff_t r = lo; r < hi; r++)
        FN(fg_gn_backward_block)(a->x, a->gy, a->gamma, a->mean, a->inv_std, a->G, a->cg,
                                 a->S, r, a->gx, ws + r * a->cg, wt + r * a->cg);
}

/* The gradients of group normalization from the forward's statistics: gx
 * (when not NULL), and the per-channel sums sum_gy (gbeta) and sum_gy_xhat
 * (ggamma) of C entries each, reduced over the samples from work (2 * N * C
 * doubles: each block's sums, so that no two threads add to one entry). */
static void FN(fg_gn_backward)(const T *x, const T *gy, const T *gamma, const T *mean,
                               const T *inv_std, ptrdiff_t N, ptrdiff_t G, ptrdiff_t cg,
                               ptrdiff_t S, T *gx, double *sum_gy, double *sum_gy_xhat,
                               double *work, int nt)
{
    const ptrdiff_t C = G * cg;
    const FN(fg_norm_args) a = {.x = x, .gy = gy, .gamma = gamma, .mean = mean,
                                .inv_std = inv_std, .G = G, .cg = cg, .S = S, .gx = gx,
                                .work = work, .items = N * G};
    fg_parallel_run(fg_parts(nt, (double)N * (double)C * (double)S, a.items),
                    FN(fg_gn_backward_part), &a);
    const double *ws = work, *wt = work + N * C;
    for (ptrdiff_t c = 0; c < C; c++)
        sum_gy[c] = sum_gy_xhat[c] = 0.0;
    for (ptrdiff_t n = 0; n < N; n++)
        for (ptrdiff_t c = 0; c < C; c++) {
            sum_gy[c] += ws[n * C + c];
            sum_gy_xhat[c] += wt[n * C + c];
        }
}
