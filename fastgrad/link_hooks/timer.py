"""TimerHook for links: time spent in each link's forward."""
import time

from fastgrad.function_hooks.timer import _UNITS, _TimeRecords
from fastgrad.link_hook import LinkHook


class TimerHook(_TimeRecords, LinkHook):
    """``call_history``: (link class name, seconds) per forward;
    ``total_time()`` counts outermost calls once; ``summary()`` and
    ``print_report()`` group by name.

    >>> hook = fastgrad.link_hooks.TimerHook()
    >>> layer = L.Linear(2, 3)
    >>> with hook:
    ...     y = layer(np.ones((1, 2), np.float32))
    >>> [name for name, seconds in hook.call_history]
    ['Linear']
    """

    name = 'TimerHook'
    table = dict(_UNITS)
    _report_title = 'LinkName'

    def forward_preprocess(self, args):
        self._stack.append(time.perf_counter())

    def forward_postprocess(self, args):
        elapsed = time.perf_counter() - self._stack.pop()
        self._record(type(args.link).__name__, elapsed)
