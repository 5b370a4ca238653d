"""Batches loaded by a pool of worker processes, prefetched ahead of use.

The main process owns the iteration state (positions, epochs, orders, drawn
from the same RNG as SerialIterator, so both give the same batches for the
same seed); the workers only run ``dataset[i]``.  Up to ``n_prefetch``
batches are requested ahead; the visible state (``epoch``,
``current_position``, ...) is that of the batch last returned.
"""
import collections
import multiprocessing
import os
import signal
import sys
import time
import warnings
import weakref

import numpy

from fastgrad.dataset import iterator
from fastgrad.iterators import _statemachine, _worker_pool
from fastgrad.iterators.serial_iterator import _make_sampler, _serialize_sampler, _serialize_state

# Waiting for a batch wakes up every _POLL_SECONDS (for the timeout warning).
_POLL_SECONDS = 0.2

# The dataset of the worker process (set by _worker_init).
_worker_dataset = None


def _worker_init(dataset, seed):
    global _worker_dataset
    _worker_dataset = dataset
    # Ctrl-C is the main process's business; it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Forked workers would all share the parent's RNG state: random data
    # augmentation would repeat across workers without a distinct seed.
    numpy.random.seed((seed + os.getpid()) % (2 ** 32))


def _signal_name(number):
    try:
        return '{} ({})'.format(number, signal.Signals(number).name)
    except ValueError:
        return str(number)


def _fetch(indices):
    dataset = _worker_dataset
    return [dataset[i] for i in indices]


def _mp_context():
    # fork passes the dataset to the workers without pickling it (as Chainer
    # did on Linux); elsewhere the platform default (spawn) pickles it.
    if sys.platform.startswith('linux') and 'fork' in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context('fork')
    return multiprocessing.get_context()


class MultiprocessIterator(_statemachine.EpochTracking, iterator.Iterator):
    """Like :class:`SerialIterator`, but the examples are loaded by
    ``n_processes`` worker processes (all CPUs by default), ``n_prefetch``
    batches ahead.

    Call :meth:`finalize` (or use it as a context manager) to stop the
    workers; a Trainer does so at the end of ``run()``.  ``shared_mem`` and
    ``maxtasksperchild`` are accepted for compatibility; results travel
    through the pool's pipes.  A batch that takes longer than
    ``dataset_timeout`` seconds gives a :class:`TimeoutWarning` (once per
    batch) and is still waited for.  A worker that dies (killed, crashed)
    while loading makes the wait raise RuntimeError at once, instead of
    hanging (Chainer hangs); one that dies idle is replaced.

    >>> dataset = list(range(5))
    >>> with fastgrad.iterators.MultiprocessIterator(
    ...         dataset, 2, repeat=False, shuffle=False, n_processes=1) as it:
    ...     batches = list(it)
    >>> batches
    [[0, 1], [2, 3], [4]]
    """

    class TimeoutWarning(RuntimeWarning):
        pass

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None,
                 n_processes=None, n_prefetch=1, shared_mem=None,
                 order_sampler=None, dataset_timeout=30.0,
                 maxtasksperchild=None):
        if n_prefetch < 1:
            raise ValueError('MultiprocessIterator: n_prefetch must be >= 1, '
                             'got {}'.format(n_prefetch))
        if n_processes is not None and n_processes < 1:
            raise ValueError('MultiprocessIterator: n_processes must be >= 1, '
                             'got {}'.format(n_processes))
        self.dataset = dataset
        self.batch_size = batch_size
        self._repeat = repeat
        self._shuffle = shuffle
        self.order_sampler = _make_sampler(shuffle, order_sampler)
        self.n_processes = n_processes or multiprocessing.cpu_count()
        self.n_prefetch = n_prefetch
        self.shared_mem = shared_mem
        self.dataset_timeout = dataset_timeout
        self.maxtasksperchild = maxtasksperchild
        self._pool = None
        self._pool_finalizer = None
        self._finalized = False
        self.reset()

    # -- the pool --------------------------------------------------------------
    def _get_pool(self):
        if self._finalized:
            raise RuntimeError('MultiprocessIterator: used after finalize()')
        if self._pool is None:
            # Not from NumPy's global RNG: that one drives the batch order.
            seed = int.from_bytes(os.urandom(4), 'little')
            self._pool = _worker_pool.WorkerPool(
                _mp_context(), self.n_processes, _fetch, _worker_init,
                (self.dataset, seed), self.maxtasksperchild)
            # Stops the workers if the iterator is dropped without finalize().
            self._pool_finalizer = weakref.finalize(self, self._pool.shutdown)
        return self._pool

    def finalize(self):
        """Stop the worker processes (idempotent)."""
        self._finalized = True
        self._pending.clear()
        if self._pool_finalizer is not None:
            self._pool_finalizer()   # runs shutdown once
            self._pool_finalizer = None
        self._pool = None

    # -- iteration -------------------------------------------------------------
    def _schedule(self):
        """Request batches until n_prefetch are in flight (or the epoch of a
        non-repeating iterator is fully requested)."""
        pending = self._pending
        while len(pending) < self.n_prefetch:
            state, indices = _statemachine.next_batch(
                self._sched_state, self.batch_size, self._repeat,
                self.order_sampler, len(self.dataset))
            if indices is None:
                return
            self._sched_state = state
            indices = [int(i) for i in indices]
            pool = self._get_pool()
            # Split each batch across the workers.
            n = max(1, -(-len(indices) // self.n_processes))
            parts = [pool.submit(indices[i:i + n])
                     for i in range(0, len(indices), n)]
            # Prefetching draws orders ahead: the sampler's RNG as of this
            # state is what a snapshot taken after this batch must hold.
            pending.append((parts, state, self._sampler_state()))

    def __next__(self):
        if self._finalized:
            raise RuntimeError('MultiprocessIterator: used after finalize()')
        self._schedule()
        if not self._pending:
            raise StopIteration
        parts, state, sampler_state = self._pending.popleft()
        batch = []
        for i, part in enumerate(parts):
            try:
                batch.extend(self._wait(part))
            except Exception:
                if self._pool is not None:   # the rest is not wanted
                    self._pool.forget(parts[i + 1:])
                raise
        self._previous_epoch_detail = self.epoch_detail
        self._state = state
        self._state_sampler = sampler_state
        self._schedule()   # keep the workers busy while the caller computes
        return batch

    next = __next__

    def _wait(self, part):
        start = time.monotonic()
        warned = False
        while True:
            try:
                done = self._pool.get(part, _POLL_SECONDS)
            except _worker_pool.WorkerDied as e:
                code = e.process.exitcode
                how = ('killed by signal {}'.format(_signal_name(-code)) if code < 0
                       else 'exited with code {}'.format(code))
                self.finalize()
                raise RuntimeError(
                    'MultiprocessIterator: worker process {} {} while loading a '
                    'batch; the batch is lost and the iterator is finalized (out of '
                    'memory? a crash in the dataset?)'.format(e.process.pid, how))
            if done is not None:
                ok, value = done
                if not ok:
                    raise value
                return value
            if (not warned and self.dataset_timeout is not None
                    and time.monotonic() - start > self.dataset_timeout):
                warned = True
                warnings.warn(
                    'MultiprocessIterator: loading a batch took more than {} s; '
                    'still waiting (a slow dataset, or too few workers?)'.format(
                        self.dataset_timeout), MultiprocessIterator.TimeoutWarning)

    # -- state -----------------------------------------------------------------
    def __getstate__(self):
        """Pickled without the worker pool: the copy starts its own workers on
        first use and requests again the batches this one had prefetched."""
        state = self.__dict__.copy()
        state.update(_pool=None, _pool_finalizer=None, _pending=collections.deque(),
                     _sched_state=self._state)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self._state_sampler is not None:
            # prefetching drew orders ahead: back to the batches read so far
            self.order_sampler.set_random_state(self._state_sampler)

    def reset(self):
        """Back to the start of epoch 0; batches already requested are
        dropped (the workers keep running).  Not after ``finalize()``."""
        if self._finalized:
            raise NotImplementedError('MultiprocessIterator: reset() after finalize() is '
                                      'not supported; make a new iterator')
        self._state = _statemachine.initial_state(self.order_sampler, len(self.dataset))
        self._sched_state = self._state
        self._state_sampler = self._sampler_state()
        self._drop_pending()
        self._previous_epoch_detail = -1.

    def _drop_pending(self):
        pool = getattr(self, '_pool', None)
        if pool is not None:
            pool.forget([part for parts, _, _ in self._pending for part in parts])
        self._pending = collections.deque()

    def _sampler_state(self):
        get = getattr(self.order_sampler, 'get_random_state', None)
        return None if get is None else get()

    def serialize(self, serializer):
        before = self._state
        before_order = None if before.order is None else numpy.array(before.order)
        self._state = _serialize_state(serializer, self._state)
        try:
            self._previous_epoch_detail = float(serializer(
                'previous_epoch_detail', self._previous_epoch_detail))
        except KeyError:
            detail = self.epoch + (self.current_position - self.batch_size) / self._epoch_size
            self._previous_epoch_detail = max(detail, 0.) if self.epoch_detail > 0 else -1.
        loaded = _serialize_sampler(serializer, self.order_sampler, self._state_sampler)
        if loaded is not None:
            self._state_sampler = loaded
        after = self._state
        changed = (
            after[:3] != before[:3]
            or (after.order is None) != (before_order is None)
            or (before_order is not None
                and not numpy.array_equal(before_order, after.order)))
        if changed or _is_loading(serializer):
            # Prefetched batches belong to the old state: request anew.
            self._sched_state = self._state
            self._drop_pending()


def _is_loading(serializer):
    from fastgrad import reporter
    return reporter._is_loading(serializer)
