"""NStep RNN links: stacked (bi-)directional RNNs over a list of sequences.

The links sort the sequences by length, transpose them to time-major steps,
call the ``F.n_step_*`` function and undo both, so a user passes the
sequences as they come.  Parameters are Chainer's: child ``k`` (layer
``k // directions``, direction ``k % directions``) holds ``w0..w{n-1}`` and
``b0..b{n-1}``, so Chainer's npz files load as they are.
"""
import numpy

from fastgrad import initializers, link, variable
from fastgrad.functions.array.permutate import permutate
from fastgrad.functions.array.transpose_sequence import transpose_sequence
from fastgrad.functions.rnn.n_step_rnn import n_step_birnn, n_step_rnn


def argsort_list_descent(lst):
    """Indices that sort ``lst`` by length, longest first."""
    return numpy.argsort([-len(x) for x in lst], kind='stable').astype(numpy.int32)


def permutate_list(lst, indices, inv):
    """``lst`` reordered by ``indices`` (``inv``: the inverse reordering)."""
    out = [None] * len(lst)
    for i, ind in enumerate(indices):
        if inv:
            out[ind] = lst[i]
        else:
            out[i] = lst[ind]
    return out


class NStepRNNBase(link.ChainList):
    """Base of the NStep links: ``n_layers`` layers (times two directions
    when ``use_bi_direction``), ``n_weights`` matrices and biases each.

    Args:
        n_layers (int): number of layers.
        in_size (int): size of the input vectors.
        out_size (int): size of the hidden states and outputs.
        dropout (float): dropout ratio between layers.
        initialW: initializer of the weights (LeCunNormal if None).
        initial_bias: initializer of the biases (0 if None).
    """
    n_weights = 2
    use_bi_direction = False

    def __init__(self, n_layers, in_size, out_size, dropout, *, initialW=None,
                 initial_bias=None, **kwargs):
        if kwargs:
            for key in ('use_cudnn', 'use_bi_direction', 'activation'):
                if key in kwargs:
                    raise ValueError('{} argument is not supported anymore'.format(key))
            raise TypeError('{}() got unexpected keyword argument(s) {}'.format(
                type(self).__name__, ', '.join(sorted(kwargs))))
        direction = 2 if self.use_bi_direction else 1
        w_init = initializers._get_initializer(initialW)
        b_init = initializers._get_initializer(0 if initial_bias is None else initial_bias)
        children = []
        for layer in range(n_layers):
            for _ in range(direction):
                child = link.Link()
                with child.init_scope():
                    for j in range(self.n_weights):
                        if j >= self.n_weights // 2:
                            w_in = out_size
                        elif layer == 0:
                            w_in = in_size
                        else:
                            w_in = out_size * direction
                        setattr(child, 'w%d' % j, variable.Parameter(w_init, (out_size, w_in)))
                        setattr(child, 'b%d' % j, variable.Parameter(b_init, out_size))
                children.append(child)
        super().__init__(*children)
        self.n_layers = n_layers
        self.dropout = dropout
        self.out_size = out_size
        self.direction = direction
        self._gather_params()

    def _gather_params(self):
        self.ws = [[getattr(c, 'w%d' % j) for j in range(self.n_weights)] for c in self]
        self.bs = [[getattr(c, 'b%d' % j) for j in range(self.n_weights)] for c in self]

    def copy(self, mode='share'):
        ret = super().copy(mode)
        ret._gather_params()
        return ret

    @property
    def n_cells(self):
        """Number of state arrays (2 for LSTMs: h and c)."""
        return 1

    def init_hx(self, xs):
        """Zero initial states for the batch ``xs``."""
        shape = (self.n_layers * self.direction, len(xs), self.out_size)
        return variable.Variable(self.xp.zeros(shape, dtype=xs[0].dtype))

    def rnn(self, *args):
        raise NotImplementedError

    def forward(self, hx, xs, **kwargs):
        """``(hy, ys)`` for the initial states ``hx`` (None: zeros) and the
        sequences ``xs`` (a list of ``(L_i, in_size)`` arrays, any order)."""
        (hy,), ys = self._call([hx], xs, **kwargs)
        return hy, ys

    def _call(self, hs, xs, **kwargs):
        if kwargs:
            if 'train' in kwargs:
                raise ValueError('train argument is not supported anymore. '
                                 'Use chainer.using_config')
            raise TypeError('{}() got unexpected keyword argument(s) {}'.format(
                type(self).__name__, ', '.join(sorted(kwargs))))
        if not isinstance(xs, (list, tuple)):
            raise TypeError('{}: xs must be a list of sequences, got {}'.format(
                type(self).__name__, type(xs).__name__))
        indices = argsort_list_descent(xs)
        xs = permutate_list(xs, indices, inv=False)
        hxs = [self.init_hx(xs) if h is None else permutate(h, indices, axis=1, inv=False)
               for h in hs]
        trans_x = transpose_sequence(xs)
        result = self.rnn(self.n_layers, self.dropout, *hxs, self.ws, self.bs, trans_x)
        hys = [permutate(h, indices, axis=1, inv=True) for h in result[:-1]]
        ys = permutate_list(transpose_sequence(result[-1]), indices, inv=True)
        return hys, ys


class NStepRNNTanh(NStepRNNBase):
    """Stacked uni-directional RNN with tanh (Chainer's ``L.NStepRNNTanh``).

    ``NStepRNNTanh(n_layers, in_size, out_size, dropout)``; call it as
    ``hy, ys = rnn(hx, xs)``.  See :class:`NStepRNNBase` for the arguments.

    >>> rnn = L.NStepRNNTanh(2, 4, 5, dropout=0.)
    >>> xs = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]  # 2 sequences
    >>> hy, ys = rnn(None, xs)
    >>> hy.shape, [y.shape for y in ys]
    ((2, 2, 5), [(3, 5), (1, 5)])
    """

    def rnn(self, *args):
        return n_step_rnn(*args, activation='tanh')


class NStepRNNReLU(NStepRNNBase):
    """Stacked uni-directional RNN with relu (Chainer's ``L.NStepRNNReLU``).

    ``NStepRNNReLU(n_layers, in_size, out_size, dropout)``; call it as
    ``hy, ys = rnn(hx, xs)``.  See :class:`NStepRNNBase` for the arguments.

    >>> rnn = L.NStepRNNReLU(1, 4, 2, dropout=0., initialW=1., initial_bias=0.)
    >>> xs = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]
    >>> hy, ys = rnn(None, xs)  # h = relu(4 + 2 h), steps 4, 12, 28
    >>> hy.array[0]
    array([[28., 28.],
           [ 4.,  4.]], dtype=float32)
    """

    def rnn(self, *args):
        return n_step_rnn(*args, activation='relu')


class NStepBiRNNTanh(NStepRNNBase):
    """Stacked bi-directional RNN with tanh (Chainer's ``L.NStepBiRNNTanh``).

    ``NStepBiRNNTanh(n_layers, in_size, out_size, dropout)``; call it as
    ``hy, ys = rnn(hx, xs)``; ``ys[i]`` has ``2 * out_size`` features.

    >>> rnn = L.NStepBiRNNTanh(2, 4, 5, dropout=0.)
    >>> xs = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]
    >>> hy, ys = rnn(None, xs)
    >>> hy.shape, [y.shape for y in ys]  # 2 layers x 2 directions
    ((4, 2, 5), [(3, 10), (1, 10)])
    """
    use_bi_direction = True

    def rnn(self, *args):
        return n_step_birnn(*args, activation='tanh')


class NStepBiRNNReLU(NStepRNNBase):
    """Stacked bi-directional RNN with relu (Chainer's ``L.NStepBiRNNReLU``).

    ``NStepBiRNNReLU(n_layers, in_size, out_size, dropout)``; call it as
    ``hy, ys = rnn(hx, xs)``; ``ys[i]`` has ``2 * out_size`` features.

    >>> rnn = L.NStepBiRNNReLU(2, 4, 5, dropout=0.)
    >>> xs = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]
    >>> hy, ys = rnn(None, xs)
    >>> hy.shape, [y.shape for y in ys]  # 2 layers x 2 directions
    ((4, 2, 5), [(3, 10), (1, 10)])
    """
    use_bi_direction = True

    def rnn(self, *args):
        return n_step_birnn(*args, activation='relu')
