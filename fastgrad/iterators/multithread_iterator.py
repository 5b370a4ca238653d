"""Batches loaded by a pool of threads, the next one while the current one
is in use.

As in MultiprocessIterator, the calling thread owns the iteration state
(positions, epochs, orders from the same state machine and the same RNG
draws as SerialIterator, so both give the same batches for the same seed);
the threads only run ``dataset[i]``.  One batch is prefetched; the visible
state (``epoch``, ``current_position``, ...) is that of the batch last
returned.  Threads suit datasets whose loading releases the GIL (file or
network reads, image decoding in C); otherwise MultiprocessIterator is the
faster choice.
"""
from concurrent import futures

import numpy

from fastgrad.dataset import iterator
from fastgrad.iterators import _statemachine
from fastgrad.iterators.serial_iterator import _make_sampler, _serialize_sampler, _serialize_state


def _load(dataset, indices):
    # Module level and given only the dataset: a queued task must not keep
    # the iterator (and through it the pool) alive.
    return [dataset[i] for i in indices]


class _Prefetch(object):
    """The batch after the current one: the state once it is returned, its
    indices (None: a non-repeating iterator has finished) and the futures
    loading its parts (None: not submitted, e.g. after ``finalize``)."""

    __slots__ = ('state', 'indices', 'parts')

    def __init__(self, state, indices):
        self.state = state
        self.indices = indices
        self.parts = None


class MultithreadIterator(_statemachine.EpochTracking, iterator.Iterator):
    """Like :class:`SerialIterator`, but the examples are loaded by
    ``n_threads`` worker threads while the caller uses the previous batch.

    ``repeat``, ``shuffle`` and ``order_sampler`` mean what they mean for
    SerialIterator (``shuffle=None``: shuffle unless an ``order_sampler`` is
    given).  :meth:`finalize` (or leaving a ``with`` block) stops the
    threads; the iterator may still be used afterwards and then starts a
    new pool.  Snapshots use SerialIterator's keys, so either can resume
    the other's state.

    >>> it = fastgrad.iterators.MultithreadIterator(list(range(5)), 2,
    ...                                           repeat=False, shuffle=False)
    >>> [batch for batch in it]
    [[0, 1], [2, 3], [4]]
    >>> it.finalize()
    """

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None,
                 n_threads=1, order_sampler=None):
        if n_threads < 1:
            raise ValueError('MultithreadIterator: n_threads must be >= 1, '
                             'got {}'.format(n_threads))
        self.dataset = dataset
        self.batch_size = batch_size
        self._repeat = repeat
        self._shuffle = shuffle
        self.order_sampler = _make_sampler(shuffle, order_sampler)
        self.n_threads = n_threads
        self._pool = None
        self.reset()

    # -- the pool --------------------------------------------------------------
    def _submit(self, prefetch):
        indices = prefetch.indices
        if indices is None or len(indices) == 0:
            prefetch.parts = ()
            return
        pool = self._pool
        if pool is None:
            pool = self._pool = futures.ThreadPoolExecutor(
                self.n_threads, thread_name_prefix='MultithreadIterator')
        indices = [int(i) for i in indices]
        # One part per thread: a batch is spread over all of them.
        n = -(-len(indices) // self.n_threads)
        prefetch.parts = [pool.submit(_load, self.dataset, indices[i:i + n])
                          for i in range(0, len(indices), n)]

    def finalize(self):
        """Stop the worker threads (idempotent).  Parts of the prefetched
        batch not started yet are dropped, but its place in the order is
        kept: a later call loads them again (in a new pool)."""
        pool = self._pool
        self._pool = None
        if pool is not None:
            # Without waiting: a dataset[i] already running finishes on its
            # own thread; parts not started yet are cancelled.
            pool.shutdown(wait=False, cancel_futures=True)
        prefetch = self._prefetch
        if prefetch is not None and prefetch.parts:
            if any(part.cancelled() for part in prefetch.parts):
                prefetch.parts = None

    # -- iteration -------------------------------------------------------------
    def _plan(self, state):
        """The batch after ``state`` (the order sampler is called here, once
        per epoch boundary, exactly as SerialIterator would)."""
        new_state, indices = _statemachine.next_batch(
            state, self.batch_size, self._repeat, self.order_sampler,
            len(self.dataset))
        if indices is None:
            new_state = state
        return _Prefetch(new_state, indices)

    def __next__(self):
        prefetch = self._prefetch
        if prefetch is None:
            prefetch = self._prefetch = self._plan(self._state)
        if prefetch.indices is None:
            self._previous_epoch_detail = self.epoch_detail
            raise StopIteration
        if prefetch.parts is None:
            self._submit(prefetch)
        batch = []
        try:
            for part in prefetch.parts:
                batch.extend(part.result())
        except BaseException:
            # The same batch is loaded again on the next call (the error of
            # a broken example, or Ctrl-C, reaches the caller unchanged).
            prefetch.parts = None
            raise
        self._previous_epoch_detail = self.epoch_detail
        self._state = prefetch.state
        # Planning ahead may draw an order: a snapshot taken after this batch
        # must hold the sampler's RNG as of now.
        self._state_sampler = self._sampler_state()
        # Start on the next batch while the caller computes on this one.
        following = self._plan(self._state)
        self._submit(following)
        self._prefetch = following
        return batch

    next = __next__

    # -- state -----------------------------------------------------------------
    def reset(self):
        """Back to the start of epoch 0 (with a fresh order); a prefetched
        batch is dropped."""
        self._drop_prefetch()
        self._state = _statemachine.initial_state(self.order_sampler, len(self.dataset))
        self._state_sampler = self._sampler_state()
        self._previous_epoch_detail = -1.

    def _sampler_state(self):
        get = getattr(self.order_sampler, 'get_random_state', None)
        return None if get is None else get()

    def _drop_prefetch(self):
        prefetch = getattr(self, '_prefetch', None)
        if prefetch is not None and prefetch.parts:
            for part in prefetch.parts:
                part.cancel()
        self._prefetch = None

    def serialize(self, serializer):
        before = self._state
        # A loader may copy into the order array in place: keep a copy.
        before_order = None if before.order is None else numpy.array(before.order)
        self._state = _serialize_state(serializer, before)
        try:
            self._previous_epoch_detail = float(serializer(
                'previous_epoch_detail', self._previous_epoch_detail))
        except KeyError:
            # a snapshot without it: infer it from the position
            detail = self.epoch + (self.current_position - self.batch_size) / self._epoch_size
            self._previous_epoch_detail = max(detail, 0.) if self.epoch_detail > 0 else -1.
        loaded = _serialize_sampler(serializer, self.order_sampler, self._state_sampler)
        if loaded is not None:
            self._state_sampler = loaded
        after = self._state
        changed = (
            tuple(after[:3]) != tuple(before[:3])
            or (after.order is None) != (before_order is None)
            or (before_order is not None
                and not numpy.array_equal(before_order, after.order)))
        if changed or _is_loading(serializer):
            # The prefetched batch followed the old state.  Saving keeps it:
            # planning it again could draw a second order from the RNG.
            self._drop_prefetch()


def _is_loading(serializer):
    from fastgrad import reporter
    return reporter._is_loading(serializer)
