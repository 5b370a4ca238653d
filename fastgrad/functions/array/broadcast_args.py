"""broadcast(*args): broadcast several arrays against each other.

(The module is not called ``broadcast`` because that name holds
broadcast_to/sum_to.)
"""
from fastgrad import utils
from fastgrad._core.graph import as_variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Broadcast(Op):
    __slots__ = ()
    checks = Checks('*xs', 'len(xs) > 0')

    def forward(self, inputs):
        xp = utils.array_module(inputs[0])
        try:
            ys = xp.broadcast_arrays(*inputs)
        except ValueError:
            raise utils.invalid_type('Broadcast', 'shapes broadcastable', ', '.join(
                str(x.shape) for x in inputs)) from None
        return tuple(ys)

    def gradient(self, ns, indexes, grad_outputs):
        inputs = self.inputs
        return tuple(None if grad_outputs[i] is None
                     else ns.sum_to(grad_outputs[i], inputs[i].shape) for i in indexes)


def broadcast(*args):
    """Broadcast the arguments to one shape (NumPy's rules).

    Returns a tuple of Variables, one per argument; with a single argument,
    that argument as a Variable.

    >>> a = np.ones((2, 1), dtype=np.float32)
    >>> b = np.ones((3,), dtype=np.float32)
    >>> [y.shape for y in F.broadcast(a, b)]
    [(2, 3), (2, 3)]
    """
    if len(args) == 1:
        return as_variable(args[0])
    return Broadcast().apply(args)
