import copy
import warnings

from fastgrad import configuration
from fastgrad import reporter as reporter_module
from fastgrad.dataset import convert
from fastgrad.dataset import iterator as iterator_module
from fastgrad.training import extension


class Evaluator(extension.Extension):
    """Evaluates a model on a validation set and reports the means.

    Each call runs ``eval_func`` (the target link by default) on every batch
    of the iterator with ``config.train = False`` and without recording a
    graph, averages what the link reports, and reports the means under the
    extension's name: with a Classifier, ``'validation/main/loss'`` and
    ``'validation/main/accuracy'``.  Runs once per epoch by default.

    Args:
        iterator: a non-repeating iterator (or a dict with ``'main'``);
            reset before each evaluation (copied if it cannot be reset).
        target: the link to evaluate (or a dict with ``'main'``).
        converter, device: as for StandardUpdater.
        eval_hook: ``eval_hook(evaluator)`` before each evaluation.
        eval_func: called on each batch instead of the target.
        progress_bar: print the number of batches evaluated (to stdout).

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
    >>> valid = fastgrad.iterators.SerialIterator(
    ...     fastgrad.datasets.TupleDataset(x, t), 4, repeat=False, shuffle=False)
    >>> evaluator = extensions.Evaluator(valid, model)
    >>> result = evaluator()  # or trainer.extend(evaluator): once per epoch
    >>> sorted(result), round(float(result['main/loss']), 4)
    (['main/accuracy', 'main/loss'], 0.6931)
    """

    trigger = 1, 'epoch'
    default_name = 'validation'
    priority = extension.PRIORITY_WRITER
    name = None

    def __init__(self, iterator, target, converter=convert.concat_examples,
                 device=None, eval_hook=None, eval_func=None, *,
                 progress_bar=False):
        if device is not None:
            from fastgrad import backend
            device = backend.get_device(device)
        if isinstance(iterator, iterator_module.Iterator) or not isinstance(iterator, dict):
            iterator = {'main': iterator}
        self._iterators = iterator
        if not isinstance(target, dict):
            target = {'main': target}
        self._targets = target
        self.converter = converter
        self.device = device
        self.eval_hook = eval_hook
        self.eval_func = eval_func
        self._progress_bar = progress_bar
        for key, it in iterator.items():
            if getattr(it, 'repeat', False):
                warnings.warn(
                    'Evaluator: the iterator {!r} repeats, so the evaluation '
                    'would never end; create it with repeat=False'.format(key))

    def get_iterator(self, name):
        return self._iterators[name]

    def get_all_iterators(self):
        return dict(self._iterators)

    def get_target(self, name):
        return self._targets[name]

    def get_all_targets(self):
        return dict(self._targets)

    def __call__(self, trainer=None):
        """Evaluate, report the results to the current reporter (the
        trainer's), and return them as a dict."""
        reporter = reporter_module.Reporter()
        prefix = self.name + '/' if self.name else ''
        for name, target in self._targets.items():
            reporter.add_observer(prefix + name, target)
            reporter.add_observers(prefix + name, target.namedlinks(skipself=True))
        with reporter:
            with configuration.using_config('train', False):
                result = self.evaluate()
        reporter_module.report(result)
        return result

    def evaluate(self):
        """Run the evaluation; returns ``{key: mean}`` of what was reported."""
        it = self._iterators['main']
        eval_func = self.eval_func or self._targets['main']
        if self.eval_hook:
            self.eval_hook(self)
        if hasattr(it, 'reset'):
            it.reset()
        else:
            it = copy.copy(it)
        summary = reporter_module.DictSummary()
        n = 0
        for batch in it:
            observation = {}
            with reporter_module.report_scope(observation):
                in_arrays = convert._call_converter(self.converter, batch, self.device)
                with configuration.no_backprop_mode():
                    if isinstance(in_arrays, tuple):
                        eval_func(*in_arrays)
                    elif isinstance(in_arrays, dict):
                        eval_func(**in_arrays)
                    else:
                        eval_func(in_arrays)
            summary.add(observation)
            n += 1
            if self._progress_bar:
                print('\revaluation: {} batches'.format(n), end='', flush=True)
        if self._progress_bar:
            print()
        return summary.compute_mean()

    def finalize(self):
        for it in self._iterators.values():
            it.finalize()
