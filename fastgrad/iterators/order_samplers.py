"""Order samplers: decide the order of examples for each epoch."""
import numpy


class OrderSampler(object):
    """``sampler(current_order, current_position)`` returns the order (an
    index array) for the next epoch."""

    def __call__(self, current_order, current_position):
        raise NotImplementedError


class ShuffleOrderSampler(OrderSampler):
    """A fresh random permutation each epoch, drawn from ``random_state``
    (NumPy's global RandomState by default, so ``numpy.random.seed`` makes
    runs repeatable)."""

    def __init__(self, random_state=None):
        if random_state is None:
            random_state = numpy.random.random.__self__
        self._random = random_state

    def __call__(self, current_order, current_position):
        return self._random.permutation(len(current_order))
