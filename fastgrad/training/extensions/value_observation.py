from fastgrad.training import extension


def observe_value(observation_key, target_func):
    """An extension that puts ``target_func(trainer)`` into the observation
    under ``observation_key`` (once per epoch by default).

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
    >>> trainer = training.Trainer(updater, (2, 'epoch'), out=out.name)
    >>> trainer.extend(extensions.observe_value('w_norm',
    ...     lambda trainer: float(np.abs(model.predictor.W.array).sum()) > 0))
    >>> trainer.extend(extensions.LogReport(keys=['w_norm']))
    >>> trainer.run()
    >>> [entry['w_norm'] for entry in trainer.get_extension('LogReport').log]
    [1.0, 1.0]
    >>> out.cleanup()
    """
    @extension.make_extension(trigger=(1, 'epoch'), priority=extension.PRIORITY_WRITER)
    def _observe_value(trainer):
        trainer.observation[observation_key] = target_func(trainer)
    return _observe_value


def observe_lr(optimizer_name='main', observation_key='lr'):
    """An extension that records the optimizer's ``lr`` (as ``'lr'``).

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
    >>> trainer = training.Trainer(updater, (2, 'epoch'), out=out.name)
    >>> trainer.extend(extensions.observe_lr())
    >>> trainer.extend(extensions.ExponentialShift('lr', 0.5), trigger=(1, 'epoch'))
    >>> trainer.extend(extensions.LogReport(keys=['lr']))
    >>> trainer.run()
    >>> [entry['lr'] for entry in trainer.get_extension('LogReport').log]
    [0.1, 0.05]
    >>> out.cleanup()
    """
    return observe_value(
        observation_key,
        lambda trainer: trainer.updater.get_optimizer(optimizer_name).lr)
