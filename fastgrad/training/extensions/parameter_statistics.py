"""Statistics of parameters and their gradients, reported while training."""
import numpy

from fastgrad import backend, reporter
from fastgrad.training import extension
from fastgrad.training import util as trigger_util

# Percentiles at the normal distribution's -3..3 sigma points (Chainer's).
_SIGMA_PERCENTILES = (0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87)


def _mean(x):
    return backend.get_array_module(x).mean(x)


def _std(x):
    return backend.get_array_module(x).std(x)


def _min(x):
    return backend.get_array_module(x).min(x)


def _max(x):
    return backend.get_array_module(x).max(x)


def _zeros(x):
    return backend.get_array_module(x).count_nonzero(x == 0)


def _percentile(x):
    return backend.get_array_module(x).percentile(x, _SIGMA_PERCENTILES)


class ParameterStatistics(extension.Extension):
    """Reports statistics of the parameters of ``links`` (a Link or a list
    of Links, each with its child links) and of their gradients.

    Every time it is called (each iteration by default) the statistics of
    each parameter, flattened to 1-D, are computed and accumulated; when
    ``trigger`` fires their means since the last report are reported.  Keys
    are ``{prefix}/{link.name}{param path}/{data|grad}/{statistic}``, e.g.
    ``predictor/l1/W/data/mean`` for ``ParameterStatistics(model.predictor)``
    (a root link's name is None, written ``None``, as in Chainer); a
    statistic that returns several values gets ``/0``, ``/1``, ... appended.

    Args:
        links: a Link or a list/tuple of Links.
        statistics: ``{name: function}``, each function taking a 1-D array
            and returning a number or an array of numbers; ``'default'``
            gives mean, std, min, max, zeros (the count of exact zeros) and
            percentile (at 0.13, 2.28, 15.87, 50, 84.13, 97.72 and 99.87,
            the -3..3 sigma points); None gives none (see
            :meth:`register_statistics`).
        report_params (bool): report statistics of ``param.data``.
        report_grads (bool): report statistics of ``param.grad``.  A
            gradient that is None (after ``cleargrads()``) is skipped, as is
            an uninitialized parameter.
        prefix (str): prepended to the keys, followed by ``/``.
        trigger: when to report the accumulated means.
        skip_nan_params (bool): report a single NaN for an array that holds
            a NaN instead of computing its statistics.

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
    >>> trainer.extend(extensions.ParameterStatistics(model.predictor, {'max': np.max}))
    >>> trainer.extend(extensions.LogReport())
    >>> trainer.run()
    >>> sorted(k for k in trainer.get_extension('LogReport').log[0] if '/W/' in k)
    ['predictor/W/data/max', 'predictor/W/grad/max']
    >>> out.cleanup()
    """

    default_name = 'parameter_statistics'
    priority = extension.PRIORITY_WRITER

    # prefix ends with '/' when given; param names start with '/'
    report_key_template = '{prefix}{link_name}{param_name}/{attr_name}/{function_name}'

    default_statistics = {
        'mean': _mean,
        'std': _std,
        'min': _min,
        'max': _max,
        'zeros': _zeros,
        'percentile': _percentile,
    }

    def __init__(self, links, statistics='default', report_params=True,
                 report_grads=True, prefix=None, trigger=(1, 'epoch'),
                 skip_nan_params=False):
        if not isinstance(links, (list, tuple)):
            links = links,
        self._links = links
        if statistics is None:
            statistics = {}
        elif isinstance(statistics, str):
            if statistics != 'default':
                raise ValueError("ParameterStatistics: statistics must be a dict, "
                                 "None or 'default', got {!r}".format(statistics))
            statistics = self.default_statistics
        # A copy: register_statistics must not change the class defaults.
        self._statistics = dict(statistics)
        self._attrs = [name for name, on in (('data', report_params),
                                             ('grad', report_grads)) if on]
        self._prefix = prefix
        self._trigger = trigger_util.get_trigger(trigger)
        self._summary = reporter.DictSummary()
        self._skip_nan_params = skip_nan_params

    def __call__(self, trainer):
        """Add the current statistics to the summary; report and restart it
        when the trigger fires."""
        statistics = {}
        prefix = self._prefix + '/' if self._prefix else ''
        array_types = backend.get_array_types()
        for link in self._links:
            link_name = getattr(link, 'name', 'None')
            for param_name, param in link.namedparams():
                if param.array is None:
                    continue   # not initialized yet: neither data nor grad
                for attr_name in self._attrs:
                    values = param.array if attr_name == 'data' else param.grad
                    if values is None:
                        continue
                    values = values.ravel()
                    has_nan = (self._skip_nan_params
                               and bool(backend.get_array_module(values).isnan(values).any()))
                    for function_name, function in self._statistics.items():
                        value = numpy.nan if has_nan else function(values)
                        key = self.report_key_template.format(
                            prefix=prefix, link_name=link_name,
                            param_name=param_name, attr_name=attr_name,
                            function_name=function_name)
                        if isinstance(value, array_types) and value.size > 1:
                            for i, v in enumerate(value):
                                statistics['{}/{}'.format(key, i)] = v
                        else:
                            statistics[key] = value
        self._summary.add(statistics)
        if self._trigger(trainer):
            reporter.report(self._summary.compute_mean())
            self._summary = reporter.DictSummary()

    def register_statistics(self, name, function):
        """Add (or replace) the statistic ``name``: ``function`` takes a 1-D
        array and returns a number or an array of numbers."""
        self._statistics[name] = function
