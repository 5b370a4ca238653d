class TimeTrigger(object):
    """Fires every ``period`` seconds of training time
    (``trainer.elapsed_time``).

    >>> import tempfile
    >>> from fastgrad import training
    >>> from fastgrad.training import extensions
    >>> x = np.array([[0, 1], [1, 0], [2, 1], [1, 2]], np.float32)
    >>> t = np.array([0, 1, 1, 0], np.int32)
    >>> model = L.Classifier(L.Linear(2, 2, initialW=0))
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> dataset = fastgrad.datasets.TupleDataset(x, t)
    >>> it = fastgrad.iterators.SerialIterator(dataset, 2, shuffle=False)
    >>> out = tempfile.TemporaryDirectory()
    >>> updater = training.StandardUpdater(it, optimizer)
    >>> trainer = training.Trainer(updater, (1, 'epoch'), out=out.name)
    >>> trigger = training.triggers.TimeTrigger(60.)  # every minute of training
    >>> trainer.extend(extensions.snapshot(), trigger=trigger)
    >>> trainer.run()  # far shorter than a minute: no snapshot
    >>> import os
    >>> os.listdir(out.name)
    []
    >>> out.cleanup()
    """

    def __init__(self, period):
        self._period = period
        self._next_time = self._period

    def __call__(self, trainer):
        if self._next_time < trainer.elapsed_time:
            self._next_time += self._period
            return True
        return False

    def serialize(self, serializer):
        self._next_time = float(serializer('next_time', self._next_time))
