"""L.LSTM and L.StatelessLSTM: LSTM layers with upward and lateral Linear
connections (with and without a state kept between calls)."""
from fastgrad import backend, initializers, link, variable
from fastgrad.functions.array.concat import concat
from fastgrad.functions.array.get_item import get_item
from fastgrad.functions.rnn.lstm import lstm
from fastgrad.links.connection.linear import Linear
from fastgrad.utils import size_of_shape


class LSTMBase(link.Chain):
    """The parameters shared by :class:`LSTM` and :class:`StatelessLSTM`:
    children ``upward`` and ``lateral`` and their initialization."""

    def __init__(self, in_size, out_size=None, lateral_init=None,
                 upward_init=None, bias_init=None, forget_bias_init=None):
        if out_size is None:
            in_size, out_size = None, in_size
        super().__init__()
        self.state_size = out_size
        self.lateral_init = lateral_init
        self.upward_init = upward_init
        self.bias_init = 0 if bias_init is None else bias_init
        self.forget_bias_init = (1 if forget_bias_init is None
                                 else forget_bias_init)
        with self.init_scope():
            self.upward = Linear(in_size, 4 * out_size, initialW=0)
            self.lateral = Linear(out_size, 4 * out_size, initialW=0,
                                  nobias=True)
            if in_size is not None:
                self._initialize_params()

    def _initialize_params(self):
        lateral_init = initializers._get_initializer(self.lateral_init)
        upward_init = initializers._get_initializer(self.upward_init)
        bias_init = initializers._get_initializer(self.bias_init)
        forget_bias_init = initializers._get_initializer(self.forget_bias_init)
        n = self.state_size
        # Block by block, lateral before upward: the RNG draws (and hence
        # the numbers for a given seed) come in Chainer's order.
        for i in range(0, 4 * n, n):
            lateral_init(self.lateral.W.array[i:i + n, :])
            upward_init(self.upward.W.array[i:i + n, :])
        b = self.upward.b.array
        bias_init(b[0::4])
        bias_init(b[1::4])
        forget_bias_init(b[2::4])
        bias_init(b[3::4])

    def _initialize_upward(self, x):
        """Create ``upward.W`` from the first input (lazy ``in_size``)."""
        if self.upward.W.array is None:
            with backend.using_device(self.device):
                self.upward._initialize_params(size_of_shape(x.shape[1:]))
                self._initialize_params()


class StatelessLSTM(LSTMBase):
    """``StatelessLSTM(in_size, out_size=None, lateral_init=None,
    upward_init=None, bias_init=None, forget_bias_init=None)``

    :class:`LSTM`'s parameters (the same names, layout and initializers)
    without a state: ``c_new, h_new = l(c, h, x)``.  ``c`` or ``h`` may be
    ``None`` (zeros: the first step of a sequence).

    Args:
        in_size (int or None): input size; ``None`` (or only one size given)
            infers it at the first call.
        out_size (int): the number of units.
        lateral_init, upward_init, bias_init, forget_bias_init: as in
            :class:`LSTM`.

    >>> l = L.StatelessLSTM(3, 2)
    >>> c, h = l(None, None, np.ones((4, 3), dtype=np.float32))
    >>> c.shape, h.shape
    ((4, 2), (4, 2))
    """

    def forward(self, c, h, x):
        """Return ``(c_new, h_new)`` of one step from the state ``(c, h)``."""
        self._initialize_upward(x)
        lstm_in = self.upward(x)
        if h is not None:
            lstm_in += self.lateral(h)
        if c is None:
            with backend.using_device(self.device):
                c = variable.Variable(self.xp.zeros(
                    (x.shape[0], self.state_size), dtype=x.dtype))
        return lstm(c, lstm_in)


class LSTM(LSTMBase):
    """``LSTM(in_size, out_size=None, lateral_init=None, upward_init=None,
    bias_init=None, forget_bias_init=None)``

    Children ``upward`` (Linear ``in_size -> 4 * out_size``) and ``lateral``
    (Linear ``out_size -> 4 * out_size``, no bias), Chainer's layout: the
    four gate pre-activations of unit ``k`` are rows ``4k .. 4k + 3`` (cell
    input, input, forget, output gates), as :func:`fastgrad.functions.lstm`
    reads them.  Each ``out_size``-row block of the weights is initialized
    separately (``upward_init``, ``lateral_init``: LeCunNormal by default);
    the biases by ``bias_init`` (0), the forget gate's by
    ``forget_bias_init`` (1).  ``LSTM(out_size)`` infers ``in_size`` at the
    first call.

    The state (``c``, ``h``) carries over between calls until
    :meth:`reset_state`.  A batch smaller than the state's updates its first
    rows only (the rest is carried through unchanged).

    >>> l = L.LSTM(3, 2)
    >>> h = l(np.ones((4, 3), dtype=np.float32))
    >>> h.shape, l.c.shape
    ((4, 2), (4, 2))
    """

    def __init__(self, in_size, out_size=None, lateral_init=None,
                 upward_init=None, bias_init=None, forget_bias_init=None):
        super().__init__(in_size, out_size, lateral_init, upward_init,
                         bias_init, forget_bias_init)
        self.reset_state()

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        if self.c is not None:
            visitor.visit_variable(self.c)
        if self.h is not None:
            visitor.visit_variable(self.h)

    def set_state(self, c, h):
        """Set the cell state ``c`` and the output ``h`` (Variables)."""
        if not isinstance(c, variable.Variable):
            raise TypeError('LSTM.set_state: c must be a Variable, got {}'
                            .format(type(c).__name__))
        if not isinstance(h, variable.Variable):
            raise TypeError('LSTM.set_state: h must be a Variable, got {}'
                            .format(type(h).__name__))
        c.to_device(self.device)
        h.to_device(self.device)
        self.c, self.h = c, h

    def reset_state(self):
        """Forget the state: the next call starts from zeros."""
        self.c = self.h = None

    def forward(self, x):
        self._initialize_upward(x)
        batch = x.shape[0]
        lstm_in = self.upward(x)
        h_rest = None
        h = self.h
        if h is not None:
            h_size = h.shape[0]
            if batch == 0:
                h_rest = h
            elif h_size < batch:
                raise TypeError(
                    'LSTM: the batch size of x ({}) must be equal to or less '
                    'than the size of the previous state h ({}).'.format(
                        batch, h_size))
            elif h_size > batch:
                h_rest = get_item(h, slice(batch, None))
                lstm_in += self.lateral(get_item(h, slice(None, batch)))
            else:
                lstm_in += self.lateral(h)
        if self.c is None:
            with backend.using_device(self.device):
                self.c = variable.Variable(self.xp.zeros(
                    (batch, self.state_size), dtype=lstm_in.dtype))
        self.c, y = lstm(self.c, lstm_in)

        if h_rest is None:
            self.h = y
        elif y.shape[0] == 0:
            self.h = h_rest
        else:
            self.h = concat((y, h_rest), axis=0)
        return y
