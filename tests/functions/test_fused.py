"""The fused elementwise gradients (functions/_util/fused.py).

On the CPU: every built-in op with ``is_elementwise = True`` either traces,
and the traced expression evaluated with NumPy equals the normal gradient in
values and dtypes, or it is one of the documented fallbacks; the generated
CUDA compiles with nvcc, and the same kernel bodies compiled with g++ for the
host compute the normal gradient.  On a GPU (marked ``gpu``): fused equals unfused and
a fused tanh backward is one kernel launch.
"""
import importlib
import inspect
import os
import pkgutil
import shutil
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions
from fastgrad.functions._util import fused
from fastgrad.functions._util.recipe import NUMPY_OPS, Op

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
import host_kernels  # noqa: E402  (tests/_helpers: CuPy kernel bodies outside CuPy)

# fusion follows NumPy 2's promotion (NEP 50), as CuPy does, and is off under NumPy 1,
# whose path promotes Python scalars by value: nothing here applies there
pytestmark = pytest.mark.skipif(fastgrad.utils.LEGACY_PROMOTION,
                                reason='fused gradients are off under NumPy 1')


def _m(name):
    # the modules (fastgrad.functions.<pkg> exports functions of the same names)
    return importlib.import_module('fastgrad.functions.' + name)


clipped_relu, elu, gelu, hard_sigmoid, leaky_relu, relu, sigmoid, softplus, tanh = [
    _m('activation.' + n) for n in ('clipped_relu', 'elu', 'gelu', 'hard_sigmoid',
                                    'leaky_relu', 'relu', 'sigmoid', 'softplus', 'tanh')]
(bm, clip, exponential, exponential_m1, hyperbolic, logarithm, logarithm_1p, maximum,
 minimum, rounding, rsqrt, special, sqrt, square, trig) = [
    _m('math.' + n) for n in ('basic_math', 'clip', 'exponential', 'exponential_m1',
                              'hyperbolic', 'logarithm', 'logarithm_1p', 'maximum',
                              'minimum', 'rounding', 'rsqrt', 'special', 'sqrt', 'square',
                              'trigonometric')]

ANY = (-1.5, 1.5)         # input ranges
POS = (0.5, 2.0)
UNIT = (-0.8, 0.8)

# op class -> (factories of instances with typical parameters, inputs, range)
CASES = {
    clipped_relu.ClippedReLU: ([lambda: clipped_relu.ClippedReLU(0.7)], 1, ANY),
    elu.ELU: ([lambda: elu.ELU(1.3), lambda: elu.ELU(1)], 1, ANY),
    gelu.GELU: ([gelu.GELU], 1, ANY),
    gelu._NormalCDF: ([gelu._NormalCDF], 1, ANY),
    hard_sigmoid.HardSigmoid: ([hard_sigmoid.HardSigmoid], 1, (-3.0, 3.0)),
    leaky_relu.LeakyReLU: ([lambda: leaky_relu.LeakyReLU(0.1)], 1, ANY),
    relu.ReLU: ([relu.ReLU], 1, ANY),
    sigmoid.Sigmoid: ([sigmoid.Sigmoid], 1, ANY),
    softplus.Softplus: ([lambda: softplus.Softplus(2.0)], 1, ANY),
    tanh.Tanh: ([tanh.Tanh], 1, ANY),
    bm.Absolute: ([bm.Absolute], 1, ANY),
    bm.Add: ([bm.Add], 2, ANY),
    bm.AddConstant: ([lambda: bm.AddConstant(2.5)], 1, ANY),
    bm.Div: ([bm.Div], 2, POS),
    bm.DivByConstant: ([lambda: bm.DivByConstant(3.0), lambda: bm.DivByConstant(7)],
                       1, ANY),
    bm.DivFromConstant: ([lambda: bm.DivFromConstant(3.0)], 1, POS),
    bm.Mul: ([bm.Mul], 2, ANY),
    bm.MulConstant: ([lambda: bm.MulConstant(1.5), lambda: bm.MulConstant(3),
                      lambda: bm.MulConstant(numpy.float32(0.3))], 1, ANY),
    bm.MultiAdd: ([bm.MultiAdd], 3, ANY),
    bm.Neg: ([bm.Neg], 1, ANY),
    bm.PowConstVar: ([lambda: bm.PowConstVar(2.0)], 1, ANY),
    bm.PowVarConst: ([lambda: bm.PowVarConst(2.5), lambda: bm.PowVarConst(3)], 1, POS),
    bm.PowVarVar: ([bm.PowVarVar], 2, POS),
    bm.Sub: ([bm.Sub], 2, ANY),
    bm.SubFromConstant: ([lambda: bm.SubFromConstant(2.0)], 1, ANY),
    clip.Clip: ([lambda: clip.Clip(-0.5, 0.5), lambda: clip.Clip(None, 0.5),
                 lambda: clip.Clip(-0.5, None)], 1, ANY),
    exponential.Exp: ([exponential.Exp], 1, ANY),
    exponential.Log: ([exponential.Log], 1, POS),
    exponential_m1.Expm1: ([exponential_m1.Expm1], 1, ANY),
    hyperbolic.Arctanh: ([hyperbolic.Arctanh], 1, UNIT),
    hyperbolic.Cosh: ([hyperbolic.Cosh], 1, ANY),
    hyperbolic.Sinh: ([hyperbolic.Sinh], 1, ANY),
    logarithm.Log10: ([logarithm.Log10], 1, POS),
    logarithm.Log2: ([logarithm.Log2], 1, POS),
    logarithm_1p.Log1p: ([logarithm_1p.Log1p], 1, POS),
    maximum.Maximum: ([maximum.Maximum], 2, ANY),
    minimum.Minimum: ([minimum.Minimum], 2, ANY),
    rounding.Fmod: ([rounding.Fmod], 2, POS),
    rsqrt.Rsqrt: ([rsqrt.Rsqrt], 1, POS),
    special.DiGamma: ([special.DiGamma], 1, POS),
    special.Erf: ([special.Erf], 1, ANY),
    special.ErfInv: ([special.ErfInv], 1, UNIT),
    special.Erfc: ([special.Erfc], 1, ANY),
    special.ErfcInv: ([special.ErfcInv], 1, (0.2, 1.8)),
    special.Erfcx: ([special.Erfcx], 1, ANY),
    special.LGamma: ([special.LGamma], 1, POS),
    special.LogNdtr: ([special.LogNdtr], 1, ANY),
    special.Ndtr: ([special.Ndtr], 1, ANY),
    special.Ndtri: ([special.Ndtri], 1, (0.1, 0.9)),
    sqrt.Sqrt: ([sqrt.Sqrt], 1, POS),
    square.Square: ([square.Square], 1, ANY),
    trig.Arccos: ([trig.Arccos], 1, UNIT),
    trig.Arcsin: ([trig.Arcsin], 1, UNIT),
    trig.Arctan: ([trig.Arctan], 1, ANY),
    trig.Arctan2: ([trig.Arctan2], 2, ANY),
    trig.Cos: ([trig.Cos], 1, ANY),
    trig.Sin: ([trig.Sin], 1, ANY),
    trig.Tan: ([trig.Tan], 1, UNIT),
}
# bases that only define a gradient for their subclasses
ABSTRACT = {logarithm._LogBase, special._Elementwise, trig._Inverse}
# the documented fallbacks (fused.py's docstring says why)
FALLBACK = {gelu.GELU, special.LGamma, special.DiGamma, special.LogNdtr, bm.PowConstVar}


def _elementwise_ops():
    found = set()
    for info in pkgutil.walk_packages(fastgrad.functions.__path__, 'fastgrad.functions.'):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Op) and cls.__module__ == info.name \
                    and getattr(cls, 'is_elementwise', False):
                found.add(cls)
    return found


def test_every_elementwise_op_has_a_case():
    assert _elementwise_ops() == set(CASES) | ABSTRACT


def _run(factory, n_inputs, bounds, dtype, seed=0):
    """The op applied to random inputs, and gradients of its outputs."""
    rng = numpy.random.RandomState(seed)
    xs = [fastgrad.Variable(rng.uniform(*bounds, size=(3, 4)).astype(dtype))
          for _ in range(n_inputs)]
    op = factory()
    ys = op.apply(xs)
    gys = tuple(rng.uniform(-1, 1, size=y.shape).astype(dtype) for y in ys)
    return op, xs, gys


def _trace(op, indexes, gys):
    inputs = op.get_retained_input_arrays()
    outputs = op.get_retained_output_arrays()
    return fused.trace_gradient(op, indexes, gys, inputs, outputs, gys[0].shape)


def _cases():
    for cls, (factories, n, bounds) in sorted(CASES.items(), key=lambda c: c[0].__name__):
        for k, factory in enumerate(factories):
            yield pytest.param(cls, factory, n, bounds, id='{}-{}'.format(cls.__name__, k))


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('cls, factory, n, bounds', list(_cases()))
def test_traced_gradient_equals_the_normal_one(cls, factory, n, bounds, dtype):
    op, xs, gys = _run(factory, n, bounds, dtype)
    index_sets = [tuple(range(n))] + ([(n - 1,)] if n > 1 else [])
    for indexes in index_sets:
        if cls in FALLBACK:
            with pytest.raises(Exception):
                _trace(op, indexes, gys)
            continue
        expected = op.gradient(NUMPY_OPS, indexes, gys)
        trace, gxs = _trace(op, indexes, gys)
        fused.render(trace, gxs)               # renders without an error
        arrays = {}
        for role, values in (('g', gys), ('x', op.get_retained_input_arrays()),
                             ('y', op.get_retained_output_arrays())):
            for k, a in enumerate(values):
                arrays[role, k] = a
        params = {name: getattr(op, name) for name in trace.params}
        got = fused.evaluate(trace, gxs, arrays, params)
        assert len(got) == len(expected)
        for e, g, s in zip(expected, got, gxs):
            assert g.dtype == e.dtype == s.dtype, (cls.__name__, indexes)
            assert g.shape == e.shape
            numpy.testing.assert_allclose(g, e, rtol=1e-6 if dtype == numpy.float32
                                          else 1e-13, atol=0)


def test_an_attribute_is_a_kernel_parameter_not_a_constant():
    bodies = []
    for slope in (0.1, 0.3):
        op, _, gys = _run(lambda: leaky_relu.LeakyReLU(slope), 1, ANY, numpy.float32)
        in_params, _, body, _, params, _ = fused.render(*_trace(op, (0,), gys))
        assert params == ('slope',) and 'float64 s0' in in_params
        bodies.append(body)
    assert bodies[0] == bodies[1] and '0.1' not in bodies[0]


def test_python_float_keeps_float32():
    # NEP 50: 0.5 * beta stays a Python float (double), x * it stays float32
    op, _, gys = _run(lambda: softplus.Softplus(2.0), 1, ANY, numpy.float32)
    _, out_params, body, _, _, _ = fused.render(*_trace(op, (0,), gys))
    assert out_params == 'float32 o0'
    assert 'double' in body and 'tanh' in body


def test_unsupported_gradients_raise_while_tracing():
    class Reduces(Op):
        __slots__ = ()
        is_elementwise = True

        def forward(self, inputs):
            return inputs[0] * 2,

        def gradient(self, ns, indexes, grad_outputs):
            return grad_outputs[0] * ns.sum(grad_outputs[0]),

    op, _, gys = _run(Reduces, 1, ANY, numpy.float32)
    with pytest.raises(Exception):
        _trace(op, (0,), gys)


def _arrays(in_params):
    # fused.render names array inputs a0, a1, ... and scalar ones s0, s1, ...
    return [d.split()[1] for d in in_params.split(', ') if d.split()[1].startswith('a')]


@pytest.mark.skipif(host_kernels.find_nvcc() is None, reason='needs nvcc')
def test_generated_cuda_compiles():
    sources = []
    for cls, (factories, n, bounds) in CASES.items():
        if cls in FALLBACK:
            continue
        for factory in factories:
            for dtype in (numpy.float32, numpy.float64):
                op, _, gys = _run(factory, n, bounds, dtype)
                in_params, out_params, body, _, _, outs = fused.render(
                    *_trace(op, tuple(range(n)), gys))
                if outs:
                    # one __global__ loop declared as CuPy's ElementwiseKernel
                    # declares it: input elements by value, outputs by reference
                    sources.append(host_kernels.elementwise_source(
                        'fused_{}'.format(len(sources)), in_params, out_params, body,
                        arrays=_arrays(in_params)))
    assert len(sources) > 80
    result = host_kernels.nvcc_compile('\n'.join(sources), ['--fmad=false'])
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.skipif(shutil.which('g++') is None, reason='needs g++')
def test_generated_source_computes_the_gradient_on_the_host():
    # The rendered kernel bodies, compiled for the CPU (no contraction, like
    # --fmad=false) and run on the arrays: the casts, literals and parameters
    # of the CUDA text give the normal gradient's values and dtypes.
    kernels = []
    for cls, (factories, n, bounds) in CASES.items():
        if cls in FALLBACK:
            continue
        for factory in factories:
            for dtype in (numpy.float32, numpy.float64):
                op, _, gys = _run(factory, n, bounds, dtype, seed=3)
                indexes = tuple(range(n))
                rendered = fused.render(*_trace(op, indexes, gys))
                if rendered[5]:
                    kernels.append((op, indexes, gys, rendered))
    # (the CUDA math names are <cmath>'s)
    lib = host_kernels.HostLibrary(host_kernels.HOST_MATH)
    for k, (_, _, _, r) in enumerate(kernels):
        lib.add_elementwise('host_{}'.format(k), r[0], r[1], r[2], arrays=_arrays(r[0]))
    with host_kernels.built(lib):
        for k, (op, indexes, gys, r) in enumerate(kernels):
            in_params, out_params, _, arrays, params, outs = r
            sources = (gys, op.get_retained_input_arrays(), op.get_retained_output_arrays())
            roles = {'g': 0, 'x': 1, 'y': 2}
            args = [numpy.ascontiguousarray(sources[roles[role]][pos])
                    for role, pos in arrays]
            args += [getattr(op, name) for name in params]      # cast as declared
            results = [numpy.empty(gys[0].shape, d.split()[0])
                       for d in out_params.split(', ')]
            lib.elementwise('host_{}'.format(k))(*args, *results)
            expected = op.gradient(NUMPY_OPS, indexes, gys)
            for j, got in zip(outs, results):
                e = expected[j]
                assert got.dtype == e.dtype, type(op).__name__
                numpy.testing.assert_allclose(
                    got, e, rtol=1e-5 if e.dtype == numpy.float32 else 1e-12, atol=0,
                    err_msg=type(op).__name__)


# -- on a GPU ---------------------------------------------------------------------

def _gpu_grads(factory, n, bounds, dtype, fuse):
    import cupy
    rng = numpy.random.RandomState(1)
    xs = [fastgrad.Variable(cupy.asarray(rng.uniform(*bounds, size=(5, 7)).astype(dtype)))
          for _ in range(n)]
    with fastgrad.using_config('fuse_elementwise_grads', fuse):
        ys = factory().apply(xs)
        gy = cupy.asarray(rng.uniform(-1, 1, size=ys[0].shape).astype(dtype))
        ys[0].grad = gy
        ys[0].backward()
    return [x.grad for x in xs]


@pytest.mark.gpu
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('cls, factory, n, bounds', list(_cases()))
def test_fused_equals_unfused_on_gpu(cls, factory, n, bounds, dtype):
    import cupy
    fused._KERNELS.clear()
    unfused = _gpu_grads(factory, n, bounds, dtype, False)
    got = _gpu_grads(factory, n, bounds, dtype, True)
    for e, g in zip(unfused, got):
        assert g.dtype == e.dtype
        cupy.testing.assert_allclose(g, e, rtol=1e-6 if dtype == numpy.float32 else 1e-13,
                                     atol=0)
    entries = [v for k, v in fused._KERNELS.items() if k[0] is cls]
    assert entries, 'the fused path was not taken'
    assert (cls in FALLBACK) == (entries[0] is fused._FAILED)


@pytest.mark.gpu
def test_fused_tanh_backward_is_one_launch(monkeypatch):
    import cupy
    x = fastgrad.Variable(cupy.linspace(-2, 2, 1000, dtype=cupy.float32))

    def backward():
        x.cleargrad()
        with fastgrad.using_config('fuse_elementwise_grads', True):
            y = fastgrad.functions.tanh(x)
            y.grad = cupy.ones_like(y.array)
            y.backward()

    backward()                        # traces and builds the kernel
    key, = [k for k in fused._KERNELS if k[0] is tanh.Tanh and k[3] == (1000,)
            and k[4] == (numpy.dtype(numpy.float32),)]
    entry = fused._KERNELS[key]
    calls = []

    def counting(*args):
        calls.append(1)
        return entry[0](*args)

    def unfused(*args):
        raise AssertionError('the unfused gradient ran')

    # one call of the fused kernel, and the op's gradient (3 CuPy kernels)
    # not run: the backward of tanh is one launch
    monkeypatch.setitem(fused._KERNELS, key, (counting,) + tuple(entry[1:]))
    monkeypatch.setattr(tanh.Tanh, 'gradient', unfused)
    backward()
    assert len(calls) == 1
    numpy.testing.assert_allclose(cupy.asnumpy(x.grad),
                                  1 - numpy.tanh(numpy.linspace(-2, 2, 1000)) ** 2,
                                  rtol=1e-5, atol=1e-6)
