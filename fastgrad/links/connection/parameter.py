"""L.Parameter: a link that holds one array as its parameter ``W``."""
from fastgrad import backend, link
from fastgrad.functions.math.identity import identity


class Parameter(link.Link):
    """``Parameter(array)``: ``W`` is a parameter holding ``array`` (not a
    copy); calling the link returns ``W`` through an identity, so gradients
    flow into ``W``.  (Deprecated in Chainer since v1.5: parameters are
    Variables; kept for old code.)

    Args:
        array: the parameter's array (NumPy or CuPy).

    >>> l = L.Parameter(np.array([1., 2.], dtype=np.float32))
    >>> l().array
    array([1., 2.], dtype=float32)
    """

    def __init__(self, array):
        super().__init__()
        self.add_param('W', array.shape, dtype=array.dtype)
        self.W.array = array
        if backend.is_cupy_array(array):
            self.to_device(backend.get_device_from_array(array))

    def forward(self, volatile='off'):
        """``W`` as a new Variable of the graph.  ``volatile`` (Chainer v1's
        flag) is accepted and ignored, as Chainer 7 ignores it."""
        return identity(self.W)
