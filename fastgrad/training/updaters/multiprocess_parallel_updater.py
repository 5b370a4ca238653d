"""``MultiprocessParallelUpdater``: synchronous data parallelism over worker
processes of one machine (Chainer's semantics).

Each of the n devices gets its own process, its own copy of the model and its
own iterator.  Every step, each process computes the gradients of its own
batch; the gradients are summed into the main model (rank 0, this process),
the main optimizer updates it, and its parameters go back to the workers.  As
in Chainer the learning rate (or ``eps`` of the adaptive methods) is divided
by n to make up for the n-times larger effective batch, and what the workers
report is dropped (only the main process's observations are seen).

Chainer moves the arrays with NCCL between GPUs.  fastgrad runs the CPU case:
the workers are forked processes and the arrays travel, packed into one
buffer per step, through a pipe per worker.  GPU devices (NCCL) are not
implemented yet and are refused with a clear error.
"""
import multiprocessing
import traceback
import warnings
import weakref

import numpy

from fastgrad import backend, configuration
from fastgrad import reporter as reporter_module
from fastgrad.dataset import convert
from fastgrad.training.updaters.standard_updater import StandardUpdater, call_with_batch


def _pack(arrays):
    """One 1-D buffer holding ``arrays`` back to back (their common dtype)."""
    if not arrays:
        return numpy.zeros(0, numpy.float32)
    return numpy.concatenate([numpy.ravel(a) for a in arrays])


def _unpack(buffer, like):
    """The arrays of ``buffer`` shaped (and typed) after ``like``."""
    out, i = [], 0
    for a in like:
        out.append(buffer[i:i + a.size].reshape(a.shape).astype(a.dtype, copy=False))
        i += a.size
    return out


def gather_grads(link):
    """All gradients of ``link`` in one 1-D array (zeros for a parameter
    without a gradient), in ``link.params()`` order."""
    return _pack([numpy.zeros_like(p.array) if p.grad is None else p.grad
                  for p in link.params()])


def gather_params(link):
    """All parameter arrays of ``link`` in one 1-D array."""
    return _pack([p.array for p in link.params()])


def scatter_grads(link, array):
    """Set the gradients of ``link`` from a :func:`gather_grads` buffer."""
    params = list(link.params())
    for p, g in zip(params, _unpack(array, [p.array for p in params])):
        p.grad = g


def scatter_params(link, array):
    """Set the parameter arrays of ``link`` from a :func:`gather_params`
    buffer (in place)."""
    params = list(link.params())
    for p, a in zip(params, _unpack(array, [p.array for p in params])):
        p.array[...] = a


def _worker_main(pipe, model, iterator, converter, device):
    """A worker's loop: on 'update' compute the gradients of the next batch
    and send them; then take the main model's parameters."""
    try:
        model.to_device(device)
        # what a worker reports is dropped, as in Chainer
        reporter = reporter_module.Reporter()
        reporter.add_observer('main', model)
        reporter.add_observers('main', model.namedlinks(skipself=True))
        while True:
            message = pipe.recv()
            if message == 'finalize':
                return
            # message == 'update'
            batch = iterator.next()
            in_arrays = convert._call_converter(converter, batch, device)
            model.cleargrads()
            with reporter.scope({}), configuration.force_backprop_mode():
                loss = call_with_batch(model, in_arrays)
            loss.backward()
            pipe.send(('grads', gather_grads(model)))
            del loss
            model.cleargrads()
            scatter_params(model, pipe.recv())
    except (EOFError, KeyboardInterrupt):
        return                       # the main process went away
    except BaseException:
        try:
            pipe.send(('error', traceback.format_exc()))
        except (OSError, EOFError):
            pass


class MultiprocessParallelUpdater(StandardUpdater):
    """Synchronous data parallelism over worker processes (Chainer's
    ``MultiprocessParallelUpdater``; see the module docstring).

    Args:
        iterators (list): one iterator per device, over datasets of the same
            length; the first is the main process's.
        optimizer: the main model's optimizer (its target is the model).
        converter: builds the input arrays of each process's batch
            (:func:`~fastgrad.dataset.concat_examples` by default).
        devices (list or dict): one device per process; in a dict the
            ``'main'`` entry is the main process's.  CPU devices only
            (``'@numpy'`` or ``-1``) in fastgrad today.
        auto_new_epoch (bool): call the main optimizer's ``new_epoch`` when the
            main iterator starts an epoch.

    >>> import warnings
    >>> from fastgrad import training
    >>> x = np.array([[0, 1], [1, 0], [2, 1], [1, 2]], np.float32)
    >>> t = np.array([0, 1, 1, 0], np.int32)
    >>> model = L.Classifier(L.Linear(2, 2, initialW=0))
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> dataset = fastgrad.datasets.TupleDataset(x, t)
    >>> it = fastgrad.iterators.SerialIterator(dataset, 2, shuffle=False)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter('ignore')  # it says that lr is divided by the device count
    ...     updater = training.updaters.MultiprocessParallelUpdater(
    ...         [it], optimizer, devices=['@numpy'])  # one process per device
    >>> updater.update()
    >>> updater.iteration, optimizer.lr
    (1, 0.1)
    """

    def __init__(self, iterators, optimizer, converter=convert.concat_examples,
                 devices=None, auto_new_epoch=True):
        if isinstance(devices, dict):
            devices = dict(devices)
            if 'main' not in devices:
                raise KeyError("MultiprocessParallelUpdater: 'devices' must contain "
                               "a 'main' key, got {}".format(sorted(devices)))
            devices = [devices.pop('main')] + list(devices.values())
        elif isinstance(devices, (list, tuple)):
            devices = list(devices)
        else:
            raise ValueError(
                'devices argument should be either dict, list or tuple, but {} '
                'was given.'.format(type(devices)))
        if any(d is None for d in devices):
            raise ValueError('MultiprocessParallelUpdater: every device must be '
                             'specified, got {}'.format(devices))
        if len(iterators) != len(devices):
            raise ValueError('MultiprocessParallelUpdater: {} iterators for {} '
                             'devices; give one iterator per device'
                             .format(len(iterators), len(devices)))
        sizes = [len(it.dataset) for it in iterators]
        if len(set(sizes)) > 1:
            raise ValueError('MultiprocessParallelUpdater: the iterators\' datasets '
                             'must have the same length, got {}'.format(sizes))
        self._devices = [backend.get_device(d) for d in devices]
        gpus = [d for d in self._devices if not isinstance(d, backend.CpuDevice)]
        if gpus:
            raise NotImplementedError(
                'MultiprocessParallelUpdater: GPU devices ({}) need NCCL, which '
                'fastgrad does not implement here yet; use ParallelUpdater, or '
                "chainermn with the 'pure_nccl' communicator".format(gpus))
        if 'fork' not in multiprocessing.get_all_start_methods():
            raise RuntimeError('MultiprocessParallelUpdater: needs the fork start '
                               'method, which this platform lacks')

        n = len(devices)
        name = optimizer.__class__.__name__
        # Gradients are summed over n batches: scale the step back, as Chainer.
        if name in ('Adam', 'AdaGrad', 'RMSprop'):
            optimizer.eps *= n
            warnings.warn('optimizer.eps is changed to {} by '
                          'MultiprocessParallelUpdater for new batch size.'
                          .format(optimizer.eps))
        elif name in ('RMSpropGraves', 'AdaDelta'):
            optimizer.eps *= n ** 2
            warnings.warn('optimizer.eps is changed to {} by '
                          'MultiprocessParallelUpdater for new batch size.'
                          .format(optimizer.eps))
        elif hasattr(optimizer, 'lr'):
            optimizer.lr /= n
            warnings.warn('optimizer.lr is changed to {} by '
                          'MultiprocessParallelUpdater for new batch size.'
                          .format(optimizer.lr))

        super().__init__(iterators[0], optimizer, converter=converter,
                         auto_new_epoch=auto_new_epoch)
        self._master = optimizer.target
        self._master.to_device(self._devices[0])
        self._mpu_iterators = iterators
        self._pipes = []
        self._workers = []
        self._stop = None

    @staticmethod
    def available():
        """True: the CPU case needs nothing beyond the standard library."""
        return True

    def setup_workers(self):
        """Start the worker processes (once; the first update does it, after
        the main model's first forward pass, so that lazily initialized
        parameters are forked with their values)."""
        if self._workers or len(self._devices) == 1:
            return
        ctx = multiprocessing.get_context('fork')
        for i in range(1, len(self._devices)):
            here, there = ctx.Pipe()
            worker = ctx.Process(
                target=_worker_main,
                args=(there, self._master, self._mpu_iterators[i], self.converter,
                      self._devices[i]))
            worker.start()
            there.close()
            self._pipes.append(here)
            self._workers.append(worker)
        # Stop them at interpreter exit too if finalize() is never called
        # (before multiprocessing waits for its non-daemonic children).
        self._stop = weakref.finalize(self, _stop_workers, self._pipes, self._workers)

    def _receive(self, i):
        pipe = self._pipes[i]
        try:
            kind, value = pipe.recv()
        except EOFError:
            code = self._workers[i].exitcode
            raise RuntimeError('MultiprocessParallelUpdater: worker {} died (exit '
                               'code {})'.format(i + 1, code)) from None
        if kind == 'error':
            raise RuntimeError('MultiprocessParallelUpdater: worker {} failed:\n{}'
                               .format(i + 1, value))
        return value

    def update_core(self):
        first = not self._workers
        for pipe in self._pipes:
            pipe.send('update')
        optimizer = self.get_optimizer('main')
        iterator = self.get_iterator('main')
        device = self._devices[0]
        batch = iterator.next()
        in_arrays = convert._call_converter(self.converter, batch, device)
        self._master.cleargrads()
        with configuration.force_backprop_mode():
            loss = call_with_batch(self._master, in_arrays)
        loss.backward()
        del loss
        if first:
            self.setup_workers()
            for pipe in self._pipes:
                pipe.send('update')
        if self._pipes:
            total = gather_grads(self._master)
            for i in range(len(self._pipes)):
                total += self._receive(i)
            scatter_grads(self._master, total)
        optimizer.update()
        if self._pipes:
            params = gather_params(self._master)
            for pipe in self._pipes:
                pipe.send(params)
        if self.auto_new_epoch and iterator.is_new_epoch:
            optimizer.new_epoch(auto=True)

    def finalize(self):
        """Stop the workers (and finalize the main iterator)."""
        if self._stop is not None:
            self._stop()
        self._pipes, self._workers, self._stop = [], [], None
        super().finalize()


def _stop_workers(pipes, workers):
    for pipe in pipes:
        try:
            pipe.send('finalize')
        except OSError:
            pass                 # that worker is gone already
    for worker in workers:
        worker.join(5)
        if worker.is_alive():
            worker.terminate()
            worker.join()
    for pipe in pipes:
        pipe.close()
