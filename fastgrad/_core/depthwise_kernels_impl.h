/* The loops of depthwise_kernels.h for one dtype T (included once per dtype,
 * with T and FN defined). */

/* y's M planes of input plane (n, c) */
FG_CLONES static void FN(fg_dw_forward_plane)(const fg_dw_args *a, ptrdiff_t p)
{
    const ptrdiff_t c = p % a->C, M = a->M, H = a->H, W = a->W, oh = a->oh, ow = a->ow;
    const ptrdiff_t kh = a->kh, kw = a->kw, sx = a->sx;
    const T *img = (const T *)a->x + p * H * W;
    for (ptrdiff_t m = 0; m < M; m++) {
        const T *w = (const T *)a->w + (c * M + m) * kh * kw;
        const T bias = a->b != NULL ? ((const T *)a->b)[c * M + m] : (T)0;
        T *out = (T *)a->out + (p * M + m) * oh * ow;
        for (ptrdiff_t u = 0; u < oh; u++) {
            T *o = out + u * ow;
            for (ptrdiff_t v = 0; v < ow; v++)
                o[v] = bias;
            for (ptrdiff_t i = 0; i < kh; i++) {
                const ptrdiff_t r = u * a->sy + i * a->dy - a->ph;
                if (r < 0 || r >= H)
                    continue;
                for (ptrdiff_t j = 0; j < kw; j++) {
                    ptrdiff_t v0, v1;
                    const ptrdiff_t off = j * a->dx - a->pw;
                    fg_valid_range(off, sx, W, ow, &v0, &v1);
                    if (v0 == v1)
                        continue;
                    const T wij = w[i * kw + j];
                    const T *src = img + r * W + v0 * sx + off;
                    T *dst = o + v0;
                    const ptrdiff_t n = v1 - v0;
                    if (sx == 1) {
#pragma omp simd
                        for (ptrdiff_t v = 0; v < n; v++)
                            dst[v] += wij * src[v];
                    } else {
                        for (ptrdiff_t v = 0; v < n; v++)
                            dst[v] += wij * src[v * sx];
                    }
                }
            }
        }
    }
}

static void FN(fg_dw_forward_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const fg_dw_args *a = (const fg_dw_args *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->N * a->C, k, parts, &lo, &hi);
    for (ptrdiff_t p = lo; p < hi; p++)
        FN(fg_dw_forward_plane)(a, p);
}

/* gx plane (n, c): the taps of its M gy planes, scattered back */
FG_CLONES static void FN(fg_dw_grad_x_plane)(const fg_dw_args *a, ptrdiff_t p)
{
    const ptrdiff_t c = p % a->C, M = a->M, H = a->H, W = a->W, oh = a->oh, ow = a->ow;
    const ptrdiff_t kh = a->kh, kw = a->kw, sx = a->sx;
    T *img = (T *)a->out + p * H * W;
    memset(img, 0, (size_t)(H * W) * sizeof(T));
    for (ptrdiff_t m = 0; m < M; m++) {
        const T *w = (const T *)a->w + (c * M + m) * kh * kw;
        const T *g = (const T *)a->gy + (p * M + m) * oh * ow;
        for (ptrdiff_t u = 0; u < oh; u++) {
            const T *gu = g + u * ow;
            for (ptrdiff_t i = 0; i < kh; i++) {
                const ptrdiff_t r = u * a->sy + i * a->dy - a->ph;
                if (r < 0 || r >= H)
                    continue;
                for (ptrdiff_t j = 0; j < kw; j++) {
                    ptrdiff_t v0, v1;
                    const ptrdiff_t off = j * a->dx - a->pw;
                    fg_valid_range(off, sx, W, ow, &v0, &v1);
                    if (v0 == v1)
                        continue;
                    const T wij = w[i * kw + j];
                    T *dst = img + r * W + v0 * sx + off;
                    const T *src = gu + v0;
                    const ptrdiff_t n = v1 - v0;
                    if (sx == 1) {
#pragma omp simd
                        for (ptrdiff_t v = 0; v < n; v++)
                            dst[v] += wij * src[v];
                    } else {
                        for (ptrdiff_t v = 0; v < n; v++)
                            dst[v * sx] += wij * src[v];
                    }
                }
            }
        }
    }
}

static void FN(fg_dw_grad_x_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const fg_dw_args *a = (const fg_dw_args *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->N * a->C, k, parts, &lo, &hi);
    for (ptrdiff_t p = lo; p < hi; p++)
        FN(fg_dw_grad_x_plane)(a, p);
}

/* W[c]'s gradient: acc[(c*M + m)*kh*kw + i*kw + j] over every sample, then
 * cast into out */
FG_CLONES static void FN(fg_dw_grad_w_channel)(const fg_dw_args *a, ptrdiff_t c)
{
    const ptrdiff_t C = a->C, M = a->M, H = a->H, W = a->W, oh = a->oh, ow = a->ow;
    const ptrdiff_t kh = a->kh, kw = a->kw, sx = a->sx, taps = kh * kw;
    double *acc = a->acc + c * M * taps;
    for (ptrdiff_t t = 0; t < M * taps; t++)
        acc[t] = 0.0;
    for (ptrdiff_t n = 0; n < a->N; n++) {
        const T *img = (const T *)a->x + (n * C + c) * H * W;
        for (ptrdiff_t m = 0; m < M; m++) {
            const T *g = (const T *)a->gy + ((n * C + c) * M + m) * oh * ow;
            for (ptrdiff_t i = 0; i < kh; i++)
                for (ptrdiff_t j = 0; j < kw; j++) {
                    ptrdiff_t v0, v1;
                    const ptrdiff_t off = j * a->dx - a->pw;
                    fg_valid_range(off, sx, W, ow, &v0, &v1);
                    if (v0 == v1)
                        continue;
                    const ptrdiff_t n_v = v1 - v0;
                    double s = 0.0;
                    for (ptrdiff_t u = 0; u < oh; u++) {
                        const ptrdiff_t r = u * a->sy + i * a->dy - a->ph;
                        if (r < 0 || r >= H)
                            continue;
                        const T *src = img + r * W + v0 * sx + off;
                        const T *gu = g + u * ow + v0;
                        /* a row's products summed in T (a few dozen terms, at full
                         * SIMD width), the rows in double */
                        T row = 0;
                        if (sx == 1) {
#pragma omp simd reduction(+:row)
                            for (ptrdiff_t v = 0; v < n_v; v++)
                                row += gu[v] * src[v];
                        } else {
                            for (ptrdiff_t v = 0; v < n_v; v++)
                                row += gu[v] * src[v * sx];
                        }
                        s += (double)row;
                    }
                    acc[m * taps + i * kw + j] += s;
                }
        }
    }
    T *out = (T *)a->out + c * M * taps;
    for (ptrdiff_t t = 0; t < M * taps; t++)
        out[t] = (T)acc[t];
}

static void FN(fg_dw_grad_w_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const fg_dw_args *a = (const fg_dw_args *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->C, k, parts, &lo, &hi);
    for (ptrdiff_t c = lo; c < hi; c++)
        FN(fg_dw_grad_w_channel)(a, c);
}

/* The entry points: a is filled by the caller (acc: C * M * kh * kw doubles
 * for grad_W); work counts the multiply-adds. */
static void FN(fg_dw_forward)(const fg_dw_args *a, int nt)
{
    const double work = (double)a->N * a->C * a->M * a->oh * a->ow * a->kh * a->kw;
    fg_parallel_run(fg_parts(nt, work, a->N * a->C), FN(fg_dw_forward_part), a);
}

static void FN(fg_dw_grad_x)(const fg_dw_args *a, int nt)
{
    const double work = (double)a->N * a->C * a->M * a->oh * a->ow * a->kh * a->kw;
    fg_parallel_run(fg_parts(nt, work, a->N * a->C), FN(fg_dw_grad_x_part), a);
}

static void FN(fg_dw_grad_w)(const fg_dw_args *a, int nt)
{
    const double work = (double)a->N * a->C * a->M * a->oh * a->ow * a->kh * a->kw;
    fg_parallel_run(fg_parts(nt, work, a->C), FN(fg_dw_grad_w_part), a);
}
