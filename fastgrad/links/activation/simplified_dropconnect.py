"""L.SimplifiedDropconnect: a fully connected layer whose weights are dropped
at random in training."""
import numpy

from fastgrad import initializers, link, variable
from fastgrad.functions.noise.simplified_dropconnect import simplified_dropconnect


class SimplifiedDropconnect(link.Link):
    """``SimplifiedDropconnect(in_size, out_size, ratio=.5, nobias=False,
    initialW=None, initial_bias=None)``

    ``W`` ``(out_size, in_size)`` (HeNormal with scale ``1 / sqrt(2)`` by
    default) and ``b`` ``(out_size,)`` (zeros); ``in_size=None`` infers it at
    the first call.  See :func:`~fastgrad.functions.simplified_dropconnect`.

    Args:
        in_size (int or None): the input size.
        out_size (int): the output size.
        ratio (float): the probability of dropping each weight.
        nobias (bool): no bias if True.
        initialW: initializer of W.
        initial_bias: initializer of b.

    >>> layer = L.SimplifiedDropconnect(3, 2, initialW=1.)
    >>> x = np.ones((4, 3), np.float32)
    >>> layer(x).shape
    (4, 2)
    >>> layer(x, train=False).array[0]  # no weight dropped: a linear layer
    array([3., 3.], dtype=float32)
    """

    def __init__(self, in_size, out_size, ratio=.5, nobias=False, initialW=None,
                 initial_bias=None):
        super().__init__()
        self.out_size = out_size
        self.ratio = ratio
        if initialW is None:
            initialW = initializers.HeNormal(1. / numpy.sqrt(2))
        with self.init_scope():
            self.W = variable.Parameter(initializers._get_initializer(initialW))
            if in_size is not None:
                self._initialize_params(in_size)
            if nobias:
                self.b = None
            else:
                if initial_bias is None:
                    initial_bias = initializers.Constant(0)
                self.b = variable.Parameter(initializers._get_initializer(initial_bias),
                                            out_size)

    def _initialize_params(self, in_size):
        self.W.initialize((self.out_size, in_size))

    def forward(self, x, train=True, mask=None, use_batchwise_mask=True):
        """``x W^T + b`` with dropped weights (``train``); ``mask`` (True =
        kept, ``(n, out, in)`` or ``(out, in)``) instead of a random one is
        also kept as the persistent value ``mask``, as in Chainer."""
        if self.W.array is None:
            self._initialize_params(x.size // len(x))
        if mask is not None and 'mask' not in self.__dict__:
            self.add_persistent('mask', mask)
        return simplified_dropconnect(x, self.W, self.b, self.ratio, train, mask,
                                      use_batchwise_mask)
