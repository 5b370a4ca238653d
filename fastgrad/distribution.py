"""``Distribution``, the base class of ``fastgrad.distributions``, and the KL
divergence registry (Chainer's ``chainer.Distribution``,
``chainer.register_kl``, ``chainer.kl_divergence``, ``chainer.cross_entropy``).

A sample has the shape ``sample_shape + batch_shape + event_shape``: events
are the draws of one multivariate distribution, the batch holds independent
distributions with different parameters, and the sample shape counts i.i.d.
draws.  Every method returns a Variable differentiable in the parameters."""
import copy

from fastgrad import backend


class Distribution(object):
    """Base class: subclasses give what applies of ``batch_shape``,
    ``event_shape``, ``params``, ``log_prob``, ``sample_n``, ``mean``,
    ``variance``, ``entropy``, ``cdf``, ``icdf``...; the rest raise
    NotImplementedError naming the distribution.

    >>> class Coin(fastgrad.Distribution):
    ...     def __init__(self, p):
    ...         self.p = fastgrad.as_variable(np.array(p, dtype=np.float32))
    ...     @property
    ...     def mean(self):
    ...         return self.p
    >>> Coin(0.25).mean.array
    array(0.25, dtype=float32)
    >>> Coin(0.25).variance
    Traceback (most recent call last):
    ...
    NotImplementedError: Coin does not define variance
    """

    def _missing(self, what):
        return NotImplementedError('{} does not define {}'.format(
            type(self).__name__, what))

    @property
    def batch_shape(self):
        raise self._missing('batch_shape')

    @property
    def event_shape(self):
        raise self._missing('event_shape')

    @property
    def params(self):
        raise self._missing('params')

    @property
    def xp(self):
        """numpy or cupy, by where the parameters live."""
        return backend.get_array_module(*[
            getattr(p, 'array', p) for p in self.params.values()])

    def log_prob(self, x):
        raise self._missing('log_prob')

    def prob(self, x):
        from fastgrad.functions import exp
        return exp(self.log_prob(x))

    def cdf(self, x):
        raise self._missing('cdf')

    def log_cdf(self, x):
        from fastgrad.functions import log
        return log(self.cdf(x))

    def icdf(self, x):
        raise self._missing('icdf')

    def survival_function(self, x):
        return 1 - self.cdf(x)

    def log_survival_function(self, x):
        from fastgrad.functions import log
        return log(self.survival_function(x))

    def perplexity(self, x):
        from fastgrad.functions import exp
        return exp(-self.log_prob(x))

    @property
    def mean(self):
        raise self._missing('mean')

    @property
    def mode(self):
        raise self._missing('mode')

    @property
    def variance(self):
        raise self._missing('variance')

    @property
    def stddev(self):
        from fastgrad.functions import sqrt
        return sqrt(self.variance)

    @property
    def covariance(self):
        raise self._missing('covariance')

    @property
    def entropy(self):
        raise self._missing('entropy')

    @property
    def support(self):
        raise self._missing('support')

    def sample_n(self, n):
        """``n`` i.i.d. draws: shape ``(n,) + batch_shape + event_shape``."""
        raise self._missing('sample_n')

    def sample(self, sample_shape=()):
        """Draws of shape ``sample_shape + batch_shape + event_shape``
        (``sample_shape`` an int or a tuple)."""
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        sample_shape = tuple(sample_shape)
        n = 1
        for s in sample_shape:
            n *= s
        draws = self.sample_n(n)
        return draws.reshape(sample_shape + self.batch_shape + self.event_shape)

    def _copy_to(self, target):
        target.__dict__ = copy.copy(self.__dict__)
        return target


_KL = {}


def register_kl(Dist1, Dist2):
    """Decorator: register ``f(dist1, dist2)`` as ``KL(Dist1 || Dist2)``.

    >>> class Coin(fastgrad.Distribution):
    ...     def __init__(self, p):
    ...         self.p = fastgrad.as_variable(np.array(p, dtype=np.float32))
    >>> @fastgrad.register_kl(Coin, Coin)
    ... def _kl_coin_coin(a, b):
    ...     return a.p * F.log(a.p / b.p) + (1 - a.p) * F.log((1 - a.p) / (1 - b.p))
    >>> kl = fastgrad.kl_divergence(Coin(0.5), Coin(0.25))
    >>> round(float(kl.array), 4)
    0.1438
    """
    def register(f):
        _KL[Dist1, Dist2] = f
        return f
    return register


def kl_divergence(dist1, dist2):
    """``KL(dist1 || dist2)`` from the function registered for their types.

    >>> from fastgrad import distributions as D
    >>> p = D.Normal(np.zeros(1, dtype=np.float32), np.ones(1, dtype=np.float32))
    >>> q = D.Normal(np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32))
    >>> np.round(fastgrad.kl_divergence(p, q).array, 4)
    array([0.5], dtype=float32)
    """
    try:
        f = _KL[type(dist1), type(dist2)]
    except KeyError:
        raise NotImplementedError(
            'kl_divergence: no KL divergence is registered for ({}, {}); '
            'register one with register_kl'.format(
                type(dist1).__name__, type(dist2).__name__)) from None
    return f(dist1, dist2)


def cross_entropy(dist1, dist2):
    """``H(dist1, dist2) = H(dist1) + KL(dist1 || dist2)``.

    >>> from fastgrad import distributions as D
    >>> p = D.Normal(np.zeros(1, dtype=np.float32), np.ones(1, dtype=np.float32))
    >>> q = D.Normal(np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32))
    >>> np.round(fastgrad.cross_entropy(p, q).array, 4)
    array([1.9189], dtype=float32)
    """
    return dist1.entropy + kl_divergence(dist1, dist2)
