"""rrelu: randomized leaky ReLU."""
import numpy

from fastgrad import configuration, graph_replay, utils
from fastgrad.functions._util.checks import Checks, same_device
from fastgrad.functions._util.recipe import Op

# a graph replay would repeat the host generator's draw on every step
_HOST_RNG = 'its random numbers are drawn by the host-side generator'


class RReLU(Op):
    """``y = x`` where ``x >= 0``, else ``r * x``; ``r`` uniform in
    ``[lower, upper)`` per element in training, ``(lower + upper) / 2`` in
    test mode.  The slope is a constant of the gradient (read from the
    output's sign, as Chainer does)."""
    __slots__ = ('lower', 'upper', 'r')
    checks = Checks('x', "x.dtype.kind == 'f'",
                    'self.r is None or x.dtype == self.r.dtype',
                    'self.r is None or x.shape == self.r.shape')

    def __init__(self, lower=1. / 8, upper=1. / 3, r=None):
        if not 0.0 <= lower < 1.0:
            raise ValueError('rrelu: lower must be in the range [0, 1), got {}'.format(lower))
        if not 0.0 <= upper < 1.0:
            raise ValueError('rrelu: upper must be in the range [0, 1), got {}'.format(upper))
        if not lower < upper:
            raise ValueError('rrelu: lower must be less than upper, got {} >= {}'.format(
                lower, upper))
        self.lower, self.upper, self.r = lower, upper, r

    @property
    def label(self):
        return 'rrelu'

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        if not configuration.config.train:
            self.r = xp.full(x.shape, (self.lower + self.upper) / 2, dtype=x.dtype)
        elif self.r is not None:
            same_device('rrelu', 'r', self.r, x)
        else:
            graph_replay.refuse('F.rrelu', _HOST_RNG)
            self.r = xp.random.uniform(self.lower, self.upper, x.shape).astype(x.dtype)
        self.retain_outputs((0,))
        return utils.force_array(xp.where(x >= 0, x, x * self.r)),

    def gradient(self, ns, indexes, grad_outputs):
        y, = self.get_retained_output_arrays()
        xp = utils.array_module(y)
        slope = xp.where(y >= 0, xp.ones((), y.dtype), self.r)
        return grad_outputs[0] * slope,


def rrelu(x, l=1. / 8, u=1. / 3, **kwargs):
    """rrelu(x, l=1. / 8, u=1. / 3, *, r=None, return_r=False)

    Randomized leaky rectified linear unit: ``max(x, r x)`` with ``r``
    drawn from ``U(l, u)`` per element (``numpy.random``) in training and
    ``(l + u) / 2`` in test mode (``config.train`` False).

    Args:
        x (:class:`~fastgrad.Variable` or ``ndarray``): Input (float).
        l (float): Lower bound of ``r``, in ``[0, 1)``.
        u (float): Upper bound of ``r``, in ``[0, 1)``, above ``l``.
        r (``ndarray`` or None): The slopes to use in training (shape and
            dtype of ``x``) instead of drawing them.
        return_r (bool): Also return the ``r`` used.

    Returns:
        ~fastgrad.Variable or tuple: ``y``, or ``(y, r)`` with ``return_r``.

    >>> x = np.array([[1., -2., 3.]], dtype=np.float32)
    >>> y, r = F.rrelu(x, r=np.full((1, 3), 0.25, np.float32), return_r=True)
    >>> y.array
    array([[ 1. , -0.5,  3. ]], dtype=float32)
    >>> with fastgrad.using_config('train', False):  # r = (l + u) / 2
    ...     np.round(F.rrelu(x).array, 4)
    array([[ 1.    , -0.4583,  3.    ]], dtype=float32)
    """
    r = kwargs.pop('r', None)
    return_r = kwargs.pop('return_r', False)
    if 'train' in kwargs:
        raise ValueError('rrelu: train argument is not supported anymore. '
                         'Use fastgrad.using_config')
    if kwargs:
        raise TypeError('rrelu() got unexpected keyword argument(s) {}'.format(
            ', '.join(sorted(kwargs))))
    if r is not None and not hasattr(r, 'dtype'):
        r = numpy.asarray(r)
    op = RReLU(l, u, r)
    y, = op.apply((x,))
    return (y, op.r) if return_r else y
