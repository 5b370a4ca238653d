import operator

from fastgrad import reporter
from fastgrad.training import util


class BestValueTrigger(object):
    """Fires when the mean of ``observation[key]`` over each ``trigger``
    interval is the best so far by ``compare(best, new)``.

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
    >>> trainer = training.Trainer(updater, (4, 'iteration'), out=out.name)
    >>> values = iter([3., 1., 2., 0.])
    >>> trainer.extend(extensions.observe_value('v', lambda trainer: next(values)),
    ...                trigger=(1, 'iteration'))
    >>> closest_to_2 = training.triggers.BestValueTrigger(
    ...     'v', lambda best, new: abs(new - 2) < abs(best - 2), (1, 'iteration'))
    >>> fired = []
    >>> trainer.extend(lambda trainer: fired.append(trainer.updater.iteration),
    ...                name='record', trigger=closest_to_2)
    >>> trainer.run()
    >>> fired
    [1, 3]
    >>> out.cleanup()
    """

    def __init__(self, key, compare, trigger=(1, 'epoch')):
        self._key = key
        self._best_value = None
        self._interval_trigger = util.get_trigger(trigger)
        self._summary = reporter.DictSummary()
        self._compare = compare

    def __call__(self, trainer):
        observation = trainer.observation
        key = self._key
        if key in observation:
            self._summary.add({key: observation[key]})
        if not self._interval_trigger(trainer):
            return False
        stats = self._summary.compute_mean()
        self._summary = reporter.DictSummary()
        if key not in stats:
            return False   # nothing reported in this interval
        value = float(stats[key])
        if self._best_value is None or self._compare(self._best_value, value):
            self._best_value = value
            return True
        return False

    def serialize(self, serializer):
        if hasattr(self._interval_trigger, 'serialize'):
            self._interval_trigger.serialize(serializer['interval_trigger'])
        self._summary.serialize(serializer['summary'])
        best = serializer('best_value', self._best_value)
        if hasattr(best, 'item'):
            best = best.item()
        self._best_value = None if best is None else float(best)


class MaxValueTrigger(BestValueTrigger):
    """Fires when ``observation[key]`` reaches a new maximum (checked once
    per ``trigger`` interval).

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
    >>> trainer = training.Trainer(updater, (4, 'iteration'), out=out.name)
    >>> values = iter([1., 3., 2., 4.])
    >>> trainer.extend(extensions.observe_value('acc', lambda trainer: next(values)),
    ...                trigger=(1, 'iteration'))
    >>> fired = []
    >>> trainer.extend(lambda trainer: fired.append(trainer.updater.iteration), name='record',
    ...                trigger=training.triggers.MaxValueTrigger('acc', (1, 'iteration')))
    >>> trainer.run()
    >>> fired
    [1, 2, 4]
    >>> out.cleanup()
    """

    def __init__(self, key, trigger=(1, 'epoch')):
        super().__init__(key, operator.lt, trigger)


class MinValueTrigger(BestValueTrigger):
    """Fires when ``observation[key]`` reaches a new minimum (checked once
    per ``trigger`` interval).

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
    >>> trainer = training.Trainer(updater, (4, 'iteration'), out=out.name)
    >>> values = iter([3., 1., 2., 0.])
    >>> trainer.extend(extensions.observe_value('loss', lambda trainer: next(values)),
    ...                trigger=(1, 'iteration'))
    >>> fired = []
    >>> trainer.extend(lambda trainer: fired.append(trainer.updater.iteration), name='record',
    ...                trigger=training.triggers.MinValueTrigger('loss', (1, 'iteration')))
    >>> trainer.run()
    >>> fired
    [1, 2, 4]
    >>> out.cleanup()
    """

    def __init__(self, key, trigger=(1, 'epoch')):
        super().__init__(key, operator.gt, trigger)
