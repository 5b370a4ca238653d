# Included by graph.pyx: the bodies of the hottest ops, compiled.
#
# basic_math's AddConstant / MulConstant / DivByConstant (``x + c``, ``x * c``,
# ``x / c`` with a Python number) and Tanh take these functions as their
# ``forward`` and ``gradient`` methods.  They are the ops' own code, line for
# line as it would be written in Python, and stay ordinary methods (a subclass
# or a patch may replace them); compiled, a call costs no Python frame, which
# was a third of these ops' overhead in a chain of small arrays.

cdef object _np_tanh = numpy.tanh
cdef tuple _RETAIN_FIRST = (0,)


def _add_constant_forward(self, inputs):
    """``inputs[0] + self.value``"""
    return (inputs[0] + self.value,)


def _add_constant_gradient(self, ns, indexes, grad_outputs):
    """The output's gradient, unchanged."""
    return grad_outputs


def _mul_constant_forward(self, inputs):
    """``inputs[0] * self.value``"""
    return (inputs[0] * self.value,)


def _mul_constant_gradient(self, ns, indexes, grad_outputs):
    """``grad_outputs[0] * self.value``"""
    return (grad_outputs[0] * self.value,)


def _div_by_constant_forward(self, inputs):
    """``inputs[0] / self.value``"""
    return (inputs[0] / self.value,)


def _div_by_constant_gradient(self, ns, indexes, grad_outputs):
    """``grad_outputs[0] / self.value``"""
    return (grad_outputs[0] / self.value,)


def _tanh_forward(self, inputs):
    """``tanh(x)``, the output retained for the gradient."""
    x, = inputs
    if type(x) is _ndarray:
        y = _np_tanh(x)
        if type(y) is not _ndarray:
            y = numpy.asarray(y)          # NumPy turns 0-d results into scalars
    else:
        from fastgrad import utils
        y = utils.force_array(utils.array_module(x).tanh(x))
    self.retain_outputs(_RETAIN_FIRST)
    return (y,)


def _tanh_gradient(self, ns, indexes, grad_outputs):
    """``gy * (1 - y * y)``, y the retained output."""
    y, = ns.outputs(self)
    return (grad_outputs[0] * (1 - y * y),)
