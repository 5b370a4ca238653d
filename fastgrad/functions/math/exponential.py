"""exp and log."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op


class Exp(Op):
    __slots__ = ()
    label = 'exp'
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        y = utils.force_array(utils.array_module(x).exp(x))
        self.retain_outputs((0,))
        return y,

    def gradient(self, ns, indexes, grad_outputs):
        y, = ns.outputs(self)
        return grad_outputs[0] * y,


class Log(Op):
    __slots__ = ()
    label = 'log'
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).log(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] / x,


def exp(x):
    """Elementwise exponential.

    >>> x = Variable(np.array([0., 1.], np.float32))
    >>> np.round(F.exp(x).array, 4)
    array([1.    , 2.7183], dtype=float32)
    >>> F.sum(F.exp(x)).backward(); np.round(x.grad, 4)  # exp(x) again
    array([1.    , 2.7183], dtype=float32)
    """
    y, = Exp().apply((x,))
    return y


def log(x):
    """Elementwise natural logarithm.

    >>> x = Variable(np.array([1., 2.], np.float32))
    >>> np.round(F.log(x).array, 4)
    array([0.    , 0.6931], dtype=float32)
    >>> F.sum(F.log(x)).backward(); x.grad  # 1 / x
    array([1. , 0.5], dtype=float32)
    """
    y, = Log().apply((x,))
    return y
