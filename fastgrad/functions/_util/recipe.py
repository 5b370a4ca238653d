"""The op recipe: each gradient is written once.

An op subclasses ``Op`` and writes ``gradient(self, ns, indexes, grad_outputs)``
once, against the namespace ``ns`` the engine hands in:

* with no graph recorded during backward (the common case) ``ns`` works on raw
  NumPy or CuPy arrays: ``grad_outputs``, ``ns.inputs(self)`` and
  ``ns.outputs(self)`` are arrays and ``ns.exp`` is ``xp.exp``;
* for double backprop ``ns`` works on Variables and its functions are
  fastgrad's differentiable ones, so the gradient is itself differentiated.

Python operators (``+ - * / ** @``, unary ``-``) work on both.  What is a
constant of the gradient (a mask, a sign, a shape) is computed from raw data:
``ns.data(v)`` is the array behind ``v`` on either path.  An op whose gradient
is another op (convolution and deconvolution, concat and split) calls it as
``ns.call(node, inputs)``: ``node.forward`` on arrays, ``node.apply`` on
Variables.

An op states the conditions its inputs must meet once, as ``checks``
(``functions/_util/checks.py``).

``Op`` also makes fastgrad's own op classes closed for the cycle collector
(``_core/_gc_tracking.pxi``) when they declare ``__slots__``: an op's slots hold
arrays, scalars, shapes and dtypes only (tests/functions/test_recipe.py walks
every op and checks it).
"""
import sys

import numpy

from fastgrad import utils
from fastgrad._core import graph
from fastgrad._core.graph import FunctionNode, Variable
from fastgrad.configuration import config
from fastgrad.functions._util import fused


def _first_check(cls, checks):
    """``cls._check_arrays`` until the op's first check: compiles the checks
    and puts the compiled function in its place (the engine looks the method
    up at each apply), so later checks cost no extra call."""
    def check(self, inputs):
        function = checks.function
        cls._check_arrays = function
        function(self, inputs)
    return check


class Op(FunctionNode):
    """Base of the built-in ops; see the module docstring."""
    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Only fastgrad's own ops: tests/functions/test_recipe.py checks what
        # their slots hold; a user's subclass could keep a Variable in one.
        if ('_graph_closed' not in cls.__dict__ and '__slots__' in cls.__dict__
                and cls.__module__.startswith('fastgrad.')):
            cls._graph_closed = True
        checks = cls.__dict__.get('checks')
        if checks is not None:
            # run by the engine before forward while config.type_check is on;
            # _check_fast: what the engine can evaluate itself (checks.py)
            cls._check_arrays = _first_check(cls, checks)
            cls._check_fast = checks.fast

    def gradient(self, ns, indexes, grad_outputs):
        raise NotImplementedError('{} does not define gradient'.format(self.label))

    def backward_arrays(self, indexes, grad_outputs):
        ns = _array_ops(grad_outputs)
        if ns is not NUMPY_OPS and self.is_elementwise and _fuse_on():
            # CuPy: the whole gradient in one kernel (functions/_util/fused.py)
            gxs = fused.gradient(self, indexes, grad_outputs)
            if gxs is not None:
                return gxs
        return self.gradient(ns, indexes, grad_outputs)

    def backward(self, indexes, grad_outputs):
        return self.gradient(VARIABLE_OPS, indexes, grad_outputs)


def _fuse_on():
    # NEP 50 dtypes only (fused.py); NumPy 1 keeps the unfused path
    return config.fuse_elementwise_grads and not utils.LEGACY_PROMOTION


def _array_ops(grad_outputs):
    for g in grad_outputs:
        if g is not None:
            # a NumPy scalar too (a loss scale set as the output's grad)
            if type(g) is numpy.ndarray or isinstance(g, numpy.generic):
                return NUMPY_OPS
            return _cupy_ops()
    return NUMPY_OPS


class ArrayOps(object):
    """The gradient namespace on raw arrays of one array module ``xp``."""
    differentiable = False

    def __init__(self, xp):
        self.xp = xp

    # -- what the op kept from forward: ns.inputs(node) is
    # node.get_retained_input_arrays() (compiled, no Python frame: gradients
    # call these once per op)
    inputs = staticmethod(graph._retained_input_arrays)
    outputs = staticmethod(graph._retained_output_arrays)

    @staticmethod
    def data(v):
        return v

    @staticmethod
    def call(node, inputs):
        return node.forward(tuple(inputs))

    # -- elementwise (force_array: NumPy turns 0-d results into scalars)
    def exp(self, x):
        return utils.force_array(self.xp.exp(x))

    def log(self, x):
        return utils.force_array(self.xp.log(x))

    def log1p(self, x):
        return utils.force_array(self.xp.log1p(x))

    def expm1(self, x):
        return utils.force_array(self.xp.expm1(x))

    def sqrt(self, x):
        return utils.force_array(self.xp.sqrt(x))

    def rsqrt(self, x):
        return utils.force_array(1 / self.xp.sqrt(x))

    def square(self, x):
        return utils.force_array(self.xp.square(x))

    def absolute(self, x):
        return utils.force_array(self.xp.absolute(x))

    def tanh(self, x):
        return utils.force_array(self.xp.tanh(x))

    def sinh(self, x):
        return utils.force_array(self.xp.sinh(x))

    def cosh(self, x):
        return utils.force_array(self.xp.cosh(x))

    def sin(self, x):
        return utils.force_array(self.xp.sin(x))

    def cos(self, x):
        return utils.force_array(self.xp.cos(x))

    def sigmoid(self, x):
        return utils.force_array(self.xp.tanh(x * 0.5) * 0.5 + 0.5)

    def log_softmax(self, x, axis=1):
        z = x - x.max(axis=axis, keepdims=True)
        z -= self.xp.log(self.xp.exp(z).sum(axis=axis, keepdims=True))
        return z

    def maximum(self, x1, x2):
        return utils.force_array(self.xp.maximum(x1, x2))

    def minimum(self, x1, x2):
        return utils.force_array(self.xp.minimum(x1, x2))

    def clip(self, x, x_min, x_max):
        return utils.force_array(self.xp.clip(x, x_min, x_max))

    def where(self, condition, x, y):
        return utils.force_array(self.xp.where(condition, x, y))

    @staticmethod
    def cast(x, typ):
        return x.astype(typ, copy=False)

    # -- reductions
    def sum(self, x, axis=None, keepdims=False):
        return utils.force_array(x.sum(axis=axis, keepdims=keepdims))

    def mean(self, x, axis=None, keepdims=False):
        return utils.force_array(x.mean(axis=axis, keepdims=keepdims))

    def cumsum(self, x, axis=None):
        return self.xp.cumsum(x, axis=axis)

    @staticmethod
    def sum_to(x, shape):
        return utils.sum_to(x, shape)

    # -- shapes
    def broadcast_to(self, x, shape):
        return self.xp.broadcast_to(x, shape)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def transpose(x, axes=None):
        return x.transpose(axes)

    @staticmethod
    def swapaxes(x, axis1, axis2):
        return x.swapaxes(axis1, axis2)

    def moveaxis(self, x, source, destination):
        return self.xp.moveaxis(x, source, destination)

    def expand_dims(self, x, axis):
        return self.xp.expand_dims(x, axis)

    def squeeze(self, x, axis=None):
        return self.xp.squeeze(x, axis)

    def flip(self, x, axis):
        return self.xp.flip(x, axis)

    def tile(self, x, reps):
        return self.xp.tile(x, reps)

    def repeat(self, x, repeats, axis=None):
        return self.xp.repeat(x, repeats, axis)

    def pad(self, x, pad_width, mode, **keywords):
        return self.xp.pad(x, pad_width, mode, **keywords)

    @staticmethod
    def get_item(x, slices):
        return utils.force_array(x[slices])

    def concat(self, xs, axis=1):
        return self.xp.concatenate(xs, axis=axis)

    def split_axis(self, x, indices_or_sections, axis, force_tuple=True):
        if isinstance(indices_or_sections, int):
            return tuple(self.xp.split(x, indices_or_sections, axis))
        # views by plain slicing: numpy.split's bookkeeping costs more
        lead = (slice(None),) * (axis % x.ndim)
        edges = [0, *indices_or_sections, x.shape[axis]]
        return tuple(x[lead + (slice(a, b),)] for a, b in zip(edges, edges[1:]))

    def stack(self, xs, axis=0):
        return self.xp.stack(xs, axis=axis)

    @staticmethod
    def separate(x, axis=0):
        lead = (slice(None),) * (axis % x.ndim)
        return tuple(x[lead + (i,)] for i in range(x.shape[axis]))

    # -- products
    @staticmethod
    def matmul(a, b, transa=False, transb=False):
        if transa:
            a = a.swapaxes(-1, -2)
        if transb:
            b = b.swapaxes(-1, -2)
        return utils.matmul(a, b)

    batch_matmul = matmul


class VariableOps(object):
    """The gradient namespace on Variables: fastgrad's differentiable functions."""
    differentiable = True

    inputs = staticmethod(graph._retained_inputs)
    outputs = staticmethod(graph._retained_outputs)

    @staticmethod
    def data(v):
        return v.array if isinstance(v, Variable) else v

    @staticmethod
    def cast(x, typ):
        # F.cast of the same dtype adds an identity node (Chainer's rule for
        # users); a gradient needs none
        if x.dtype == typ:
            return x
        return _functions().cast(x, typ)

    @staticmethod
    def call(node, inputs):
        return node.apply(tuple(inputs))

    def __getattr__(self, name):
        # exp, log, sum, sum_to, reshape, matmul, where, cast, ...: the
        # differentiable function of the same name (ArrayOps has the same
        # names with the same signatures, on raw arrays)
        fn = getattr(_functions(), name)
        setattr(self, name, fn)
        return fn


def _functions():
    return sys.modules['fastgrad.functions']


NUMPY_OPS = ArrayOps(numpy)
VARIABLE_OPS = VariableOps()
graph._install_recipe(Op, NUMPY_OPS)
_CUPY_OPS = None


def _cupy_ops():
    global _CUPY_OPS
    if _CUPY_OPS is None:
        import cupy
        _CUPY_OPS = ArrayOps(cupy)
    return _CUPY_OPS
