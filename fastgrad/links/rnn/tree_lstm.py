"""L.ChildSumTreeLSTM and L.NaryTreeLSTM: Tree-LSTM nodes (stateless: the
children's states come in as arguments)."""
from fastgrad import link
from fastgrad.functions.activation.sigmoid import sigmoid
from fastgrad.functions.activation.tanh import tanh
from fastgrad.functions.array.concat import concat
from fastgrad.functions.array.split_axis import split_axis
from fastgrad.functions.rnn.tree_lstm import tree_lstm
from fastgrad.links.connection.linear import Linear


def _x_or_zeros(link_, cs, hs, x):
    """``x``, or zeros of ``(batch, in_size)`` when it is ``None`` (batch and
    dtype from the first child state given)."""
    if x is not None:
        return x
    given = [v for v in tuple(cs) + tuple(hs) if v is not None]
    if not given:
        raise ValueError('{}: all inputs (cs, hs, x) are None.'.format(
            type(link_).__name__))
    return link_.xp.zeros((given[0].shape[0], link_.in_size), dtype=given[0].dtype)


def _zeros_for_none(link_, vs, x):
    """The children's states with a missing one (``None``) as zeros."""
    if all(v is not None for v in vs):
        return tuple(vs)
    zero = link_.xp.zeros((x.shape[0], link_.state_size), dtype=x.dtype)
    return tuple(zero if v is None else v for v in vs)


class ChildSumTreeLSTM(link.Chain):
    """``ChildSumTreeLSTM(in_size, out_size)``

    A Child-Sum Tree-LSTM node (Tai et al. 2015): ``c, h = l(c_1, ..., c_K,
    h_1, ..., h_K, x)`` for any number ``K`` of children (the result does
    not depend on their order).  Children ``W_x`` (Linear ``in_size -> 4
    out_size``: a, i, o and the forget gate's input part), ``W_h_aio``
    (Linear ``out_size -> 3 out_size`` applied to ``sum_k h_k``) and
    ``W_h_f`` (Linear ``out_size -> out_size`` applied to each ``h_k``);
    the gates go through :func:`fastgrad.functions.tree_lstm`.

    A child's ``c_k``/``h_k`` may be ``None`` (zeros); ``x`` may be ``None``
    (zeros).  With no children ``c = sigmoid(i) tanh(a)``, ``h =
    sigmoid(o) tanh(c)``.

    Args:
        in_size (int): input size.
        out_size (int): the number of units.

    >>> l = L.ChildSumTreeLSTM(3, 2)
    >>> c1 = h1 = np.zeros((4, 2), np.float32)
    >>> c, h = l(c1, c1, h1, h1, np.ones((4, 3), np.float32))
    >>> c.shape, h.shape
    ((4, 2), (4, 2))
    """

    def __init__(self, in_size, out_size):
        super().__init__()
        with self.init_scope():
            self.W_x = Linear(in_size, 4 * out_size)
            self.W_h_aio = Linear(out_size, 3 * out_size, nobias=True)
            self.W_h_f = Linear(out_size, out_size, nobias=True)
        self.in_size = in_size
        self.state_size = out_size

    def forward(self, *cshsx):
        """The node's ``(c, h)`` from its children's cell states, outputs and
        the input: ``forward(c_1, ..., c_K, h_1, ..., h_K, x)``."""
        if len(cshsx) % 2 != 1:
            raise ValueError(
                'ChildSumTreeLSTM: expected c_1..c_K, h_1..h_K, x (an odd number '
                'of arguments), got {}'.format(len(cshsx)))
        n = len(cshsx) // 2
        cs, hs = cshsx[:n], cshsx[n:-1]
        x = _x_or_zeros(self, cs, hs, cshsx[-1])
        units = self.state_size
        x_aio, x_f = split_axis(self.W_x(x), [3 * units], axis=1)
        if n == 0:
            a, i, o = split_axis(x_aio, 3, axis=1)
            c = sigmoid(i) * tanh(a)
            return c, sigmoid(o) * tanh(c)
        hs = _zeros_for_none(self, hs, x)
        cs = _zeros_for_none(self, cs, x)
        h_sum = hs[0]
        for h in hs[1:]:
            h_sum = h_sum + h
        aio_in = self.W_h_aio(h_sum) + x_aio
        # W_h_f on all children at once, then one forget block per child
        h_f = split_axis(self.W_h_f(concat(hs, axis=0)), n, axis=0)
        f_in = concat(h_f, axis=1) + concat([x_f] * n, axis=1)
        return tree_lstm(*(cs + (concat((aio_in, f_in), axis=1),)))


class NaryTreeLSTM(link.Chain):
    """``NaryTreeLSTM(in_size, out_size, n_ary=2)``

    An N-ary Tree-LSTM node (Tai et al. 2015, with Bowman et al.'s forget
    gate per child): ``c, h = l(c_1, ..., c_N, h_1, ..., h_N, x)`` for
    exactly ``N = n_ary`` children, in order.  Children ``W_x`` (Linear
    ``in_size -> (3 + N) out_size``) and ``W_h1 .. W_hN`` (Linear
    ``out_size -> (3 + N) out_size``, no bias); the sum goes through
    :func:`fastgrad.functions.tree_lstm` (gates a, i, o, f_1..f_N).

    A ``c_k``/``h_k`` may be ``None`` (zeros, no ``W_hk`` term); ``x`` may
    be ``None`` (zeros).

    Args:
        in_size (int): input size.
        out_size (int): the number of units.
        n_ary (int): the number of children (at least 1).

    >>> l = L.NaryTreeLSTM(3, 2, n_ary=2)
    >>> c1 = h1 = np.zeros((4, 2), np.float32)
    >>> c, h = l(c1, c1, h1, h1, np.ones((4, 3), np.float32))
    >>> c.shape, h.shape
    ((4, 2), (4, 2))
    """

    def __init__(self, in_size, out_size, n_ary=2):
        if n_ary < 1:
            raise ValueError('NaryTreeLSTM: n_ary must be at least 1, got {}'.format(n_ary))
        super().__init__()
        with self.init_scope():
            self.W_x = Linear(in_size, (3 + n_ary) * out_size)
            for i in range(1, n_ary + 1):
                setattr(self, 'W_h{}'.format(i),
                        Linear(out_size, (3 + n_ary) * out_size, nobias=True))
        self.in_size = in_size
        self.state_size = out_size
        self.n_ary = n_ary

    def forward(self, *cshsx):
        """The node's ``(c, h)`` from its ``n_ary`` children's cell states,
        outputs and the input: ``forward(c_1, ..., c_n, h_1, ..., h_n, x)``."""
        if len(cshsx) != 2 * self.n_ary + 1:
            raise ValueError(
                'NaryTreeLSTM: expected {} arguments (c_1..c_{n}, h_1..h_{n}, x), '
                'got {}'.format(2 * self.n_ary + 1, len(cshsx), n=self.n_ary))
        cs, hs = cshsx[:self.n_ary], cshsx[self.n_ary:-1]
        x = _x_or_zeros(self, cs, hs, cshsx[-1])
        tree_lstm_in = self.W_x(x)
        for i, h in enumerate(hs, start=1):
            if h is not None:
                tree_lstm_in += getattr(self, 'W_h{}'.format(i))(h)
        cs = _zeros_for_none(self, cs, x)
        return tree_lstm(*(cs + (tree_lstm_in,)))
