"""cholesky: the lower-triangular factor of a symmetric positive-definite
matrix."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.math.inv import Inv, _linalg_input


class Cholesky(Op):
    """``a = L L^T``.  Gradient (Murray 2016): with ``phi = tril(L^T gL)``
    halved on the diagonal, ``s = L^-T phi L^-1`` and ``ga = (s + s^T)/2``."""
    __slots__ = ()
    checks = Checks('a', "a.dtype.kind == 'f'", 'a.ndim == 2',
                    'a.shape[0] == a.shape[1]')

    @property
    def label(self):
        return 'cholesky'

    def forward(self, inputs):
        a, = inputs
        self.retain_outputs((0,))
        xp = utils.array_module(a)
        try:
            y = xp.linalg.cholesky(_linalg_input(a))
        except numpy.linalg.LinAlgError as e:
            raise numpy.linalg.LinAlgError(
                'cholesky: the matrix is not positive definite ({})'.format(e))
        return utils.force_array(y.astype(a.dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        y, = ns.outputs(self)
        gy, = grad_outputs
        n = y.shape[0]
        xp = utils.array_module(ns.data(y))
        mask = xp.tri(n, dtype=y.dtype) - 0.5 * xp.eye(n, dtype=y.dtype)
        y_inv, = ns.call(Inv(), (y,))
        phi = ns.matmul(y, gy, transa=True) * mask
        s = ns.matmul(ns.matmul(y_inv, phi, transa=True), y_inv)
        return (s + ns.transpose(s)) * 0.5,


def cholesky(a):
    """Cholesky decomposition of a symmetric positive-definite matrix.

    Args:
        a (:class:`~fastgrad.Variable` or ``ndarray``): ``(n, n)``; only
            its lower triangle is read.

    Returns:
        ~fastgrad.Variable: The lower-triangular ``L`` with ``a = L L^T``.
        A matrix that is not positive definite raises
        ``numpy.linalg.LinAlgError`` (a ValueError).

    >>> a = np.array([[4., 2.], [2., 5.]], np.float32)
    >>> L = F.cholesky(a)
    >>> L.array
    array([[2., 0.],
           [1., 2.]], dtype=float32)
    >>> F.matmul(L, L, transb=True).array  # L L^T gives a back
    array([[4., 2.],
           [2., 5.]], dtype=float32)
    """
    y, = Cholesky().apply((a,))
    return y
