"""Trainer extensions: callables run by the Trainer after updates."""

PRIORITY_WRITER = 300   # writes to the observation (Evaluator, observe_lr)
PRIORITY_EDITOR = 200   # edits the observation
PRIORITY_READER = 100   # reads it (LogReport, PrintReport, ...)


class Extension(object):
    """Base class of trainer extensions.

    An extension is called as ``extension(trainer)`` whenever its trigger
    fires.  Class attributes give the defaults ``Trainer.extend`` uses:
    ``trigger`` ((1, 'iteration')), ``priority`` (``PRIORITY_READER``;
    higher runs first), ``name`` (set by ``extend``) and ``default_name``
    (the class name).  ``initialize(trainer)`` runs before the loop (also
    after a resume), ``finalize()`` after it, ``on_error(trainer, exc, tb)``
    when the loop raises; ``serialize(serializer)`` saves the state in
    snapshots.

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
    >>> class CountCalls(training.Extension):
    ...     trigger = 1, 'iteration'
    ...     def __init__(self):
    ...         self.calls = 0
    ...     def __call__(self, trainer):
    ...         self.calls += 1
    >>> counter = CountCalls()
    >>> trainer.extend(counter)
    >>> trainer.run()
    >>> counter.calls, trainer.get_extension('CountCalls') is counter
    (2, True)
    >>> out.cleanup()
    """

    trigger = 1, 'iteration'
    priority = PRIORITY_READER
    name = None

    @property
    def default_name(self):
        return type(self).__name__

    def __call__(self, trainer):
        raise NotImplementedError(
            '{} must implement __call__(trainer)'.format(type(self).__name__))

    def initialize(self, trainer):
        pass

    def finalize(self):
        pass

    def on_error(self, trainer, exc, tb):
        pass

    def serialize(self, serializer):
        pass


def make_extension(trigger=None, default_name=None, priority=None,
                   finalizer=None, initializer=None, on_error=None, **kwargs):
    """Decorator: make a function ``f(trainer)`` an extension by giving it
    the attributes ``Trainer.extend`` reads.

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
    >>> @training.make_extension(trigger=(1, 'iteration'))
    ... def show(trainer):
    ...     print('iteration', trainer.updater.iteration)
    >>> trainer.extend(show)
    >>> trainer.run()
    iteration 1
    iteration 2
    >>> out.cleanup()
    """
    if 'invoke_before_training' in kwargs:
        raise ValueError('make_extension: invoke_before_training was removed in Chainer '
                         'v2; initialize runs before training instead')
    if kwargs:
        raise TypeError('make_extension: unexpected arguments {}'.format(sorted(kwargs)))
    if trigger is None:
        trigger = Extension.trigger
    if priority is None:
        priority = Extension.priority

    def decorator(ext):
        ext.trigger = trigger
        ext.default_name = default_name or ext.__name__
        ext.priority = priority
        ext.finalize = finalizer
        ext.on_error = on_error
        ext.initialize = initializer
        return ext

    return decorator
