from fastgrad.training import extension, util


class MicroAverage(extension.Extension):
    """Reports ``sum(numerator) / sum(denominator)`` over each ``trigger``
    interval as ``result_key`` (e.g. accuracy over all examples rather than
    the mean of batch accuracies).

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
    >>> hits = iter([(1, 2), (3, 3)])  # (correct, total) of each batch
    >>> @training.make_extension(trigger=(1, 'iteration'), priority=training.PRIORITY_WRITER)
    ... def count(trainer):
    ...     trainer.observation['correct'], trainer.observation['total'] = next(hits)
    >>> trainer.extend(count)
    >>> trainer.extend(extensions.MicroAverage('correct', 'total', 'accuracy'))
    >>> trainer.extend(extensions.LogReport(keys=['accuracy']))
    >>> trainer.run()
    >>> trainer.get_extension('LogReport').log[0]['accuracy']  # 4 / 5, not (0.5 + 1) / 2
    0.8
    >>> out.cleanup()
    """

    priority = extension.PRIORITY_EDITOR

    def __init__(self, numerator_key, denominator_key, result_key,
                 trigger=(1, 'epoch')):
        self._trigger = util.get_trigger(trigger)
        self._numerator_key = numerator_key
        self._denominator_key = denominator_key
        self._result_key = result_key
        self._numerator = 0
        self._denominator = 0

    def __call__(self, trainer):
        observation = trainer.observation
        if not (self._numerator_key in observation and
                self._denominator_key in observation):
            return
        self._numerator += observation[self._numerator_key]
        self._denominator += observation[self._denominator_key]
        if self._trigger(trainer):
            observation[self._result_key] = (
                float(self._numerator) / float(self._denominator))
            self._numerator = 0
            self._denominator = 0

    def serialize(self, serializer):
        if hasattr(self._trigger, 'serialize'):
            self._trigger.serialize(serializer['_trigger'])
        self._numerator = serializer('_numerator', self._numerator)
        self._denominator = serializer('_denominator', self._denominator)
