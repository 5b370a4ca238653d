"""L.Linear: a fully connected layer holding W (out_size, in_size) and b."""
from fastgrad import initializers, link, variable
from fastgrad.functions.connection.linear import linear as linear_function
from fastgrad.utils import size_of_shape


class Linear(link.Link):
    """``Linear(in_size, out_size=None, nobias=False, initialW=None, initial_bias=None)``

    ``Linear(out_size)`` / ``Linear(None, out_size)`` infer ``in_size`` at the
    first call.  ``W`` defaults to LeCunNormal (std sqrt(1/in_size)) drawn
    from NumPy's global RNG; ``b`` to zeros and is created at once.

    >>> import numpy as np, fastgrad.links as L
    >>> np.random.seed(0)
    >>> f = L.Linear(3, 2)
    >>> f.W.array
    array([[ 1.0184761 ,  0.23103087,  0.5650746 ],
           [ 1.2937803 ,  1.0782351 , -0.56423163]], dtype=float32)
    """

    def __init__(self, in_size, out_size=None, nobias=False, initialW=None,
                 initial_bias=None):
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        self.in_size = in_size
        self.out_size = out_size
        self.nobias = nobias
        with self.init_scope():
            self.W = variable.Parameter(initializers._get_initializer(initialW))
            if in_size is not None:
                self._initialize_params(in_size)
            if nobias:
                self.b = None
            else:
                if initial_bias is None:
                    initial_bias = 0
                self.b = variable.Parameter(
                    initializers._get_initializer(initial_bias), out_size)

    def _initialize_params(self, in_size):
        self.W.initialize((self.out_size, in_size))

    @property
    def printable_specs(self):
        yield 'in_size', self.in_size
        yield 'out_size', self.out_size
        yield 'nobias', self.nobias

    @classmethod
    def from_params(cls, W, b=None, nobias=False):
        """A Linear whose parameters are initialized from ``W`` and ``b``
        (arrays or Variables; ``b`` is ignored with ``nobias``)."""
        out_size, in_size = W.shape
        if b is not None and b.size != out_size:
            raise ValueError('Linear.from_params: b.size must equal W.shape[0] ({}), '
                             'got {}'.format(out_size, b.size))
        return cls(in_size, out_size, nobias, initialW=variable.as_array(W),
                   initial_bias=None if nobias or b is None else variable.as_array(b))

    def forward(self, x, n_batch_axes=1):
        if self.W.array is None:
            self._initialize_params(size_of_shape(x.shape[n_batch_axes:]))
        return linear_function(x, self.W, self.b, n_batch_axes=n_batch_axes)
