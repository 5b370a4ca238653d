import json
import os
import warnings

from fastgrad import reporter
from fastgrad.training import extension, util
from fastgrad.training.extensions import _util


class LogReport(extension.Extension):
    """Averages the observations over each ``trigger`` interval (one epoch by
    default) and appends the means, with ``epoch``, ``iteration`` and
    ``elapsed_time``, to :attr:`log`, which it writes as JSON to
    ``<trainer.out>/<filename>``.

    Args:
        keys: the observation keys to average (all by default).
        trigger: when to emit an entry.
        postprocess: ``postprocess(entry)`` may edit each entry before it is
            stored.
        filename: the file name in ``trainer.out`` (None: keep the log in
            memory only).  ``log_name`` is Chainer's older name for it.

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
    >>> trainer.extend(extensions.LogReport(keys=['main/accuracy']))
    >>> trainer.run()
    >>> [(e['epoch'], e['iteration'], e['main/accuracy'])
    ...  for e in trainer.get_extension('LogReport').log]
    [(1, 2, 0.75), (2, 4, 1.0)]
    >>> import json, os
    >>> with open(os.path.join(out.name, 'log')) as f:
    ...     len(json.load(f))
    2
    >>> out.cleanup()
    """

    def __init__(self, keys=None, trigger=(1, 'epoch'), postprocess=None,
                 filename=None, **kwargs):
        log_name = kwargs.pop('log_name', 'log')
        if kwargs:
            raise TypeError('LogReport: unexpected arguments {}'.format(sorted(kwargs)))
        if filename is None:
            filename = log_name
        self._keys = keys
        self._trigger = util.get_trigger(trigger)
        self._postprocess = postprocess
        self._log_name = filename
        self._log = []
        self._init_summary()

    def __call__(self, trainer):
        observation = trainer.observation
        if self._keys is None:
            self._summary.add(observation)
        else:
            self._summary.add({k: observation[k] for k in self._keys if k in observation})

        # Before training (call_before_training=True) the evaluation gets a
        # row of its own (epoch 0) instead of being averaged into epoch 1.
        if trainer.is_before_training or self._trigger(trainer):
            stats = self._summary.compute_mean()
            entry = {name: float(value) for name, value in stats.items()}
            updater = trainer.updater
            entry['epoch'] = updater.epoch
            entry['iteration'] = updater.iteration
            entry['elapsed_time'] = trainer.elapsed_time
            if self._postprocess is not None:
                self._postprocess(entry)
            self._log.append(entry)
            if self._log_name is not None:
                name = self._log_name.format(**entry)
                _util.atomic_write_text(os.path.join(trainer.out, name),
                                        json.dumps(self._log, indent=4))
            self._init_summary()

    @property
    def log(self):
        """The list of entries emitted so far."""
        return self._log

    def _init_summary(self):
        self._summary = reporter.DictSummary()

    def serialize(self, serializer):
        if hasattr(self._trigger, 'serialize'):
            self._trigger.serialize(serializer['_trigger'])
        try:
            self._summary.serialize(serializer['_summary'])
        except KeyError:
            warnings.warn('LogReport: the statistics are not saved in the snapshot')
        self._log = _util.serialize_json(serializer, '_log', self._log)
