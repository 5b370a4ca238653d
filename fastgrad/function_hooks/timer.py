"""TimerHook: time spent in each function's forward and backward."""
import sys
import time

from fastgrad import backend
from fastgrad.function_hook import FunctionHook

_UNITS = {'sec': 1, 'ms': 10 ** 3, 'us': 10 ** 6, 'ns': 10 ** 9}


def _pick_unit(seconds):
    """The largest unit in which ``seconds`` is at least 1."""
    for unit in ('sec', 'ms', 'us'):
        if seconds * _UNITS[unit] >= 1:
            return unit
    return 'ns'


class _TimeRecords(object):
    """``call_history`` of (name, seconds), the total of outermost calls, and
    the grouped summary / printed report (shared by the function and link
    TimerHooks)."""

    _report_title = 'Name'

    def __init__(self):
        self.call_history = []
        self._stack = []
        self._total_time = 0.0

    def _record(self, name, elapsed):
        self.call_history.append((name, elapsed))
        if not self._stack:
            self._total_time += elapsed

    def total_time(self):
        """Seconds spent in hooked calls (nested calls counted once)."""
        return self._total_time

    def summary(self):
        """``{name: {'elapsed_time': seconds, 'occurrence': count}}``."""
        out = {}
        for name, elapsed in self.call_history:
            record = out.setdefault(name, {'elapsed_time': 0, 'occurrence': 0})
            record['elapsed_time'] += elapsed
            record['occurrence'] += 1
        return out

    def print_report(self, unit='auto', file=sys.stdout):
        """Print a table of name, elapsed time and occurrences; ``unit`` is
        'sec', 'ms', 'us', 'ns', 'auto' (one unit for all) or 'auto_foreach'."""
        summary = self.summary()
        if unit == 'auto' and summary:
            unit = _pick_unit(max(r['elapsed_time'] for r in summary.values()))
        rows = [(self._report_title, 'ElapsedTime', 'Occurrence')]
        for name, record in summary.items():
            u = _pick_unit(record['elapsed_time']) if unit == 'auto_foreach' else unit
            rows.append((name, '%3.2f%s' % (record['elapsed_time'] * _UNITS[u], u),
                         str(record['occurrence'])))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for r in rows:
            file.write('  '.join(c.rjust(w) for c, w in zip(r, widths)) + '\n')
        if hasattr(file, 'flush'):
            file.flush()


class TimerHook(_TimeRecords, FunctionHook):
    """Measures forward and backward times per function.

    ``call_history`` is a list of (function name, seconds); ``total_time()``
    counts outermost calls once; ``summary()`` and ``print_report()`` group by
    name.  On GPU arrays, CUDA events time the device work.

    >>> from fastgrad.function_hooks import TimerHook
    >>> with TimerHook() as hook:
    ...     y = F.sum(F.relu(np.ones(3, dtype=np.float32)))
    >>> [name for name, seconds in hook.call_history]
    ['ReLU', 'Sum']
    >>> hook.summary()['ReLU']['occurrence'], hook.total_time() >= 0
    (1, True)
    """

    name = 'TimerHook'
    table = dict(_UNITS)
    _report_title = 'FunctionName'

    def _start(self, arrays):
        xp = backend.get_array_module(*[a for a in arrays if a is not None])
        if xp.__name__ == 'numpy':
            self._stack.append((None, time.perf_counter()))
        else:
            start, stop = xp.cuda.Event(), xp.cuda.Event()
            start.record()
            self._stack.append(((start, stop), None))

    def _stop(self, function):
        events, started = self._stack.pop()
        if events is None:
            elapsed = time.perf_counter() - started
        else:
            import cupy
            start, stop = events
            stop.record()
            stop.synchronize()
            elapsed = cupy.cuda.get_elapsed_time(start, stop) / 1000
        self._record(function._impl_name, elapsed)

    def forward_preprocess(self, function, in_data):
        self._start(in_data)

    def forward_postprocess(self, function, in_data):
        self._stop(function)

    def backward_preprocess(self, function, in_data, out_grad):
        self._start(tuple(in_data) + tuple(out_grad))

    def backward_postprocess(self, function, in_data, out_grad):
        self._stop(function)
