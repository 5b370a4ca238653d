"""L.GroupNormalization: group normalization with learned gamma and beta."""
import numpy

from fastgrad import configuration, link, variable
from fastgrad.functions.normalization.group_normalization import group_normalization
from fastgrad.links.normalization.batch_normalization import _with_dtype


class GroupNormalization(link.Link):
    """``GroupNormalization(groups, size=None, eps=1e-5, initial_gamma=None,
    initial_beta=None)``

    Parameters ``gamma`` (ones) and ``beta`` (zeros) of shape ``(size,)``
    (float32 under mixed16); with ``size=None`` they are created at the first
    call from ``x.shape[1]``.  See :func:`~fastgrad.functions.group_normalization`.

    Args:
        groups (int): the number of channel groups; must divide the channels.
        size (int): the number of channels, or None to infer it.
        eps (float): added to the variances.
        initial_gamma: initializer of gamma (default 1).
        initial_beta: initializer of beta (default 0).

    >>> l = L.GroupNormalization(2)
    >>> l(np.array([[1., 3., 0., 4.]], dtype=np.float32)).array.round(4)
    array([[-1.,  1., -1.,  1.]], dtype=float32)
    """

    def __init__(self, groups, size=None, eps=1e-5, initial_gamma=None, initial_beta=None):
        super().__init__()
        dtype = configuration.get_dtype(None, map_mixed16=numpy.float32)
        self.groups = groups
        self.eps = eps
        with self.init_scope():
            self.gamma = variable.Parameter(
                _with_dtype(1 if initial_gamma is None else initial_gamma, dtype))
            self.beta = variable.Parameter(
                _with_dtype(0 if initial_beta is None else initial_beta, dtype))
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, size):
        self.gamma.initialize(size)
        self.beta.initialize(size)

    def forward(self, x):
        if self.gamma.array is None:
            if x.ndim < 2:
                raise ValueError('GroupNormalization: the input needs at least 2 '
                                 'dimensions (batch, channels, ...), got shape {}'
                                 .format(x.shape))
            self._initialize_params(x.shape[1])
        return group_normalization(x, self.groups, self.gamma, self.beta, self.eps)
