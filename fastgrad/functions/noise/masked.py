"""gumbel_softmax, built from differentiable ops: the noise is a constant of
the graph, so one draw serves both backward and double backward."""

from fastgrad import graph_replay
from fastgrad._core.graph import as_variable

# a graph replay would repeat the host generator's draw on every step
_HOST_RNG = 'its random numbers are drawn by the host-side generator'


def _xp(v):
    from fastgrad import backend
    return backend.get_array_module(getattr(v, 'array', v))


def gumbel_softmax(log_pi, tau=0.1, axis=1):
    """A sample of the Gumbel-softmax (concrete) distribution with logits
    ``log_pi`` and temperature ``tau`` along ``axis``; a 0-d ``log_pi`` (one
    category) gives 1.

    >>> np.random.seed(0)
    >>> log_pi = np.log(np.full((2, 3), 1 / 3, dtype=np.float32))
    >>> y = F.gumbel_softmax(log_pi, tau=0.1)
    >>> y.shape, np.round(y.array.sum(axis=1), 4)
    ((2, 3), array([1., 1.], dtype=float32))
    """
    import fastgrad.functions as F
    log_pi = as_variable(log_pi)
    if log_pi.ndim == 0:
        # one category: the sample is 1 whatever the noise (no draw, as in Chainer)
        return F.reshape(F.softmax(F.reshape(log_pi, (1, 1)), axis=1), ())
    xp = _xp(log_pi)
    graph_replay.refuse('F.gumbel_softmax', _HOST_RNG)
    g = xp.random.gumbel(size=log_pi.shape).astype(log_pi.dtype)
    return F.softmax((log_pi + g) / tau, axis=axis)


