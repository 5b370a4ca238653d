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


class VariableStatisticsPlot(extension.Extension):
    """Plots the mean, standard deviation and percentiles of the data and
    gradients of ``targets`` (Variables or Links) against the iteration.

    Args (as in Chainer): targets, max_sample_size, report_data,
    report_grad, plot_mean, plot_std, percentile_sigmas, trigger, filename,
    figsize, marker, grid.

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
        self._max_sample_size = max_sample_size
        self._plot_mean, self._plot_std = plot_mean, plot_std
        if percentile_sigmas is not None and numpy.isscalar(percentile_sigmas):
            percentile_sigmas = (percentile_sigmas,)
        self._sigmas = tuple(percentile_sigmas or ())
        self._trigger = trigger_module.get_trigger(trigger)
        self._filename = file_name if filename is None else filename
        self._figsize, self._marker, self._grid = figsize, marker, grid
        self._history = {k: [] for k in self._keys}   # (iteration, stats dict)
        self._rng = numpy.random.RandomState(0)

    @staticmethod
    def available():
        try:
            import matplotlib  # NOQA
            return True
        except ImportError:
            return False

    def _sample(self, arrays):
        flat = numpy.concatenate([backend.CpuDevice().send(a).ravel() for a in arrays])
        if flat.size > self._max_sample_size:
            flat = self._rng.choice(flat, self._max_sample_size, replace=False)
        return flat.astype(numpy.float64)

    def _stats(self, x):
        out = {}
        if self._plot_mean:
            out['mean'] = float(x.mean())
        if self._plot_std:
            out['std'] = float(x.std())
        if self._sigmas:
            out['percentile'] = numpy.percentile(x, self._sigmas)
        return out

    def __call__(self, trainer):
        iteration = trainer.updater.iteration
        for key in self._keys:
            arrays = [getattr(v, 'array' if key == 'data' else 'grad') for v in self._vars]
            arrays = [a for a in arrays if a is not None]
            if arrays:
                self._history[key].append((iteration, self._stats(self._sample(arrays))))
        if self._trigger(trainer) and self.available():
            self._plot(os.path.join(trainer.out, self._filename))

    def _plot(self, path):
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, len(self._keys), figsize=self._figsize, squeeze=False)
        for ax, key in zip(axes[0], self._keys):
            history = self._history[key]
            if not history:
                continue
            it = numpy.array([h[0] for h in history])
            if self._sigmas:
                p = numpy.array([h[1]['percentile'] for h in history])
                n = p.shape[1]
                for i in range(n // 2):
                    ax.fill_between(it, p[:, i], p[:, n - 1 - i], alpha=0.15,
                                    color='tab:blue', linewidth=0)
                if n % 2:
                    ax.plot(it, p[:, n // 2], color='tab:blue', marker=self._marker,
                            label='median')
            if self._plot_mean:
                mean = numpy.array([h[1]['mean'] for h in history])
                ax.plot(it, mean, color='tab:red', marker=self._marker, label='mean')
                if self._plot_std:
                    std = numpy.array([h[1]['std'] for h in history])
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
