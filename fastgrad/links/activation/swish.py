"""L.Swish: swish activation with a learned beta."""
from fastgrad import initializers, link, variable
from fastgrad.functions.activation.swish import swish


class Swish(link.Link):
    """``Swish(beta_shape, beta_init=1.0)``: ``x * sigmoid(beta * x)`` with a
    parameter ``beta`` broadcast along axis 1 onwards.

    Args:
        beta_shape (tuple or None): the shape of ``beta``; None creates it at
            the first call with shape ``x.shape[1:]``.
        beta_init (float): its initial value.

    >>> l = L.Swish(())
    >>> l(np.array([0., 2.], dtype=np.float32)).array.round(4)
    array([0.    , 1.7616], dtype=float32)
    """

    def __init__(self, beta_shape, beta_init=1.0):
        super().__init__()
        with self.init_scope():
            if beta_shape is not None:
                self.beta = variable.Parameter(beta_init, beta_shape)
            else:
                self.beta = variable.Parameter(initializers.Constant(beta_init))

    def forward(self, x):
        if self.beta.array is None:
            self.beta.initialize(x.shape[1:])
        return swish(x, self.beta)
