/* The loops of ctc_kernels.h for one dtype T of logy and grad (included once
 * per dtype, with T and FN defined). */

/* row[s] /= its sum over s < S; returns the sum (0: nothing left) */
static inline double FN(fg_ctc_normalise)(double *row, ptrdiff_t S)
{
    double c = 0.0;
    for (ptrdiff_t s = 0; s < S; s++)
        c += row[s];
    if (c > 0.0) {
        const double inv = 1.0 / c;
        for (ptrdiff_t s = 0; s < S; s++)
            row[s] *= inv;
    }
    return c;
}

static void FN(fg_ctc)(const T *logy, const int64_t *paths, const int64_t *path_length,
                       const int64_t *t_len, int64_t blank, ptrdiff_t n_time,
                       ptrdiff_t n_batch, ptrdiff_t n_vocab, ptrdiff_t n_pos,
                       double *logz, T *grad, double *alpha, double *beta, double *emit)
{
    const ptrdiff_t row = n_batch * n_vocab;          /* one time step of logy */
    for (ptrdiff_t b = 0; b < n_batch; b++) {
        const int64_t *path = paths + b * n_pos;
        const ptrdiff_t S = (ptrdiff_t)path_length[b], tl = (ptrdiff_t)t_len[b];
        const T *ly = logy + b * n_vocab;              /* ly[t * row + v] */
        double z = 0.0;
        int alive = 1;
        if (tl == 0) {
            alive = S == 1;                            /* only the empty labels fit */
        } else {
            /* the emission probabilities of the path positions */
            for (ptrdiff_t t = 0; t < tl; t++)
                for (ptrdiff_t s = 0; s < S; s++)
                    emit[t * n_pos + s] = exp((double)ly[t * row + path[s]]);
            /* alpha_t(s): the prefixes ending at (t, s), rescaled to sum 1 */
            for (ptrdiff_t s = 0; s < S; s++)
                alpha[s] = s < 2 ? emit[s] : 0.0;
            for (ptrdiff_t t = 0; t < tl && alive; t++) {
                double *cur = alpha + t * n_pos;
                if (t > 0) {
                    const double *prev = cur - n_pos, *e = emit + t * n_pos;
                    for (ptrdiff_t s = 0; s < S; s++) {
                        double a = prev[s];
                        if (s >= 1)
                            a += prev[s - 1];
                        if (fg_ctc_skip(path, s, blank))
                            a += prev[s - 2];
                        cur[s] = a * e[s];
                    }
                }
                const double c = FN(fg_ctc_normalise)(cur, S);
                alive = c > 0.0;
                z += log(c);
            }
            if (alive) {
                const double *last = alpha + (tl - 1) * n_pos;
                const double end = last[S - 1] + (S > 1 ? last[S - 2] : 0.0);
                alive = end > 0.0;
                z += log(end);
            }
        }
        logz[b] = alive ? z : -INFINITY;
        if (grad == NULL)
            continue;
        /* grad starts as softmax(x) where the sample counts, 0 elsewhere */
        const int live = tl > 0 && alive;
        for (ptrdiff_t t = 0; t < n_time; t++) {
            T *g = grad + t * row + b * n_vocab;
            const T *l = ly + t * row;
            for (ptrdiff_t v = 0; v < n_vocab; v++)
                g[v] = (live && t < tl) ? (T)exp((double)l[v]) : (T)0;
        }
        if (!live)
            continue;
        /* beta_t(s): the suffixes after (t, s), from the last step's last two
         * positions, rescaled to sum 1 */
        double *end = beta + (tl - 1) * n_pos;
        for (ptrdiff_t s = 0; s < S; s++)
            end[s] = s >= S - 2 ? 1.0 : 0.0;
        for (ptrdiff_t t = tl - 2; t >= 0; t--) {
            const double *next = beta + (t + 1) * n_pos, *e = emit + (t + 1) * n_pos;
            double *cur = beta + t * n_pos;
            for (ptrdiff_t s = 0; s < S; s++) {
                double a = next[s] * e[s];
                if (s + 1 < S)
                    a += next[s + 1] * e[s + 1];
                if (s + 2 < S && fg_ctc_skip(path, s + 2, blank))
                    a += next[s + 2] * e[s + 2];
                cur[s] = a;
            }
            FN(fg_ctc_normalise)(cur, S);
        }
        /* minus the occupancy of each position, summed per vocabulary entry */
        for (ptrdiff_t t = 0; t < tl; t++) {
            const double *a = alpha + t * n_pos, *c = beta + t * n_pos;
            double w = 0.0;
            for (ptrdiff_t s = 0; s < S; s++)
                w += a[s] * c[s];
            if (w <= 0.0)
                continue;
            const double inv = 1.0 / w;
            T *g = grad + t * row + b * n_vocab;
            for (ptrdiff_t s = 0; s < S; s++)
                g[path[s]] -= (T)(a[s] * c[s] * inv);
        }
    }
}
