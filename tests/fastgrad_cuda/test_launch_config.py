"""fastgrad_cuda.linear's launch planning: pure functions of integers, no GPU."""
import sys

import numpy
import pytest

import fastgrad_cuda
from fastgrad_cuda import plan

H200 = dict(sm_count=132, cc=90)


def test_import_needs_no_cupy(tmp_path):
    import os
    import subprocess

    import fastgrad
    code = ('import sys; import fastgrad_cuda, fastgrad_cuda.linear, fastgrad; '
            'import fastgrad.functions as F; '
            'assert "cupy" not in sys.modules, "cupy imported"; print("ok")')
    # The fastgrad this test imported (installed or source), run outside the tree.
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path))
    assert out.stdout.strip() == 'ok', out.stderr


def test_is_available_without_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, 'cupy', None)    # import cupy -> ImportError
    assert fastgrad_cuda.is_available() is False


def test_tiles_satisfy_kernel_constraints():
    """The same conditions as gemm.cu's static_asserts, plus 48 KB static smem."""
    for itemsize, tiles in plan.TILES.items():
        vw = plan.vec_width(itemsize)
        names = [t.name for t in tiles]
        assert len(set(names)) == len(names)
        for t in tiles:
            tx, ty = t.bn // t.tn, t.bm // t.tm
            nt = tx * ty
            assert t.threads == nt and nt % 32 == 0 and nt <= 1024
            vm, vn = min(t.tm, vw), min(t.tn, vw)
            assert t.tm % vm == 0 and t.tn % vn == 0
            wx = min(tx, 8)
            assert tx % wx == 0 and ty % min(ty, 32 // wx) == 0
            for rows in (t.bm, t.bn):
                assert rows * t.bk % (nt * vw) == 0 and rows * t.bk >= nt * vw
                assert t.bk % vw == 0 and rows % vw == 0
            smem = 2 * t.bk * ((t.bm + vw) + (t.bn + vw)) * itemsize
            assert smem <= 48 * 1024
            assert t.minb_sm90 >= 1 and t.minb >= 1 and t.rate > 0


def test_kernel_names():
    t = plan.tile_by_name(4, 'L')
    assert plan.gemm_kernel_name(4, t, 90, True, False) == \
        'fg_gemm<float,128,128,8,8,8,1,true,false>'
    t = plan.tile_by_name(8, 'W')       # minimum blocks per SM differ by architecture
    assert plan.gemm_kernel_name(8, t, 90, True, False) == \
        'fg_gemm<double,128,64,8,8,4,1,true,false>'
    assert plan.gemm_kernel_name(8, t, 80, False, True) == \
        'fg_gemm<double,128,64,8,8,4,2,false,true>'
    assert plan.reduce_kernel_name(8) == 'fg_splitk_reduce<double>'
    assert plan.colsum_kernel_name(4) == 'fg_colsum<float,32,16>'
    for it in (4, 8):
        names = plan.kernel_names(it, 90)
        assert len(names) == len(set(names)) == 4 * len(plan.TILES[it]) + 2
    with pytest.raises(ValueError, match='no tile'):
        plan.tile_by_name(4, 'XL')


@pytest.mark.parametrize('itemsize', [4, 8])
def test_operand_layout(itemsize):
    vw = plan.vec_width(itemsize)
    lay = plan.operand_layout
    # contiguous along k, aligned: vector loads along k
    assert lay(64, 1, 10, 64, 4096, itemsize) == (True, True, 64, 1)
    # leading dimension not a multiple of the vector width: element loads
    assert lay(vw + 1, 1, 10, 64, 4096, itemsize)[:2] == (True, False)
    # misaligned base pointer (a view starting one element in)
    assert lay(64, 1, 10, 64, 4096 + itemsize, itemsize)[:2] == (True, False)
    # contiguous along the rows (a transposed view): vectors along rows
    assert lay(1, 64, 64, 10, 4096, itemsize) == (False, True, 1, 64)
    # strided both ways: element loads, coalesced along the smaller stride
    assert lay(2, 128, 64, 10, 0, itemsize) == (False, False, 2, 128)
    assert lay(128, 2, 10, 64, 0, itemsize) == (True, False, 128, 2)
    # negative row stride (a reversed view) keeps vector loads along k
    assert lay(-64, 1, 10, 64, 4096, itemsize) == (True, True, -64, 1)
    # length-1 dimensions: their strides are irrelevant and zeroed
    assert lay(7, 1, 1, 64, 4096, itemsize) == (True, True, 0, 1)
    assert lay(1, 3, 10, 1, 4096, itemsize) == (False, True, 1, 0)
    assert lay(5, 3, 1, 64, 4096, itemsize) == (True, False, 0, 3)


def test_flags_and_output_vec():
    assert plan.gemm_flags(True, False, False, False, False) == plan.F_BIAS
    assert plan.gemm_flags(True, True, True, True, True) == 31
    assert plan.output_vec_ok(512, 64, 4) and not plan.output_vec_ok(512, 63, 4)
    assert not plan.output_vec_ok(516, 64, 4)
    assert plan.output_vec_ok(512, 2, 8) and not plan.output_vec_ok(512, 3, 8)


@pytest.mark.parametrize('K', [0, 1, 7, 8, 9, 100, 1000, 4097])
@pytest.mark.parametrize('splits', [1, 2, 3, 7, 64])
def test_split_k_covers_K_without_empty_slices(K, splits):
    for bk in (8, 16, 32):
        k_chunk, s = plan.split_k(K, bk, splits)
        assert k_chunk % bk == 0 and k_chunk >= bk and 1 <= s <= max(splits, 1)
        if K > 0:
            assert s * k_chunk >= K and (s - 1) * k_chunk < K


SHAPES = [(1, 1, 1), (7, 13, 17), (32, 64, 64), (64, 64, 32), (128, 1024, 1024),
          (1024, 4096, 4096), (4096, 4096, 1024), (8192, 8192, 8192), (1, 4096, 4096),
          (100000, 10, 784), (5, 3, 100000)]


@pytest.mark.parametrize('itemsize', [4, 8])
@pytest.mark.parametrize('shape', SHAPES)
def test_plan_is_valid(itemsize, shape):
    M, N, K = shape
    p = plan.plan_gemm(M, N, K, itemsize, **H200)
    t = p.tile
    assert t in plan.TILES[itemsize]
    assert p.grid == (plan.cdiv(M, t.bm) * plan.cdiv(N, t.bn), 1, p.splits)
    assert p.block == (t.threads, 1, 1)
    assert p.k_chunk % t.bk == 0
    assert p.splits * p.k_chunk >= K and (p.splits == 1 or (p.splits - 1) * p.k_chunk < K)
    assert p.group_m == plan.GROUP_M


def test_plan_choices_on_h200():
    # big square products: the largest tile, no split
    for shape in [(8192, 8192, 8192), (1024, 4096, 4096), (4096, 4096, 1024)]:
        p = plan.plan_gemm(*shape, 4, **H200)
        assert p.tile.name == 'L' and p.splits == 1, (shape, p)
    # few output tiles over a long K: split K to fill the GPU
    p = plan.plan_gemm(128, 1024, 1024, 4, **H200)
    assert p.grid[0] * p.splits >= 100, p    # about one block per SM or more
    p = plan.plan_gemm(5, 3, 100000, 4, **H200)
    assert p.splits > 1
    # tiny products: one block of the smallest tile
    p = plan.plan_gemm(1, 1, 1, 4, **H200)
    assert p.grid == (1, 1, 1)


def test_plan_overrides_and_errors():
    p = plan.plan_gemm(300, 300, 300, 8, 132, 90, 'S', 3)
    assert p.tile.name == 'S' and p.splits == 3 and p.k_chunk == 128
    with pytest.raises(ValueError, match='itemsize'):
        plan.plan_gemm(4, 4, 4, 2, 132)
    with pytest.raises(ValueError, match='negative'):
        plan.plan_gemm(-1, 4, 4, 4, 132)


@pytest.mark.parametrize('M,N,bm,bn,g', [(1, 1, 128, 128, 8), (1000, 300, 128, 128, 8),
                                         (129, 1000, 64, 64, 8), (4096, 4096, 128, 128, 8),
                                         (300, 20, 32, 32, 3), (33, 33, 32, 32, 1)])
def test_block_order_is_a_bijection(M, N, bm, bn, g):
    tiles_m, tiles_n = plan.cdiv(M, bm), plan.cdiv(N, bn)
    seen = {plan.block_tile(pid, M, N, bm, bn, g) for pid in range(tiles_m * tiles_n)}
    assert seen == {(i * bm, j * bn) for i in range(tiles_m) for j in range(tiles_n)}


def test_block_order_groups_rows():
    # the first group_m * tiles_n blocks cover group_m tile rows, column-major
    firsts = [plan.block_tile(pid, 2048, 1024, 128, 128, 8) for pid in range(10)]
    assert firsts[:9] == [(128 * i, 0) for i in range(8)] + [(0, 128)]


def test_aux_launches():
    assert plan.reduce_launch(4, 4, 132) == ((1, 1, 1), (256, 1, 1))
    assert plan.reduce_launch(8192, 8192, 132) == ((132 * 8, 1, 1), (256, 1, 1))
    assert plan.colsum_launch(1) == ((1, 1, 1), (32, 16, 1))
    assert plan.colsum_launch(1000) == ((32, 1, 1), (32, 16, 1))


def test_element_strides():
    a = numpy.zeros((4, 6), numpy.float64)
    assert plan.element_strides(a) == (6, 1)
    assert plan.element_strides(a.T) == (1, 6)
    assert plan.element_strides(a[::2, ::3]) == (12, 3)
