"""L.LayerNormalization: normalizes each sample over its units."""
from fastgrad import initializers, link, variable
from fastgrad.functions.normalization.layer_normalization import layer_normalization
from fastgrad.utils import size_of_shape


class LayerNormalization(link.Link):
    """``LayerNormalization(size=None, eps=1e-6, initial_gamma=None,
    initial_beta=None)``

    Parameters ``gamma`` (ones) and ``beta`` (zeros) of shape ``(size,)``;
    with ``size=None`` it is the size of ``x.shape[1:]`` at the first call.

    >>> l = L.LayerNormalization(3)
    >>> y = l(np.array([[1., 2., 3.]], dtype=np.float32))
    >>> y.array.round(4)
    array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    """

    def __init__(self, size=None, eps=1e-6, initial_gamma=None,
                 initial_beta=None):
        super().__init__()
        if initial_gamma is None:
            initial_gamma = 1
        if initial_beta is None:
            initial_beta = 0
        with self.init_scope():
            self.gamma = variable.Parameter(
                initializers._get_initializer(initial_gamma))
            self.beta = variable.Parameter(
                initializers._get_initializer(initial_beta))
        self.eps = eps
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, size):
        self.gamma.initialize(size)
        self.beta.initialize(size)

    def forward(self, x):
        if self.gamma.array is None:
            self._initialize_params(size_of_shape(x.shape[1:]))
        return layer_normalization(x, self.gamma, self.beta, self.eps)
