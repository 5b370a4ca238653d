import collections
import datetime
import os
import sys
import time

from fastgrad.training import extension
from fastgrad.training.extensions.print_report import _isatty


def _format_seconds(seconds):
    return str(datetime.timedelta(seconds=int(round(seconds))))


class ProgressBar(extension.Extension):
    """Training progress with speed and ETA.

    On a terminal it draws, and redraws in place (at most every
    ``redraw_interval`` seconds and every ``update_interval`` iterations),::

             total [#########.........................................]  18.00%
        this epoch [###############################...................]  62.50%
              450 iter, 3 epoch / 20 epochs
           312.40 iters/sec. Estimated time to finish: 0:00:08.

    Rows printed by PrintReport appear above it.  When the stream is not a
    terminal (a log file, a pipe) it prints one plain line every
    ``update_interval`` iterations instead, with no escape codes.

    Args:
        training_length: ``(length, 'epoch' | 'iteration')``; by default
            ``trainer.stop_trigger.get_training_length()``.
        update_interval: iterations between plain lines (and the most
            iterations between redraws on a terminal).
        bar_length: width of the bars in characters.
        out: the stream (stdout by default).
        redraw_interval: seconds between redraws on a terminal.
    """

    def __init__(self, training_length=None, update_interval=100,
                 bar_length=50, out=sys.stdout, redraw_interval=0.1):
        self._training_length = training_length
        self._update_interval = max(1, int(update_interval))
        self._bar_length = bar_length
        self._out = out
        self._redraw_interval = redraw_interval
        self._recent = collections.deque(maxlen=100)   # (iteration, time)
        self._last_draw = None
        self._drawn_lines = 0
        self._tty = None

    def initialize(self, trainer):
        self._tty = _isatty(self._out) and os.name != 'nt'

    def __call__(self, trainer):
        if self._tty is None:
            self.initialize(trainer)
        iteration = trainer.updater.iteration
        now = time.perf_counter()
        self._recent.append((iteration, now))
        if self._tty:
            due = (self._last_draw is None
                   or iteration % self._update_interval == 0
                   or now - self._last_draw >= self._redraw_interval)
            if due:
                self._draw(trainer, now)
        elif iteration % self._update_interval == 0:
            self._print_line(trainer)

    def finalize(self):
        if self._tty and self._drawn_lines:
            self._out.write('\033[J')   # leave the screen clean
            self._out.flush()
        self._drawn_lines = 0

    # -- the numbers ---------------------------------------------------------------
    def _length(self, trainer):
        if self._training_length is None:
            get = getattr(trainer.stop_trigger, 'get_training_length', None)
            if get is None:
                raise TypeError(
                    'ProgressBar: the stop trigger does not tell the training '
                    'length; pass training_length=(n, "epoch"|"iteration")')
            self._training_length = get()
        return self._training_length

    def _speed(self):
        if len(self._recent) < 2:
            return None
        (i0, t0), (i1, t1) = self._recent[0], self._recent[-1]
        if t1 <= t0 or i1 <= i0:
            return None
        return (i1 - i0) / (t1 - t0)

    def _progress(self, trainer):
        """(fraction of training done, fraction of this epoch done,
        iterations left or None)."""
        length, unit = self._length(trainer)
        updater = trainer.updater
        iteration = updater.iteration
        epoch_detail = updater.epoch_detail
        if unit == 'iteration':
            total = iteration / length
            left = length - iteration
        else:
            total = epoch_detail / length
            left = None
            if epoch_detail > 0:
                left = (length - epoch_detail) * iteration / epoch_detail
        epoch_frac = epoch_detail - int(epoch_detail)
        return min(max(total, 0.), 1.), epoch_frac, left

    def _eta(self, left, speed):
        if left is None or speed is None:
            return None
        return max(left, 0) / speed

    # -- drawing ---------------------------------------------------------------------
    def _bar(self, title, frac):
        filled = int(self._bar_length * frac)
        return '{:>10} [{}{}] {:6.2%}'.format(
            title, '#' * filled, '.' * (self._bar_length - filled), frac)

    def _draw(self, trainer, now):
        total, epoch_frac, left = self._progress(trainer)
        length, unit = self._length(trainer)
        updater = trainer.updater
        speed = self._speed()
        eta = self._eta(left, speed)
        lines = [self._bar('total', total), self._bar('this epoch', epoch_frac),
                 '{:>10} iter, {} epoch / {} {}s'.format(
                     updater.iteration, updater.epoch, length, unit)]
        if speed is None:
            lines.append('{:>10} iters/sec. Estimated time to finish: unknown.'.format('--'))
        else:
            lines.append('{:>10.5g} iters/sec. Estimated time to finish: {}.'.format(
                speed, _format_seconds(eta) if eta is not None else 'unknown'))
        out = self._out
        # Clear what was drawn before, draw, and put the cursor back on the
        # first line so the next redraw (or a PrintReport row) replaces it.
        out.write('\033[J' + '\n'.join(lines) + '\n' + '\033[{}A'.format(len(lines)))
        out.flush()
        self._drawn_lines = len(lines)
        self._last_draw = now

    def _print_line(self, trainer):
        total, _, left = self._progress(trainer)
        length, unit = self._length(trainer)
        updater = trainer.updater
        speed = self._speed()
        eta = self._eta(left, speed)
        if unit == 'iteration':
            parts = ['{}/{} iter ({:.2%})'.format(updater.iteration, length, total),
                     'epoch {}'.format(updater.epoch)]
        else:
            parts = ['{} iter'.format(updater.iteration),
                     'epoch {}/{} ({:.2%})'.format(updater.epoch, length, total)]
        if speed is not None:
            parts.append('{:.4g} iters/sec'.format(speed))
        if eta is not None:
            parts.append('ETA {}'.format(_format_seconds(eta)))
        self._out.write('progress: ' + ', '.join(parts) + '\n')
        self._out.flush()
