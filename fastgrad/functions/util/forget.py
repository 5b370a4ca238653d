"""forget: call a function without keeping its intermediate arrays, and call
it again in backward to get the gradients (memory for time)."""
from fastgrad import configuration
from fastgrad._core import graph
from fastgrad._core.graph import Variable
from fastgrad.functions._util.recipe import Op


def _call(func, xs):
    outs = func(*xs)
    if isinstance(outs, Variable):
        return (outs,)
    if not isinstance(outs, tuple):
        raise RuntimeError('forget: a tuple of Variables or a Variable is expected, but {} '
                           'is returned'.format(type(outs)))
    for i, out in enumerate(outs):
        if not isinstance(out, Variable):
            raise RuntimeError('forget: {} element of a returned tuple is not Variable, '
                               'but is {}'.format(_ordinal(i + 1), type(out)))
    return outs


def _ordinal(n):
    suffix = 'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')
    return '{}{}'.format(n, suffix)


class Forget(Op):
    """Runs ``func`` without a graph in forward; backward runs it again
    with one (on copies of the inputs) and backpropagates through that
    graph: into the inputs and into any parameter ``func`` uses."""
    # holds the user's callable (it may hold Links and Variables): no slots,
    # and the cycle collector must see it
    _graph_closed = False

    def __init__(self, func):
        if not callable(func):
            raise TypeError('forget: func must be callable, got {}'.format(type(func)))
        self.func = func

    @property
    def label(self):
        return 'forget'

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        with configuration.no_backprop_mode(), \
                configuration.using_config('_will_recompute', True):
            outs = _call(self.func, [Variable(x) for x in inputs])
        return tuple(out.array for out in outs)

    def gradient(self, ns, indexes, grad_outputs):
        if ns.differentiable:
            raise RuntimeError('forget: double backpropagation is not supported (as in '
                               'Chainer)')
        xs = [Variable(x) for x in self.get_retained_input_arrays()]
        with configuration.force_backprop_mode(), \
                configuration.using_config('in_recomputing', True):
            outs = _call(self.func, xs)
        if len(outs) != len(grad_outputs):
            raise RuntimeError('forget: func returned {} outputs on the second call, {} on '
                               'the first'.format(len(outs), len(grad_outputs)))
        pairs = [(o, g) for o, g in zip(outs, grad_outputs) if g is not None]
        if pairs:
            graph.backward([o for o, _ in pairs], [g for _, g in pairs])
        return tuple(xs[i].grad for i in indexes)


def forget(func, *xs):
    """Calls ``func(*xs)`` without storing its intermediate results.

    The forward pass keeps no graph inside ``func`` (only the inputs); the
    backward pass calls ``func`` again to rebuild it, so memory is traded
    for a second forward computation.  Parameters used inside ``func``
    (a Link's) get their gradients as usual.  ``func`` must compute the
    same thing twice (no dropout); ``config.in_recomputing`` is True in
    the second call.  Double backpropagation is not supported.

    Args:
        func (callable): Returns a Variable or a tuple of Variables.
        xs: Its inputs (Variables or arrays).

    Returns:
        ~fastgrad.Variable or tuple: What ``func`` returns.

    >>> x = Variable(np.array([1., 2.], dtype=np.float32))
    >>> y = F.forget(lambda a: F.sum(a * a), x)
    >>> y.backward()  # calls the lambda again to rebuild its graph
    >>> x.grad
    array([2., 4.], dtype=float32)
    """
    xs = tuple(x if isinstance(x, Variable) else Variable(x) for x in xs)
    outs = Forget(func).apply(xs)
    return outs[0] if len(outs) == 1 else outs
