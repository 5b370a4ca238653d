import operator
import warnings

from fastgrad import reporter
from fastgrad.training import util


class EarlyStoppingTrigger(object):
    """A stop trigger: fires when ``monitor`` has not improved for
    ``patience`` checks (every ``check_trigger``), or at ``max_trigger``.

    ``mode`` is ``'min'``, ``'max'`` or ``'auto'`` (max for keys containing
    'accuracy', else min).

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
    >>> trainer = training.Trainer(updater, None, out=out.name)
    >>> losses = iter([3., 2., 2.5, 2.1, 2.2, 1.])
    >>> trainer.extend(extensions.observe_value('val/loss', lambda trainer: next(losses)),
    ...                trigger=(1, 'iteration'))
    >>> trainer.stop_trigger = training.triggers.EarlyStoppingTrigger(
    ...     check_trigger=(1, 'iteration'), monitor='val/loss', patience=2,
    ...     max_trigger=(6, 'iteration'))
    >>> trainer.run()  # no improvement on 2.0 at iterations 3 and 4
    >>> trainer.updater.iteration
    4
    >>> out.cleanup()
    """

    def __init__(self, check_trigger=(1, 'epoch'), monitor='main/loss',
                 patience=None, mode='auto', verbose=False,
                 max_trigger=(100, 'epoch'), **kwargs):
        if patience is None:
            patience = kwargs.pop('patients', 3)   # Chainer's old misspelling
        if kwargs:
            raise TypeError('EarlyStoppingTrigger: unexpected arguments {}'
                            .format(sorted(kwargs)))
        self.count = 0
        self.patience = patience
        self.monitor = monitor
        self.verbose = verbose
        self.already_warning = False
        self._max_trigger = util.get_trigger(max_trigger)
        self._interval_trigger = util.get_trigger(check_trigger)
        self._init_summary()
        if mode == 'max' or (mode == 'auto' and 'accuracy' in monitor):
            self._compare = operator.gt
        elif mode in ('min', 'auto'):
            self._compare = operator.lt
        else:
            raise ValueError("EarlyStoppingTrigger: mode must be 'min', 'max' "
                             "or 'auto', got {!r}".format(mode))
        self.best = float('-inf') if self._compare is operator.gt else float('inf')

    def __call__(self, trainer):
        observation = trainer.observation
        if self.monitor in observation:
            self._summary.add({self.monitor: observation[self.monitor]})
        if self._max_trigger(trainer):
            return True
        if not self._interval_trigger(trainer):
            return False
        if self.monitor not in observation:
            if not self.already_warning:
                warnings.warn('{} is not in observation'.format(self.monitor))
                self.already_warning = True
            return False
        stat = self._summary.compute_mean()
        current = float(stat[self.monitor])
        self._init_summary()
        if self._compare(current, self.best):
            self.best = current
            self.count = 0
        else:
            self.count += 1
        if self.count >= self.patience:
            if self.verbose:
                print('Epoch {}: early stopping'.format(trainer.updater.epoch))
            return True
        return False

    def _init_summary(self):
        self._summary = reporter.DictSummary()

    def get_training_length(self):
        return self._max_trigger.get_training_length()
