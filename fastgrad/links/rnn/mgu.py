"""L.StatelessMGU and L.StatefulMGU: minimal gated units."""
import fastgrad
from fastgrad import link, variable
from fastgrad.functions.activation.sigmoid import sigmoid
from fastgrad.functions.activation.tanh import tanh
from fastgrad.functions.array.concat import concat
from fastgrad.functions.math.affine import linear_interpolate
from fastgrad.links.connection.linear import Linear
from fastgrad.links.rnn._state import moved_state


class MGUBase(link.Chain):
    """Children ``W_f`` and ``W_h``: Linear ``n_inputs + n_units -> n_units``
    applied to ``[h, x]`` concatenated (``h`` first)."""

    def __init__(self, n_inputs, n_units):
        if n_inputs is None:
            raise TypeError('{}: in_size must be given (the input size is not '
                            'inferred)'.format(type(self).__name__))
        super().__init__()
        with self.init_scope():
            self.W_f = Linear(n_inputs + n_units, n_units)
            self.W_h = Linear(n_inputs + n_units, n_units)

    def _call_mgu(self, h, x):
        f = sigmoid(self.W_f(concat((h, x))))
        h_bar = tanh(self.W_h(concat((f * h, x))))
        return linear_interpolate(f, h_bar, h)


class StatelessMGU(MGUBase):
    """``StatelessMGU(in_size, out_size)``

    One minimal gated unit step, ``h_new = l(h, x)``::

        f = sigmoid(W_f [h, x])
        h_bar = tanh(W_h [f * h, x])
        h_new = f * h_bar + (1 - f) * h

    Args:
        in_size (int): input size.
        out_size (int): the number of units.

    >>> l = L.StatelessMGU(3, 2)
    >>> l(np.zeros((4, 2), np.float32), np.ones((4, 3), np.float32)).shape
    (4, 2)
    """

    def forward(self, h, x):
        """Return the next hidden state from ``h`` and the input ``x``."""
        return self._call_mgu(h, x)


class StatefulMGU(MGUBase):
    """``StatefulMGU(in_size, out_size)``

    :class:`StatelessMGU`'s step with the hidden state ``h`` kept between
    calls: ``h_new = l(x)``; the first call after :meth:`reset_state` starts
    from zeros of the ``dtype`` configuration (``config.dtype``).

    Args:
        in_size (int): input size.
        out_size (int): the number of units.

    >>> l = L.StatefulMGU(3, 2)
    >>> l(np.ones((4, 3), np.float32)).shape, l.h.shape
    ((4, 2), (4, 2))
    """

    def __init__(self, in_size, out_size):
        super().__init__(in_size, out_size)
        self._state_size = out_size
        self.reset_state()

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        if self.h is not None:
            visitor.visit_variable(self.h)

    def set_state(self, h):
        """Set the hidden state ``h`` (a Variable; moved to the link's device)."""
        self.h = moved_state(type(self).__name__, 'h', h, self.device)

    def reset_state(self):
        """Forget the state: the next call starts from zeros."""
        self.h = None

    def forward(self, x):
        """Return the next hidden state (also kept as ``self.h``)."""
        h = self.h
        if h is None:
            with fastgrad.using_device(self.device):
                h = variable.Variable(self.xp.zeros(
                    (x.shape[0], self._state_size), dtype=fastgrad.get_dtype()))
        self.h = self._call_mgu(h, x)
        return self.h
