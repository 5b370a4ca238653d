// fastgrad_cuda/gemm_mma.cu -- tensor-core (mma.sync) GEMMs for the linear layer, sm_80+.
// Compiled by NVRTC through cupy.RawModule (a module of its own, separate from
// gemm.cu) and compile-checked with nvcc / NVRTC by tools/compile_check.py.
//
// Same contract as fg_gemm in gemm.cu -- same parameter list, grid, block order,
// flags, split-K slices and epilogue:
//
//     C[M, N] = A'[M, K] . B'[K, N]   (+ bias[n])   (relu)
//     A'(m, k) = A[m * sam + k * sak]        B'(k, n) = B[k * sbk + n * sbn]
//
//   T = float : TF32 tensor cores, mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32.
//               Each operand element is rounded to TF32 (cvt.rna.tf32.f32: nearest,
//               ties away from zero) when its fragment is loaded; products are
//               accumulated in fp32.  Opt-in (fastgrad.config.linear_allow_tf32),
//               like cuBLAS's TF32 mode.
//   T = double: FP64 tensor cores, full double precision (fastgrad.config.linear_fp64_mma):
//               mma.sync.aligned.m16n8k8.row.col.f64.f64.f64.f64 on sm_90+ (Hopper's
//               FP64 shape), mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64 on
//               sm_80-89 (the only FP64 shape there).  Defining FGM_FP64_M8N8K4 forces
//               m8n8k4 on every architecture (for A/B timing).
//
// Structure (linear.py mirrors the host-side math; the NumPy emulation in
// tests/fastgrad_cuda/test_mma_reference.py transliterates this file):
//  * a BM x BN block tile, BK-deep K steps, split among (BM/WM) x (BN/WN) warps;
//    each warp owns a WM x WN warp tile = MI x NI mma tiles of the atom's M x N;
//  * global -> shared with cp.async (no register staging) into a STAGES-deep ring
//    of shared buffers: tiles t+1 .. t+STAGES-1 are in flight while tile t is
//    multiplied; one cp.async.wait_group + one __syncthreads per K step;
//  * 16-byte cp.async when the operand's contiguous stride is 1 and its base /
//    other stride are 16-byte aligned (host checks, flag bits F_VEC_A/B); the
//    part of a vector that lies past the matrix edge is zero-filled through the
//    instruction's src-size operand.  Otherwise element-wise cp.async (4 or 8
//    bytes), each zero-filled (src-size 0) outside the matrix;
//  * shared layout per operand: K-major operands (stride 1 along k) are stored
//    S[row][k] (row length BK + 4), the others S[k][row] (row length ROWS + 8
//    for float, ROWS + 4 for double), so that every cp.async writes one
//    contiguous 16-byte chunk and the fragment loads below are free of bank
//    conflicts (32-bit loads: 32 distinct banks per warp; 64-bit loads: 16
//    distinct 8-byte slots per half-warp);
//  * fragments are read from shared memory with scalar loads in the PTX ISA's
//    documented fragment layouts (cited at MmaAtom below);
//  * epilogue straight from the accumulator fragments: each lane owns pairs of
//    adjacent columns, stored as one 8-byte (float2) / 16-byte (double2) vector
//    when F_VEC_C allows, else element-wise with bounds checks;
//  * split-K (gridDim.z > 1): raw partial sums to slice z of the workspace,
//    reduced (and the epilogue applied) by fg_splitk_reduce from gemm.cu.
// Shared memory is dynamic: STAGES * (A stage + B stage) elements, as computed
// by linear.mma_smem_bytes; the host raises the kernel's dynamic shared-memory
// limit above 48 KB when needed.
//
// No headers: NVRTC compiles this without the CUDA runtime headers.

namespace fgm {

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

// ---- PTX helpers --------------------------------------------------------------------

__device__ __forceinline__ unsigned smem_addr(const void* p) {
    unsigned r;
    asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(r) : "l"(p));
    return r;
}

// cp.async of BYTES (4, 8 or 16) bytes; only the first src_bytes are read, the rest of
// the destination is zero-filled (PTX ISA, "cp.async", src-size operand).
template <int BYTES>
__device__ __forceinline__ void cp_async(unsigned dst, const void* src, int src_bytes) {
    if constexpr (BYTES == 16) {
        asm volatile(
            "{ .reg .u64 g; cvta.to.global.u64 g, %1;\n"
            "  cp.async.cg.shared.global [%0], [g], 16, %2; }\n"
            :: "r"(dst), "l"(src), "r"(src_bytes) : "memory");
    } else {
        static_assert(BYTES == 4 || BYTES == 8, "cp.async size");
        asm volatile(
            "{ .reg .u64 g; cvta.to.global.u64 g, %1;\n"
            "  cp.async.ca.shared.global [%0], [g], %3, %2; }\n"
            :: "r"(dst), "l"(src), "r"(src_bytes), "n"(BYTES) : "memory");
    }
}

__device__ __forceinline__ void cp_async_commit() {
    asm volatile("cp.async.commit_group;\n" ::: "memory");
}

template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" :: "n"(N) : "memory");
}

// ---- the mma atoms ------------------------------------------------------------------
//
// Fragment layouts from the PTX ISA, section "Warp-level matrix multiply-accumulate
// instructions" > "Matrix Fragments for mma.m16n8k8" (9.7.14.5.7 in PTX ISA 8.x/9.0,
// 9.7.13.4.7 in 7.x; figures 72, 75, 77) and "Matrix Fragments for mma.m8n8k4 with .f64
// floating point type" (9.7.14.5.2 / 9.7.13.4.2; figures 53-55).  With
// g = laneid >> 2 (groupID) and t = laneid % 4 (threadID_in_group):
//
//   m16n8k8 .tf32:  A (16x8, row):  a0 = A[g][t]    a1 = A[g+8][t]
//                                   a2 = A[g][t+4]  a3 = A[g+8][t+4]
//                   B (8x8, col):   b0 = B[t][g]    b1 = B[t+4][g]
//                   C/D (16x8 f32): c0 = C[g][2t]   c1 = C[g][2t+1]
//                                   c2 = C[g+8][2t] c3 = C[g+8][2t+1]
//   m8n8k4 .f64:    A (8x4):  a0 = A[g][t]     B (4x8):  b0 = B[t][g]
//                   C/D (8x8): c0 = C[g][2t]   c1 = C[g][2t+1]
//   m16n8k8 .f64 (sm_90+; same section, figures 73, 76, 78): the .tf32 layout above,
//                   with .f64 registers (A 4, B 2, C/D 4).
//
// Each atom reads its fragments from shared memory through an accessor
// at(row, k) (row = m for A, n for B) and issues the instruction.

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 900) && !defined(FGM_FP64_M8N8K4)
#define FGM_FP64_M16N8K8 1
#endif

template <typename T> struct MmaAtom;

template <> struct MmaAtom<float> {
    static constexpr int M = 16, N = 8, K = 8, A_REGS = 4, B_REGS = 2, C_REGS = 4;
    typedef unsigned AReg;

    __device__ __forceinline__ static unsigned to_tf32(float x) {
        unsigned r;
        asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
        return r;
    }
    // A rows r0 .. r0+15, k columns k0 .. k0+7 of the tile in shared memory
    template <typename At>
    __device__ __forceinline__ static void load_a(AReg (&a)[A_REGS], At at, int r0, int k0,
                                                  int g, int t) {
        a[0] = to_tf32(at(r0 + g, k0 + t));
        a[1] = to_tf32(at(r0 + g + 8, k0 + t));
        a[2] = to_tf32(at(r0 + g, k0 + t + 4));
        a[3] = to_tf32(at(r0 + g + 8, k0 + t + 4));
    }
    // B columns n0 .. n0+7 (stored as rows of the B tile), k rows k0 .. k0+7
    template <typename At>
    __device__ __forceinline__ static void load_b(AReg (&b)[B_REGS], At at, int n0, int k0,
                                                  int g, int t) {
        b[0] = to_tf32(at(n0 + g, k0 + t));
        b[1] = to_tf32(at(n0 + g, k0 + t + 4));
    }
    __device__ __forceinline__ static void mma(float (&c)[C_REGS], const AReg (&a)[A_REGS],
                                               const AReg (&b)[B_REGS]) {
        asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
            "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    }
    // accumulator register i holds C[g + 8 * (i >> 1)][2t + (i & 1)]
    __device__ __forceinline__ static int c_row(int i, int g) { return g + 8 * (i >> 1); }
};

#ifdef FGM_FP64_M16N8K8
template <> struct MmaAtom<double> {
    static constexpr int M = 16, N = 8, K = 8, A_REGS = 4, B_REGS = 2, C_REGS = 4;
    typedef double AReg;

    template <typename At>
    __device__ __forceinline__ static void load_a(AReg (&a)[A_REGS], At at, int r0, int k0,
                                                  int g, int t) {
        a[0] = at(r0 + g, k0 + t);
        a[1] = at(r0 + g + 8, k0 + t);
        a[2] = at(r0 + g, k0 + t + 4);
        a[3] = at(r0 + g + 8, k0 + t + 4);
    }
    template <typename At>
    __device__ __forceinline__ static void load_b(AReg (&b)[B_REGS], At at, int n0, int k0,
                                                  int g, int t) {
        b[0] = at(n0 + g, k0 + t);
        b[1] = at(n0 + g, k0 + t + 4);
    }
    __device__ __forceinline__ static void mma(double (&c)[C_REGS], const AReg (&a)[A_REGS],
                                               const AReg (&b)[B_REGS]) {
        asm("mma.sync.aligned.m16n8k8.row.col.f64.f64.f64.f64 "
            "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
            : "+d"(c[0]), "+d"(c[1]), "+d"(c[2]), "+d"(c[3])
            : "d"(a[0]), "d"(a[1]), "d"(a[2]), "d"(a[3]), "d"(b[0]), "d"(b[1]));
    }
    __device__ __forceinline__ static int c_row(int i, int g) { return g + 8 * (i >> 1); }
};
#else
template <> struct MmaAtom<double> {
    static constexpr int M = 8, N = 8, K = 4, A_REGS = 1, B_REGS = 1, C_REGS = 2;
    typedef double AReg;

    template <typename At>
    __device__ __forceinline__ static void load_a(AReg (&a)[A_REGS], At at, int r0, int k0,
                                                  int g, int t) {
        a[0] = at(r0 + g, k0 + t);
    }
    template <typename At>
    __device__ __forceinline__ static void load_b(AReg (&b)[B_REGS], At at, int n0, int k0,
                                                  int g, int t) {
        b[0] = at(n0 + g, k0 + t);
    }
    __device__ __forceinline__ static void mma(double (&c)[C_REGS], const AReg (&a)[A_REGS],
                                               const AReg (&b)[B_REGS]) {
        asm("mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64 "
            "{%0, %1}, {%2}, {%3}, {%0, %1};\n"
            : "+d"(c[0]), "+d"(c[1])
            : "d"(a[0]), "d"(b[0]));
    }
    __device__ __forceinline__ static int c_row(int i, int g) { return g; }
};
#endif

// ---- shared-memory tiles and their loader -------------------------------------------

// One stage of one operand: ROWS x BK elements (rows = m for A', n for B').
template <typename T, int ROWS, int BK, bool KMAJOR>
struct SmemTile {
    static constexpr int VW = 16 / (int)sizeof(T);
    static constexpr int LD = KMAJOR ? BK + 4 : ROWS + (sizeof(T) == 4 ? 8 : 4);
    static constexpr int SIZE = (KMAJOR ? ROWS : BK) * LD;   // elements per stage
    static_assert((LD * (int)sizeof(T)) % 16 == 0, "16-byte aligned shared rows");
    __device__ __forceinline__ static int offset(int row, int k) {
        return KMAJOR ? row * LD + k : k * LD + row;
    }
};

template <typename T, int ROWS, int BK, bool KMAJOR>
struct TileAt {
    const T* s;
    __device__ __forceinline__ T operator()(int row, int k) const {
        return s[SmemTile<T, ROWS, BK, KMAJOR>::offset(row, k)];
    }
};

// Issues the cp.async copies of one ROWS x BK tile of P(row, k) = P[row*s_row + k*s_k]
// (rows row0.., k from k0, bounded by nrows / kend) into one shared stage S.
// Chunk c = tid + i * NT of VW elements runs along k (KMAJOR) or along the rows.
template <typename T, int ROWS, int BK, int NT, bool KMAJOR>
struct AsyncLoader {
    typedef SmemTile<T, ROWS, BK, KMAJOR> Tile;
    static constexpr int VW = Tile::VW;
    static constexpr int CHUNKS = ROWS * BK / VW;
    static constexpr int L = CHUNKS / NT;                 // chunks per thread
    static_assert(L >= 1 && L * NT == CHUNKS, "tile not divisible among threads");
    static_assert(BK % VW == 0 && ROWS % VW == 0, "tile not a multiple of the vector width");

    __device__ __forceinline__ static void pos(int tid, int i, int& r, int& k) {
        const int c = tid + i * NT;
        if constexpr (KMAJOR) {
            r = c / (BK / VW);
            k = (c % (BK / VW)) * VW;
        } else {
            k = c / (ROWS / VW);
            r = (c % (ROWS / VW)) * VW;
        }
    }

    __device__ __forceinline__ static void load(T* S, const T* __restrict__ P, long long s_row,
                                                long long s_k, int row0, int nrows, int k0,
                                                int kend, bool vec, int tid) {
#pragma unroll
        for (int i = 0; i < L; ++i) {
            int r, k;
            pos(tid, i, r, k);
            const int gr = row0 + r, gk = k0 + k;
            T* d = S + Tile::offset(r, k);
            if (vec) {
                // VW contiguous elements; n of them inside the matrix, the rest zero-filled
                int n;
                long long off;
                if constexpr (KMAJOR) {
                    n = gr < nrows ? min(VW, kend - gk) : 0;
                    off = (long long)gr * s_row + gk;
                } else {
                    n = gk < kend ? min(VW, nrows - gr) : 0;
                    off = (long long)gk * s_k + gr;
                }
                n = n > 0 ? n : 0;
                cp_async<16>(smem_addr(d), n > 0 ? P + off : P, n * (int)sizeof(T));
            } else {
#pragma unroll
                for (int j = 0; j < VW; ++j) {
                    bool ok;
                    long long off;
                    if constexpr (KMAJOR) {
                        ok = gr < nrows && gk + j < kend;
                        off = (long long)gr * s_row + (long long)(gk + j) * s_k;
                    } else {
                        ok = gr + j < nrows && gk < kend;
                        off = (long long)(gr + j) * s_row + (long long)gk * s_k;
                    }
                    cp_async<(int)sizeof(T)>(smem_addr(d + j), ok ? P + off : P,
                                             ok ? (int)sizeof(T) : 0);
                }
            }
        }
    }
};

template <typename T, int N>
__device__ __forceinline__ void store_pair(T* d, T v0, T v1);

template <>
__device__ __forceinline__ void store_pair<float, 2>(float* d, float v0, float v1) {
    float2 v;
    v.x = v0; v.y = v1;
    *reinterpret_cast<float2*>(d) = v;
}

template <>
__device__ __forceinline__ void store_pair<double, 2>(double* d, double v0, double v1) {
    double2 v;
    v.x = v0; v.y = v1;
    *reinterpret_cast<double2*>(d) = v;
}

}  // namespace fgm

template <typename T, int BM, int BN, int BK, int WM, int WN, int STAGES, int MINB,
          bool A_KMAJOR, bool B_KMAJOR>
__global__ void __launch_bounds__(32 * (BM / WM) * (BN / WN), MINB)
fg_gemm_mma(const T* __restrict__ A, long long sam, long long sak,
            const T* __restrict__ B, long long sbk, long long sbn,
            T* __restrict__ C, long long ldc,
            const T* __restrict__ bias, long long sbias,
            int M, int N, int K, int k_chunk, int group_m, int flags) {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ < 800)
    // No tensor-core code below sm_80; linear.py never launches this there.
    __trap();
#else
    typedef fgm::MmaAtom<T> Atom;
    constexpr int WARPS_N = BN / WN;
    constexpr int NT = 32 * (BM / WM) * WARPS_N;
    constexpr int MI = WM / Atom::M, NI = WN / Atom::N, KS = BK / Atom::K;
    static_assert(BM % WM == 0 && BN % WN == 0, "warp tiles");
    static_assert(WM % Atom::M == 0 && WN % Atom::N == 0 && BK % Atom::K == 0, "mma tiles");
    static_assert(STAGES >= 2, "at least double buffering");
    typedef fgm::SmemTile<T, BM, BK, A_KMAJOR> TileA;
    typedef fgm::SmemTile<T, BN, BK, B_KMAJOR> TileB;
    typedef fgm::AsyncLoader<T, BM, BK, NT, A_KMAJOR> LoadA;
    typedef fgm::AsyncLoader<T, BN, BK, NT, B_KMAJOR> LoadB;
    constexpr int STAGE = TileA::SIZE + TileB::SIZE;   // elements; A first, then B

    extern __shared__ __align__(16) unsigned char fg_mma_smem[];
    T* smem = reinterpret_cast<T*>(fg_mma_smem);

    const int tid = threadIdx.x;

    // block -> tile, in groups of group_m tile rows (as fg_gemm)
    const int tiles_m = (M + BM - 1) / BM;
    const int tiles_n = (N + BN - 1) / BN;
    const int pid = blockIdx.x;
    const int per_group = group_m * tiles_n;
    const int grp = pid / per_group;
    const int first_m = grp * group_m;
    const int gsize = min(tiles_m - first_m, group_m);
    const int in_g = pid - grp * per_group;
    const int m0 = (first_m + in_g % gsize) * BM;
    const int n0 = (in_g / gsize) * BN;

    // this block's K slice
    const int kbeg = blockIdx.z * k_chunk;
    const int kend = min(K, kbeg + k_chunk);
    const int ntiles = kend > kbeg ? (kend - kbeg + BK - 1) / BK : 0;
    const bool vec_a = flags & fgm::F_VEC_A;
    const bool vec_b = flags & fgm::F_VEC_B;

    // warp -> warp tile, lane -> (groupID, threadID_in_group)
    const int warp = tid >> 5, lane = tid & 31;
    const int wm0 = (warp / WARPS_N) * WM;
    const int wn0 = (warp % WARPS_N) * WN;
    const int g = lane >> 2, t = lane & 3;

    T acc[MI][NI][Atom::C_REGS];
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < NI; ++j)
#pragma unroll
            for (int c = 0; c < Atom::C_REGS; ++c) acc[i][j][c] = T(0);

    // prologue: tiles 0 .. STAGES-2 in flight, one commit group each (empty past the end)
#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < ntiles) {
            T* st = smem + s * STAGE;
            LoadA::load(st, A, sam, sak, m0, M, kbeg + s * BK, kend, vec_a, tid);
            LoadB::load(st + TileA::SIZE, B, sbn, sbk, n0, N, kbeg + s * BK, kend, vec_b, tid);
        }
        fgm::cp_async_commit();
    }

    for (int kt = 0; kt < ntiles; ++kt) {
        // tile kt has landed (this thread's copies), then every thread's copies are
        // visible and every warp is done with tile kt-1, whose stage is refilled next
        fgm::cp_async_wait<STAGES - 2>();
        __syncthreads();
        {
            const int nt = kt + STAGES - 1;
            if (nt < ntiles) {
                T* st = smem + (nt % STAGES) * STAGE;
                LoadA::load(st, A, sam, sak, m0, M, kbeg + nt * BK, kend, vec_a, tid);
                LoadB::load(st + TileA::SIZE, B, sbn, sbk, n0, N, kbeg + nt * BK, kend, vec_b,
                            tid);
            }
            fgm::cp_async_commit();
        }
        const T* sa = smem + (kt % STAGES) * STAGE;
        const fgm::TileAt<T, BM, BK, A_KMAJOR> at_a{sa};
        const fgm::TileAt<T, BN, BK, B_KMAJOR> at_b{sa + TileA::SIZE};
#pragma unroll
        for (int ks = 0; ks < KS; ++ks) {
            typename Atom::AReg a[MI][Atom::A_REGS];
            typename Atom::AReg b[NI][Atom::B_REGS];
#pragma unroll
            for (int i = 0; i < MI; ++i)
                Atom::load_a(a[i], at_a, wm0 + i * Atom::M, ks * Atom::K, g, t);
#pragma unroll
            for (int j = 0; j < NI; ++j)
                Atom::load_b(b[j], at_b, wn0 + j * Atom::N, ks * Atom::K, g, t);
#pragma unroll
            for (int i = 0; i < MI; ++i)
#pragma unroll
                for (int j = 0; j < NI; ++j) Atom::mma(acc[i][j], a[i], b[j]);
        }
    }
    fgm::cp_async_wait<0>();   // nothing real is outstanding; leave no copy behind

    // epilogue: split-K partials go raw to slice z of the workspace
    if (gridDim.z > 1) C += (long long)blockIdx.z * M * ldc;
    const bool relu = flags & fgm::F_RELU;
    const bool vec_c = flags & fgm::F_VEC_C;
    const bool has_bias = flags & fgm::F_BIAS;
#pragma unroll
    for (int j = 0; j < NI; ++j) {
        const int c = n0 + wn0 + j * Atom::N + 2 * t;     // this lane's column pair
        const T b0 = (has_bias && c < N) ? bias[(long long)c * sbias] : T(0);
        const T b1 = (has_bias && c + 1 < N) ? bias[(long long)(c + 1) * sbias] : T(0);
#pragma unroll
        for (int i = 0; i < MI; ++i)
#pragma unroll
            for (int h = 0; h < Atom::C_REGS / 2; ++h) {
                const int r = m0 + wm0 + i * Atom::M + Atom::c_row(2 * h, g);
                if (r >= M) continue;
                T v0 = acc[i][j][2 * h] + b0, v1 = acc[i][j][2 * h + 1] + b1;
                if (relu) {                          // NaN stays NaN
                    v0 = v0 < T(0) ? T(0) : v0;
                    v1 = v1 < T(0) ? T(0) : v1;
                }
                T* p = C + (long long)r * ldc + c;
                if (vec_c && c + 2 <= N) {
                    fgm::store_pair<T, 2>(p, v0, v1);
                } else {
                    if (c < N) p[0] = v0;
                    if (c + 1 < N) p[1] = v1;
                }
            }
    }
#endif
}
