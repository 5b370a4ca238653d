"""VariableStatisticsPlot: plot how the values (and gradients) of some
variables are distributed over training: mean, standard deviation and
percentiles, one PNG updated at each trigger (matplotlib needed)."""
import os

import numpy

from fastgrad import backend
from fastgrad.training import extension
from fastgrad.training import util as trigger_module

_SIGMAS = (0, 0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87, 100)


def _variables(targets):
    """The Variables of ``targets`` (Variables, Links, or lists of them)."""
    from fastgrad import Link, Variable
    if isinstance(targets, Variable):
        return [targets]
    if isinstance(targets, Link):
        return list(targets.params())
    out = []
    for t in targets:
        out += _variables(t)
    return out


class Reservoir(object):
    """A uniform sample of at most ``size`` of the items added so far
    (reservoir sampling): memory stays fixed however long training runs.

    >>> np.random.seed(0)
    >>> r = fastgrad.training.extensions.variable_statistics_plot.Reservoir(3, ())
    >>> for i in range(10):
    ...     r.add(i * 10., idx=i)
    >>> idxs, data = r.get_data()
    >>> len(idxs), bool((data == idxs * 10).all()), bool((np.diff(idxs) > 0).all())
    (3, True, True)
    """

    def __init__(self, size, data_shape, dtype=numpy.float32):
        self.size = size
        self.data = numpy.zeros((size,) + tuple(data_shape), dtype=dtype)
        self.idxs = numpy.zeros((size,), dtype=numpy.int64)
        self.counter = 0

    def add(self, x, idx=None):
        """Offer ``x`` (labelled ``idx``, default its rank among the items
        added): kept for sure while there is room, then with probability
        ``size / (items seen)``, in place of a random kept one."""
        idx = self.counter if idx is None else idx
        if self.counter < self.size:
            slot = self.counter
        else:
            slot = numpy.random.randint(self.counter + 1)
        if slot < self.size:
            self.data[slot] = x
            self.idxs[slot] = idx
        self.counter += 1

    def get_data(self):
        """``(idxs, data)`` of the kept items, sorted by ``idx``."""
        n = min(self.counter, self.size)
        order = numpy.argsort(self.idxs[:n], kind='stable')
        return self.idxs[:n][order], self.data[:n][order]


class Statistician(object):
    """``statistician(x, axis, dtype)``: a dict with the ``mean``, ``std``
    and ``percentile`` (one per entry of ``percentile_sigmas``) of ``x``
    over ``axis`` (None: all of it), each of the ones asked for.

    >>> s = fastgrad.training.extensions.variable_statistics_plot.Statistician(
    ...     collect_mean=True, collect_std=False, percentile_sigmas=(0, 100))
    >>> stats = s(np.array([1., 2., 6.]), axis=None)
    >>> float(stats['mean']), stats['percentile'].tolist()
    (3.0, [1.0, 6.0])
    """

    def __init__(self, collect_mean, collect_std, percentile_sigmas):
        self.collect_mean = collect_mean
        self.collect_std = collect_std
        if percentile_sigmas is not None and numpy.isscalar(percentile_sigmas):
            percentile_sigmas = (percentile_sigmas,)
        self.percentile_sigmas = tuple(percentile_sigmas or ())

    def __call__(self, x, axis=0, dtype=None):
        if axis is not None and not isinstance(axis, (tuple, list)):
            axis = (axis,)
        axis = None if axis is None else tuple(axis)
        dtype = x.dtype if dtype is None else dtype
        out = {}
        if self.collect_mean:
            out['mean'] = numpy.asarray(x.mean(axis=axis), dtype)
        if self.collect_std:
            out['std'] = numpy.asarray(x.std(axis=axis), dtype)
        if self.percentile_sigmas:
            out['percentile'] = numpy.asarray(
                numpy.percentile(x, self.percentile_sigmas, axis=axis), dtype)
        return out


class VariableStatisticsPlot(extension.Extension):
    """Plots the mean, standard deviation and percentiles of the data and
    gradients of ``targets`` (Variables or Links) against the iteration.

    Args (as in Chainer): targets, max_sample_size (how many iterations the
    plot keeps, a uniform sample of all so far), report_data, report_grad,
    plot_mean, plot_std, percentile_sigmas, trigger, filename, figsize,
    marker, grid.

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
    >>> plot = extensions.VariableStatisticsPlot(model.predictor, filename='stats.png')
    >>> trainer.extend(plot)  # run() then draws stats.png in out.name, with matplotlib
    >>> out.cleanup()
    """

    def __init__(self, targets, max_sample_size=1000, report_data=True,
                 report_grad=True, plot_mean=True, plot_std=True,
                 percentile_sigmas=_SIGMAS, trigger=(1, 'epoch'),
                 filename=None, figsize=None, marker=None, grid=True, **kwargs):
        file_name = kwargs.pop('file_name', 'statistics.png')
        if kwargs:
            raise TypeError('VariableStatisticsPlot: unexpected arguments {}'
                            .format(sorted(kwargs)))
        self._vars = _variables(targets)
        if not self._vars:
            raise ValueError('VariableStatisticsPlot: need at least one variable')
        self._keys = [k for k, on in (('data', report_data), ('grad', report_grad)) if on]
        if not self._keys:
            raise ValueError('either report_data or report_grad must be true')
        if not (plot_mean or plot_std or percentile_sigmas):
            raise ValueError('nothing to plot: set plot_mean, plot_std or '
                             'percentile_sigmas')
        self._plot_mean, self._plot_std = plot_mean, plot_std
        self._statistician = Statistician(plot_mean, plot_std, percentile_sigmas)
        self._sigmas = self._statistician.percentile_sigmas
        self._trigger = trigger_module.get_trigger(trigger)
        self._filename = file_name if filename is None else filename
        self._figsize, self._marker, self._grid = figsize, marker, grid
        # One row per key: [mean, std, percentiles...] (those asked for) at an
        # iteration; at most max_sample_size iterations are kept.
        n_stats = int(plot_mean) + int(plot_std) + len(self._sigmas)
        self._samples = Reservoir(max_sample_size, (len(self._keys), n_stats),
                                  dtype=numpy.float64)

    @staticmethod
    def available():
        try:
            import matplotlib  # NOQA
            return True
        except ImportError:
            return False

    def _row(self, key):
        """The statistics of all values (or gradients) of the targets; NaN
        while a gradient is missing."""
        arrays = [getattr(v, 'array' if key == 'data' else 'grad') for v in self._vars]
        if any(a is None for a in arrays):
            return numpy.full(self._samples.data.shape[2], numpy.nan)
        flat = numpy.concatenate([backend.CpuDevice().send(a).ravel() for a in arrays])
        stats = self._statistician(flat.astype(numpy.float64), axis=None)
        return numpy.concatenate([numpy.ravel(stats[name]) for name in
                                  ('mean', 'std', 'percentile') if name in stats])

    def __call__(self, trainer):
        self._samples.add([self._row(key) for key in self._keys],
                          idx=trainer.updater.iteration)
        if self._trigger(trainer) and self.available():
            self._plot(os.path.join(trainer.out, self._filename))

    def _plot(self, path):
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, len(self._keys), figsize=self._figsize, squeeze=False)
        it, rows = self._samples.get_data()
        for k, (ax, key) in enumerate(zip(axes[0], self._keys)):
            stats = rows[:, k]
            col = 0
            if self._plot_mean:
                mean = stats[:, col]
                col += 1
            if self._plot_std:
                std = stats[:, col]
                col += 1
            if self._sigmas:
                p = stats[:, col:]
                n = p.shape[1]
                for i in range(n // 2):
                    ax.fill_between(it, p[:, i], p[:, n - 1 - i], alpha=0.15,
                                    color='tab:blue', linewidth=0)
                if n % 2:
                    ax.plot(it, p[:, n // 2], color='tab:blue', marker=self._marker,
                            label='median')
            if self._plot_mean:
                ax.plot(it, mean, color='tab:red', marker=self._marker, label='mean')
                if self._plot_std:
                    ax.plot(it, mean + std, color='tab:red', linestyle='--',
                            label='mean +- std')
                    ax.plot(it, mean - std, color='tab:red', linestyle='--')
            ax.set_title(key)
            ax.set_xlabel('iteration')
            ax.grid(self._grid)
            ax.legend(loc='best', fontsize='small')
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
