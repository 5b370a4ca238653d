"""Multi-tensor updates (fastgrad/optimizers/_multi_tensor.py).

* The generated kernels (SGD, MomentumSGD, AdaGrad, the four Adam kernels:
  plain, AMSGrad, AdaBound, AMSBound; RMSprop's two, NesterovAG; float and
  double; 1, 3
  and MAX_TENSORS parameters) compile with nvcc for sm_90 with the
  per-parameter kernels' ``--fmad=false`` (skipped without nvcc).
* The same sources as host C++ (g++, no FP contraction; ``blockIdx`` and
  friends emulated, the launch's grid and block looped over with a small
  block and grid so that the grid-stride loop runs) stand in for the CuPy
  RawKernels: optimizers updating NumPy parameters through the multi-tensor
  path give bit for bit the per-parameter kernel path (the host-compiled
  ElementwiseKernel bodies) and the NumPy path, in one launch per step;
  with optimizer hooks (weight decay, gradient clipping); chunks of
  MAX_TENSORS; per-rule hyperparameters (one launch per distinct value);
  Adam's per-step scalars computed for the step to be made, so that rules at
  other step counts or with their own alpha form other groups;
  and a disabled rule, a rule hook, float16, a non-contiguous array, a
  shared array, loss scaling and a subclassed rule
  keep the per-parameter path for that parameter only.
* On a GPU: the multi-tensor path equals the per-parameter kernels
  (``config.gpu_multi_tensor_update`` off) exactly, launches one kernel per
  step, and graph replay of a step with it equals eager steps.

GPU run: python -m pytest tests/optimizers/test_multi_tensor.py -q -m gpu
"""
import ctypes
import os
import sys
import tempfile

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Parameter, optimizer, optimizer_hooks, optimizers
from fastgrad.optimizers import _kernels, _multi_tensor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
import host_kernels  # noqa: E402  (tests/_helpers: CuPy kernel bodies outside CuPy)
import replay_check  # noqa: E402  (tests/_helpers: graph replay vs eager training)

RULES = {'SGD': optimizers.sgd.SGDRule, 'MomentumSGD': optimizers.momentum_sgd.MomentumSGDRule,
         'AdaGrad': optimizers.ada_grad.AdaGradRule, 'Adam': optimizers.adam.AdamRule,
         'RMSprop': optimizers.rmsprop.RMSpropRule,
         'NesterovAG': optimizers.nesterov_ag.NesterovAGRule}
# the kernels the rules' methods pick (Adam: its float32/float64 fused kernels)
METHOD_NAMES = sorted([name for (_, _, half), name in optimizers.adam._KERNELS.items()
                       if not half] + list(optimizers.rmsprop._KERNELS.values())
                      + [optimizers.nesterov_ag._KERNEL])
NAMES = sorted({rule._multi_tensor_kernel for rule in RULES.values()
                if isinstance(rule._multi_tensor_kernel, str)} | set(METHOD_NAMES))
COUNTS = (1, 3, _multi_tensor.MAX_TENSORS)      # nvcc
HOST_COUNTS = tuple(range(1, 9))                # the host tests' launches


def test_rules_name_their_kernels():
    assert NAMES == ['fastgrad_ada_grad_update', 'fastgrad_adam_update',
                     'fastgrad_adambound_update', 'fastgrad_ams_update',
                     'fastgrad_amsbound_update', 'fastgrad_momentum_sgd_update',
                     'fastgrad_nesterov_ag_update', 'fastgrad_rmsprop_eps_inside_update',
                     'fastgrad_rmsprop_update', 'fastgrad_sgd_update']
    assert _multi_tensor.layout('fastgrad_adam_update') == (
        ['decay', 'one_minus_beta1', 'one_minus_beta2', 'eps', 'step'], ['m', 'v'])
    assert _multi_tensor.layout('fastgrad_amsbound_update') == (
        ['decay', 'one_minus_beta1', 'one_minus_beta2', 'eps', 'eta', 'alpha_t', 'lower',
         'upper'], ['m', 'v', 'vhat'])
    assert _multi_tensor.layout('fastgrad_sgd_update') == (['lr'], [])
    assert _multi_tensor.layout('fastgrad_momentum_sgd_update') == (['lr', 'momentum'], ['v'])
    assert _multi_tensor.layout('fastgrad_ada_grad_update') == (['lr', 'eps'], ['h'])
    # only rules that set it themselves (a subclass may update otherwise)
    assert not [cls for name, cls in vars(optimizers).items()
                if isinstance(cls, type) and issubclass(cls, optimizer.UpdateRule)
                and '_multi_tensor_kernel' in vars(cls) and cls not in RULES.values()]


def _sources(wrap, counts=COUNTS):
    return ''.join('namespace mt{}_{}_{} {{\n{}}}\n'.format(k, ct.replace(' ', ''), n, wrap(
        _multi_tensor.source(name, ct, n)))
        for k, name in enumerate(NAMES) for ct in ('float', 'double') for n in counts)


@pytest.mark.skipif(host_kernels.find_nvcc() is None, reason='nvcc not installed')
def test_kernels_compile_with_nvcc():
    proc = host_kernels.nvcc_compile(_sources(lambda s: s),
                                     list(_kernels.OPTIONS) + ['-Werror', 'all-warnings'])
    assert proc.returncode == 0, proc.stderr[-4000:]


# -- the kernels on the host (CPU) -------------------------------------------------------

_HOST_PRELUDE = host_kernels.HOST_MATH + '''
#define __global__
struct fg_dim3 { unsigned int x, y, z; };
fg_dim3 blockIdx, threadIdx, blockDim, gridDim;
extern "C" void fg_set_launch(unsigned int bx, unsigned int by, unsigned int tx,
                              unsigned int gx, unsigned int gy, unsigned int bd) {
    blockIdx.x = bx; blockIdx.y = by; blockIdx.z = 0;
    threadIdx.x = tx; threadIdx.y = threadIdx.z = 0;
    gridDim.x = gx; gridDim.y = gy; gridDim.z = 1;
    blockDim.x = bd; blockDim.y = blockDim.z = 1;
}
'''


@pytest.fixture(scope='module')
def host_libs():
    """(multi-tensor library, per-parameter ElementwiseKernel library)."""
    single = host_kernels.HostLibrary(host_kernels.HOST_MATH + host_kernels.HOST_FLOAT16)
    for name in NAMES:
        for ct in ('float', 'double') if name in METHOD_NAMES else ('float16', 'float', 'double'):
            single.add_elementwise(name, *_kernels.SPECS[name], typedefs={'T': ct},
                                   arrays=('grad',))
    with host_kernels.built(single), tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'multi.cpp')
        with open(src, 'w') as f:
            f.write(_HOST_PRELUDE + _sources(lambda s: s, HOST_COUNTS))
        lib = os.path.join(tmp, 'multi.so')
        proc = host_kernels.subprocess.run(
            [host_kernels.host_compiler(), *host_kernels.HOST_FLAGS, src, '-o', lib],
            capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-4000:]
        yield ctypes.CDLL(lib), single


def _c_arg(a):
    if isinstance(a, numpy.ndarray):
        assert a.flags.c_contiguous
        return ctypes.c_void_p(a.ctypes.data)
    return {numpy.float32: ctypes.c_float, numpy.float64: ctypes.c_double,
            numpy.int64: ctypes.c_longlong}[type(a)](a)


class _Paths(object):
    """``multi``: whether the multi-tensor path is on; the launches made."""

    def __init__(self):
        self.multi = True
        self.launches = []          # (kernel, count) of the multi-tensor kernels
        self.singles = []           # the per-parameter kernels


@pytest.fixture
def host_paths(monkeypatch, host_libs):
    """CuPy paths on NumPy arrays: the multi-tensor kernels and the
    per-parameter kernels (each rule's update_core_gpu) compiled as host C++."""
    multi, single = host_libs
    paths = _Paths()

    def raw_kernel(name, dtype, count):
        ct = _multi_tensor.CTYPES[dtype]
        fn = getattr(multi, _multi_tensor.symbol(name, ct, count))

        def launch(grid, block, args):
            paths.launches.append((name, count))
            assert len(args) == len(_multi_tensor.layout(name)[0]) + count * (
                3 + len(_multi_tensor.layout(name)[1]))
            cargs = [_c_arg(a) for a in args]
            for by in range(grid[1]):
                for bx in range(grid[0]):
                    for tx in range(block[0]):
                        multi.fg_set_launch(bx, by, tx, grid[0], grid[1], block[0])
                        fn(*cargs)
        return launch

    def kernel(name):
        paths.singles.append(name)
        return single.elementwise(name)

    def update_core(self, param):
        self.update_core_gpu(param)

    monkeypatch.setattr(_multi_tensor, 'raw_kernel', raw_kernel)
    # NumPy arrays stand for CuPy's here, so CuPy counts as imported
    monkeypatch.setattr(optimizer, '_cupy_imported', lambda: True)
    monkeypatch.setattr(_multi_tensor, 'enabled', lambda a: (
        paths.multi and fastgrad.config.gpu_multi_tensor_update))
    # small launches, so that blocks and the grid-stride loop are exercised
    monkeypatch.setattr(_multi_tensor, 'BLOCK', 4)
    monkeypatch.setattr(_multi_tensor, 'MAX_BLOCKS', 2)
    monkeypatch.setattr(_kernels, 'kernel', kernel)
    monkeypatch.setattr(optimizer.UpdateRule, 'update_core', update_core)
    return paths


CONFIGS = {
    'SGD': lambda: optimizers.SGD(lr=0.1),
    'MomentumSGD': lambda: optimizers.MomentumSGD(lr=0.05, momentum=0.8),
    'AdaGrad': lambda: optimizers.AdaGrad(lr=0.05, eps=1e-4),
    'Adam': lambda: optimizers.Adam(alpha=0.05),
    'AdamW': lambda: optimizers.AdamW(alpha=0.05, weight_decay_rate=0.1, eta=0.5),
    'AMSGrad': lambda: optimizers.AMSGrad(alpha=0.05, beta2=0.9),
    'AdaBound': lambda: optimizers.AdaBound(alpha=0.05, final_lr=0.02, gamma=0.1),
    'AMSBound': lambda: optimizers.Adam(alpha=0.05, beta2=0.9, amsgrad=True, adabound=True,
                                        weight_decay_rate=0.01, final_lr=0.02, gamma=0.1),
}
CONFIGS.update({
    'RMSprop': lambda: optimizers.RMSprop(lr=0.02, alpha=0.9, eps=1e-4),
    'RMSpropEpsInside': lambda: optimizers.RMSprop(lr=0.02, alpha=0.9, eps=1e-4,
                                                   eps_inside_sqrt=True),
    'NesterovAG': lambda: optimizers.NesterovAG(lr=0.05, momentum=0.7),
})
KERNEL_OF = {'RMSprop': 'fastgrad_rmsprop_update',
             'RMSpropEpsInside': 'fastgrad_rmsprop_eps_inside_update',
             'NesterovAG': 'fastgrad_nesterov_ag_update',
             'SGD': 'fastgrad_sgd_update', 'MomentumSGD': 'fastgrad_momentum_sgd_update',
             'AdaGrad': 'fastgrad_ada_grad_update', 'Adam': 'fastgrad_adam_update',
             'AdamW': 'fastgrad_adam_update', 'AMSGrad': 'fastgrad_ams_update',
             'AdaBound': 'fastgrad_adambound_update', 'AMSBound': 'fastgrad_amsbound_update'}
SHAPES = [(3, 4), (7,), (), (2, 3, 5), (0,), (40,)]


def _link(dtype, shapes=SHAPES, seed=0):
    rng = numpy.random.RandomState(seed)
    link = fastgrad.Link()
    with link.init_scope():
        for i, shape in enumerate(shapes):
            setattr(link, 'p{}'.format(i),
                    Parameter(numpy.asarray(rng.randn(*shape)).astype(dtype)))
    return link


def _train(make_opt, dtype, steps=4, setup=None, shapes=SHAPES):
    link = _link(dtype, shapes)
    opt = make_opt().setup(link)
    if setup is not None:
        setup(link, opt)
    rng = numpy.random.RandomState(1)
    for _ in range(steps):
        for p in link.params():
            p.grad = numpy.asarray(rng.randn(*p.array.shape)).astype(p.array.dtype)
        opt.update()
    return link


def _assert_equal(got, want):
    for (name, p), (_, q) in zip(sorted(got.namedparams()), sorted(want.namedparams())):
        assert p.array.dtype == q.array.dtype
        numpy.testing.assert_array_equal(p.array, q.array, err_msg=name)
        assert p.update_rule.t == q.update_rule.t, name
        rs, qs = p.update_rule.state or {}, q.update_rule.state or {}
        assert sorted(rs) == sorted(qs), name
        for key in qs:
            numpy.testing.assert_array_equal(rs[key], qs[key], err_msg=name + key)


def _both(paths, make_opt, dtype, **kw):
    paths.multi = True
    got = _train(make_opt, dtype, **kw)
    launches, singles = list(paths.launches), list(paths.singles)
    paths.multi = False
    want = _train(make_opt, dtype, **kw)
    _assert_equal(got, want)
    return launches, singles, paths.singles[len(singles):]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_host_multi_tensor_equals_per_parameter_kernels(name, dtype, host_paths):
    launches, singles, per_param = _both(host_paths, CONFIGS[name], dtype)
    # one launch per step for every parameter; the other path one per parameter
    kernel = KERNEL_OF[name]
    assert launches == [(kernel, len(SHAPES))] * 4
    assert singles == []
    assert per_param == [kernel] * (4 * len(SHAPES))
    start = _link(dtype)
    assert not numpy.array_equal(start.p0.array, _train(CONFIGS[name], dtype).p0.array)


@pytest.mark.skipif(fastgrad.utils.LEGACY_PROMOTION,
                    reason="the kernels round as NumPy 2's path (NEP 50, as CuPy)")
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_host_multi_tensor_equals_numpy_path(name, dtype, host_paths, monkeypatch):
    got = _train(CONFIGS[name], dtype)
    assert host_paths.launches
    monkeypatch.undo()          # the NumPy path
    _assert_equal(got, _train(CONFIGS[name], dtype))


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_host_optimizer_hooks_run_before(name, host_paths):
    def setup(link, opt):
        opt.add_hook(optimizer_hooks.WeightDecay(0.01))
        opt.add_hook(optimizer_hooks.GradientClipping(1.0))
    launches, singles, _ = _both(host_paths, CONFIGS[name], numpy.float32, setup=setup)
    assert len(launches) == 4 and singles == []


def test_host_chunks_of_max_tensors(host_paths, monkeypatch):
    monkeypatch.setattr(_multi_tensor, 'MAX_TENSORS', 4)
    launches, singles, _ = _both(host_paths, CONFIGS['MomentumSGD'], numpy.float64)
    assert [c for _, c in launches] == [4, 2] * 4 and singles == []


def test_host_per_rule_hyperparameters_group(host_paths):
    def setup(link, opt):
        link.p1.update_rule.hyperparam.lr = 0.3
        link.p4.update_rule.hyperparam.lr = 0.3
        link.p2.update_rule.hyperparam.momentum = 0.5
    launches, singles, _ = _both(host_paths, CONFIGS['MomentumSGD'], numpy.float32,
                                 setup=setup)
    # three groups of hyperparameter values: three launches per step
    assert sorted(c for _, c in launches[:3]) == [1, 2, 3] and len(launches) == 12
    assert singles == []


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_host_adam_groups_by_step_count(dtype, host_paths):
    def setup(link, opt):
        # p1 and p4 as if added later, three steps behind the others; p2 its own alpha
        link.p1.update_rule.t = link.p4.update_rule.t = 3
        link.p2.update_rule.hyperparam.alpha = 0.02
    launches, singles, _ = _both(host_paths, CONFIGS['AMSBound'], dtype, setup=setup)
    # three groups (t, t + 3, alpha 0.02): three launches per step
    assert [sorted(c for _, c in launches[k:k + 3]) for k in (0, 3, 6, 9)] == [[1, 2, 3]] * 4
    assert len(launches) == 12 and singles == []


def test_host_adam_one_group_per_step_count(host_paths, monkeypatch):
    # the same step counts and hyperparameters: one launch; the scalars those of t + 1
    link = _link(numpy.float32, [(3,), (4,)])
    opt = optimizers.Adam(alpha=0.05, weight_decay_rate=0.1).setup(link)
    for p in link.params():
        p.grad = numpy.ones_like(p.array)
    seen = []
    launch = _multi_tensor.launch
    monkeypatch.setattr(_multi_tensor, 'launch', lambda name, dtype, scalars, tensors: (
        seen.append(scalars) or launch(name, dtype, scalars, tensors)))
    opt.update()
    opt.update()
    assert [c for _, c in host_paths.launches] == [2, 2]
    alphas = [optimizers.adam._learning_rate(0.05, 0.9, 0.999, t) for t in (1, 2)]
    assert [s[-1] for s in seen] == alphas
    assert [s[:4] for s in seen] == [(1.0 - 0.1, 1.0 - 0.9, 1.0 - 0.999, 1e-8)] * 2
    assert link.p0.update_rule.t == 2


def test_adam_inside_a_capture_keeps_its_own_path(monkeypatch):
    # a captured step's scalars follow the device step counter: no host scalars
    link = _link(numpy.float32, [(3,)])
    optimizers.Adam().setup(link)
    rule = link.p0.update_rule
    assert rule._multi_tensor_kernel(link.p0, 1)[0] == 'fastgrad_adam_update'
    monkeypatch.setattr(fastgrad.graph_replay, '_current', object())
    assert rule._multi_tensor_kernel(link.p0, 1) is None


def test_adam_eps_too_small_raises_in_the_grouping():
    link = _link(numpy.float32, [(3,)])
    optimizers.Adam(eps=1e-50).setup(link)
    with pytest.raises(ValueError, match='eps of Adam optimizer is too small for float32'):
        link.p0.update_rule._multi_tensor_kernel(link.p0, 1)


def test_host_rmsprop_groups_by_kernel_and_scalars(host_paths):
    def setup(link, opt):
        link.p1.update_rule.hyperparam.eps_inside_sqrt = True     # the other kernel
        link.p3.update_rule.hyperparam.alpha = 0.8                # other scalars
    launches, singles, _ = _both(host_paths, CONFIGS['RMSprop'], numpy.float64,
                                 setup=setup)
    assert sorted(launches[:3]) == [('fastgrad_rmsprop_eps_inside_update', 1),
                                    ('fastgrad_rmsprop_update', 1),
                                    ('fastgrad_rmsprop_update', 4)]
    assert len(launches) == 12 and singles == []


def _sub_rule(link, opt):
    """p1's rule replaced by a subclass of its rule class that updates otherwise."""
    class SubRule(type(link.p1.update_rule)):
        def update_core_gpu(self, param):
            param.grad *= 2
            super().update_core_gpu(param)
    link.p1.update_rule = SubRule(opt.hyperparam)


def _hook(rule, param):
    param.grad *= 0.5


CASES = {
    # each sets p1 (or p1 and p2) apart; the others still one launch per step
    'disabled': lambda link, opt: setattr(link.p1.update_rule, 'enabled', False),
    'rule_hook': lambda link, opt: link.p1.update_rule.add_hook(_hook),
    'subclassed_rule': _sub_rule,
    'non_contiguous': lambda link, opt: setattr(
        link.p1, 'array', numpy.asfortranarray(numpy.ones((3, 4), numpy.float32))),
    'shared_array': lambda link, opt: setattr(link.p2, 'array', link.p1.array),
}


@pytest.mark.parametrize('case', sorted(CASES))
@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_host_other_parameters_keep_their_own_path(name, case, host_paths):
    shapes = [(3, 4), (3, 4), (3, 4), (5,)]
    launches, singles, _ = _both(host_paths, CONFIGS[name], numpy.float32,
                                 setup=CASES[case], shapes=shapes)
    moved = 0 if case == 'disabled' else 2 if case == 'shared_array' else 1
    left = len(shapes) - moved - (1 if case == 'disabled' else 0)
    assert [c for _, c in launches] == [left + (1 if case == 'shared_array' else 0)] * 4
    assert len(singles) == 4 * (1 if case == 'shared_array' else moved)


def test_host_float16_and_loss_scale_keep_their_own_path(host_paths):
    link = _link(numpy.float32, [(3,), (4,), (5,)])
    link.p2.array = link.p2.array.astype(numpy.float16)
    opt = optimizers.SGD(lr=0.1).setup(link)
    link.p0.grad = numpy.ones(3, numpy.float32)
    link.p1.grad = numpy.ones(4, numpy.float32)
    link.p2.grad = numpy.ones(5, numpy.float16)
    opt.update()
    assert host_paths.launches == [('fastgrad_sgd_update', 2)]
    assert host_paths.singles == ['fastgrad_sgd_update']          # float16
    # loss scaling: every parameter its own update (the rule divides its grad)
    del host_paths.launches[:]
    opt.loss_scaling(scale=4.0)
    opt.update(lambda: F.sum(link.p0 * 2) + F.sum(link.p1))
    assert host_paths.launches == []
    assert host_paths.singles[1:] == ['fastgrad_sgd_update'] * 3
    want = _link(numpy.float32, [(3,), (4,)]).p1.array
    for _ in range(2):          # two steps of grad 1 (the last one 4 / 4)
        want = want - numpy.float32(0.1)
    numpy.testing.assert_array_equal(link.p1.array, want)


def test_host_config_entry_turns_it_off(host_paths):
    with fastgrad.using_config('gpu_multi_tensor_update', False):
        _train(CONFIGS['SGD'], numpy.float32, steps=1)
    assert host_paths.launches == []
    assert len(host_paths.singles) == len(SHAPES)


def test_config_entry_defaults_on():
    assert fastgrad.config.gpu_multi_tensor_update is True
    assert not _multi_tensor.enabled(numpy.ones(3, numpy.float32))


def test_launch_grid_and_arguments(monkeypatch):
    seen = []
    monkeypatch.setattr(_multi_tensor, 'raw_kernel', lambda *key: (
        lambda grid, block, args: seen.append((key, grid, block, args))))
    a, g, v = (numpy.zeros(300_000, numpy.float32) for _ in range(3))
    b, h, w = (numpy.zeros(5, numpy.float32) for _ in range(3))
    _multi_tensor.launch('fastgrad_momentum_sgd_update', a.dtype, (0.5, 0.9),
                         [[a, g, v], [b, h, w]])
    (key, grid, block, args), = seen
    assert key == ('fastgrad_momentum_sgd_update', a.dtype, 2)
    assert grid == (_multi_tensor.MAX_BLOCKS, 2) and block == (_multi_tensor.BLOCK,)
    assert [type(x) for x in args[:2]] == [numpy.float32] * 2
    assert args[2:5] == (a, g, v) and args[5] == 300_000 and type(args[5]) is numpy.int64
    assert args[6:9] == (b, h, w) and args[9] == 5


# -- on a GPU ----------------------------------------------------------------------------

def _gpu_train(make_opt, dtype, multi, steps=4, setup=None):
    import cupy
    link = _link(dtype)
    link.to_device('@cupy:0')
    opt = make_opt().setup(link)
    if setup is not None:
        setup(link, opt)
    rng = numpy.random.RandomState(1)
    with fastgrad.using_config('gpu_multi_tensor_update', multi):
        for _ in range(steps):
            for p in link.params():
                p.grad = cupy.asarray(numpy.asarray(rng.randn(*p.array.shape))
                                      .astype(p.array.dtype))
            opt.update()
    return link


@pytest.mark.gpu
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_gpu_multi_tensor_equals_per_parameter_kernels(name, dtype, monkeypatch):
    launches = []
    raw = _multi_tensor.raw_kernel
    monkeypatch.setattr(_multi_tensor, 'raw_kernel',
                        lambda *key: launches.append(key) or raw(*key))

    def setup(link, opt):
        opt.add_hook(optimizer_hooks.WeightDecay(0.01))
    got = _gpu_train(CONFIGS[name], dtype, True, setup=setup)
    assert len(launches) == 4
    want = _gpu_train(CONFIGS[name], dtype, False, setup=setup)
    assert len(launches) == 4
    for (n, p), (_, q) in zip(sorted(got.namedparams()), sorted(want.namedparams())):
        numpy.testing.assert_array_equal(p.array.get(), q.array.get(), err_msg=n)
        for key, value in (q.update_rule.state or {}).items():
            numpy.testing.assert_array_equal(p.update_rule.state[key].get(), value.get())


@pytest.mark.gpu
@pytest.mark.parametrize('name', ['SGD', 'MomentumSGD', 'Adam'])
def test_gpu_graph_replay_with_multi_tensor_matches_eager(name):
    import cupy

    import fastgrad.links as L
    rng = numpy.random.RandomState(7)
    batches = [(cupy.asarray(rng.randn(8, 6).astype(numpy.float32)),
                cupy.asarray(rng.randn(8, 3).astype(numpy.float32))) for _ in range(6)]

    def model():
        numpy.random.seed(0)
        return fastgrad.Sequential(L.Linear(6, 16), F.relu, L.Linear(16, 16), F.relu,
                                   L.Linear(16, 3)).to_device('@cupy:0')
    replay_check.assert_replay_matches_eager(
        model, CONFIGS[name], batches, rtol=1e-5, atol=1e-6,
        replay_config={'gpu_multi_tensor_update': True},
        eager_config={'gpu_multi_tensor_update': False})
