"""pseudo_connect: tie a piece of graph to a delegate variable, so backprop
runs through the delegate's graph (a send) after this one."""
import numpy

from fastgrad import backend
from fastgrad._core.graph import FunctionNode


class PseudoConnect(FunctionNode):
    """Outputs the actual inputs unchanged; the delegate (input 0) gets a zero
    gradient, which is what carries backprop on to the delegate's creator.

    A FunctionNode rather than a recipe op: its backward must produce a
    gradient (zeros) for the delegate even though the output does not depend
    on it, which is the point of the function, not a derivative.
    """

    def forward(self, inputs):
        d = inputs[0]
        self._delegate = (d.shape, d.dtype, backend.get_array_module(d))
        self._actual = [(x.shape, x.dtype) for x in inputs[1:]]
        return tuple(inputs[1:])

    def backward(self, indexes, grad_outputs):
        shape, dtype, xp = self._delegate
        out = [xp.zeros(shape, dtype)]
        out.extend(grad_outputs)
        return tuple(out)


def pseudo_connect(delegate_variable, *actual_variables):
    """Return ``actual_variables`` unchanged, connected to ``delegate_variable``
    in the graph.

    In model parallelism one process can hold several unconnected pieces of
    graph: a :func:`send` returns only an empty delegate variable.  Backprop
    from the outputs of ``pseudo_connect`` reaches both the graph of the
    actual variables and, with a zero gradient, the delegate's graph (the
    send, whose backward receives the gradient from the peer).  With
    ``delegate_variable`` None an empty array takes its place.

    Args:
        delegate_variable (~fastgrad.Variable): The delegate of the earlier
            piece of graph, or None.
        *actual_variables (~fastgrad.Variable): The values to return.

    Returns:
        tuple of ~fastgrad.Variable: The actual variables, connected.
    """
    if not actual_variables:
        raise ValueError('pseudo_connect: needs at least one actual variable')
    if delegate_variable is None:
        first = getattr(actual_variables[0], 'array', actual_variables[0])
        delegate_variable = backend.get_array_module(first).empty((0,), numpy.float32)
    return PseudoConnect().apply((delegate_variable,) + tuple(actual_variables))
