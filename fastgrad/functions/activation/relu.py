"""relu(x) = max(x, 0).

On contiguous float32/float64 NumPy arrays of at least 16,384 elements both
ways run as one compiled pass (``_core/activation.pyx``, on
``fastgrad.set_num_threads`` threads) with NumPy's results bit for bit;
NumPy's backward makes two passes and a boolean temporary.
"""
import numpy

from fastgrad import utils
from fastgrad._core import activation
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_COMPILED = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))
# Below this many elements NumPy's call costs less than the checks before the
# compiled one (the per-op overhead of a small relu).
_MIN_SIZE = 1 << 14


def _compiled(*arrays):
    """Whether the compiled loops take these arrays (numpy, one float dtype,
    C-contiguous)."""
    a = arrays[0]
    return (type(a) is numpy.ndarray and a.dtype in _COMPILED
            and all(type(b) is numpy.ndarray and b.dtype == a.dtype and b.shape == a.shape
                    and b.flags.c_contiguous for b in arrays))


class ReLU(Op):
    __slots__ = ()
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if type(x) is numpy.ndarray and x.size >= _MIN_SIZE and _compiled(x):
            y = activation.relu_forward(x)
        else:
            y = utils.array_module(x).maximum(x, utils.scalar(0, x.dtype))
        self.retain_outputs((0,))
        return utils.force_array(y),

    def gradient(self, ns, indexes, grad_outputs):
        # The mask is a constant: relu's second derivative is 0 almost everywhere.
        y = self.get_retained_output_arrays()[0]
        gy = grad_outputs[0]
        # (y may be a symbol here: fused.py traces this gradient for CuPy)
        if type(y) is numpy.ndarray and y.size >= _MIN_SIZE and _compiled(y, gy):
            return activation.relu_backward(y, gy),
        return gy * (y > 0),


def relu(x):
    """Rectified linear unit, ``max(x, 0)``; the gradient at 0 is 0.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.relu(x).array
    array([[0., 0., 2.]], dtype=float32)
    """
    y, = ReLU().apply((x,))
    return y
