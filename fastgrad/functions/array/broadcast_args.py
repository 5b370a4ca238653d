"""broadcast(*args): broadcast several arrays against each other.

(The module is not called ``broadcast`` because that name holds
broadcast_to/sum_to.)
"""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode, as_variable


class Broadcast(FunctionNode):
    def forward(self, inputs):
        if not inputs:
            raise utils.invalid_type('Broadcast', 'in_types.size() > 0', 'in_types.size() == 0')
        xp = utils.array_module(inputs[0])
        try:
            ys = xp.broadcast_arrays(*inputs)
        except ValueError:
            raise utils.invalid_type('Broadcast', 'shapes broadcastable', ', '.join(
                str(x.shape) for x in inputs)) from None
        return tuple(ys)

    def backward_arrays(self, indexes, grad_outputs):
        inputs = self.inputs
        return tuple(None if grad_outputs[i] is None
                     else utils.sum_to(grad_outputs[i], inputs[i].shape) for i in indexes)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import sum_to
        inputs = self.inputs
        return tuple(None if grad_outputs[i] is None
                     else sum_to(grad_outputs[i], inputs[i].shape) for i in indexes)


def broadcast(*args):
    """Broadcast the arguments to one shape (NumPy's rules).

    Returns a tuple of Variables, one per argument; with a single argument,
    that argument as a Variable.
    """
    if len(args) == 1:
        return as_variable(args[0])
    return Broadcast().apply(args)
