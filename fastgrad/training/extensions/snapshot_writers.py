"""How snapshots reach the disk: in the training loop (SimpleWriter), in a
thread or process per snapshot (ThreadWriter, ProcessWriter), or through a
queue served by one thread or process (ThreadQueueWriter,
ProcessQueueWriter).

The asynchronous writers save a copy of the target's arrays taken when the
snapshot is asked for, so training can go on changing the parameters while
the file is written."""
import multiprocessing
import multiprocessing.util
import os
import queue
import threading

import numpy

from fastgrad.serializers import _atomic


def _save_npz(path, target, **kwds):
    from fastgrad import serializers
    serializers.save_npz(path, target, **kwds)


def _frozen(target):
    """The flat ``{path: array}`` dict of ``target``, with arrays copied."""
    if not isinstance(target, dict):
        from fastgrad.serializers import npz
        target = npz.serialize(target)
    return {k: numpy.array(v, copy=True) for k, v in target.items()}


def _save(filename, outdir, target, savefun, kwds, hooks=()):
    """Save through a temporary file and a rename: an interrupted save
    (even a kill -9) leaves the previous snapshot of that name intact.  Then
    ``hook(outdir, filename)`` for each hook (such as removing old
    snapshots), in the thread or process that saved."""
    os.makedirs(outdir, exist_ok=True)
    with _atomic.replacing(os.path.join(outdir, filename)) as tmp:
        savefun(tmp, target, **kwds)
    for hook in hooks:
        hook(outdir, filename)


class Writer(object):
    """``writer(filename, outdir, target)`` saves ``target`` (a trainer, a
    link, or a dict of arrays) as ``outdir/filename``; ``finalize()`` waits
    for saves still under way."""

    _post_save_hooks = ()

    def __call__(self, filename, outdir, target):
        raise NotImplementedError

    def finalize(self):
        pass

    def save(self, filename, outdir, target, savefun, **kwds):
        _save(filename, outdir, target, savefun, kwds, self._post_save_hooks)

    def _add_cleanup_hook(self, hook):
        """Run ``hook(outdir, filename)`` after each save (a picklable
        callable, for the process writers)."""
        self._post_save_hooks = list(self._post_save_hooks) + [hook]


class SimpleWriter(Writer):
    """Saves in the calling thread with ``savefun(path, target, **kwds)``
    (default ``save_npz``).

    >>> import os, tempfile
    >>> out = tempfile.TemporaryDirectory()
    >>> writer = fastgrad.training.extensions.snapshot_writers.SimpleWriter()
    >>> writer('model.npz', out.name, L.Linear(2, 3))
    >>> os.listdir(out.name)
    ['model.npz']
    >>> out.cleanup()
    """

    def __init__(self, savefun=_save_npz, **kwds):
        self._savefun = savefun
        self._kwds = kwds

    def __call__(self, filename, outdir, target):
        self.save(filename, outdir, target, self._savefun, **self._kwds)


class StandardWriter(Writer):
    """Starts one worker (``create_worker``) per snapshot; the next snapshot
    and ``finalize`` first wait for the previous one."""

    def __init__(self, savefun=_save_npz, **kwds):
        self._savefun = savefun
        self._kwds = kwds
        self._worker = None

    def __call__(self, filename, outdir, target):
        self.finalize()
        self._worker = self.create_worker(filename, outdir, _frozen(target), **self._kwds)
        self._worker.start()

    def create_worker(self, filename, outdir, target, **kwds):
        """An unstarted object with ``start()`` and ``join()`` that saves
        ``target``."""
        raise NotImplementedError

    def finalize(self):
        if self._worker is not None:
            self._worker.join()
            self._worker = None


class ThreadWriter(StandardWriter):
    """Saves each snapshot in a new thread."""

    def create_worker(self, filename, outdir, target, **kwds):
        return threading.Thread(target=_save, args=(filename, outdir, target, self._savefun,
                                                    kwds, self._post_save_hooks))


class ProcessWriter(StandardWriter):
    """Saves each snapshot in a new process (``savefun`` must be picklable;
    with MPI prefer ThreadWriter, since forking an MPI process is unsafe)."""

    def create_worker(self, filename, outdir, target, **kwds):
        return multiprocessing.Process(target=_save, args=(
            filename, outdir, target, self._savefun, kwds, self._post_save_hooks))


def _consume(q, alive=None):
    """Run ``[task, filename, outdir, target, hooks...]`` items until a
    None; with ``alive``, also stop once the queue is empty and ``alive()``
    is False (a program that ended without ``finalize()`` must not hang on
    this thread)."""
    while True:
        if alive is None:
            item = q.get()
        else:
            try:
                item = q.get(timeout=0.2)
            except queue.Empty:
                if alive():
                    continue
                return
        try:
            if item is None:
                return
            item[0](item[1], item[2], item[3])   # task(filename, outdir, target)
            for hook in item[4:]:
                hook(item[2], item[1])
        finally:
            q.task_done()


class QueueWriter(Writer):
    """One consumer (``create_consumer``) serves a queue (``create_queue``)
    of snapshots, in order; ``task(filename, outdir, target)`` saves each one
    (default: a SimpleWriter with ``savefun``)."""

    def __init__(self, savefun=_save_npz, task=None):
        self._task = self.create_task(savefun) if task is None else task
        self._queue = self.create_queue()
        self._consumer = self.create_consumer(self._queue)
        self._consumer.start()
        self._finalized = False

    def __call__(self, filename, outdir, target):
        if self._finalized:
            raise RuntimeError('{}: called after finalize()'.format(type(self).__name__))
        self._queue.put([self._task, filename, outdir, _frozen(target)]
                        + list(self._post_save_hooks))

    def create_task(self, savefun):
        return SimpleWriter(savefun=savefun)

    def create_queue(self):
        raise NotImplementedError

    def create_consumer(self, q):
        raise NotImplementedError

    consume = staticmethod(_consume)

    def finalize(self):
        if not self._finalized:
            self._finalized = True
            self._queue.put(None)
            self._queue.join()
            self._consumer.join()


class ThreadQueueWriter(QueueWriter):
    """A queue served by one thread."""

    def create_queue(self):
        return queue.Queue()

    def create_consumer(self, q):
        return threading.Thread(target=_consume, args=(q, threading.main_thread().is_alive))


class ProcessQueueWriter(QueueWriter):
    """A queue served by one process (the task and ``savefun`` must be
    picklable)."""

    def create_queue(self):
        q = multiprocessing.JoinableQueue()
        # Without finalize(), multiprocessing would wait for the consumer at
        # exit forever: tell it to stop first (priority 100 runs before that
        # wait and before the queue's own closing, at 10).
        multiprocessing.util.Finalize(self, q.put, args=(None,), exitpriority=100)
        return q

    def create_consumer(self, q):
        return multiprocessing.Process(target=_consume, args=(q,))
