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

``Op`` also makes the class closed for the cycle collector
(``_core/_gc_tracking.pxi``) when it declares ``__slots__``: an op's slots hold
arrays, scalars, shapes and dtypes only (tests/functions/test_recipe.py walks
every op and checks it).
"""
import sys

import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode, Variable


class Op(FunctionNode):
    """Base of the built-in ops; see the module docstring."""
    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if '_graph_closed' not in cls.__dict__ and '__slots__' in cls.__dict__:
            cls._graph_closed = True

    def gradient(self, ns, indexes, grad_outputs):
        raise NotImplementedError('{} does not define gradient'.format(self.label))

    def backward_arrays(self, indexes, grad_outputs):
        return self.gradient(_array_ops(grad_outputs), indexes, grad_outputs)

    def backward(self, indexes, grad_outputs):
        return self.gradient(VARIABLE_OPS, indexes, grad_outputs)


def _array_ops(grad_outputs):
    for g in grad_outputs:
        if g is not None:
            return NUMPY_OPS if type(g) is numpy.ndarray else _cupy_ops()
    return NUMPY_OPS


class ArrayOps(object):
    """The gradient namespace on raw arrays of one array module ``xp``."""
    differentiable = False

    def __init__(self, xp):
        self.xp = xp

    # -- what the op kept from forward
    @staticmethod
    def inputs(node):
        return node.get_retained_input_arrays()

    @staticmethod
    def outputs(node):
        return node.get_retained_output_arrays()

    @staticmethod
    def data(v):
        return v

    @staticmethod
    def call(node, inputs):
        return node.forward(tuple(inputs))

    # -- elementwise
    def exp(self, x):
        return utils.force_array(self.xp.exp(x))

    def log(self, x):
        return utils.force_array(self.xp.log(x))

    def sqrt(self, x):
        return utils.force_array(self.xp.sqrt(x))

    def tanh(self, x):
        return utils.force_array(self.xp.tanh(x))

    def sin(self, x):
        return utils.force_array(self.xp.sin(x))

    def cos(self, x):
        return utils.force_array(self.xp.cos(x))

    def square(self, x):
        return utils.force_array(self.xp.square(x))

    def where(self, condition, a, b):
        return utils.force_array(self.xp.where(condition, a, b))

    def cast(self, x, dtype):
        return x.astype(dtype, copy=False)

    # -- shapes and reductions
    def sum(self, x, axis=None, keepdims=False):
        return utils.force_array(x.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def sum_to(x, shape):
        return utils.sum_to(x, shape)

    def broadcast_to(self, x, shape):
        return self.xp.broadcast_to(x, shape)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def transpose(x, axes=None):
        return x.transpose(axes)

    @staticmethod
    def matmul(a, b):
        return utils.matmul(a, b)


class VariableOps(object):
    """The gradient namespace on Variables: fastgrad's differentiable functions."""
    differentiable = True

    @staticmethod
    def inputs(node):
        return node.get_retained_inputs()

    @staticmethod
    def outputs(node):
        return node.get_retained_outputs()

    @staticmethod
    def data(v):
        return v.array if isinstance(v, Variable) else v

    @staticmethod
    def call(node, inputs):
        return node.apply(tuple(inputs))

    def __getattr__(self, name):
        # exp, log, sum, sum_to, reshape, matmul, where, cast, ...: the
        # differentiable function of the same name
        fn = getattr(_functions(), name)
        setattr(self, name, fn)
        return fn


def _functions():
    return sys.modules['fastgrad.functions']


NUMPY_OPS = ArrayOps(numpy)
VARIABLE_OPS = VariableOps()
_CUPY_OPS = None


def _cupy_ops():
    global _CUPY_OPS
    if _CUPY_OPS is None:
        import cupy
        _CUPY_OPS = ArrayOps(cupy)
    return _CUPY_OPS
