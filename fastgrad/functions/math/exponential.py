"""exp and log."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op


class Exp(Op):
    __slots__ = ()
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
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).log(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] / x,


def exp(x):
    """Elementwise exponential."""
    y, = Exp().apply((x,))
    return y


def log(x):
    """Elementwise natural logarithm."""
    y, = Log().apply((x,))
    return y
