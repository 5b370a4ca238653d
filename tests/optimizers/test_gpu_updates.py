"""The optimizers' fused CuPy update kernels (fastgrad/optimizers/_kernels.py).

* Every kernel body compiles with nvcc for sm_90, wrapped the way CuPy wraps
  an ElementwiseKernel body (skipped without nvcc; runs on the CPU machine).
* The same bodies compiled as host C++ (g++, no FP contraction, a float16
  type with CuPy's conversions) and called where the rules' GPU paths call
  the CuPy kernels: the GPU paths' arguments and the bodies' math give the
  NumPy path's numbers, eagerly and with graph replay's step scalars.
* On a GPU: five updates of CuPy parameters give the NumPy path's numbers for
  every optimizer and dtype, and graph replay of the Adam family still
  matches an eager NumPy run.

GPU run: python -m pytest tests/optimizers/test_gpu_updates.py -q -m gpu
"""
import os
import re
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Parameter, graph_replay, optimizer, optimizers
from fastgrad.optimizers import _kernels

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
import host_kernels  # noqa: E402  (tests/_helpers: CuPy kernel bodies outside CuPy)
import replay_check  # noqa: E402  (tests/_helpers: graph replay vs eager training)

# -- compile check (CPU) ---------------------------------------------------------

def _params(spec):
    out = []
    for item in spec.split(','):
        typ, name = item.split()
        out.append((typ, name))
    return out


def _instances():
    """(name, T) of every kernel instance: the float16 variants for float16
    only, the Adam family's other kernels for float and double."""
    out = []
    for name in sorted(_kernels.SPECS):
        if name.endswith('_f16'):
            ctypes = ['float16']
        elif name.startswith(('fastgrad_adam', 'fastgrad_ams')):
            ctypes = ['float', 'double']
        else:
            ctypes = ['float16', 'float', 'double']
        out.extend((name, ctype) for ctype in ctypes)
    return out


# the parameters passed as arrays (the outputs too): CuPy-like wrappers, arrays
# by reference into global memory, scalars by value
_ARRAYS = ('grad',)


def test_every_optimizer_kernel_is_registered():
    import fastgrad.optimizers  # noqa: F401  (imports every optimizer module)
    names = set(_kernels.SPECS)
    for prefix in ('sgd', 'momentum_sgd', 'nesterov_ag', 'rmsprop', 'rmsprop_eps_inside',
                   'ada_grad'):
        assert 'fastgrad_{}_update'.format(prefix) in names
    for variant in ('adam', 'ams', 'adambound', 'amsbound'):
        assert {'fastgrad_{}_update'.format(variant),
                'fastgrad_{}_update_f16'.format(variant)} <= names
    for name, (in_params, out_params, body) in _kernels.SPECS.items():
        declared = {n for _, n in _params(in_params) + _params(out_params)}
        used = set(re.findall(r'[A-Za-z_]\w*', body))
        # every declared parameter is used by the body, and every output written
        assert declared <= used, (name, declared - used)
        for _, n in _params(out_params):
            assert re.search(r'\b{} = '.format(n), body), (name, n)


@pytest.mark.skipif(host_kernels.find_nvcc() is None, reason='nvcc not installed')
def test_kernel_bodies_compile_with_nvcc():
    instances = _instances()
    src = host_kernels.DEVICE_FLOAT16 + ''.join(
        host_kernels.elementwise_source('k{}_{}'.format(k, name), *_kernels.SPECS[name],
                                        typedefs={'T': ctype}, arrays=_ARRAYS)
        for k, (name, ctype) in enumerate(instances))
    proc = host_kernels.nvcc_compile(src, ['--fmad=false', '-Werror', 'all-warnings'])
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert len(instances) >= 30


# -- the kernel bodies on the host (CPU) --------------------------------------------

# float16 with CuPy's conversions; the bodies' sqrt and isnan are <cmath>'s
_HOST_PRELUDE = host_kernels.HOST_FLOAT16 + '''
using std::sqrt;
using std::isnan;
'''


class _HostKernel(object):
    '''Called like the CuPy ElementwiseKernel (inputs then outputs), on
    C-contiguous NumPy arrays of one shape; scalars are cast to their
    declared type as CuPy casts them, and a NumPy scalar or 0-d array (what
    a device scalar is under the emulated capture) must have the declared
    dtype, as CuPy requires of a 0-d array.'''

    def __init__(self, call, name):
        self.call, self.name = call, name
        in_params, out_params, _ = _kernels.SPECS[name]
        self.ins, self.outs = _params(in_params), _params(out_params)

    def __call__(self, *args):
        assert len(args) == len(self.ins) + len(self.outs), self.name
        t = args[len(self.ins)].dtype
        for (typ, n), a in zip(self.ins + self.outs, args):
            declared = t if typ == 'T' else numpy.dtype(typ)
            if n in _ARRAYS or (typ, n) in self.outs:
                assert a.dtype == declared and a.flags.c_contiguous, (self.name, n)
                assert a.shape == args[len(self.ins)].shape, (self.name, n)
            elif isinstance(a, (numpy.ndarray, numpy.generic)):
                assert a.dtype == declared and a.ndim == 0, (self.name, n, a.dtype)
        return self.call(*args)


@pytest.fixture(scope='module')
def host_kernels_lib():
    lib = host_kernels.HostLibrary(_HOST_PRELUDE)
    for name, ctype in _instances():
        lib.add_elementwise(name, *_kernels.SPECS[name], typedefs={'T': ctype},
                            arrays=_ARRAYS)
    with host_kernels.built(lib):
        yield {name: _HostKernel(lib.elementwise(name), name) for name in _kernels.SPECS}


# -- GPU: the kernels against the NumPy path ---------------------------------------

CONFIGS = {
    'SGD': lambda: optimizers.SGD(lr=0.1),
    'MomentumSGD': lambda: optimizers.MomentumSGD(lr=0.05, momentum=0.8),
    'NesterovAG': lambda: optimizers.NesterovAG(lr=0.05, momentum=0.8),
    'RMSprop': lambda: optimizers.RMSprop(lr=0.01, alpha=0.9, eps=1e-4),
    'RMSprop_eps_inside': lambda: optimizers.RMSprop(lr=0.01, alpha=0.9, eps=1e-4,
                                                     eps_inside_sqrt=True),
    'AdaGrad': lambda: optimizers.AdaGrad(lr=0.05, eps=1e-4),
    'Adam': lambda: optimizers.Adam(alpha=0.01),
    'AdamW': lambda: optimizers.AdamW(alpha=0.01, weight_decay_rate=0.05, eta=0.5),
    'AMSGrad': lambda: optimizers.AMSGrad(alpha=0.01),
    'AdaBound': lambda: optimizers.AdaBound(alpha=0.01, final_lr=0.05),
    'AMSBound': lambda: optimizers.AMSBound(alpha=0.01, final_lr=0.05, eta=0.5),
    'AMSBoundW': lambda: optimizers.Adam(alpha=0.01, amsgrad=True, adabound=True,
                                         weight_decay_rate=0.05),
}

ADAM_FAMILY = {'Adam', 'AdamW', 'AMSGrad', 'AdaBound', 'AMSBound', 'AMSBoundW'}
TOL = {'float16': dict(rtol=2e-3, atol=2e-3), 'float32': dict(rtol=1e-5, atol=1e-7),
       'float64': dict(rtol=1e-12, atol=1e-15)}
SHAPES = [(3, 4), (7,), ()]


def _link(xp, dtype, seed=0):
    rng = numpy.random.RandomState(seed)
    link = fastgrad.Link()
    with link.init_scope():
        for i, shape in enumerate(SHAPES):
            setattr(link, 'p{}'.format(i),
                    Parameter(xp.asarray(numpy.asarray(rng.randn(*shape)).astype(dtype))))
    return link


def _run(make_opt, xp, dtype, fp32=False, steps=5):
    link = _link(xp, dtype)
    opt = make_opt().setup(link)
    if fp32:
        opt.use_fp32_update()
    rng = numpy.random.RandomState(1)
    for _ in range(steps):
        for p in link.params():
            p.grad = xp.asarray(numpy.asarray(rng.randn(*p.array.shape)).astype(dtype))
        opt.update()
    return link


def _to_numpy(a):
    return a.get() if hasattr(a, 'get') else numpy.asarray(a)


def _assert_link_states_close(got, ref, tol):
    for (name, p), (_, q) in zip(sorted(got.namedparams()), sorted(ref.namedparams())):
        assert p.array.dtype == q.array.dtype
        numpy.testing.assert_allclose(_to_numpy(p.array), q.array, err_msg=name, **tol)
        rs, qs = p.update_rule.state or {}, q.update_rule.state or {}
        assert sorted(rs) == sorted(qs)
        for key in qs:
            assert rs[key].dtype == qs[key].dtype
            numpy.testing.assert_allclose(_to_numpy(rs[key]), qs[key],
                                          err_msg='{} {}'.format(name, key), **tol)


@pytest.mark.gpu
@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_kernel_matches_numpy_path(name, dtype):
    cupy = pytest.importorskip('cupy')
    got = _run(CONFIGS[name], cupy, dtype)
    ref = _run(CONFIGS[name], numpy, dtype)
    _assert_link_states_close(got, ref, TOL[dtype])
    # the update moved the parameters
    start = _link(numpy, dtype)
    assert not numpy.allclose(_to_numpy(got.p0.array), start.p0.array)


@pytest.mark.gpu
@pytest.mark.parametrize('name', ['SGD', 'MomentumSGD', 'Adam', 'AMSBound'])
def test_kernel_with_fp32_master_copy(name):
    cupy = pytest.importorskip('cupy')
    got = _run(CONFIGS[name], cupy, 'float16', fp32=True)
    ref = _run(CONFIGS[name], numpy, 'float16', fp32=True)
    _assert_link_states_close(got, ref, TOL['float16'])
    for p, q in zip(got.params(), ref.params()):
        master, ref_master = p.update_rule._fp32_param, q.update_rule._fp32_param
        assert master.array.dtype == numpy.float32
        numpy.testing.assert_allclose(_to_numpy(master.array), ref_master.array,
                                      **TOL['float32'])


def _check_updates_in_place(xp):
    for name in sorted(CONFIGS):
        link = _link(xp, 'float32')
        opt = CONFIGS[name]().setup(link)
        for p in link.params():
            p.grad = xp.ones(p.array.shape, 'f')
        opt.update()
        before = {n: (p.array, dict(p.update_rule.state or {}))
                  for n, p in link.namedparams()}
        for p in link.params():
            p.grad = xp.ones(p.array.shape, 'f')
        opt.update()
        for n, p in link.namedparams():
            array, state = before[n]
            assert p.array is array, (name, n)
            assert sorted(p.update_rule.state or {}) == sorted(state), (name, n)
            assert all(p.update_rule.state[k] is state[k] for k in state), (name, n)


@pytest.mark.gpu
def test_updates_are_in_place():
    cupy = pytest.importorskip('cupy')
    _check_updates_in_place(cupy)


@pytest.mark.gpu
@pytest.mark.parametrize('name', ['Adam', 'AdamW', 'AdaBound', 'AMSBound', 'AMSBoundW'])
def test_graph_replay_matches_numpy(name):
    """Replayed steps read alpha_t and the bounds from the device step
    counter (0-d arrays passed to the kernel)."""
    cupy = pytest.importorskip('cupy')
    rng = numpy.random.RandomState(3)
    xs = [rng.randn(*SHAPES[0]).astype(numpy.float32) for _ in range(8)]

    def train(xp, replay):
        return replay_check.train(lambda: _link(xp, 'float32'), CONFIGS[name],
                                  [(xp.asarray(x),) for x in xs], replay,
                                  loss_fn=lambda link, x: F.sum(link.p0 * x))   # grad of p0: x

    run = train(cupy, True)
    got, ref = run.model, train(numpy, False).model
    assert run.step.replays == len(xs) - 2
    assert got.p0.update_rule.t == len(xs)
    numpy.testing.assert_allclose(got.p0.array.get(), ref.p0.array, rtol=1e-5, atol=1e-7)
    for key, value in ref.p0.update_rule.state.items():
        numpy.testing.assert_allclose(got.p0.update_rule.state[key].get(), value,
                                      rtol=1e-5, atol=1e-7, err_msg=key)


# -- the GPU paths on the host --------------------------------------------------------

class _Paths(object):
    def __init__(self):
        self.gpu = True
        self.calls = []


@pytest.fixture
def host_paths(monkeypatch, host_kernels_lib):
    """``paths.gpu``: the rules run update_core_gpu on NumPy arrays with the
    host-compiled bodies as their kernels; else the NumPy path."""
    paths = _Paths()

    def kernel(name):
        paths.calls.append(name)
        return host_kernels_lib[name]

    def update_core(self, param):
        if paths.gpu:
            self.update_core_gpu(param)
        else:
            self.update_core_cpu(param)
    monkeypatch.setattr(_kernels, 'kernel', kernel)
    monkeypatch.setattr(optimizer.UpdateRule, 'update_core', update_core)
    return paths


def _run_both(paths, make_opt, dtype, fp32=False):
    paths.gpu = True
    got = _run(make_opt, numpy, dtype, fp32=fp32)
    calls = list(paths.calls)
    paths.gpu = False
    ref = _run(make_opt, numpy, dtype, fp32=fp32)
    assert paths.calls == calls        # the NumPy path launches nothing
    return got, ref, calls


@pytest.mark.skipif(fastgrad.utils.LEGACY_PROMOTION,
                    reason="the kernels round as NumPy 2's path (NEP 50, as CuPy); NumPy 1's "
                    'path promotes Python scalars by value, so the two differ in the last bit')
@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_host_kernels_match_numpy_path(name, dtype, host_paths):
    got, ref, calls = _run_both(host_paths, CONFIGS[name], dtype)
    # one kernel per parameter and step, the right variant for the dtype
    assert len(calls) == 5 * len(SHAPES)
    assert len(set(calls)) == 1
    assert calls[0].endswith('_f16') == (dtype == 'float16' and name in ADAM_FAMILY)
    # the same operations in the same order: the same numbers
    _assert_link_states_close(got, ref, dict(rtol=0, atol=0))
    start = _link(numpy, dtype)
    assert not numpy.allclose(got.p0.array, start.p0.array)


@pytest.mark.parametrize('name', ['SGD', 'MomentumSGD', 'Adam', 'AMSBound'])
def test_host_kernels_fp32_master_copy(name, host_paths):
    got, ref, calls = _run_both(host_paths, CONFIGS[name], 'float16', fp32=True)
    assert not any(c.endswith('_f16') for c in calls)       # float32 master copies
    _assert_link_states_close(got, ref, dict(rtol=0, atol=0))
    for p, q in zip(got.params(), ref.params()):
        numpy.testing.assert_array_equal(p.update_rule._fp32_param.array,
                                         q.update_rule._fp32_param.array)


@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
@pytest.mark.parametrize('name', sorted(ADAM_FAMILY))
def test_host_kernels_with_capture_step_scalars(name, dtype, host_paths, monkeypatch):
    """Under graph capture the step scalars come from the device step
    counter (here a NumPy 0-d counter): the kernel gets them with the
    declared dtype, and they give the eager numbers."""
    def run(gpu):
        host_paths.gpu = gpu
        link = _link(numpy, dtype)
        opt = CONFIGS[name]().setup(link)
        rng = numpy.random.RandomState(1)
        for _ in range(5):
            for p in link.params():
                p.grad = numpy.asarray(rng.randn(*p.array.shape)).astype(dtype)
            if gpu:
                # a fresh run of the step: t = counter + (rule.t - step)
                monkeypatch.setattr(graph_replay, '_current', graph_replay._StepContext(
                    numpy, numpy.zeros((), numpy.float64), 0, 0, {}, False))
            opt.update()
            monkeypatch.setattr(graph_replay, '_current', None)
        return link
    got = run(True)
    ref = run(False)
    tol = {'float16': dict(rtol=2e-3, atol=1e-4), 'float32': dict(rtol=2e-6, atol=1e-8),
           'float64': dict(rtol=1e-12, atol=1e-15)}[dtype]
    _assert_link_states_close(got, ref, tol)


def test_host_kernels_update_in_place(host_paths):
    _check_updates_in_place(numpy)
    assert len(host_paths.calls) == 2 * len(SHAPES) * len(CONFIGS)
