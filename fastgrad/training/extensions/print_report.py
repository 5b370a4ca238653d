import os
import sys

from fastgrad.training import extension
from fastgrad.training.extensions import log_report as log_report_module


def _isatty(out):
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


class PrintReport(extension.Extension):
    """Prints the chosen ``entries`` of each new LogReport entry as a table
    row (a header first).

    Args:
        entries: keys to print (``'epoch'``, ``'main/loss'``, ...).
        log_report: the LogReport's name in the trainer, or the LogReport
            itself (then this extension calls it).
        out: the stream (stdout by default).

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
    >>> table = io.StringIO()  # stdout by default
    >>> trainer.extend(extensions.LogReport())
    >>> trainer.extend(extensions.PrintReport(['epoch', 'main/accuracy'], out=table))
    >>> trainer.run()
    >>> print(table.getvalue())  # doctest: +NORMALIZE_WHITESPACE
    epoch       main/accuracy
    1           0.75
    2           1
    >>> out.cleanup()
    """

    def __init__(self, entries, log_report='LogReport', out=sys.stdout):
        self._entries = list(entries)
        self._log_report = log_report
        self._out = out
        self._log_len = 0
        widths = [max(10, len(e)) for e in self._entries]
        self._header = '  '.join('{:%d}' % w for w in widths).format(*self._entries) + '\n'
        self._templates = [(e, '{:<%dg}  ' % w, ' ' * (w + 2))
                           for e, w in zip(self._entries, widths)]

    def __call__(self, trainer):
        out = self._out
        if self._header:
            out.write(self._header)
            self._header = None
        log_report = self._log_report
        if isinstance(log_report, str):
            log_report = trainer.get_extension(log_report)
        elif isinstance(log_report, log_report_module.LogReport):
            log_report(trainer)
        else:
            raise TypeError('PrintReport: log_report must be a name or a '
                            'LogReport, got {}'.format(type(log_report)))
        log = log_report.log
        tty = _isatty(out)
        while len(log) > self._log_len:
            if tty and os.name != 'nt':
                out.write('\033[J')   # clear a progress bar drawn below the cursor
            self._print(log[self._log_len])
            self._log_len += 1
        if hasattr(out, 'flush'):
            out.flush()

    def _print(self, observation):
        line = ''
        for entry, template, empty in self._templates:
            if entry in observation:
                value = observation[entry]
                try:
                    line += template.format(value)
                except (TypeError, ValueError):
                    line += ('{:<%d}  ' % (len(empty) - 2)).format(str(value))
            else:
                line += empty
        self._out.write(line.rstrip() + '\n')

    def serialize(self, serializer):
        if isinstance(self._log_report, log_report_module.LogReport):
            self._log_report.serialize(serializer['_log_report'])
