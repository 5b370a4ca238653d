"""nvcc (and NVRTC when found) compile every kernel instance without spills.

Runs fastgrad_cuda/tools/compile_check.py for sm_80 and sm_90; skipped when
nvcc is not installed.  The ptxas parser is also checked on a canned log.
"""
import pytest

from fastgrad_cuda import linear as fl
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
    for name in fl.kernel_names(4, 90) + fl.kernel_names(8, 90):
        assert '(void*)&{},'.format(name) in tu
    assert '#include' in tu and 'gemm.cu' in tu


@pytest.mark.slow
@pytest.mark.skipif(cc.find_nvcc() is None, reason='nvcc not installed')
def test_compile_check_no_spills(capsys):
    status, table = cc.run((80, 90), quiet=True)
    out = capsys.readouterr().out
    assert status == 0, out
    for arch in ('sm_80', 'sm_90'):
        cc_num = int(arch[3:])
        got = {r['kernel'] for r in table if r['arch'] == arch}
        assert got == set(fl.kernel_names(4, cc_num) + fl.kernel_names(8, cc_num))
    assert all(r['spill_stores'] == 0 and r['spill_loads'] == 0 for r in table)
    # the register cap from __launch_bounds__(threads, minb) holds
    for r in table:
        if r['kernel'].startswith('fg_gemm<'):
            args = r['kernel'][len('fg_gemm<'):-1].split(',')
            bm, bn, tm, tn, minb = (int(args[i]) for i in (1, 2, 4, 5, 6))
            threads = (bm // tm) * (bn // tn)
            assert r['regs'] * threads * minb <= 65536, r


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
