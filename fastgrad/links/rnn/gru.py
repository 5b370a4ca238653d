"""L.StatelessGRU, L.StatefulGRU and L.GRU (Chainer 7: the stateful one)."""
from fastgrad import link
from fastgrad.functions.activation.sigmoid import sigmoid
from fastgrad.functions.activation.tanh import tanh
from fastgrad.functions.math.affine import linear_interpolate
from fastgrad.links.connection.linear import Linear
from fastgrad.links.rnn._state import moved_state


class GRUBase(link.Chain):
    """The six Linear children of a GRU: ``W_r, U_r, W_z, U_z, W, U``
    (``W_*``: ``in_size -> out_size``, ``U_*``: ``out_size -> out_size``,
    all with biases), initialized by ``init``, ``inner_init`` and
    ``bias_init``."""

    def __init__(self, in_size, out_size, init=None, inner_init=None,
                 bias_init=None):
        super().__init__()
        with self.init_scope():
            self.W_r = Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U_r = Linear(out_size, out_size, initialW=inner_init,
                              initial_bias=bias_init)
            self.W_z = Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U_z = Linear(out_size, out_size, initialW=inner_init,
                              initial_bias=bias_init)
            self.W = Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U = Linear(out_size, out_size, initialW=inner_init,
                            initial_bias=bias_init)


class StatelessGRU(GRUBase):
    """``StatelessGRU(in_size, out_size, init=None, inner_init=None, bias_init=None)``

    One GRU step, ``h_new = l(h, x)``::

        r = sigmoid(W_r x + U_r h)
        z = sigmoid(W_z x + U_z h)
        h_bar = tanh(W x + U (r * h))
        h_new = z * h_bar + (1 - z) * h

    Args:
        in_size (int or None): input size (``None``: inferred at the first
            call).
        out_size (int): the number of units.
        init: initializer of ``W_r``, ``W_z`` and ``W`` (LeCunNormal if
            ``None``).
        inner_init: initializer of ``U_r``, ``U_z`` and ``U``.
        bias_init: initializer of the biases (zeros if ``None``).

    >>> l = L.StatelessGRU(3, 2)
    >>> l(np.zeros((4, 2), np.float32), np.ones((4, 3), np.float32)).shape
    (4, 2)
    """

    def forward(self, h, x):
        """Return the next hidden state from ``h`` and the input ``x``."""
        r = sigmoid(self.W_r(x) + self.U_r(h))
        z = sigmoid(self.W_z(x) + self.U_z(h))
        h_bar = tanh(self.W(x) + self.U(r * h))
        return linear_interpolate(z, h_bar, h)


class StatefulGRU(GRUBase):
    """``StatefulGRU(in_size, out_size, init=None, inner_init=None, bias_init=0)``

    :class:`StatelessGRU`'s step with the hidden state ``h`` kept between
    calls: ``h_new = l(x)``.  The first call after :meth:`reset_state`
    starts from ``h = 0`` (``h_new = z * h_bar``).

    Args:
        in_size (int or None): input size.
        out_size (int): the number of units.
        init, inner_init, bias_init: as in :class:`StatelessGRU`.

    The state is the attribute ``h`` (``None`` before the first call).

    >>> l = L.StatefulGRU(3, 2)
    >>> l(np.ones((4, 3), np.float32)).shape, l.h.shape
    ((4, 2), (4, 2))
    """

    def __init__(self, in_size, out_size, init=None, inner_init=None, bias_init=0):
        super().__init__(in_size, out_size, init, inner_init, bias_init)
        self.state_size = out_size
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
        z = self.W_z(x)
        h_bar = self.W(x)
        h = self.h
        if h is not None:
            r = sigmoid(self.W_r(x) + self.U_r(h))
            z += self.U_z(h)
            h_bar += self.U(r * h)
        z = sigmoid(z)
        h_bar = tanh(h_bar)
        self.h = z * h_bar if h is None else linear_interpolate(z, h_bar, h)
        return self.h


class GRU(StatefulGRU):
    """``GRU(in_size, out_size, init=None, inner_init=None, bias_init=0)``

    Chainer 7's name for :class:`StatefulGRU` (stateful since Chainer v2):
    ``h_new = l(x)``.  Calling it with two arguments (the old stateless
    form) raises ``ValueError`` pointing to :class:`StatelessGRU`.

    >>> l = L.GRU(3, 2)
    >>> l(np.ones((4, 3), np.float32)).shape
    (4, 2)
    """

    def forward(self, *args):
        """forward(self, x): one step of :class:`StatefulGRU`."""
        msg = ('GRU.forward takes one argument (x), got {}.'.format(len(args)))
        if len(args) == 2:
            raise ValueError(
                msg + ' Since Chainer v2 chainer.links.GRU is stateful; for '
                'the stateless GRU h_new = f(h, x) use StatelessGRU.')
        if len(args) != 1:
            raise ValueError(msg)
        return super().forward(args[0])
