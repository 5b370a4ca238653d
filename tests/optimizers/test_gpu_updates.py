"""The optimizers' fused CuPy update kernels (fastgrad/optimizers/_kernels.py).

* Every kernel body compiles with nvcc for sm_90, wrapped the way CuPy wraps
  an ElementwiseKernel body (skipped without nvcc; runs on the CPU machine).
* On a GPU: five updates of CuPy parameters give the NumPy path's numbers for
  every optimizer and dtype, and graph replay of the Adam family still
  matches an eager NumPy run.

GPU run: python -m pytest tests/optimizers/test_gpu_updates.py -q -m gpu
"""
import os
import re
import subprocess
import tempfile

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Parameter, optimizers
from fastgrad.optimizers import _kernels
from fastgrad_cuda.tools import compile_check

# -- compile check (CPU) ---------------------------------------------------------

# A stand-in for CuPy's float16 type with the same conversions (each
# operator computes in float; assigning a float rounds to half).
_FLOAT16 = r'''
#include <cuda_fp16.h>
class float16 {
    __half h_;
public:
    __device__ float16() {}
    __device__ float16(float v) : h_(__float2half_rn(v)) {}
    explicit __device__ float16(double v) : h_(__float2half_rn((float)v)) {}
    __device__ operator float() const { return __half2float(h_); }
    float16& operator=(const float16&) = default;
    template <typename U> __device__ float16& operator=(const U& v) {
        *this = static_cast<float16>(v);
        return *this;
    }
};
__device__ int isnan(float16 x) { return isnan((float)x); }
'''

_CTYPES = {'float16': 'float16', 'float32': 'float', 'float64': 'double'}


def _params(spec):
    out = []
    for item in spec.split(','):
        typ, name = item.split()
        out.append((typ, name))
    return out


def _instance(name, in_params, out_params, body, ctype, index):
    """One CuPy-like __global__ wrapper of ``body`` with ``T`` = ``ctype``:
    arrays by reference into global memory, scalars by value."""
    def c(typ):
        return 'T' if typ == 'T' else _CTYPES[typ]
    args, refs = [], []
    for typ, n in _params(in_params):
        if n == 'grad':
            args.append('const {} *_raw_{}'.format(c(typ), n))
            refs.append('const {} &{} = _raw_{}[i];'.format(c(typ), n, n))
        else:
            args.append('const {} {}'.format(c(typ), n))
    for typ, n in _params(out_params):
        args.append('{} *_raw_{}'.format(c(typ), n))
        refs.append('{} &{} = _raw_{}[i];'.format(c(typ), n, n))
    return '''
namespace k{idx} {{
typedef {ctype} T;
__global__ void {name}({args}, long long n) {{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)blockDim.x * gridDim.x) {{
        {refs}
        {body}
    }}
}}
}}
'''.format(idx=index, ctype=ctype, name=name, args=', '.join(args),
           refs='\n        '.join(refs), body=body)


def _instances():
    out = []
    for name, (in_params, out_params, body) in sorted(_kernels.SPECS.items()):
        if name.endswith('_f16'):
            ctypes = ['float16']
        elif name.startswith(('fastgrad_adam', 'fastgrad_ams')):
            ctypes = ['float', 'double']
        else:
            ctypes = ['float16', 'float', 'double']
        for ctype in ctypes:
            out.append((name, ctype, _instance(name, in_params, out_params, body,
                                                ctype, len(out))))
    return out


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


@pytest.mark.skipif(compile_check.find_nvcc() is None, reason='nvcc not installed')
def test_kernel_bodies_compile_with_nvcc():
    instances = _instances()
    src = _FLOAT16 + ''.join(code for _, _, code in instances)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'optimizer_kernels.cu')
        with open(path, 'w') as f:
            f.write(src)
        proc = subprocess.run(
            [compile_check.find_nvcc(), '-arch=sm_90', '-c', '--fmad=false',
             '-Werror', 'all-warnings', path, '-o', os.path.join(tmp, 'k.o')],
            cwd=tmp, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert len(instances) >= 30


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


@pytest.mark.gpu
def test_updates_are_in_place():
    cupy = pytest.importorskip('cupy')
    for name in sorted(CONFIGS):
        link = _link(cupy, 'float32')
        opt = CONFIGS[name]().setup(link)
        for p in link.params():
            p.grad = cupy.ones(p.array.shape, 'f')
        opt.update()
        before = {n: (p.array, dict(p.update_rule.state)) for n, p in link.namedparams()}
        for p in link.params():
            p.grad = cupy.ones(p.array.shape, 'f')
        opt.update()
        for n, p in link.namedparams():
            array, state = before[n]
            assert p.array is array, (name, n)
            assert all(p.update_rule.state[k] is state[k] for k in state), (name, n)


@pytest.mark.gpu
@pytest.mark.parametrize('name', ['Adam', 'AdamW', 'AdaBound', 'AMSBound', 'AMSBoundW'])
def test_graph_replay_matches_numpy(name):
    """Replayed steps read alpha_t and the bounds from the device step
    counter (0-d arrays passed to the kernel)."""
    cupy = pytest.importorskip('cupy')
    from fastgrad.graph_replay import capture_step
    rng = numpy.random.RandomState(3)
    xs = [rng.randn(*SHAPES[0]).astype(numpy.float32) for _ in range(8)]

    def train(xp, replay):
        link = _link(xp, 'float32')
        opt = CONFIGS[name]().setup(link)

        def step(x):
            link.cleargrads()
            loss = F.sum(link.p0 * x)       # grad of p0 is x exactly
            loss.backward()
            opt.update()
            return loss
        fn = capture_step(step, opt) if replay else step
        for x in xs:
            fn(xp.asarray(x))
        return link, fn

    got, fn = train(cupy, True)
    ref, _ = train(numpy, False)
    assert fn.replays == len(xs) - 2
    assert got.p0.update_rule.t == len(xs)
    numpy.testing.assert_allclose(got.p0.array.get(), ref.p0.array, rtol=1e-5, atol=1e-7)
    for key, value in ref.p0.update_rule.state.items():
        numpy.testing.assert_allclose(got.p0.update_rule.state[key].get(), value,
                                      rtol=1e-5, atol=1e-7, err_msg=key)
