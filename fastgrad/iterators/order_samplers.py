"""Order samplers: decide the order of examples for each epoch."""
import numpy


class OrderSampler(object):
    """``sampler(current_order, current_position)`` returns the order (an
    index array) for the next epoch.

    >>> class Reversed(fastgrad.iterators.OrderSampler):
    ...     def __call__(self, current_order, current_position):
    ...         return np.arange(len(current_order))[::-1]
    >>> it = fastgrad.iterators.SerialIterator([0, 1, 2], 3, order_sampler=Reversed())
    >>> it.next()
    [2, 1, 0]
    """

    def __call__(self, current_order, current_position):
        raise NotImplementedError


class ShuffleOrderSampler(OrderSampler):
    """A fresh random permutation each epoch, drawn from ``random_state``
    (NumPy's global RandomState by default, so ``numpy.random.seed`` makes
    runs repeatable).

    >>> sampler = fastgrad.iterators.ShuffleOrderSampler(np.random.RandomState(0))
    >>> sampler(np.arange(5), 0)
    array([2, 0, 1, 3, 4])
    """

    def __init__(self, random_state=None):
        if random_state is None:
            random_state = numpy.random.random.__self__
        self._random = random_state

    def __call__(self, current_order, current_position):
        return self._random.permutation(len(current_order))

    # The iterators save this state in snapshots, so that a resumed run draws
    # the same orders as an uninterrupted one (Chainer does not save it).
    def get_random_state(self):
        """The state of the random generator, as JSON-able data."""
        rng = self._random
        if isinstance(rng, numpy.random.RandomState):
            name, keys, pos, has_gauss, cached = rng.get_state(legacy=True)
            return ['RandomState', name, keys.tolist(), pos, has_gauss, cached]
        if isinstance(rng, numpy.random.Generator):
            return ['Generator', _to_json(rng.bit_generator.state)]
        return None          # some other object with permutation(): not saved

    def set_random_state(self, state):
        """Restore a state from :meth:`get_random_state`."""
        kind = state[0]
        rng = self._random
        if kind == 'RandomState' and isinstance(rng, numpy.random.RandomState):
            name, keys, pos, has_gauss, cached = state[1:]
            rng.set_state((name, numpy.array(keys, numpy.uint32), pos, has_gauss, cached))
        elif kind == 'Generator' and isinstance(rng, numpy.random.Generator):
            rng.bit_generator.state = _from_json(state[1])
        else:
            raise ValueError('ShuffleOrderSampler: a saved {} state cannot be '
                             'restored into a {}'.format(kind, type(rng).__name__))


def _to_json(value):
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, numpy.ndarray):
        return {'__ndarray__': value.tolist(), 'dtype': value.dtype.str}
    if isinstance(value, numpy.generic):
        return value.item()
    return value


def _from_json(value):
    if isinstance(value, dict):
        if '__ndarray__' in value:
            return numpy.array(value['__ndarray__'], value['dtype'])
        return {k: _from_json(v) for k, v in value.items()}
    return value
