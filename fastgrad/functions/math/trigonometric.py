"""sin and cos (together: each one's derivative is the other)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


def _check(name, x):
    if x.dtype.kind != 'f':
        raise utils.invalid_type(name, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))


class Sin(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        _check('Sin', x)
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).sin(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] * utils.array_module(x).cos(x)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * cos(x),


class Cos(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        _check('Cos', x)
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).cos(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] * -utils.array_module(x).sin(x)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * -sin(x),


def sin(x):
    """Elementwise sine."""
    y, = Sin().apply((x,))
    return y


def cos(x):
    """Elementwise cosine."""
    y, = Cos().apply((x,))
    return y


class _Inverse(FunctionNode):
    """tan and the inverse trigonometric functions: ``y = xp.<name>(x)`` with
    ``derivative(x, y)`` written with differentiable functions."""

    is_elementwise = True
    _graph_closed = True
    __slots__ = ()
    xp_name = None

    def forward(self, inputs):
        x, = inputs
        _check(type(self).__name__, x)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return utils.force_array(getattr(utils.array_module(x), self.xp_name)(x)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        return grad_outputs[0] * self.derivative(x, y),


def _sqrt(v):
    from fastgrad.functions.math.sqrt import sqrt
    return sqrt(v)


class Tan(_Inverse):
    __slots__ = ()
    xp_name = 'tan'

    @staticmethod
    def derivative(x, y):
        return 1 + y * y


class Arcsin(_Inverse):
    __slots__ = ()
    xp_name = 'arcsin'

    @staticmethod
    def derivative(x, y):
        return 1 / _sqrt(1 - x * x)


class Arccos(_Inverse):
    __slots__ = ()
    xp_name = 'arccos'

    @staticmethod
    def derivative(x, y):
        return -1 / _sqrt(1 - x * x)


class Arctan(_Inverse):
    __slots__ = ()
    xp_name = 'arctan'

    @staticmethod
    def derivative(x, y):
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


class Arctan2(FunctionNode):
    """arctan2(x1, x2): the angle of the point (x2, x1)."""

    is_elementwise = True
    _graph_closed = True
    __slots__ = ()

    def forward(self, inputs):
        x1, x2 = inputs
        _check('Arctan2', x1)
        _check('Arctan2', x2)
        self.retain_inputs((0, 1))
        return utils.force_array(utils.array_module(x1).arctan2(x1, x2)),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import sum_to
        x1, x2 = self.get_retained_inputs()
        gy = grad_outputs[0] / (x1 * x1 + x2 * x2)
        return sum_to(gy * x2, x1.shape), sum_to(-gy * x1, x2.shape)


def arctan2(x1, x2):
    """Elementwise arctan(x1 / x2) in the right quadrant."""
    y, = Arctan2().apply((x1, x2))
    return y
