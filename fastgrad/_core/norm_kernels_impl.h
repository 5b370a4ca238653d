/* The loops of norm_kernels.h for one dtype T (included once per dtype, with
 * T, FN and SQRT defined).  Pointers are to C-contiguous arrays the caller
 * has checked: x, y, gy, gx of A * C * B elements, the rest of C; work is
 * 2 * C doubles of scratch.
 *
 * Batch normalization walks channel by channel, except where B == 1 (x of
 * shape (N, C)): a channel is then a column, read at a stride of C
 * elements, so those loops go row by row instead, all channels at once. */

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
 * over centred values), then y = (x - mean) * (gamma * inv_std) + beta. */
FG_CLONES static void FN(fg_bn_forward_rows)(const T *x, const T *gamma, const T *beta, T eps,
                                   ptrdiff_t A, ptrdiff_t C, T *y, T *mean, T *inv_std,
                                   T *var, double *work)
{
    double *s = work, *q = work + C;
    for (ptrdiff_t c = 0; c < C; c++)
        s[c] = q[c] = 0.0;
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C;
#pragma omp simd
        for (ptrdiff_t c = 0; c < C; c++)
            s[c] += (double)p[c];
    }
    for (ptrdiff_t c = 0; c < C; c++)
        mean[c] = (T)(s[c] / (double)A);
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C;
#pragma omp simd
        for (ptrdiff_t c = 0; c < C; c++) {
            const T d = p[c] - mean[c];
            q[c] += (double)(d * d);
        }
    }
    for (ptrdiff_t c = 0; c < C; c++) {
        var[c] = (T)(q[c] / (double)A);
        inv_std[c] = (T)1 / SQRT(var[c] + eps);
        s[c] = (double)(gamma[c] * inv_std[c]);       /* the scale, reusing s */
    }
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C;
        T *o = y + a * C;
#pragma omp simd
        for (ptrdiff_t c = 0; c < C; c++)
            o[c] = (p[c] - mean[c]) * (T)s[c] + beta[c];
    }
}

FG_CLONES static void FN(fg_bn_forward)(const T *x, const T *gamma, const T *beta, T eps,
                              ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                              T *y, T *mean, T *inv_std, T *var, double *work)
{
    if (B == 1) {
        FN(fg_bn_forward_rows)(x, gamma, beta, eps, A, C, y, mean, inv_std, var, work);
        return;
    }
    const double m = (double)A * (double)B;
    for (ptrdiff_t c = 0; c < C; c++) {
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
}

/* The gradients of beta (sum of gy) and gamma (sum of gy * x_hat) and, when
 * gx is not NULL, of x:
 * gx = gamma * inv_std * (gy - (x_hat * ggamma + gbeta) / m). */
FG_CLONES static void FN(fg_bn_backward_rows)(const T *x, const T *gy, const T *gamma,
                                    const T *mean, const T *inv_std, ptrdiff_t A,
                                    ptrdiff_t C, T *gx, T *ggamma, T *gbeta, double *work)
{
    double *s = work, *t = work + C;
    const T inv_m = (T)(1.0 / (double)A);
    for (ptrdiff_t c = 0; c < C; c++)
        s[c] = t[c] = 0.0;
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C, *g = gy + a * C;
#pragma omp simd
        for (ptrdiff_t c = 0; c < C; c++) {
            s[c] += (double)g[c];
            t[c] += (double)(g[c] * ((p[c] - mean[c]) * inv_std[c]));
        }
    }
    for (ptrdiff_t c = 0; c < C; c++) {
        gbeta[c] = (T)s[c];
        ggamma[c] = (T)t[c];
    }
    if (gx == NULL)
        return;
    for (ptrdiff_t a = 0; a < A; a++) {
        const T *p = x + a * C, *g = gy + a * C;
        T *o = gx + a * C;
#pragma omp simd
        for (ptrdiff_t c = 0; c < C; c++)
            o[c] = (gamma[c] * inv_std[c])
                   * (g[c] - ((p[c] - mean[c]) * inv_std[c] * ggamma[c] + gbeta[c]) * inv_m);
    }
}

FG_CLONES static void FN(fg_bn_backward)(const T *x, const T *gy, const T *gamma, const T *mean,
                               const T *inv_std, ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                               T *gx, T *ggamma, T *gbeta, double *work)
{
    if (B == 1) {
        FN(fg_bn_backward_rows)(x, gy, gamma, mean, inv_std, A, C, gx, ggamma, gbeta, work);
        return;
    }
    const T inv_m = (T)(1.0 / ((double)A * (double)B));
    for (ptrdiff_t c = 0; c < C; c++) {
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
            continue;
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
}

/* Inference mode (given statistics): y = x * scale + (beta - mean * scale),
 * scale = gamma / sqrt(var + eps); one pass in memory order. */
FG_CLONES static void FN(fg_bn_fixed_forward)(const T *x, const T *gamma, const T *beta,
                                    const T *mean, const T *var, T eps,
                                    ptrdiff_t A, ptrdiff_t C, ptrdiff_t B, T *y,
                                    double *work)
{
    double *scale = work, *shift = work + C;
    for (ptrdiff_t c = 0; c < C; c++) {
        const T k = gamma[c] * ((T)1 / SQRT(var[c] + eps));
        scale[c] = (double)k;
        shift[c] = (double)(beta[c] - mean[c] * k);
    }
    for (ptrdiff_t a = 0; a < A; a++) {
        if (B == 1) {
            const T *p = x + a * C;
            T *o = y + a * C;
#pragma omp simd
            for (ptrdiff_t c = 0; c < C; c++)
                o[c] = p[c] * (T)scale[c] + (T)shift[c];
            continue;
        }
        for (ptrdiff_t c = 0; c < C; c++) {
            const T k = (T)scale[c], h = (T)shift[c];
            const T *p = x + (a * C + c) * B;
            T *o = y + (a * C + c) * B;
#pragma omp simd
            for (ptrdiff_t b = 0; b < B; b++)
                o[b] = p[b] * k + h;
        }
    }
}

/* Group normalization, x viewed as (N, G, cg, S): the statistics of sample n
 * and group g are taken over its cg * S contiguous elements; gamma and beta
 * are per channel (G * cg of them).  mean and inv_std have N * G entries. */
FG_CLONES static void FN(fg_gn_forward)(const T *x, const T *gamma, const T *beta, T eps,
                              ptrdiff_t N, ptrdiff_t G, ptrdiff_t cg, ptrdiff_t S,
                              T *y, T *mean, T *inv_std)
{
    const ptrdiff_t M = cg * S;
    for (ptrdiff_t r = 0; r < N * G; r++) {
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
}

/* The gradients of group normalization from the forward's statistics: gbeta
 * and ggamma (sums over samples, accumulated in the double arrays sum_gy and
 * sum_gy_xhat of C entries, zeroed by the caller) and, when gx is not NULL,
 * gx = inv_std * (gamma * gy - mean_g(gamma * gy) - x_hat * mean_g(gamma * gy * x_hat)). */
FG_CLONES static void FN(fg_gn_backward)(const T *x, const T *gy, const T *gamma, const T *mean,
                               const T *inv_std, ptrdiff_t N, ptrdiff_t G, ptrdiff_t cg,
                               ptrdiff_t S, T *gx, double *sum_gy, double *sum_gy_xhat)
{
    const ptrdiff_t M = cg * S;
    for (ptrdiff_t r = 0; r < N * G; r++) {
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
            sum_gy[c0 + j] += s;
            sum_gy_xhat[c0 + j] += t;
            m1 += (double)gamma[c0 + j] * s;
            m2 += (double)gamma[c0 + j] * t;
        }
        if (gx == NULL)
            continue;
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
}
