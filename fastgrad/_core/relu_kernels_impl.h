/* The loops of relu_kernels.h for one dtype T (included once per dtype, with
 * T and FN defined). */

FG_CLONES static void FN(fg_relu_forward_range)(const T *x, T *y, ptrdiff_t lo, ptrdiff_t hi)
{
#pragma omp simd
    for (ptrdiff_t i = lo; i < hi; i++) {
        const T v = x[i];
        y[i] = v > 0 ? v : (v == v ? (T)0 : v);
    }
}

FG_CLONES static void FN(fg_relu_backward_range)(const T *y, const T *gy, T *gx, ptrdiff_t lo,
                                                 ptrdiff_t hi)
{
#pragma omp simd
    for (ptrdiff_t i = lo; i < hi; i++)
        gx[i] = gy[i] * (T)(y[i] > 0);
}

static void FN(fg_relu_forward_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const fg_relu_args *a = (const fg_relu_args *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->n, k, parts, &lo, &hi);
    FN(fg_relu_forward_range)((const T *)a->a, (T *)a->out, lo, hi);
}

static void FN(fg_relu_backward_part)(const void *args, ptrdiff_t k, ptrdiff_t parts)
{
    const fg_relu_args *a = (const fg_relu_args *)args;
    ptrdiff_t lo, hi;
    fg_part_range(a->n, k, parts, &lo, &hi);
    FN(fg_relu_backward_range)((const T *)a->a, (const T *)a->b, (T *)a->out, lo, hi);
}

/* An element is one load and one store (two loads backward): a part needs
 * FG_RELU_ELEMENTS_PER_WORK times the pool's grain before waking a worker
 * pays (an MLP's (100, 1000) activations stay on the calling thread). */
#ifndef FG_RELU_ELEMENTS_PER_WORK
#define FG_RELU_ELEMENTS_PER_WORK 8
#endif

static void FN(fg_relu_forward)(const T *x, T *y, ptrdiff_t n, int nt)
{
    const fg_relu_args a = {x, NULL, y, n};
    fg_parallel_run(fg_parts(nt, (double)n / FG_RELU_ELEMENTS_PER_WORK, n),
                    FN(fg_relu_forward_part), &a);
}

static void FN(fg_relu_backward)(const T *y, const T *gy, T *gx, ptrdiff_t n, int nt)
{
    const fg_relu_args a = {y, gy, gx, n};
    fg_parallel_run(fg_parts(nt, (double)n / FG_RELU_ELEMENTS_PER_WORK, n),
                    FN(fg_relu_backward_part), &a);
}
