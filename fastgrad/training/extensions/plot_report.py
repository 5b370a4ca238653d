import os
import warnings

from fastgrad import reporter
from fastgrad.serializers import Deserializer
from fastgrad.training import extension, util
from fastgrad.training.extensions import _util
from fastgrad.training.triggers import IntervalTrigger

_available = None
_warned = False


def _check_available():
    global _available
    if _available is None:
        try:
            import matplotlib  # NOQA
            _available = True
        except ImportError:
            _available = False
    return _available


def _warn_unavailable():
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            'PlotReport: matplotlib is not installed, so nothing will be '
            'plotted. Install it to get the figures:\n\n'
            '  $ pip install matplotlib\n')


class PlotReport(extension.Extension):
    """Plots observation values (averaged over each ``trigger`` interval)
    against ``x_key`` and saves a PNG to ``trainer.out/filename``.

    Needs matplotlib; without it the extension warns once and does nothing
    (check first with :meth:`available`).

    Args:
        y_keys: the key or keys to plot.
        x_key: ``'iteration'`` or ``'epoch'``.
        trigger: how often to add a point and redraw.
        postprocess: ``postprocess(figure, axes, summary)`` before saving.
        filename: the image file (``file_name`` is Chainer's older name).
        marker: the matplotlib marker of the points.
        grid: draw a grid.

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
    >>> plot = extensions.PlotReport(['main/loss'], 'epoch', filename='loss.png')
    >>> trainer.extend(plot)  # run() then draws loss.png in out.name, with matplotlib
    >>> out.cleanup()
    """

    def __init__(self, y_keys, x_key='iteration', trigger=(1, 'epoch'),
                 postprocess=None, filename=None, marker='x', grid=True, **kwargs):
        file_name = kwargs.pop('file_name', 'plot.png')
        if kwargs:
            raise TypeError('PlotReport: unexpected arguments {}'.format(sorted(kwargs)))
        if filename is None:
            filename = file_name
        if x_key not in ('iteration', 'epoch'):
            raise ValueError("PlotReport: x_key must be 'iteration' or 'epoch', "
                             'got {!r}'.format(x_key))
        if isinstance(y_keys, str):
            y_keys = (y_keys,)
        self._x_key = x_key
        self._y_keys = list(y_keys)
        self._trigger = util.get_trigger(trigger)
        self._file_name = filename
        self._marker = marker
        self._grid = grid
        self._postprocess = postprocess
        self._init_summary()
        self._data = {k: [] for k in self._y_keys}

    @staticmethod
    def available():
        """True if matplotlib can be imported (else warns, once)."""
        if not _check_available():
            _warn_unavailable()
            return False
        return True

    def __call__(self, trainer):
        if not _check_available():
            _warn_unavailable()
            return
        keys = self._y_keys
        observation = trainer.observation
        self._summary.add({k: observation[k] for k in keys if k in observation})
        # As LogReport: a point of its own before training (epoch 0).
        if not (trainer.is_before_training or self._trigger(trainer)):
            return
        stats = self._summary.compute_mean()
        x = trainer.updater.epoch if self._x_key == 'epoch' else trainer.updater.iteration
        for k in keys:
            if k in stats:
                self._data[k].append((x, float(stats[k])))
        self._plot(trainer)
        self._init_summary()

    def _plot(self, trainer):
        # The object-oriented API: no pyplot global state, no GUI backend.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure()
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.set_xlabel(self._x_key)
        if self._grid:
            ax.grid()
        plotted = False
        for k in self._y_keys:
            points = self._data[k]
            if not points:
                continue
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker=self._marker, label=k)
            plotted = True
        if plotted:
            ax.legend(loc='best')
        if self._postprocess is not None:
            self._postprocess(fig, ax, self._summary)
        path = os.path.join(trainer.out, self._file_name)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        tmp = path + '.tmp.png'
        fig.savefig(tmp)
        os.replace(tmp, path)

    def _init_summary(self):
        self._summary = reporter.DictSummary()

    def serialize(self, serializer):
        # Chainer 7.8.1's one entry (the points as JSON), so snapshots load
        # across both libraries.  Like Chainer, the partial means are not
        # saved (snapshots are usually taken where they are empty).
        key = '_plot_{}'.format(self._file_name)
        data = _util.serialize_json(serializer, key, self._data)
        loaded = isinstance(serializer, Deserializer) and data is not self._data
        self._data = {k: [tuple(p) for p in data.get(k, [])] for k in self._y_keys}
        if loaded and isinstance(self._trigger, IntervalTrigger):
            # Its position is not saved either: "unknown" makes it read the
            # position from the updater (right, as it sees every iteration)
            # instead of firing once more at the first call after a resume.
            self._trigger._previous_iteration = -1
            self._trigger._previous_epoch_detail = -1.
