"""sin and cos (together: each one's derivative is the other)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

FLOAT_CHECKS = Checks('x', "x.dtype.kind == 'f'")   # also hyperbolic.py's


class Sin(Op):
    __slots__ = ()
    is_elementwise = True
    checks = FLOAT_CHECKS
    label = 'sin'     # Chainer's labels: the function's name

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
    label = 'cos'

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).cos(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] * -ns.sin(x),


def sin(x):
    """Elementwise sine.

    >>> x = Variable(np.array([0., 1.5], np.float32))
    >>> np.round(F.sin(x).array, 4)
    array([0.    , 0.9975], dtype=float32)
    >>> F.sum(F.sin(x)).backward(); np.round(x.grad, 4)  # cos(x)
    array([1.    , 0.0707], dtype=float32)
    """
    y, = Sin().apply((x,))
    return y


def cos(x):
    """Elementwise cosine.

    >>> x = Variable(np.array([1., 2.], np.float32))
    >>> np.round(F.cos(x).array, 4)
    array([ 0.5403, -0.4161], dtype=float32)
    >>> F.sum(F.cos(x)).backward(); np.round(x.grad, 4)  # -sin(x)
    array([-0.8415, -0.9093], dtype=float32)
    """
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

    @property
    def label(self):
        return self.xp_name     # 'tan', 'arcsin', 'cosh', ... as in Chainer

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
    """Elementwise tangent.

    >>> np.round(F.tan(np.array([0., np.pi / 4], np.float32)).array, 4)
    array([0., 1.], dtype=float32)
    """
    y, = Tan().apply((x,))
    return y


def arcsin(x):
    """Elementwise inverse sine.

    >>> np.round(F.arcsin(np.array([0., 0.5, 1.], np.float32)).array, 4)
    array([0.    , 0.5236, 1.5708], dtype=float32)
    """
    y, = Arcsin().apply((x,))
    return y


def arccos(x):
    """Elementwise inverse cosine.

    >>> np.round(F.arccos(np.array([1., 0.5, 0.], np.float32)).array, 4)
    array([0.    , 1.0472, 1.5708], dtype=float32)
    """
    y, = Arccos().apply((x,))
    return y


def arctan(x):
    """Elementwise inverse tangent.

    >>> x = Variable(np.array([0., 1.], np.float32))
    >>> np.round(F.arctan(x).array, 4)
    array([0.    , 0.7854], dtype=float32)
    >>> F.sum(F.arctan(x)).backward(); x.grad  # 1 / (1 + x ** 2)
    array([1. , 0.5], dtype=float32)
    """
    y, = Arctan().apply((x,))
    return y


class Arctan2(Op):
    """arctan2(x1, x2): the angle of the point (x2, x1)."""

    is_elementwise = True
    __slots__ = ()
    checks = Checks('x1, x2', "x1.dtype.kind == 'f'", "x2.dtype.kind == 'f'")
    label = 'arctan2'

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
    """Elementwise arctan(x1 / x2) in the right quadrant.

    ``x1`` is the y coordinate and ``x2`` the x coordinate of a point; the
    result is its angle in ``[-pi, pi]``.

    >>> x1 = np.array([1., 1., -1.], np.float32)
    >>> x2 = np.array([1., -1., -1.], np.float32)
    >>> np.round(F.arctan2(x1, x2).array, 4)
    array([ 0.7854,  2.3562, -2.3562], dtype=float32)
    """
    y, = Arctan2().apply((x1, x2))
    return y
