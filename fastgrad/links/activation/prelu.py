"""L.PReLU: parametric ReLU with a learned slope W."""
from fastgrad import link, variable
from fastgrad.functions.activation.prelu import prelu


class PReLU(link.Link):
    """``PReLU(shape=(), init=0.25)``

    ``W`` (of ``shape``, filled with ``init``) is the slope for negative
    inputs, broadcast over axis 0 and the axes after ``1 + W.ndim``.

    >>> l = L.PReLU()
    >>> l(np.array([-2., 1.], dtype=np.float32)).array
    array([-0.5,  1. ], dtype=float32)
    """

    def __init__(self, shape=(), init=0.25):
        super().__init__()
        with self.init_scope():
            self.W = variable.Parameter(init, shape)

    def forward(self, x):
        return prelu(x, self.W)
