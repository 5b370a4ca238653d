"""L.StatefulPeepholeLSTM: an LSTM whose gates also see the cell state."""
from fastgrad import backend, link, variable
from fastgrad.functions.activation.sigmoid import sigmoid
from fastgrad.functions.activation.tanh import tanh
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.array.separate import separate
from fastgrad.links.connection.linear import Linear


def lstm_gates(lstm_in):
    """a, i, f, o from an upward/lateral output, in Chainer's interleaved
    layout (gate ``k`` of unit ``u`` is column ``4 u + k``)."""
    r = reshape(lstm_in, (lstm_in.shape[0], lstm_in.shape[1] // 4, 4))
    return separate(r, axis=2)


class StatefulPeepholeLSTM(link.Chain):
    """``StatefulPeepholeLSTM(in_size, out_size)``

    An LSTM layer with peephole connections, keeping ``c`` and ``h`` between
    calls (``h_new = l(x)``).  With ``z = upward x + lateral h`` split into
    the gates a, i, f, o as :class:`LSTM` lays them out::

        c_new = tanh(a) * sigmoid(i + peep_i c) + sigmoid(f + peep_f c) * c
        h_new = sigmoid(o + peep_o c_new) * tanh(c_new)

    Args:
        in_size (int or None): input size (``None``: inferred at the first
            call).
        out_size (int): the number of units.

    The children are the Linear links ``upward`` (``in_size -> 4
    out_size``), ``lateral`` and ``peep_i``, ``peep_f``, ``peep_o`` (no
    bias); the state is ``c`` and ``h`` (``None`` before the first call and
    after :meth:`reset_state`).

    >>> l = L.StatefulPeepholeLSTM(3, 2)
    >>> l(np.ones((4, 3), np.float32)).shape, l.c.shape
    ((4, 2), (4, 2))
    """

    def __init__(self, in_size, out_size):
        super().__init__()
        self.state_size = out_size
        self.reset_state()
        with self.init_scope():
            self.upward = Linear(in_size, 4 * out_size)
            self.lateral = Linear(out_size, 4 * out_size, nobias=True)
            self.peep_i = Linear(out_size, out_size, nobias=True)
            self.peep_f = Linear(out_size, out_size, nobias=True)
            self.peep_o = Linear(out_size, out_size, nobias=True)

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        if self.c is not None:
            visitor.visit_variable(self.c)
        if self.h is not None:
            visitor.visit_variable(self.h)

    def reset_state(self):
        """Forget the state: the next call starts from zeros."""
        self.c = self.h = None

    def forward(self, x):
        """Return the next output (the state is kept as ``c`` and ``h``)."""
        lstm_in = self.upward(x)
        if self.h is not None:
            lstm_in += self.lateral(self.h)
        if self.c is None:
            with backend.using_device(self.device):
                self.c = variable.Variable(self.xp.zeros(
                    (len(x), self.state_size), dtype=x.dtype))
        a, i, f, o = lstm_gates(lstm_in)
        i = sigmoid(i + self.peep_i(self.c))
        f = sigmoid(f + self.peep_f(self.c))
        self.c = tanh(a) * i + f * self.c
        o = sigmoid(o + self.peep_o(self.c))
        self.h = o * tanh(self.c)
        return self.h
