"""nvcc (and NVRTC when found) compile every kernel instance without spills.

Runs fastgrad_cuda/tools/compile_check.py for sm_80 and sm_90; skipped when
nvcc is not installed.  The ptxas parser is also checked on a canned log.
"""
import pytest

from fastgrad_cuda import plan
from fastgrad_cuda.tools import compile_check as cc

LOG = """\
ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function '_Z9fg_colsumIfLi32ELi16EEvPKT_xxPS0_xii' for 'sm_90'
ptxas info    : Function properties for _Z9fg_colsumIfLi32ELi16EEvPKT_xxPS0_xii
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 27 registers, used 1 barriers, 4224 bytes smem
ptxas info    : Compiling entry function '_Z16fg_splitk_reduceIfEvPKT_iPS0_xS2_xiii' for 'sm_80'
ptxas info    : Function properties for _Z16fg_splitk_reduceIfEvPKT_iPS0_xS2_xiii
ptxas         .     8 bytes stack frame, 12 bytes spill stores, 16 bytes spill loads
ptxas info    : Used 255 registers, used 0 barriers, 400 bytes cmem[0]
"""


def test_parse_ptxas():
    rows = cc.parse_ptxas(LOG)
    assert [(r['arch'], r['regs'], r['smem'], r['spill_stores'], r['spill_loads'])
            for r in rows] == [('sm_90', 27, 4224, 0, 0), ('sm_80', 255, 0, 12, 16)]
    names = cc.demangle([r['mangled'] for r in rows])
    if names[0] != rows[0]['mangled']:      # a demangler was found
        assert [cc.short_name(n) for n in names] == [
            'fg_colsum<float,32,16>', 'fg_splitk_reduce<float>']


def test_translation_unit_instantiates_every_name():
    tu = cc.translation_unit(90)
    for name in plan.kernel_names(4, 90) + plan.kernel_names(8, 90):
        assert '(void*)&{},'.format(name) in tu
    assert '#include' in tu and 'gemm.cu' in tu


def test_tensor_core_instances_on_sm80_and_newer_only():
    for arch in (80, 86, 90):
        tu = cc.translation_unit(arch)
        assert 'gemm_mma.cu' in tu
        for name in plan.mma_kernel_names(4) + plan.mma_kernel_names(8):
            assert '(void*)&{},'.format(name) in tu
        files = [m[0] for m in cc.module_names(arch)]
        assert files == ['gemm.cu', 'gemm_mma.cu']
    # below sm_80 the host never asks for them (mma.sync .tf32/.f64 needs sm_80)
    tu = cc.translation_unit(75)
    assert 'fg_gemm_mma<' not in tu.split('fg_instances', 1)[1]
    assert [m[0] for m in cc.module_names(75)] == ['gemm.cu']
    assert set(cc.expected_names(90)) == set(
        plan.kernel_names(4, 90) + plan.kernel_names(8, 90)
        + plan.mma_kernel_names(4) + plan.mma_kernel_names(8))


def _mma_args(kernel):
    """'fg_gemm_mma<float,128,128,16,64,64,4,2,true,true>' -> its MmaTile and itemsize"""
    args = kernel[len('fg_gemm_mma<'):-1].split(',')
    bm, bn, bk, wm, wn, stages, minb = (int(a) for a in args[1:8])
    return plan.MmaTile('?', bm, bn, bk, wm, wn, stages, minb, 0.0), \
        4 if args[0] == 'float' else 8, args[8] == 'true', args[9] == 'true'


@pytest.mark.slow
@pytest.mark.skipif(cc.find_nvcc() is None, reason='nvcc not installed')
def test_compile_check_no_spills(capsys):
    status, table = cc.run((80, 90), quiet=True)
    out = capsys.readouterr().out
    assert status == 0, out
    for arch in ('sm_80', 'sm_90'):
        cc_num = int(arch[3:])
        got = {r['kernel'] for r in table if r['arch'] == arch}
        assert got == set(plan.kernel_names(4, cc_num) + plan.kernel_names(8, cc_num)
                          + plan.mma_kernel_names(4) + plan.mma_kernel_names(8))
    assert all(r['spill_stores'] == 0 and r['spill_loads'] == 0 for r in table)
    # the register cap from __launch_bounds__(threads, minb) holds
    n_mma = 0
    for r in table:
        if r['kernel'].startswith('fg_gemm<'):
            args = r['kernel'][len('fg_gemm<'):-1].split(',')
            bm, bn, tm, tn, minb = (int(args[i]) for i in (1, 2, 4, 5, 6))
            threads = (bm // tm) * (bn // tn)
            assert r['regs'] * threads * minb <= 65536, r
        elif r['kernel'].startswith('fg_gemm_mma<'):
            tile, itemsize, a_km, b_km = _mma_args(r['kernel'])
            assert r['regs'] * tile.threads * tile.minb <= 65536, r
            # shared memory is all dynamic (sized by the host: mma_smem_bytes)
            assert r['smem'] == 0, r
            assert plan.mma_smem_bytes(tile, itemsize, a_km, b_km) <= 99 * 1024, r
            n_mma += 1
    assert n_mma >= 2 * len(plan.mma_kernel_names(4) + plan.mma_kernel_names(8))


class _Proc(object):
    def __init__(self, text):
        self.text, self.returncode = text, 0

    def communicate(self):
        return self.text, None


@pytest.mark.skipif(cc.demangle(['_Z16fg_splitk_reduceIfEvPKT_iPS0_xS2_xiii'])[0].startswith('_Z'),
                    reason='no c++filt / cu++filt to demangle with')
def test_run_fails_on_spills(monkeypatch, capsys):
    monkeypatch.setattr(cc, 'find_nvcc', lambda: '/usr/bin/nvcc')
    monkeypatch.setattr(cc, 'expected_names',
                        lambda arch: ['fg_colsum<float,32,16>', 'fg_splitk_reduce<float>'])
    monkeypatch.setattr(cc, 'compile_arch', lambda nvcc, arch, tmp: _Proc(LOG))
    status, table = cc.run((90,), nvrtc=False)
    assert status == 1 and 'SPILL sm_80 fg_splitk_reduce<float>' in capsys.readouterr().out
    clean = LOG.replace('12 bytes spill stores, 16 bytes spill loads',
                        '0 bytes spill stores, 0 bytes spill loads')
    monkeypatch.setattr(cc, 'compile_arch', lambda nvcc, arch, tmp: _Proc(clean))
    status, table = cc.run((90,), nvrtc=False)
    assert status == 0 and len(table) == 2
