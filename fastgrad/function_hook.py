"""``FunctionHook``: code run before and after every function's forward and
backward (Chainer's ``chainer.FunctionHook``).

A hook is active globally in the current thread inside ``with hook:``, or on
one function with ``function.add_hook(hook)``.  With no hook registered
anywhere the engine's only cost is one test of a C counter."""
import collections
import threading

from fastgrad._core import graph as _graph

_local = threading.local()


def get_function_hooks():
    """The global hooks of this thread (name -> hook, in registration order).

    >>> from fastgrad.function_hooks import TimerHook
    >>> with TimerHook():
    ...     print(list(fastgrad.get_function_hooks()))
    ['TimerHook']
    >>> len(fastgrad.get_function_hooks())
    0
    """
    hooks = getattr(_local, 'function_hooks', None)
    if hooks is None:
        hooks = _local.function_hooks = collections.OrderedDict()
    return hooks


def _run(kind, function, in_data, out_grad, local_hooks):
    hooks = list(get_function_hooks().values())
    if local_hooks:
        hooks += list(local_hooks.values())
    for hook in hooks:
        method = getattr(hook, kind)
        if kind.startswith('forward'):
            method(function, in_data)
        else:
            method(function, in_data, out_grad)


class FunctionHook(object):
    """Base class of function hooks: override any of ``forward_preprocess``,
    ``forward_postprocess``, ``backward_preprocess``, ``backward_postprocess``
    (and ``added`` / ``deleted``).

    >>> class Recorder(fastgrad.FunctionHook):
    ...     name = 'Recorder'
    ...     def __init__(self):
    ...         self.labels = []
    ...     def forward_postprocess(self, function, in_data):
    ...         self.labels.append(function.label)
    >>> with Recorder() as hook:
    ...     y = F.sum(F.relu(np.ones(2, dtype=np.float32)))
    >>> hook.labels
    ['ReLU', 'Sum']
    """

    name = 'FunctionHook'

    def __enter__(self):
        hooks = get_function_hooks()
        if self.name in hooks:
            raise KeyError('hook {} already exists'.format(self.name))
        hooks[self.name] = self
        _graph._hooks_registered(1)
        self.added(None)
        return self

    def __exit__(self, *exc):
        self.deleted(None)
        del get_function_hooks()[self.name]
        _graph._hooks_registered(-1)

    def added(self, function):
        """Called when the hook is registered (``function`` is None for a
        global registration)."""

    def deleted(self, function):
        """Called when the hook is unregistered."""

    def forward_preprocess(self, function, in_data):
        """Called before ``function.forward(in_data)``."""

    def forward_postprocess(self, function, in_data):
        """Called after ``function.forward(in_data)``."""

    def backward_preprocess(self, function, in_data, out_grad):
        """Called before ``function``'s backward (``out_grad``: the output
        gradients)."""

    def backward_postprocess(self, function, in_data, out_grad):
        """Called after ``function``'s backward."""

    def backward_gradients(self, function, indexes, grad_inputs):
        """Called with what ``function``'s backward computed, before it is
        accumulated: ``grad_inputs[k]`` is the gradient for input
        ``indexes[k]`` (an array, a Variable under double backprop, or None).

        fastgrad's addition to Chainer's hook API; it sees the gradients
        without changing them.

        >>> class Grads(fastgrad.FunctionHook):
        ...     name = 'Grads'
        ...     def backward_gradients(self, function, indexes, grad_inputs):
        ...         print(function.label, indexes, grad_inputs[0])
        >>> x = Variable(np.array([1., 2.], dtype=np.float32))
        >>> with Grads():
        ...     F.sum(x * 3).backward()
        Sum (0,) [1. 1.]
        _ * 3 (0,) [3. 3.]
        """
