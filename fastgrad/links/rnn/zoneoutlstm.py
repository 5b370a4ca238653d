"""L.StatefulZoneoutLSTM: an LSTM whose state units randomly keep their
previous values (zoneout) while training."""
from fastgrad import backend, link, variable
from fastgrad.functions.activation.sigmoid import sigmoid
from fastgrad.functions.activation.tanh import tanh
from fastgrad.functions.noise.zoneout import zoneout
from fastgrad.links.connection.linear import Linear
from fastgrad.links.rnn._state import moved_state
from fastgrad.links.rnn.peephole import lstm_gates


class StatefulZoneoutLSTM(link.Chain):
    """``StatefulZoneoutLSTM(in_size, out_size, c_ratio=0.5, h_ratio=0.5)``

    An LSTM layer (``upward``, ``lateral`` as in :class:`LSTM`) keeping
    ``c`` and ``h`` between calls, with zoneout on both: while training
    each unit of ``c`` keeps its previous value with probability
    ``c_ratio`` and each unit of ``h`` with probability ``h_ratio``::

        c_tmp = tanh(a) sigmoid(i) + sigmoid(f) c
        c_new = zoneout(c, c_tmp, c_ratio)
        h_new = zoneout(h, sigmoid(o) tanh(c_tmp), h_ratio)

    Outside training (``config.train`` off) no unit is kept.  The masks are
    drawn from the array module's global RNG (``c``'s first).

    Args:
        in_size (int or None): input size.
        out_size (int): the number of units.
        c_ratio (float): zoneout ratio of the cell state.
        h_ratio (float): zoneout ratio of the output.

    >>> l = L.StatefulZoneoutLSTM(3, 2)
    >>> l(np.ones((4, 3), np.float32)).shape, l.c.shape
    ((4, 2), (4, 2))
    """

    def __init__(self, in_size, out_size, c_ratio=0.5, h_ratio=0.5, **kwargs):
        if 'train' in kwargs:
            raise ValueError('StatefulZoneoutLSTM: the train argument is not '
                             "supported anymore; use chainer.using_config('train', ...)")
        if kwargs:
            raise TypeError('StatefulZoneoutLSTM: unexpected arguments {}'.format(
                sorted(kwargs)))
        super().__init__()
        self.state_size = out_size
        self.c_ratio = c_ratio
        self.h_ratio = h_ratio
        self.reset_state()
        with self.init_scope():
            self.upward = Linear(in_size, 4 * out_size)
            self.lateral = Linear(out_size, 4 * out_size, nobias=True)

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        if self.c is not None:
            visitor.visit_variable(self.c)
        if self.h is not None:
            visitor.visit_variable(self.h)

    def set_state(self, c, h):
        """Set the cell state ``c`` and the output ``h`` (Variables, moved to
        the link's device)."""
        name = type(self).__name__
        c = moved_state(name, 'c', c, self.device)
        self.h = moved_state(name, 'h', h, self.device)
        self.c = c

    def reset_state(self):
        """Forget the state: the next call starts from zeros."""
        self.c = self.h = None

    def _zeros(self, x):
        with backend.using_device(self.device):
            return variable.Variable(self.xp.zeros(
                (len(x), self.state_size), dtype=x.dtype))

    def forward(self, x):
        """Return the next output (the state is kept as ``c`` and ``h``)."""
        lstm_in = self.upward(x)
        if self.h is not None:
            lstm_in += self.lateral(self.h)
        else:
            self.h = self._zeros(x)
        if self.c is None:
            self.c = self._zeros(x)
        a, i, f, o = lstm_gates(lstm_in)
        c_tmp = tanh(a) * sigmoid(i) + sigmoid(f) * self.c
        self.c = zoneout(self.c, c_tmp, self.c_ratio)
        self.h = zoneout(self.h, sigmoid(o) * tanh(c_tmp), self.h_ratio)
        return self.h
