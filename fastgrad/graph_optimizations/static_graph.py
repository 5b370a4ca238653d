"""``static_graph``: Chainer's decorator for a chain whose graph never
changes between calls (see the package docstring for what fastgrad does)."""
import functools
import threading

from fastgrad import configuration
from fastgrad import link as _link
from fastgrad._core.graph import Variable
from fastgrad.backend import is_array

_OPTIONS = ('force_test_define_by_run', 'minimize_cache_size', 'verbosity_level',
            'enable_double_backprop')
_state = threading.local()


class ScheduleManager(object):
    """``chain.schedule_manager`` of a static chain.

    Chainer keeps the chain's recorded schedules here; a program that runs
    several forward passes before one backward pass calls ``end_forward()``
    after each.  fastgrad records no schedule (every call runs define-by-run),
    so it only counts the calls, for the program's own reporting.
    """

    def __init__(self, minimize_cache_size=False, verbosity_level=0):
        self.minimize_cache_size = minimize_cache_size
        self.verbosity_level = verbosity_level
        self.calls = 0

    def end_forward(self):
        """Tell the manager one forward pass is over (nothing is held
        between passes here)."""

    def __repr__(self):
        return '<ScheduleManager: {} calls, define-by-run>'.format(self.calls)


def _as_variables(value, where):
    """``value`` with every array wrapped in a Variable (as Chainer's static
    chains receive them); anything but Variables, arrays and (nested)
    lists/tuples of them is refused."""
    if isinstance(value, (list, tuple)):
        return type(value)(_as_variables(v, where) for v in value)
    if isinstance(value, Variable):
        return value
    if is_array(value):
        return Variable(value)
    raise TypeError(
        'static_graph: {} of a static chain must be Variables, arrays, or '
        'lists/tuples of them; got {}'.format(where, type(value).__name__))


def static_graph(*args, **kwargs):
    """Mark a :class:`~fastgrad.Chain`'s ``__call__``/``forward`` as a static
    graph (Chainer's ``chainer.static_graph``).

    Usable bare (``@static_graph``) or with Chainer's options
    (``force_test_define_by_run``, ``minimize_cache_size``,
    ``verbosity_level``, ``enable_double_backprop``).  As in Chainer, the
    method's positional arguments and its return value must be Variables,
    arrays, or (nested) lists/tuples of them, keyword arguments are not
    allowed, static chains may not be nested, arrays passed in arrive as
    Variables, and
    ``config.use_static_graph = False`` turns the decorator off.  The chain
    gets a ``schedule_manager``.

    fastgrad runs the method define-by-run on every call, so its results and
    gradients are exactly those of the undecorated method.

    >>> class Model(fastgrad.Chain):
    ...     def __init__(self):
    ...         super().__init__()
    ...         with self.init_scope():
    ...             self.l = fastgrad.links.Linear(3, 2)
    ...     @fastgrad.static_graph
    ...     def forward(self, x):
    ...         return F.relu(self.l(x))
    >>> Model()(np.ones((4, 3), np.float32)).shape
    (4, 2)
    """
    unknown = set(kwargs) - set(_OPTIONS)
    if unknown:
        raise TypeError('static_graph: unexpected keyword argument(s) {}'
                        .format(sorted(unknown)))
    if len(args) == 1 and not kwargs and callable(args[0]):
        return _decorate(args[0], {})
    if args:
        raise TypeError('static_graph takes a method or keyword arguments, '
                        'got {!r}'.format(args))
    return lambda func: _decorate(func, kwargs)


def _decorate(func, options):
    force_dbr = options.get('force_test_define_by_run', False)

    @functools.wraps(func)
    def wrapped(chain, *args, **kwargs):
        config = configuration.config
        if not config.use_static_graph or (force_dbr and not config.train):
            return func(chain, *args, **kwargs)
        if not isinstance(chain, _link.Chain):
            raise TypeError('static_graph: decorates a method of a Chain, '
                            'called on {}'.format(type(chain).__name__))
        if kwargs:
            raise TypeError('static_graph: keyword arguments are not allowed '
                            'in a static chain ({}.{} got {})'.format(
                                type(chain).__name__, func.__name__, sorted(kwargs)))
        args = _as_variables(args, 'the arguments')
        if getattr(_state, 'chain', None) is not None:
            raise RuntimeError(
                'static_graph: static chains may not be nested ({} is called '
                'inside the static chain {})'.format(
                    type(chain).__name__, type(_state.chain).__name__))
        manager = chain.__dict__.get('schedule_manager')
        if manager is None:
            manager = ScheduleManager(options.get('minimize_cache_size', False),
                                      options.get('verbosity_level', 0))
            chain.schedule_manager = manager
        manager.calls += 1
        _state.chain = chain
        try:
            out = func(chain, *args)
        finally:
            _state.chain = None
        return _as_variables(out, 'the return value')
    return wrapped
