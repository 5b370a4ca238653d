from fastgrad import backend
from fastgrad.dataset import convert
from fastgrad.dataset import iterator as iterator_module
from fastgrad.training import updater as updater_module


def call_with_batch(fn, in_arrays, *leading):
    """``fn(*leading, ...)`` with a converted batch: a tuple as positional
    arguments, a dict as keyword arguments, anything else as one argument."""
    if isinstance(in_arrays, tuple):
        return fn(*leading, *in_arrays)
    if isinstance(in_arrays, dict):
        return fn(*leading, **in_arrays)
    return fn(*leading, in_arrays)


class StandardUpdater(updater_module.Updater):
    """One optimizer step per mini-batch.

    Each ``update()`` takes the next batch from the ``'main'`` iterator,
    turns it into arrays with ``converter`` (sending them to ``device``),
    and calls ``optimizer.update(loss_func, *arrays)`` (``**arrays`` for a
    dict, one argument for a single array); ``loss_func`` defaults to the
    optimizer's target link.

    Args:
        iterator: an iterator, or a dict of them (one named ``'main'``).
        optimizer: an optimizer, or a dict of them (one named ``'main'``).
        converter: ``concat_examples`` by default.
        device: where the model and the batches go (a Device, a specifier
            such as ``'@numpy'`` / ``'@cupy:0'``, or an int).
        loss_func: the loss function (the target link by default).
        loss_scale: passed to ``optimizer.set_loss_scale``.
        auto_new_epoch: call ``optimizer.new_epoch(auto=True)`` whenever the
            main iterator starts a new epoch.
        input_device: where the batches go, if not ``device``.
        graph_replay: replay each step from a CUDA graph
            (:func:`fastgrad.graph_replay.capture_step`): ``True``, or a dict
            of its options (``warmup``, ``fallback``, ``cache_size``).  The
            step must be capturable (CuPy arrays, no host sync in the loss).

    >>> from fastgrad import training
    >>> x = np.array([[0, 1], [1, 0], [2, 1], [1, 2]], np.float32)
    >>> t = np.array([0, 1, 1, 0], np.int32)
    >>> model = L.Classifier(L.Linear(2, 2, initialW=0))
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> dataset = fastgrad.datasets.TupleDataset(x, t)
    >>> it = fastgrad.iterators.SerialIterator(dataset, 2, shuffle=False)
    >>> updater = training.StandardUpdater(it, optimizer)
    >>> updater.update()  # loss = model(x[:2], t[:2]); one SGD step
    >>> updater.iteration, updater.epoch_detail, optimizer.t
    (1, 0.5, 1)
    >>> updater.update()
    >>> updater.epoch, updater.is_new_epoch
    (1, True)
    >>> updater = training.StandardUpdater(it, optimizer, graph_replay={'fallback': True})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):  # NumPy: runs eagerly
    ...     updater.update()
    >>> optimizer.t
    3
    """

    def __init__(self, iterator, optimizer, converter=convert.concat_examples,
                 device=None, loss_func=None, loss_scale=None,
                 auto_new_epoch=True, input_device=None, graph_replay=False):
        if device is not None:
            device = backend.get_device(device)
        if input_device is not None:
            input_device = backend.get_device(input_device)
        elif device is not None:
            input_device = device
        if isinstance(iterator, iterator_module.Iterator) or not isinstance(iterator, dict):
            iterator = {'main': iterator}
        self._iterators = iterator
        if not isinstance(optimizer, dict):
            optimizer = {'main': optimizer}
        self._optimizers = optimizer
        if device is not None:
            for opt in optimizer.values():
                opt.target.to_device(device)
        self.converter = converter
        self.loss_func = loss_func
        self.iteration = 0
        self._device = device
        self.input_device = input_device
        self.loss_scale = loss_scale
        if loss_scale is not None:
            for opt in optimizer.values():
                opt.set_loss_scale(loss_scale)
        self.auto_new_epoch = auto_new_epoch
        if graph_replay is True:
            graph_replay = {}
        elif graph_replay is not False and not isinstance(graph_replay, dict):
            raise TypeError('StandardUpdater: graph_replay must be a bool or a dict of '
                            'capture_step options, got {}'.format(type(graph_replay).__name__))
        self.graph_replay = graph_replay
        self._replayed_step = None
        if auto_new_epoch:
            for opt in optimizer.values():
                opt.use_auto_new_epoch = True

    @property
    def device(self):
        return self._device

    @property
    def epoch(self):
        return self._iterators['main'].epoch

    @property
    def epoch_detail(self):
        return self._iterators['main'].epoch_detail

    @property
    def previous_epoch_detail(self):
        return self._iterators['main'].previous_epoch_detail

    @property
    def is_new_epoch(self):
        return self._iterators['main'].is_new_epoch

    def finalize(self):
        """Finalize all the iterators (stops MultiprocessIterator workers)."""
        for it in self._iterators.values():
            it.finalize()

    def get_optimizer(self, name):
        return self._optimizers[name]

    def get_all_optimizers(self):
        return dict(self._optimizers)

    def get_iterator(self, name):
        return self._iterators[name]

    def update(self):
        """One step: ``update_core()`` then ``iteration += 1``."""
        self.update_core()
        self.iteration += 1

    def update_core(self):
        iterator = self._iterators['main']
        batch = iterator.next()
        in_arrays = convert._call_converter(self.converter, batch, self.input_device)
        optimizer = self._optimizers['main']
        if self.graph_replay is not False:
            call_with_batch(self._graph_step(optimizer), in_arrays)
        else:
            loss_func = self.loss_func or optimizer.target
            call_with_batch(optimizer.update, in_arrays, loss_func)
        if self.auto_new_epoch and iterator.is_new_epoch:
            optimizer.new_epoch(auto=True)

    def _graph_step(self, optimizer):
        step = self._replayed_step
        if step is None:
            from fastgrad import graph_replay

            def train_step(*args, **kwargs):
                optimizer.update(self.loss_func or optimizer.target, *args, **kwargs)
            step = self._replayed_step = graph_replay.capture_step(
                train_step, list(self._optimizers.values()), **self.graph_replay)
        return step

    def serialize(self, serializer):
        """Iterators (``iterator:<name>``), optimizers (``optimizer:<name>``),
        their targets (``model:<name>``) and the iteration count."""
        for name, it in self._iterators.items():
            it.serialize(serializer['iterator:' + name])
        for name, opt in self._optimizers.items():
            opt.serialize(serializer['optimizer:' + name])
            opt.target.serialize(serializer['model:' + name])
        iteration = serializer('iteration', self.iteration)
        # a 0-d array from an npz file; None only from a recording serializer
        self.iteration = None if iteration is None else int(iteration)
