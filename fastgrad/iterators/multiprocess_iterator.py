"""Batches loaded by a pool of worker processes, prefetched ahead of use.

The main process owns the iteration state (positions, epochs, orders, drawn
from the same RNG as SerialIterator, so both give the same batches for the
same seed); the workers only run ``dataset[i]``.  Up to ``n_prefetch``
batches are requested ahead; the visible state (``epoch``,
``current_position``, ...) is that of the batch last returned.
"""
import collections
import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
import time
import warnings
import weakref

import numpy

from fastgrad.dataset import iterator
from fastgrad.iterators import _statemachine
from fastgrad.iterators.serial_iterator import (
    _make_sampler, _serialize_sampler, _serialize_state)

# Waiting for a batch checks every _POLL_SECONDS that the workers are alive;
# a result still missing _GRACE_SECONDS after a worker died is lost.
_POLL_SECONDS = 0.2
_GRACE_SECONDS = 1.0

# The dataset of the worker process (set by the pool initializer).
_worker_dataset = None


def _worker_init(dataset, seed):
    global _worker_dataset
    _worker_dataset = dataset
    # Ctrl-C is the main process's business; it tears the pool down.
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


def _shutdown(pool, workers):
    if any(proc.exitcode not in (None, 0) for proc in workers + list(pool._pool)):
        _abandon(pool)
    else:
        pool.terminate()
        pool.join()


def _abandon(pool):
    """Stop a pool one of whose workers died.  It may have died holding the
    task queue's read lock (an idle worker waits for its next task holding
    it), and then Pool.terminate() waits for that lock forever.  So: stop
    the respawning, kill the workers, and leave the pool's (daemon) threads
    where they are, with its exit-time terminate() cancelled."""
    TERMINATE = multiprocessing.pool.TERMINATE
    pool._worker_handler._state = TERMINATE
    pool._change_notifier.put(None)      # wakes the worker handler up
    pool._worker_handler.join(5)
    for proc in list(pool._pool):
        proc.kill()
    for proc in list(pool._pool):
        proc.join(5)
    pool._terminate.cancel()
    pool._state = TERMINATE


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
    makes the wait raise RuntimeError within about a second, instead of
    hanging (Chainer hangs).
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
            self._pool = _mp_context().Pool(
                self.n_processes, initializer=_worker_init,
                initargs=(self.dataset, seed),
                maxtasksperchild=self.maxtasksperchild)
            # Its worker processes, seen since the start: the pool drops a
            # dead one from its own list within 0.1 s.
            self._workers = list(getattr(self._pool, '_pool', ()))
            # Stops the workers if the iterator is dropped without finalize().
            self._pool_finalizer = weakref.finalize(self, _shutdown, self._pool,
                                                    self._workers)
        return self._pool

    def finalize(self):
        """Stop the worker processes (idempotent)."""
        self._finalized = True
        self._pending.clear()
        if self._pool_finalizer is not None:
            self._pool_finalizer()   # runs _shutdown once
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
            parts = [pool.apply_async(_fetch, (indices[i:i + n],))
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
        for part in parts:
            batch.extend(self._wait(part))
        self._previous_epoch_detail = self.epoch_detail
        self._state = state
        self._state_sampler = sampler_state
        self._schedule()   # keep the workers busy while the caller computes
        return batch

    next = __next__

    def _wait(self, result):
        # Wait in short steps: a worker killed (the OOM killer, a crash in
        # the dataset's C code) takes its task with it, and the pool never
        # answers; waiting forever would hang the training.
        start = time.monotonic()
        warned = False
        died_at = None
        while True:
            try:
                return result.get(_POLL_SECONDS)
            except multiprocessing.TimeoutError:
                pass
            now = time.monotonic()
            if (not warned and self.dataset_timeout is not None
                    and now - start > self.dataset_timeout):
                warned = True
                warnings.warn(
                    'MultiprocessIterator: loading a batch took more than {} s; '
                    'still waiting (a slow dataset, or too few workers?)'.format(
                        self.dataset_timeout), MultiprocessIterator.TimeoutWarning)
            dead = self._dead_worker()
            if dead is None:
                continue
            if died_at is None:
                died_at = now      # the lost task may be another batch's
            elif now - died_at >= _GRACE_SECONDS:
                code = dead.exitcode
                how = ('killed by signal {}'.format(_signal_name(-code)) if code < 0
                       else 'exited with code {}'.format(code))
                self.finalize()
                raise RuntimeError(
                    'MultiprocessIterator: worker process {} {} while loading a '
                    'batch; the batch is lost and the iterator is finalized (out of '
                    'memory? a crash in the dataset?)'.format(dead.pid, how))

    def _dead_worker(self):
        """A worker process that ended abnormally, or None.  Workers replaced
        normally (``maxtasksperchild``) exit with code 0."""
        pool = self._pool
        if pool is None:
            return None
        workers = self._workers
        for proc in list(getattr(pool, '_pool', ())):   # the pool's live workers
            if proc not in workers:
                workers.append(proc)
        for proc in workers:
            code = proc.exitcode
            if code is not None and code != 0:
                return proc
        workers[:] = [p for p in workers if p.exitcode is None]
        return None

    # -- state -----------------------------------------------------------------
    def reset(self):
        """Back to the start of epoch 0; batches already requested are
        dropped (the workers keep running)."""
        self._state = _statemachine.initial_state(self.order_sampler, len(self.dataset))
        self._sched_state = self._state
        self._state_sampler = self._sampler_state()
        self._pending = collections.deque()
        self._previous_epoch_detail = -1.

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
            self._pending = collections.deque()


def _is_loading(serializer):
    from fastgrad import reporter
    return reporter._is_loading(serializer)
