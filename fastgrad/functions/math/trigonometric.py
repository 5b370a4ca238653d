"""sin and cos (together: each one's derivative is the other)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

FLOAT_CHECKS = Checks('x', "x.dtype.kind == 'f'")   # also hyperbolic.py's


class Sin(Op):
    __slots__ = ()
    is_elementwise = True
    checks = FLOAT_CHECKS

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).sin(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] * ns.cos(x),


class Cos(Op):
    __slots__ = ()
    is_elementwise = True
    checks = FLOAT_CHECKS

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).cos(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] * -ns.sin(x),


def sin(x):
    """Elementwise sine."""
    y, = Sin().apply((x,))
    return y


def cos(x):
    """Elementwise cosine."""
    y, = Cos().apply((x,))
    return y


class _Inverse(Op):
    """tan, the inverse trigonometric functions and the hyperbolic ones:
    ``y = xp.<name>(x)`` with ``derivative(ns, x, y)`` written once against
    the gradient namespace."""

    is_elementwise = True
    __slots__ = ()
    checks = FLOAT_CHECKS
    xp_name = None

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return utils.force_array(getattr(utils.array_module(x), self.xp_name)(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        y, = ns.outputs(self)
        return grad_outputs[0] * self.derivative(ns, x, y),


class Tan(_Inverse):
    __slots__ = ()
    xp_name = 'tan'

    @staticmethod
    def derivative(ns, x, y):
        return 1 + y * y


class Arcsin(_Inverse):
    __slots__ = ()
    xp_name = 'arcsin'

    @staticmethod
    def derivative(ns, x, y):
        return 1 / ns.sqrt(1 - x * x)


class Arccos(_Inverse):
    __slots__ = ()
    xp_name = 'arccos'

    @staticmethod
    def derivative(ns, x, y):
        return -1 / ns.sqrt(1 - x * x)


class Arctan(_Inverse):
    __slots__ = ()
    xp_name = 'arctan'

    @staticmethod
    def derivative(ns, x, y):
        return 1 / (1 + x * x)


def tan(x):
    """Elementwise tangent."""
    y, = Tan().apply((x,))
    return y


def arcsin(x):
    """Elementwise inverse sine."""
    y, = Arcsin().apply((x,))
    return y


def arccos(x):
    """Elementwise inverse cosine."""
    y, = Arccos().apply((x,))
    return y


def arctan(x):
    """Elementwise inverse tangent."""
    y, = Arctan().apply((x,))
    return y


class Arctan2(Op):
    """arctan2(x1, x2): the angle of the point (x2, x1)."""

    is_elementwise = True
    __slots__ = ()
    checks = Checks('x1, x2', "x1.dtype.kind == 'f'", "x2.dtype.kind == 'f'")

    def forward(self, inputs):
        x1, x2 = inputs
        self.retain_inputs((0, 1))
        return utils.force_array(utils.array_module(x1).arctan2(x1, x2)),

    def gradient(self, ns, indexes, grad_outputs):
        x1, x2 = ns.inputs(self)
        gy = grad_outputs[0] / (x1 * x1 + x2 * x2)
        return tuple(ns.sum_to(gy * x2, x1.shape) if i == 0 else ns.sum_to(-gy * x1, x2.shape)
                     for i in indexes)


def arctan2(x1, x2):
    """Elementwise arctan(x1 / x2) in the right quadrant."""
    y, = Arctan2().apply((x1, x2))
    return y
