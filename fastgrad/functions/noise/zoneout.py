"""zoneout: each unit keeps its previous value with probability ``ratio``."""
from fastgrad import configuration, graph_replay, utils
from fastgrad._core.graph import as_variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

# a graph replay would repeat the host generator's draw on every step
_HOST_RNG = 'its random numbers are drawn by the host-side generator'


class Zoneout(Op):
    """``y = where(flag_x, x, h)`` with ``flag_x = (u >= ratio)``, u ~ U[0, 1).

    The masks stay on the op as ``flag_h`` and ``flag_x`` (as in Chainer,
    whose tests read them from ``y.creator``)."""
    __slots__ = ('zoneout_ratio', 'flag_h', 'flag_x')
    checks = Checks('h, x', "x.dtype.kind == 'f'", 'h.dtype == x.dtype',
                    'h.shape == x.shape')

    def __init__(self, zoneout_ratio):
        self.zoneout_ratio = zoneout_ratio

    def forward(self, inputs):
        h, x = inputs
        xp = utils.array_module(x)
        graph_replay.refuse('F.zoneout', _HOST_RNG)
        self.flag_x = xp.random.rand(*x.shape) >= self.zoneout_ratio
        self.flag_h = ~self.flag_x
        return utils.force_array(xp.where(self.flag_x, x, h)),

    def gradient(self, ns, indexes, grad_outputs):
        # linear in h and x: the same masks (constants) route the gradient
        gy, = grad_outputs
        dtype = ns.data(gy).dtype
        flags = (self.flag_h, self.flag_x)
        return tuple(gy * flags[i].astype(dtype) for i in indexes)


def zoneout(h, x, ratio=.5, **kwargs):
    """zoneout(h, x, ratio=.5)

    While training, each element takes the previous value ``h`` with
    probability ``ratio`` and the new value ``x`` otherwise (the mask is
    drawn from the array module's global RNG); outside training
    (``config.train`` off) it returns ``x``.

    Args:
        h: the previous values.
        x: the new values, of ``h``'s shape and dtype.
        ratio (float): the probability of keeping ``h``.

    Returns:
        ~fastgrad.Variable: the mixed values.

    See: Krueger et al., Zoneout: Regularizing RNNs by Randomly Preserving
    Hidden Activations (2016).

    >>> h, x = np.zeros(4, np.float32), np.ones(4, np.float32)
    >>> np.random.seed(0)
    >>> F.zoneout(h, x, ratio=0.5).array
    array([1., 1., 1., 1.], dtype=float32)
    """
    if 'train' in kwargs:
        raise ValueError('zoneout: the train argument is not supported anymore; use '
                         "chainer.using_config('train', ...)")
    if kwargs:
        raise TypeError('zoneout: unexpected arguments {}'.format(sorted(kwargs)))
    if not configuration.config.train:
        return as_variable(x)
    return Zoneout(ratio).apply((h, x))[0]
