// fastgrad_cuda/gemm.cu -- kernels for the linear layer (compiled by NVRTC
// through cupy.RawModule; also compile-checked with nvcc, see tools/).
//
// One GEMM family computes every product of the linear layer:
//
//     C[M, N] = A'[M, K] . B'[K, N]   (+ bias[n])   (relu)
//     A'(m, k) = A[m * sam + k * sak]        B'(k, n) = B[k * sbk + n * sbn]
//
// Strides are element strides passed at run time, so transposed or strided
// views need no copies:  y = x.W^T  (A = x, B' = W^T),  gx = gy.W,  gW = gy^T.x.
// C is row-major with leading dimension ldc.
//
// Structure (the host side in linear.py mirrors all index math, and the
// NumPy emulation in tests/fastgrad_cuda/test_tiling_reference.py checks it):
//  * a BM x BN block tile, BK-deep K steps, TM x TN outputs per thread (register
//    blocking), the thread's outputs split into VM x VN sub-blocks spread
//    TY*VM rows / TX*VN columns apart, so shared-memory reads are 16-byte
//    vector loads with no bank conflicts and global stores are coalesced;
//  * threads grouped into WX x WY "warp tiles" (8 x 4 lanes) so one warp reads
//    few distinct shared-memory vectors per k;
//  * global -> register -> shared staging with two shared buffers: the next
//    tile's global loads are in flight while the current tile is multiplied,
//    one __syncthreads per K step;
//  * 16-byte vector global loads when the operand's contiguous stride is 1 and
//    its base / other stride are 16-byte aligned (host checks, flag bits);
//    otherwise, and at the matrix edges, element loads with bounds checks;
//  * tiles visited in groups of group_m tile rows (L2 reuse of B' panels);
//  * optional split-K: gridDim.z slices of k_chunk each write partial sums to a
//    workspace, summed in a fixed order (deterministic) by fg_splitk_reduce,
//    which then applies the epilogue.
// Operand layout ("K-major": the stride along k is 1) is a template parameter,
// so the thread -> element mapping of the loads stays compile-time.  MINB is
// the __launch_bounds__ minimum of resident blocks per SM (a register cap); the
// host picks it per architecture so that no instance spills.
//
// No headers: NVRTC compiles this without the CUDA runtime headers.

namespace fg {

// flag bits: defined once, in fastgrad_cuda/plan.py, and passed in as -D constants
// (plan.FLAG_OPTIONS)
#ifndef FG_F_VEC_C
#error "compile with plan.COMPILE_OPTIONS (the flag bits -DFG_F_*)"
#endif
constexpr int F_BIAS = FG_F_BIAS;
constexpr int F_RELU = FG_F_RELU;
constexpr int F_VEC_A = FG_F_VEC_A;
constexpr int F_VEC_B = FG_F_VEC_B;
constexpr int F_VEC_C = FG_F_VEC_C;

template <typename T, int N> struct VecT;
template <> struct VecT<float, 2> { typedef float2 type; };
template <> struct VecT<float, 4> { typedef float4 type; };
template <> struct VecT<double, 2> { typedef double2 type; };

// Copy N contiguous elements with one load/store instruction.
// The address must be aligned to N * sizeof(T).
template <typename T, int N>
__device__ __forceinline__ void vload(T* d, const T* s) {
    if constexpr (N == 1) {
        d[0] = s[0];
    } else if constexpr (N == 2) {
        const typename VecT<T, 2>::type v = *reinterpret_cast<const typename VecT<T, 2>::type*>(s);
        d[0] = v.x; d[1] = v.y;
    } else {
        static_assert(N == 4, "vector width");
        const typename VecT<T, 4>::type v = *reinterpret_cast<const typename VecT<T, 4>::type*>(s);
        d[0] = v.x; d[1] = v.y; d[2] = v.z; d[3] = v.w;
    }
}

template <typename T, int N>
__device__ __forceinline__ void vstore(T* d, const T* s) {
    if constexpr (N == 1) {
        d[0] = s[0];
    } else if constexpr (N == 2) {
        typename VecT<T, 2>::type v;
        v.x = s[0]; v.y = s[1];
        *reinterpret_cast<typename VecT<T, 2>::type*>(d) = v;
    } else {
        static_assert(N == 4, "vector width");
        typename VecT<T, 4>::type v;
        v.x = s[0]; v.y = s[1]; v.z = s[2]; v.w = s[3];
        *reinterpret_cast<typename VecT<T, 4>::type*>(d) = v;
    }
}

// Loads one ROWS x BK operand tile (rows = m for A', n for B') into registers
// and stores it to shared memory as S[k][row] (row contiguous, ROWS + VW long).
// KMAJOR: the operand is contiguous along k (vectors run along k, the shared
// store transposes); otherwise vectors run along the rows.
template <typename T, int ROWS, int BK, int NT, bool KMAJOR>
struct TileLoader {
    static constexpr int VW = 16 / (int)sizeof(T);
    static constexpr int LD = ROWS + VW;              // shared row length (pad: no bank conflicts)
    static constexpr int L = ROWS * BK / (NT * VW);   // vectors per thread
    static_assert(L >= 1 && L * NT * VW == ROWS * BK, "tile not divisible among threads");
    static_assert(BK % VW == 0 && ROWS % VW == 0, "tile not a multiple of the vector width");

    __device__ __forceinline__ static void pos(int tid, int i, int& r, int& k) {
        const int v = tid + i * NT;
        if constexpr (KMAJOR) {
            r = v / (BK / VW);
            k = (v % (BK / VW)) * VW;
        } else {
            k = v / (ROWS / VW);
            r = (v % (ROWS / VW)) * VW;
        }
    }

    __device__ __forceinline__ static void load(T (&reg)[L][VW], const T* __restrict__ P,
                                                long long s_row, long long s_k, int row0,
                                                int nrows, int k0, int kend, bool vec, int tid) {
#pragma unroll
        for (int i = 0; i < L; ++i) {
            int r, k;
            pos(tid, i, r, k);
            const int gr = row0 + r, gk = k0 + k;
            if constexpr (KMAJOR) {
                if (vec && gr < nrows && gk + VW <= kend) {
                    vload<T, VW>(reg[i], P + (long long)gr * s_row + gk);
                } else {
#pragma unroll
                    for (int j = 0; j < VW; ++j)
                        reg[i][j] = (gr < nrows && gk + j < kend)
                                        ? P[(long long)gr * s_row + (long long)(gk + j) * s_k]
                                        : T(0);
                }
            } else {
                if (vec && gk < kend && gr + VW <= nrows) {
                    vload<T, VW>(reg[i], P + (long long)gk * s_k + gr);
                } else {
#pragma unroll
                    for (int j = 0; j < VW; ++j)
                        reg[i][j] = (gr + j < nrows && gk < kend)
                                        ? P[(long long)(gr + j) * s_row + (long long)gk * s_k]
                                        : T(0);
                }
            }
        }
    }

    __device__ __forceinline__ static void store(T* S, const T (&reg)[L][VW], int tid) {
#pragma unroll
        for (int i = 0; i < L; ++i) {
            int r, k;
            pos(tid, i, r, k);
            if constexpr (KMAJOR) {
#pragma unroll
                for (int j = 0; j < VW; ++j) S[(k + j) * LD + r] = reg[i][j];
            } else {
                vstore<T, VW>(S + k * LD + r, reg[i]);
            }
        }
    }
};

}  // namespace fg

template <typename T, int BM, int BN, int BK, int TM, int TN, int MINB, bool A_KMAJOR,
          bool B_KMAJOR>
__global__ void __launch_bounds__((BM / TM) * (BN / TN), MINB)
fg_gemm(const T* __restrict__ A, long long sam, long long sak,
        const T* __restrict__ B, long long sbk, long long sbn,
        T* __restrict__ C, long long ldc,
        const T* __restrict__ bias, long long sbias,
        int M, int N, int K, int k_chunk, int group_m, int flags) {
    constexpr int VW = 16 / (int)sizeof(T);
    constexpr int TX = BN / TN, TY = BM / TM, NT = TX * TY;
    constexpr int VM = TM < VW ? TM : VW, VN = TN < VW ? TN : VW;
    constexpr int WX = TX < 8 ? TX : 8;
    constexpr int WY = TY < 32 / WX ? TY : 32 / WX;
    static_assert(BM % TM == 0 && BN % TN == 0, "thread tile");
    static_assert(TM % VM == 0 && TN % VN == 0, "sub-blocks");
    static_assert(TX % WX == 0 && TY % WY == 0, "warp tile");
    typedef fg::TileLoader<T, BM, BK, NT, A_KMAJOR> LoadA;
    typedef fg::TileLoader<T, BN, BK, NT, B_KMAJOR> LoadB;

    __shared__ __align__(16) T As[2][BK][LoadA::LD];
    __shared__ __align__(16) T Bs[2][BK][LoadB::LD];

    const int tid = threadIdx.x;

    // block -> tile, in groups of group_m tile rows
    const int tiles_m = (M + BM - 1) / BM;
    const int tiles_n = (N + BN - 1) / BN;
    const int pid = blockIdx.x;
    const int per_group = group_m * tiles_n;
    const int g = pid / per_group;
    const int first_m = g * group_m;
    const int gsize = min(tiles_m - first_m, group_m);
    const int in_g = pid - g * per_group;
    const int m0 = (first_m + in_g % gsize) * BM;
    const int n0 = (in_g / gsize) * BN;

    // this block's K slice
    const int kbeg = blockIdx.z * k_chunk;
    const int kend = min(K, kbeg + k_chunk);
    const int ntiles = kend > kbeg ? (kend - kbeg + BK - 1) / BK : 0;
    const bool vec_a = flags & fg::F_VEC_A;
    const bool vec_b = flags & fg::F_VEC_B;

    // thread -> (ty, tx) through WX x WY lane tiles
    const int lane = tid % (WX * WY);
    const int w = tid / (WX * WY);
    const int tx = (w % (TX / WX)) * WX + lane % WX;
    const int ty = (w / (TX / WX)) * WY + lane / WX;

    T acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

    T ra[LoadA::L][VW];
    T rb[LoadB::L][VW];
    if (ntiles > 0) {
        LoadA::load(ra, A, sam, sak, m0, M, kbeg, kend, vec_a, tid);
        LoadB::load(rb, B, sbn, sbk, n0, N, kbeg, kend, vec_b, tid);
        LoadA::store(&As[0][0][0], ra, tid);
        LoadB::store(&Bs[0][0][0], rb, tid);
        __syncthreads();
    }

    for (int t = 0; t < ntiles; ++t) {
        const int cur = t & 1;
        const bool more = t + 1 < ntiles;
        if (more) {  // next tile's global loads overlap this tile's FMAs
            const int k0 = kbeg + (t + 1) * BK;
            LoadA::load(ra, A, sam, sak, m0, M, k0, kend, vec_a, tid);
            LoadB::load(rb, B, sbn, sbk, n0, N, k0, kend, vec_b, tid);
        }
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            T a[TM], b[TN];
#pragma unroll
            for (int i = 0; i < TM / VM; ++i)
                fg::vload<T, VM>(a + i * VM, &As[cur][kk][i * TY * VM + ty * VM]);
#pragma unroll
            for (int j = 0; j < TN / VN; ++j)
                fg::vload<T, VN>(b + j * VN, &Bs[cur][kk][j * TX * VN + tx * VN]);
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j) acc[i][j] += a[i] * b[j];
        }
        if (more) {
            LoadA::store(&As[cur ^ 1][0][0], ra, tid);
            LoadB::store(&Bs[cur ^ 1][0][0], rb, tid);
        }
        __syncthreads();
    }

    // epilogue: split-K partials go raw to slice z of the workspace
    if (gridDim.z > 1) C += (long long)blockIdx.z * M * ldc;
    const bool relu = flags & fg::F_RELU;
    const bool vec_c = flags & fg::F_VEC_C;
    T bv[TN];
#pragma unroll
    for (int j = 0; j < TN / VN; ++j)
#pragma unroll
        for (int u = 0; u < VN; ++u) {
            const int c = n0 + j * TX * VN + tx * VN + u;
            bv[j * VN + u] = ((flags & fg::F_BIAS) && c < N) ? bias[(long long)c * sbias] : T(0);
        }
#pragma unroll
    for (int i = 0; i < TM / VM; ++i)
#pragma unroll
        for (int v = 0; v < VM; ++v) {
            const int r = m0 + i * TY * VM + ty * VM + v;
            if (r >= M) continue;
            T* crow = C + (long long)r * ldc;
#pragma unroll
            for (int j = 0; j < TN / VN; ++j) {
                const int c = n0 + j * TX * VN + tx * VN;
                T o[VN];
#pragma unroll
                for (int u = 0; u < VN; ++u) {
                    T s = acc[i * VM + v][j * VN + u] + bv[j * VN + u];
                    o[u] = (relu && s < T(0)) ? T(0) : s;  // NaN stays NaN
                }
                if (vec_c && c + VN <= N) {
                    fg::vstore<T, VN>(crow + c, o);
                } else {
#pragma unroll
                    for (int u = 0; u < VN; ++u)
                        if (c + u < N) crow[c + u] = o[u];
                }
            }
        }
}

// Sums the split-K partials ws[z][M][N] in order z = 0, 1, ... (deterministic),
// adds the bias, applies relu, writes C (leading dimension ldc).
template <typename T>
__global__ void fg_splitk_reduce(const T* __restrict__ ws, int splits, T* __restrict__ C,
                                 long long ldc, const T* __restrict__ bias, long long sbias,
                                 int M, int N, int flags) {
    const long long total = (long long)M * N;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += step) {
        const int r = (int)(idx / N), c = (int)(idx % N);
        T s = ws[idx];
        for (int z = 1; z < splits; ++z) s += ws[z * total + idx];
        if (flags & fg::F_BIAS) s += bias[(long long)c * sbias];
        if ((flags & fg::F_RELU) && s < T(0)) s = T(0);
        C[(long long)r * ldc + c] = s;
    }
}

// gb[n] = sum_m G[m * s0 + n * s1]: BX columns per block, BY threads per column
// striding over the rows, accumulated in double, then a tree over the BY partials.
template <typename T, int BX, int BY>
__global__ void __launch_bounds__(BX * BY)
fg_colsum(const T* __restrict__ G, long long s0, long long s1, T* __restrict__ out,
          long long sout, int M, int N) {
    static_assert((BY & (BY - 1)) == 0, "BY must be a power of two");
    __shared__ double part[BY][BX + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int c = blockIdx.x * BX + tx;
    double s = 0.0;
    if (c < N) {
        const T* p = G + (long long)c * s1;
#pragma unroll 4
        for (int r = ty; r < M; r += BY) s += (double)p[(long long)r * s0];
    }
    part[ty][tx] = s;
    __syncthreads();
#pragma unroll
    for (int h = BY / 2; h > 0; h >>= 1) {
        if (ty < h) part[ty][tx] += part[ty + h][tx];
        __syncthreads();
    }
    if (ty == 0 && c < N) out[(long long)c * sout] = (T)part[0][tx];
}
