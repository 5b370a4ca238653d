"""Reporting values during training (``chainer.reporter``).

A :class:`Reporter` holds the *observation* dict of the current iteration.
Code anywhere below a reporter's scope calls ``fastgrad.report({'loss':
loss}, self)``; the value lands in the observation as ``'<name>/loss'``,
where ``<name>`` is the name the observer (typically a Link) was registered
under (the Trainer registers the optimizer's target as ``'main'`` and its
sublinks as ``'main/<path>'``).  Outside any reporter, ``report`` does
nothing.
"""
import contextlib
import json
import threading
import warnings

import numpy

from fastgrad import backend, configuration
from fastgrad._core.graph import Variable

_local = threading.local()


def _reporters():
    try:
        return _local.reporters
    except AttributeError:
        _local.reporters = []
        return _local.reporters


def _detach(value):
    # Reported Variables are copied without their graph unless
    # config.keep_graph_on_report is set, so observations don't keep the
    # whole graph of an iteration alive.
    if isinstance(value, Variable):
        copied = Variable(value.array)
        copied.name = value.name
        return copied
    return value


class Reporter(object):
    """Collects the values reported by registered observers.

    Use ``with reporter:`` to make it the current one (``report`` writes to
    it), and ``with reporter.scope(observation):`` to also direct the values
    into the dict ``observation``.

    >>> reporter = fastgrad.Reporter()
    >>> observation = {}
    >>> with reporter.scope(observation):
    ...     reporter.report({'loss': 0.5})
    >>> observation
    {'loss': 0.5}
    """

    def __init__(self):
        self._observer_names = {}
        self.observation = {}

    def __enter__(self):
        _reporters().append(self)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        _reporters().pop()

    @contextlib.contextmanager
    def scope(self, observation):
        """Make this the current reporter, writing into ``observation``."""
        old = self.observation
        self.observation = observation
        self.__enter__()
        try:
            yield
        finally:
            self.__exit__(None, None, None)
            self.observation = old

    def add_observer(self, name, observer):
        """Register ``observer`` so its reports are prefixed with ``name``."""
        self._observer_names[id(observer)] = name

    def add_observers(self, prefix, observers):
        """Register ``(name, observer)`` pairs (such as
        ``link.namedlinks(skipself=True)``) under ``prefix + name``."""
        for name, observer in observers:
            self._observer_names[id(observer)] = prefix + name

    def report(self, values, observer=None):
        """Add ``values`` (a dict) to the observation, keys prefixed with
        ``observer``'s registered name when it is given."""
        if not configuration.config.keep_graph_on_report:
            values = {k: _detach(v) for k, v in values.items()}
        if observer is None:
            self.observation.update(values)
            return
        try:
            prefix = self._observer_names[id(observer)]
        except KeyError:
            raise KeyError('report: the given observer {!r} is not registered '
                           'to the reporter (add_observer)'.format(
                               type(observer).__name__)) from None
        obs = self.observation
        for key, value in values.items():
            obs[prefix + '/' + key] = value


def get_current_reporter():
    """The reporter of the innermost ``with reporter:`` (IndexError if
    none).

    >>> reporter = fastgrad.Reporter()
    >>> with reporter:
    ...     print(fastgrad.get_current_reporter() is reporter)
    True
    """
    stack = _reporters()
    if not stack:
        raise IndexError('get_current_reporter: no reporter is active')
    return stack[-1]


def report(values, observer=None):
    """Report ``values`` (a dict) to the current reporter; no-op outside one.

    ``observer`` (usually ``self`` inside a Link) must be registered to the
    reporter; its name prefixes the keys (``'main/loss'``).

    >>> reporter = fastgrad.Reporter()
    >>> model = L.Linear(2, 2)
    >>> reporter.add_observer('main', model)
    >>> observation = {}
    >>> with reporter.scope(observation):
    ...     fastgrad.report({'loss': 0.5}, model)
    >>> observation
    {'main/loss': 0.5}
    """
    stack = _reporters()
    if stack:
        stack[-1].report(values, observer)


@contextlib.contextmanager
def report_scope(observation):
    """Direct the current reporter's values into ``observation`` for the
    duration of the block.

    >>> reporter = fastgrad.Reporter()
    >>> observation = {}
    >>> with reporter, fastgrad.report_scope(observation):
    ...     fastgrad.report({'loss': 1.5})
    >>> observation
    {'loss': 1.5}
    """
    current = get_current_reporter()
    old = current.observation
    current.observation = observation
    try:
        yield
    finally:
        current.observation = old


def _to_number(value):
    if isinstance(value, Variable):
        value = value.array
    return value


class Summary(object):
    """Running (weighted) mean and standard deviation of scalars.

    >>> summary = fastgrad.Summary()
    >>> summary.add(1.0)
    >>> summary.add(3.0)
    >>> summary.compute_mean()
    2.0
    """

    def __init__(self):
        self._x = 0.
        self._x2 = 0.
        self._n = 0.

    def add(self, value, weight=1):
        """Add a scalar (a number, a 0-dim array or Variable)."""
        value = _to_number(value)
        weight = _to_number(weight)
        with backend.using_device(backend.get_device_from_array(value)):
            self._x += weight * value
            self._x2 += weight * value * value
            self._n += weight

    def compute_mean(self):
        """The weighted mean (on the values' device)."""
        return self._x / self._n

    def make_statistics(self):
        """(mean, std)."""
        mean = self._x / self._n
        var = self._x2 / self._n - mean * mean
        xp = backend.get_array_module(var)
        std = xp.sqrt(xp.maximum(var, 0.))   # rounding may give a tiny negative
        return mean, std

    def serialize(self, serializer):
        try:
            x = _load_scalar(serializer('_x', self._x))
            x2 = _load_scalar(serializer('_x2', self._x2))
            n = _load_scalar(serializer('_n', self._n))
        except KeyError:
            # a snapshot from before Summary saved its state
            warnings.warn('Summary: the snapshot has no statistics; they start anew')
            x, x2, n = 0., 0., 0.
        self._x, self._x2, self._n = x, x2, n


def _load_scalar(value):
    if isinstance(value, numpy.ndarray) and value.ndim == 0:
        return value[()]
    return value


class DictSummary(object):
    """A :class:`Summary` per key of the dicts added (observations).

    Values that are not scalars (or 0-dim arrays / Variables) are skipped; a
    value ``(v, w)`` adds ``v`` with weight ``w``.

    >>> summary = fastgrad.DictSummary()
    >>> summary.add({'loss': 1.0})
    >>> summary.add({'loss': 3.0})
    >>> summary.compute_mean()
    {'loss': 2.0}
    """

    def __init__(self):
        self._summaries = {}

    def add(self, d):
        summaries = self._summaries
        for key, value in d.items():
            weight = 1
            if isinstance(value, tuple):
                value, weight = value
                weight = _to_number(weight)
                if not (numpy.isscalar(weight) or getattr(weight, 'ndim', -1) == 0):
                    raise ValueError('DictSummary.add: the weight given to {!r} is '
                                     'not a scalar'.format(key))
            value = _to_number(value)
            if numpy.isscalar(value) or getattr(value, 'ndim', -1) == 0:
                if isinstance(value, (str, bytes)):
                    continue
                summary = summaries.get(key)
                if summary is None:
                    summary = summaries[key] = Summary()
                summary.add(value, weight=weight)

    def compute_mean(self):
        """``{key: mean}``."""
        return {key: s.compute_mean() for key, s in self._summaries.items()}

    def make_statistics(self):
        """``{key: mean, key + '.std': std}``."""
        stats = {}
        for key, s in self._summaries.items():
            mean, std = s.make_statistics()
            stats[key] = mean
            stats[key + '.std'] = std
        return stats

    def serialize(self, serializer):
        loading = _is_loading(serializer)
        try:
            names = serialize_json(serializer, '_names',
                                   None if loading else list(self._summaries))
        except KeyError:
            # a snapshot from before DictSummary saved its state
            warnings.warn('DictSummary: the snapshot has no statistics; they start anew')
            self._summaries = {}
            return
        if names is None:
            # fastgrad's validating pass (the stored names are read in the
            # assigning pass), or not a list of names: nothing to restore
            return
        if names != list(self._summaries):
            self._summaries = {name: Summary() for name in names}
        sub = serializer['_summaries']
        for index, name in enumerate(names):
            self._summaries[name].serialize(sub[str(index)])


def _is_loading(serializer):
    try:
        from fastgrad.serializers import Deserializer
    except ImportError:
        return False
    return isinstance(serializer, Deserializer)


def serialize_json(serializer, key, value):
    """Save or load a JSON-able ``value`` stored as a string entry; returns
    the value to keep (the loaded one when loading).

    A fastgrad Deserializer is asked with ``None`` as the current value: its
    validating pass then returns None and the current value is kept, so that
    pass changes nothing.  Any other serializer gets the JSON text: a saver
    stores it and returns it, a Chainer-style loader returns the stored one.
    Returns None when loading finds no such entry as text.
    """
    if _is_loading(serializer):
        stored = serializer(key, None)
        if stored is None:
            return value
    else:
        stored = serializer(key, json.dumps(value))
    if isinstance(stored, numpy.ndarray):
        stored = stored.item()
    if isinstance(stored, bytes):
        stored = stored.decode()
    if not isinstance(stored, str):
        return None
    try:
        return json.loads(stored)
    except ValueError:
        return None
