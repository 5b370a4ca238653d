"""Chainer's old-style ``Function`` API on top of fastgrad's FunctionNode.

Legacy code writes ops as ``class MyOp(chainer.Function)`` with ``forward`` and
``backward`` on raw arrays (tuples in, tuples out) and calls ``MyOp()(x, y)``.
Each call wraps the Function in a :class:`FunctionAdapter` -- an ordinary
FunctionNode -- and applies it, so the graph, the backward loop and the
gradient rules are the engine's own.

Ownership (as in Chainer): until it is called, a Function owns its adapter and
the adapter refers to the Function weakly; on the call the roles swap, so the
graph (output node -> adapter -> Function) keeps the Function alive exactly as
long as the graph itself.

Differences from Chainer 7.8.1, on purpose or forced by the engine:

* every call gets a fresh adapter.  Chainer re-applies the live one, which
  breaks the graph of the first call when a Function object is called twice.
* as in Chainer, ``y.creator`` is the Function and ``y.creator_node`` the
  adapter; attributes the adapter lacks are also looked up on the Function.
* local function hooks on a Function (``add_hook``, ``delete_hook``,
  ``local_function_hooks``) are not provided, since each call has its own
  adapter; global hooks (``with hook:``) see old-style Functions as they see
  every op, and a call's adapter (``y.creator_node``) takes local hooks.
"""
import weakref

from fastgrad import backend, utils
from fastgrad._core.graph import FunctionNode, Variable
from fastgrad.configuration import force_backprop_mode, no_backprop_mode  # NOQA


def _any_cupy(arrays):
    cp = backend._cupy()
    if cp is None:
        return False
    nd = cp.ndarray
    for a in arrays:
        if isinstance(a, nd):
            return True
    return False


class FunctionAdapter(FunctionNode):
    """The FunctionNode that puts an old-style :class:`Function` in the graph.

    ``forward`` retains every input unless the Function says otherwise, and
    both backward paths hand the Function raw arrays: the inputs (None where
    not retained) and the output gradients (None where an output got none).
    """

    _wraps_old_style_function = True   # Variable.creator returns .function
    _function = None          # strong, once applied
    _weak_function = None     # before that
    _retained = ()            # input indexes the Function keeps for backward

    def __init__(self, function):
        self._weak_function = weakref.ref(function)
        function._owned_node = self

    @property
    def function(self):
        """The :class:`Function` this adapter wraps (None if it is gone)."""
        fn = self._function
        if fn is not None:
            return fn
        ref = self._weak_function
        return None if ref is None else ref()

    @property
    def label(self):
        fn = self.function
        return 'FunctionAdapter' if fn is None else fn.label

    @property
    def _impl_name(self):
        # error messages and TimerHook name the Function's class
        fn = self.function
        return 'FunctionAdapter' if fn is None else type(fn).__name__

    def __getattr__(self, name):
        # Only reached for names the adapter lacks.  Chainer's ``y.creator``
        # is the Function itself, so old code reads its attributes there.
        if name.startswith('__'):
            raise AttributeError(name)
        fn = self.function
        if fn is None:
            raise AttributeError(
                "'{}' object has no attribute '{}'".format(type(self).__name__, name))
        return getattr(fn, name)

    def apply(self, inputs):
        fn = self.function
        if fn is None:
            raise RuntimeError('FunctionAdapter: the wrapped Function has been freed')
        # Swap the ownership: from now on the graph keeps the Function alive.
        self._function = fn
        self._weak_function = None
        fn._node = weakref.ref(self)
        fn._owned_node = None
        return FunctionNode.apply(self, inputs)

    def forward(self, inputs):
        # Old-style functions keep all inputs unless forward says otherwise.
        self.retain_inputs(range(len(inputs)))
        return self._function.forward(inputs)

    def retain_inputs(self, indexes):
        self._retained = tuple(indexes)
        FunctionNode.retain_inputs(self, self._retained)

    def _input_arrays(self):
        in_data = [None] * len(self.inputs)
        for i, a in zip(self._retained, self.get_retained_input_arrays()):
            in_data[i] = a
        return tuple(in_data)

    def _run_backward(self, indexes, grad_outputs):
        """Call the Function's backward; its gradients for ``indexes``."""
        fn = self._function
        # ``self.output_data`` inside backward must read this node even if
        # the Function object was called again since.
        fn._node = weakref.ref(self)
        gxs = fn.backward(self._input_arrays(), grad_outputs)
        n_in = len(self.inputs)
        if not isinstance(gxs, (tuple, list)) or len(gxs) != n_in:
            raise ValueError(
                '{}.backward must return a tuple of {} gradient(s) (one per input, '
                'None allowed), got {}'.format(
                    self.label, n_in,
                    '{} of length {}'.format(type(gxs).__name__, len(gxs))
                    if isinstance(gxs, (tuple, list)) else type(gxs).__name__))
        out = []
        for i in indexes:
            gx = gxs[i]
            if gx is not None:
                gx = self._checked_grad(i, gx)
            out.append(gx)
        return tuple(out)

    def _checked_grad(self, i, gx):
        # The engine does not check the fast path's results; a user-written
        # backward deserves Chainer's checks (type, dtype, shape).
        gx = utils.force_array(gx)
        node = self.inputs[i]
        if not backend.is_array(gx):
            raise TypeError('{}.backward: gradient for input {} must be an ndarray, '
                            'got {}'.format(self.label, i, type(gx).__name__))
        if gx.dtype != node.dtype:
            if utils.LEGACY_PROMOTION and gx.shape == ():
                # NumPy 1.x promoted a 0-d result to float64; the engine casts
                # these back on its other paths too.
                return gx.astype(node.dtype)
            raise TypeError('{}.backward: gradient for input {} has dtype {}; expected '
                            '{} (the input\'s)'.format(self.label, i, gx.dtype, node.dtype))
        if gx.shape != node.shape:
            raise ValueError('{}.backward: gradient for input {} has shape {}; expected '
                             '{} (the input\'s)'.format(self.label, i, gx.shape, node.shape))
        return gx

    def backward_arrays(self, indexes, grad_outputs):
        return self._run_backward(indexes, tuple(grad_outputs))

    def backward(self, indexes, grad_outputs):
        # Chainer 7.8.1 (FunctionAdapter.backward) computes the gradients on
        # raw arrays and returns them as fresh Variables tagged with the
        # Function's label; backprop that later reaches such a gradient raises
        # RuntimeError('cannot twice-differentiate an old style Function "X"')
        # (VariableNode._check_old_style_gradient): Function.backward records
        # no graph, so a second derivative through it would be silently wrong.
        # Here each gradient gets an _OldStyleGradient creator that raises the
        # same error when backprop reaches it.
        gys = tuple([None if g is None else g.array for g in grad_outputs])
        gxs = self._run_backward(indexes, gys)
        label = self.label
        return tuple([None if gx is None else _OldStyleGradient(label).apply((Variable(gx),))[0]
                      for gx in gxs])


class _TypeCheckedAdapter(FunctionAdapter):
    """Used when the Function defines check_type_forward (the engine runs the
    check only for classes that define it, so plain Functions skip the cost)."""

    def check_type_forward(self, in_types):
        self._function.check_type_forward(in_types)


class _OldStyleGradient(FunctionNode):
    """The creator of a gradient computed by an old-style Function under
    double backprop: passes the array through, refuses to be differentiated."""

    __slots__ = ('_name',)

    def __init__(self, name):
        self._name = name

    def forward(self, inputs):
        return inputs[0],

    def _refuse(self):
        raise RuntimeError(
            'cannot twice-differentiate an old style Function "{}": its backward works '
            'on raw arrays and records no graph (write it as a FunctionNode to get '
            'double backprop)'.format(self._name))

    def backward_arrays(self, indexes, grad_outputs):
        self._refuse()

    def backward(self, indexes, grad_outputs):
        self._refuse()


class Function(object):
    """Old-style differentiable function (Chainer's ``chainer.Function``).

    Subclasses implement ``forward(inputs)`` (or ``forward_cpu`` /
    ``forward_gpu``) and ``backward(inputs, grad_outputs)`` (or
    ``backward_cpu`` / ``backward_gpu``) on raw arrays; both take and return
    tuples.  ``backward`` gets every input array (None for those released with
    :meth:`retain_inputs`) and one gradient per output (None where an output
    got no gradient), and returns one gradient per input (None allowed).

    Calling the object (``MyOp()(x, y)``) runs forward and records the call in
    the graph; it returns a Variable, or a tuple of them for several outputs.
    Its backward is not differentiable: double backprop through an old-style
    Function raises when backprop reaches the gradient it produced.  Call each
    Function object once: state a Function keeps on ``self`` is shared by all
    its calls.

    >>> class Square(fastgrad.Function):
    ...     def forward(self, inputs):
    ...         x, = inputs
    ...         return x * x,
    ...     def backward(self, inputs, grad_outputs):
    ...         x, = inputs
    ...         return 2 * x * grad_outputs[0],
    >>> x = Variable(np.array([1., 3.], dtype=np.float32))
    >>> y = Square()(x)
    >>> y.array
    array([1., 9.], dtype=float32)
    >>> y.grad = np.ones(2, dtype=np.float32)
    >>> y.backward()
    >>> x.grad
    array([2., 6.], dtype=float32)
    """

    _node = None          # weakref to the adapter of the latest call
    _owned_node = None    # an adapter not applied yet

    def __call__(self, *inputs):
        node = self._owned_node
        if node is None:
            node = self._new_node()
        ret = node.apply(inputs)
        return ret[0] if len(ret) == 1 else ret

    def _new_node(self):
        # the check may also be set on the instance (``f.check_type_forward = ...``)
        if (type(self).check_type_forward is Function.check_type_forward
                and 'check_type_forward' not in getattr(self, '__dict__', ())):
            return FunctionAdapter(self)
        return _TypeCheckedAdapter(self)

    @property
    def node(self):
        """The :class:`FunctionAdapter` of this Function (made on first use)."""
        ref = self._node
        nd = ref() if ref is not None else None
        if nd is None:
            nd = self._owned_node
        if nd is None:
            nd = self._new_node()
        return nd

    @property
    def inputs(self):
        """The input VariableNodes of the latest call."""
        return self.node.inputs

    @property
    def outputs(self):
        """Weak references to the output VariableNodes of the latest call."""
        return self.node.outputs

    @property
    def label(self):
        """Short name of the function (the class name unless overridden)."""
        return type(self).__name__

    @property
    def output_data(self):
        """The retained output arrays (None where not retained)."""
        return self.node.output_data

    @property
    def rank(self):
        return self.node.rank

    def check_type_forward(self, in_types):
        """Check the input types with ``fastgrad.utils.type_check``."""

    def forward(self, inputs):
        """Dispatch to :meth:`forward_cpu` or :meth:`forward_gpu` by array type."""
        if _any_cupy(inputs):
            return self.forward_gpu(inputs)
        return self.forward_cpu(inputs)

    def forward_cpu(self, inputs):
        raise NotImplementedError('{} does not implement forward (or forward_cpu)'
                                  .format(self.label))

    def forward_gpu(self, inputs):
        raise NotImplementedError('{} does not implement forward (or forward_gpu)'
                                  .format(self.label))

    def backward(self, inputs, grad_outputs):
        """Dispatch to :meth:`backward_cpu` or :meth:`backward_gpu` by array type."""
        if _any_cupy(inputs) or _any_cupy(grad_outputs):
            return self.backward_gpu(inputs, grad_outputs)
        return self.backward_cpu(inputs, grad_outputs)

    def backward_cpu(self, inputs, grad_outputs):
        # Not differentiable unless overridden (Chainer's default).
        return (None,) * len(inputs)

    def backward_gpu(self, inputs, grad_outputs):
        return (None,) * len(inputs)

    def unchain(self):
        """Detach the latest call from the graph."""
        self.node.unchain()

    def retain_inputs(self, indexes):
        """Keep only these inputs for backward (call from forward).  By default
        an old-style function keeps all of them; ``()`` keeps none."""
        self.node.retain_inputs(indexes)

    def retain_outputs(self, indexes, retain_after_backward=False):
        """Keep these outputs for backward as :attr:`output_data` (call from
        forward).  ``retain_after_backward`` has no effect (as in Chainer)."""
        if retain_after_backward:
            import warnings
            warnings.warn('retain_after_backward option has no effect',
                          DeprecationWarning, stacklevel=2)
        self.node.retain_outputs(indexes)
