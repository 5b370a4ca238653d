"""det and batch_det: determinants of square matrices."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.math.inv import BatchInv, _linalg_input


class BatchDet(Op):
    """Determinants of ``(m, n, n)`` matrices; d det(A)/dA = det(A) A^-T."""
    __slots__ = ()
    checks = Checks('a', "a.dtype.kind == 'f'", 'a.ndim == 3',
                    'a.shape[1] == a.shape[2]')

    @property
    def label(self):
        return 'det'

    def forward(self, inputs):
        a, = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = utils.array_module(a)
        return utils.force_array(xp.linalg.det(_linalg_input(a)).astype(a.dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        a, = ns.inputs(self)
        d, = ns.outputs(self)
        gy, = grad_outputs
        inv_t, = ns.call(BatchInv(), (ns.transpose(a, (0, 2, 1)),))
        scale = ns.broadcast_to(ns.reshape(gy * d, (-1, 1, 1)), a.shape)
        return scale * inv_t,


def batch_det(a):
    """Determinants of a batch of square matrices.

    Args:
        a (:class:`~fastgrad.Variable` or ``ndarray``): ``(m, n, n)``.

    Returns:
        ~fastgrad.Variable: The ``m`` determinants.

    >>> a = np.array([[[2., 0.], [0., 2.]], [[2., 1.], [1., 3.]]], np.float32)
    >>> np.round(F.batch_det(a).array, 4)
    array([4., 5.], dtype=float32)
    """
    y, = BatchDet().apply((a,))
    return y


def det(a):
    """Determinant of one square matrix.

    Args:
        a (:class:`~fastgrad.Variable` or ``ndarray``): ``(n, n)``.

    Returns:
        ~fastgrad.Variable: The determinant (a 0-d variable).

    >>> a = Variable(np.array([[2., 1.], [1., 3.]], np.float32))
    >>> y = F.det(a)
    >>> y.shape, round(float(y.array), 4)
    ((), 5.0)
    >>> y.backward(); np.round(a.grad, 4)  # det(a) * inv(a).T
    array([[ 3., -1.],
           [-1.,  2.]], dtype=float32)
    """
    from fastgrad.functions.array.reshape import reshape
    if a.ndim != 2:
        raise utils.invalid_type('det', 'a.ndim == 2', 'a.ndim = {}'.format(a.ndim))
    y, = BatchDet().apply((reshape(a, (1,) + tuple(a.shape)),))
    return reshape(y, ())
