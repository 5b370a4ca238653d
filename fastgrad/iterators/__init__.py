"""Dataset iterators (``chainer.iterators``)."""
from fastgrad.iterators.multiprocess_iterator import MultiprocessIterator  # NOQA
from fastgrad.iterators.multithread_iterator import MultithreadIterator  # NOQA
from fastgrad.iterators.order_samplers import (  # NOQA
    OrderSampler, ShuffleOrderSampler)
from fastgrad.iterators.serial_iterator import SerialIterator  # NOQA
