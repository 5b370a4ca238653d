"""TimerHook for links: time spent in each link's forward."""
import sys
import time

from fastgrad.function_hooks.timer import _UNITS, _pick_unit
from fastgrad.link_hook import LinkHook


class TimerHook(LinkHook):
    """``call_history``: (link class name, seconds) per forward;
    ``total_time()`` counts outermost calls once; ``summary()`` and
    ``print_report()`` group by name."""

    name = 'TimerHook'
    table = dict(_UNITS)

    def __init__(self):
        self.call_history = []
        self._stack = []
        self._total_time = 0.0

    def forward_preprocess(self, args):
        self._stack.append(time.perf_counter())

    def forward_postprocess(self, args):
        elapsed = time.perf_counter() - self._stack.pop()
        self.call_history.append((type(args.link).__name__, elapsed))
        if not self._stack:
            self._total_time += elapsed

    def total_time(self):
        return self._total_time

    def summary(self):
        out = {}
        for name, elapsed in self.call_history:
            r = out.setdefault(name, {'elapsed_time': 0, 'occurrence': 0})
            r['elapsed_time'] += elapsed
            r['occurrence'] += 1
        return out

    def print_report(self, unit='auto', file=sys.stdout):
        summary = self.summary()
        if unit == 'auto' and summary:
            unit = _pick_unit(max(r['elapsed_time'] for r in summary.values()))
        rows = [('LinkName', 'ElapsedTime', 'Occurrence')]
        for name, r in summary.items():
            u = _pick_unit(r['elapsed_time']) if unit == 'auto_foreach' else unit
            rows.append((name, '%3.2f%s' % (r['elapsed_time'] * _UNITS[u], u),
                         str(r['occurrence'])))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for r in rows:
            file.write('  '.join(c.rjust(w) for c, w in zip(r, widths)) + '\n')
