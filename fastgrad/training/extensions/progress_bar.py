import collections
import datetime
import os
import sys
import time

from fastgrad.training import extension
from fastgrad.training.extensions.print_report import _isatty


class ProgressBar(extension.Extension):
    """Training progress with speed and ETA, in Chainer 7.8.1's format.

    Every ``update_interval`` iterations it prints::

             total [#########.........................................]  18.00%
        this epoch [###############################...................]  62.50%
               450 iter, 3 epoch / 20 epochs
            312.40 iters/sec. Estimated time to finish: 0:00:08.123456.

    On a terminal the block is redrawn in place (Chainer's escape codes, and
    also at the first call and every ``redraw_interval`` seconds); rows
    printed by PrintReport appear above it.  When the stream is not a
    terminal (a log file, a pipe) the same lines are printed without escape
    codes, so the log can be grepped as Chainer's.

    Args:
        training_length: ``(length, 'epoch' | 'iteration')``; by default
            ``trainer.stop_trigger.get_training_length()``.
        update_interval: iterations between prints.
        bar_length: width of the bars in characters.
        out: the stream (stdout by default).
        redraw_interval: seconds between extra redraws on a terminal.

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
    >>> import io
    >>> stream = io.StringIO()
    >>> trainer.extend(extensions.ProgressBar(update_interval=2, out=stream))
    >>> trainer.run()
    >>> print(stream.getvalue().splitlines()[2].strip())
    2 iter, 1 epoch / 2 epochs
    >>> out.cleanup()
    """

    def __init__(self, training_length=None, update_interval=100,
                 bar_length=50, out=sys.stdout, redraw_interval=0.1):
        self._training_length = training_length
        self._update_interval = max(1, int(update_interval))
        self._bar_length = bar_length
        self._out = out
        self._redraw_interval = redraw_interval
        # (iteration, epoch_detail, time) of the recent calls, for the speed
        self._recent = collections.deque(maxlen=100)
        self._last_draw = None
        self._drawn_lines = 0
        self._tty = None

    def initialize(self, trainer):
        self._tty = _isatty(self._out) and os.name != 'nt'

    def __call__(self, trainer):
        if self._tty is None:
            self.initialize(trainer)
        updater = trainer.updater
        now = time.perf_counter()
        self._recent.append((updater.iteration, updater.epoch_detail, now))
        due = updater.iteration % self._update_interval == 0
        if self._tty and not due:
            due = (self._last_draw is None
                   or now - self._last_draw >= self._redraw_interval)
        if due:
            self._draw(trainer, now)

    def finalize(self):
        if self._tty and self._drawn_lines:
            self._out.write('\033[J')   # leave the screen clean
            self._out.flush()
        self._drawn_lines = 0

    def _length(self, trainer):
        if self._training_length is None:
            get = getattr(trainer.stop_trigger, 'get_training_length', None)
            if get is None:
                raise TypeError(
                    'ProgressBar: the stop trigger does not tell the training '
                    'length; pass training_length=(n, "epoch"|"iteration")')
            self._training_length = get()
        return self._training_length

    def _bar(self, title, frac):
        filled = int(self._bar_length * frac)
        return '{:>10} [{}{}] {:6.2%}'.format(
            title, '#' * filled, '.' * (self._bar_length - filled), frac)

    def _lines(self, trainer):
        """The four lines of the progress block (without newlines)."""
        length, unit = self._length(trainer)
        updater = trainer.updater
        iteration, epoch_detail = updater.iteration, updater.epoch_detail
        done = iteration if unit == 'iteration' else epoch_detail
        # Speed over the recent calls; like Chainer, inf (and an ETA of 0)
        # until two of them are known.
        (i0, e0, t0), (_, _, t1) = self._recent[0], self._recent[-1]
        span = t1 - t0
        if span > 0:
            speed_t = (iteration - i0) / span
            speed_done = (done - (i0 if unit == 'iteration' else e0)) / span
        else:
            speed_t = speed_done = float('inf')
        if speed_done > 0:
            eta = str(datetime.timedelta(seconds=max((length - done) / speed_done, 0.)))
        else:
            eta = 'unknown'        # no progress over the window
        return [self._bar('total', min(done / length, 1.)),
                self._bar('this epoch', epoch_detail - int(epoch_detail)),
                '{:10} iter, {} epoch / {} {}s'.format(iteration, updater.epoch, length, unit),
                '{:10.5g} iters/sec. Estimated time to finish: {}.'.format(speed_t, eta)]

    def _draw(self, trainer, now):
        text = '\n'.join(self._lines(trainer)) + '\n'
        if self._tty:
            # Clear what was drawn before, draw, and put the cursor back on
            # the first line so the next redraw (or a PrintReport row)
            # replaces it.
            text = '\033[J' + text + '\033[4A'
            self._drawn_lines = 4
        self._out.write(text)
        self._out.flush()
        self._last_draw = now
