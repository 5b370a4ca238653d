/* The loops of im2col_kernels.h for one dtype T (included once per dtype,
 * with T and FN defined).  A plane's columns are kh * kw blocks of oh * ow,
 * `tap` elements apart (oh * ow in the (N, C, kh, kw, oh, ow) layout,
 * N * oh * ow in the batch-major (C, kh, kw, N, oh, ow) one). */

static void FN(fg_im2col_plane)(const T *img, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                                ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph,
                                ptrdiff_t pw, ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy,
                                ptrdiff_t dx, T *col, ptrdiff_t tap)
{
    for (ptrdiff_t i = 0; i < kh; i++)
        for (ptrdiff_t j = 0; j < kw; j++) {
            ptrdiff_t x0, x1;
            const ptrdiff_t off = j * dx - pw;
            fg_valid_range(off, sx, W, ow, &x0, &x1);
            for (ptrdiff_t y = 0; y < oh; y++) {
                T *o = col + (i * kw + j) * tap + y * ow;
                const ptrdiff_t r = y * sy + i * dy - ph;
                if (r < 0 || r >= H) {
                    memset(o, 0, (size_t)ow * sizeof(T));
                    continue;
                }
                /* the input element of output column x0 (when x0 < x1) */
                const T *src = img + r * W + (x0 < x1 ? x0 * sx + off : 0);
                for (ptrdiff_t x = 0; x < x0; x++)
                    o[x] = 0;
                if (sx == 1)
                    memcpy(o + x0, src, (size_t)(x1 - x0) * sizeof(T));
                else
                    for (ptrdiff_t x = x0; x < x1; x++)
                        o[x] = src[(x - x0) * sx];
                for (ptrdiff_t x = x1; x < ow; x++)
                    o[x] = 0;
            }
        }
}

typedef struct {
    const T *src;
    T *dst;
    ptrdiff_t P, H, W, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx;
    ptrdiff_t N;                 /* > 0: the batch-major column layout, N samples */
} FN(fg_im2col_args);

/* where plane p's columns start, and their tap stride */
static inline ptrdiff_t FN(fg_col_base)(const FN(fg_im2col_args) *a, ptrdiff_t p, ptrdiff_t *tap)
{
    const ptrdiff_t P1 = a->oh * a->ow, taps = a->kh * a->kw;
    if (a->N > 0) {                              /* p = n * C + c */
        const ptrdiff_t C = a->P / a->N, n = p / C, c = p % C;
        *tap = a->N * P1;
        return c * taps * a->N * P1 + n * P1;
    }
    *tap = P1;
    return p * taps * P1;
}

static void FN(fg_im2col_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const FN(fg_im2col_args) *a = (const FN(fg_im2col_args) *)args;
    ptrdiff_t lo, hi, tap;
    fg_part_range(a->P, k, parts, &lo, &hi);
    for (ptrdiff_t p = lo; p < hi; p++) {
        const ptrdiff_t base = FN(fg_col_base)(a, p, &tap);
        FN(fg_im2col_plane)(a->src + p * a->H * a->W, a->H, a->W, a->kh, a->kw, a->sy, a->sx,
                            a->ph, a->pw, a->oh, a->ow, a->dy, a->dx, a->dst + base, tap);
    }
}

/* N > 0: col in the batch-major layout (x has N samples); 0: the other */
static void FN(fg_im2col)(const T *x, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                          ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                          ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, T *col,
                          ptrdiff_t N, int nt)
{
    const FN(fg_im2col_args) a = {x, col, P, H, W, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, N};
    fg_parallel_run(fg_parts(nt, (double)P * (double)(kh * kw * oh * ow), P),
                    FN(fg_im2col_part), &a);
}

static void FN(fg_col2im_plane)(const T *col, ptrdiff_t tap, ptrdiff_t H, ptrdiff_t W,
                                ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx,
                                ptrdiff_t ph, ptrdiff_t pw, ptrdiff_t oh, ptrdiff_t ow,
                                ptrdiff_t dy, ptrdiff_t dx, T *img)
{
    memset(img, 0, (size_t)(H * W) * sizeof(T));
    for (ptrdiff_t i = 0; i < kh; i++)
        for (ptrdiff_t j = 0; j < kw; j++) {
            ptrdiff_t x0, x1;
            const ptrdiff_t off = j * dx - pw;
            fg_valid_range(off, sx, W, ow, &x0, &x1);
            for (ptrdiff_t y = 0; y < oh; y++) {
                const ptrdiff_t r = y * sy + i * dy - ph;
                if (r < 0 || r >= H)
                    continue;
                if (x0 == x1)
                    continue;
                const T *c = col + (i * kw + j) * tap + y * ow + x0;
                T *dst = img + r * W + x0 * sx + off;
                const ptrdiff_t n = x1 - x0;
                if (sx == 1) {
#pragma omp simd
                    for (ptrdiff_t x = 0; x < n; x++)
                        dst[x] += c[x];
                } else {
                    for (ptrdiff_t x = 0; x < n; x++)
                        dst[x * sx] += c[x];
                }
            }
        }
}

static void FN(fg_col2im_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const FN(fg_im2col_args) *a = (const FN(fg_im2col_args) *)args;
    ptrdiff_t lo, hi, tap;
    fg_part_range(a->P, k, parts, &lo, &hi);
    for (ptrdiff_t p = lo; p < hi; p++) {
        const ptrdiff_t base = FN(fg_col_base)(a, p, &tap);
        FN(fg_col2im_plane)(a->src + base, tap, a->H, a->W, a->kh, a->kw, a->sy, a->sx, a->ph,
                            a->pw, a->oh, a->ow, a->dy, a->dx, a->dst + p * a->H * a->W);
    }
}

static void FN(fg_col2im)(const T *col, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                          ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                          ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, T *img,
                          ptrdiff_t N, int nt)
{
    const FN(fg_im2col_args) a = {col, img, P, H, W, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, N};
    fg_parallel_run(fg_parts(nt, (double)P * (double)(kh * kw * oh * ow), P),
                    FN(fg_col2im_part), &a);
}
