"""L.Scale: multiplies by a (learned or given) scale, broadcast from ``axis``
on, optionally followed by a Bias."""
from fastgrad import link, variable
from fastgrad.links.connection.bias import Bias, InputCountError, _broadcast_along


class Scale(link.Chain):
    """``Scale(axis=1, W_shape=None, bias_term=False, bias_shape=None)``

    With ``W_shape``, holds a parameter ``W`` initialized to ones and is
    called as ``scale(x)``; without, as ``scale(x, y)``.  ``bias_term`` adds
    a :class:`Bias` child ``bias`` (of shape ``W_shape``, or ``bias_shape``
    when ``W`` is not learned).

    >>> l = L.Scale(W_shape=(3,))
    >>> l(np.ones((2, 3), dtype=np.float32)).array
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """

    def __init__(self, axis=1, W_shape=None, bias_term=False, bias_shape=None):
        super().__init__()
        self.axis = axis
        with self.init_scope():
            if W_shape is not None:
                self.W = variable.Parameter(1, W_shape)
                if bias_term:
                    self.bias = Bias(axis, W_shape)
            elif bias_term:
                if bias_shape is None:
                    raise ValueError(
                        'bias_shape should be given if W is not learnt '
                        'parameter and bias_term is True.')
                self.bias = Bias(axis, bias_shape)

    def forward(self, *xs):
        if hasattr(self, 'W'):
            if len(xs) != 1:
                raise InputCountError('Scale with a parameter W takes one input, '
                                'got {}'.format(len(xs)))
            x, = xs
            y = self.W
        else:
            if len(xs) != 2:
                raise InputCountError('Scale without a parameter takes two inputs '
                                '(x, y), got {}'.format(len(xs)))
            x, y = xs
        z = x * _broadcast_along('Scale', x, y, self.axis)
        if hasattr(self, 'bias'):
            return self.bias(z)
        return z
