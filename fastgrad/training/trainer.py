"""The training loop (``chainer.training.Trainer``)."""
import collections
import os
import sys
import time
import traceback

from fastgrad import reporter as reporter_module
from fastgrad.training import extension as extension_module
from fastgrad.training import util

_Entry = collections.namedtuple(
    '_Entry', ('extension', 'priority', 'trigger', 'call_before_training'))


class Trainer(object):
    """Runs ``updater.update()`` until ``stop_trigger`` fires, calling the
    extensions whose triggers fire after each update.

    Args:
        updater: the Updater (e.g. StandardUpdater).
        stop_trigger: when to stop: ``(n, 'epoch')``, ``(n, 'iteration')``
            or a trigger object; None runs until interrupted.
        out: the output folder (logs, snapshots, plots); created by run().
        extensions: extensions to register right away.

    Every iteration runs inside ``reporter.scope(trainer.observation)``, a
    fresh dict, so values reported during the update (``'main/loss'``) and
    by extensions are visible to the extensions that run after them
    (extensions run by descending priority).  ``trainer.serialize`` saves
    the updater (iterators, optimizers, models), the stop trigger and the
    extensions with their triggers: a snapshot loaded with ``load_npz``
    resumes training.

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
    >>> trainer.extend(extensions.LogReport())
    >>> trainer.run()
    >>> trainer.updater.iteration, trainer.updater.epoch, sorted(trainer.observation)
    (4, 2, ['main/accuracy', 'main/loss'])
    >>> [round(entry['main/loss'], 4) for entry in trainer.get_extension('LogReport').log]
    [0.6808, 0.6338]
    >>> out.cleanup()
    """

    def __init__(self, updater, stop_trigger=None, out='result', extensions=None):
        self.updater = updater
        self.stop_trigger = util.get_trigger(stop_trigger)
        self.observation = {}
        self.out = out
        self.reporter = reporter_module.Reporter()
        for name, optimizer in updater.get_all_optimizers().items():
            self.reporter.add_observer(name, optimizer.target)
            self.reporter.add_observers(
                name, optimizer.target.namedlinks(skipself=True))
        self._extensions = collections.OrderedDict()
        self._start_at = None
        self._snapshot_elapsed_time = 0.0
        self._final_elapsed_time = None
        self._done = False
        updater.connect_trainer(self)
        for ext in extensions or ():
            self.extend(ext)

    @property
    def elapsed_time(self):
        """Seconds of training so far (including the time before a resume)."""
        if self._done:
            return self._final_elapsed_time
        if self._start_at is None:
            raise RuntimeError('Trainer.elapsed_time: training has not been '
                               'started yet')
        return time.perf_counter() - self._start_at + self._snapshot_elapsed_time

    @property
    def is_before_training(self):
        return self.updater.iteration == 0

    def extend(self, extension, name=None, trigger=None, priority=None, *,
               call_before_training=False, **kwargs):
        """Register an extension.

        ``name`` defaults to ``extension.name``, ``default_name`` or
        ``__name__`` (a suffix ``_1``, ``_2``... keeps names unique);
        ``trigger`` to ``extension.trigger`` or (1, 'iteration');
        ``priority`` to ``extension.priority`` or PRIORITY_READER.  With
        ``call_before_training`` it also runs once before the first update.
        """
        if kwargs:
            raise TypeError('Trainer.extend: unexpected arguments {}'.format(sorted(kwargs)))
        if name is None:
            name = getattr(extension, 'name', None)
        if name is None:
            name = getattr(extension, 'default_name', None)
        if name is None:
            name = getattr(extension, '__name__', None)
        if name is None:
            raise TypeError('Trainer.extend: no name is given for the extension '
                            '{!r}'.format(extension))
        if name == 'training':
            raise ValueError('Trainer.extend: the name "training" is reserved')
        if trigger is None:
            trigger = getattr(extension, 'trigger', (1, 'iteration'))
        trigger = util.get_trigger(trigger)
        if priority is None:
            priority = getattr(extension, 'priority', extension_module.PRIORITY_READER)
        unique = name
        ordinal = 0
        while unique in self._extensions:
            ordinal += 1
            unique = '{}_{}'.format(name, ordinal)
        extension.name = unique
        self._extensions[unique] = _Entry(extension, priority, trigger,
                                          call_before_training)

    def get_extension(self, name):
        """The extension registered under ``name``."""
        try:
            return self._extensions[name].extension
        except KeyError:
            raise ValueError('Trainer.get_extension: extension {!r} not found '
                             '(registered: {})'.format(name, list(self._extensions))) from None

    def run(self, show_loop_exception_msg=True):
        """Run the training loop until the stop trigger fires.  Extensions'
        ``finalize`` and the updater's ``finalize`` always run at the end."""
        if self._done:
            raise RuntimeError('Trainer.run: cannot run the training loop twice')
        os.makedirs(self.out, exist_ok=True)
        # sorted() is stable: equal priorities keep registration order.
        entries = sorted(self._extensions.values(), key=lambda e: e.priority,
                         reverse=True)
        self._start_at = time.perf_counter()
        for entry in entries:
            initializer = getattr(entry.extension, 'initialize', None)
            if initializer and not getattr(entry.trigger, 'finished', False):
                initializer(self)

        reporter = self.reporter
        update = self.updater.update
        stop_trigger = self.stop_trigger
        try:
            if self.is_before_training:     # not again on a resume
                self.observation = {}
                with reporter.scope(self.observation):
                    for entry in entries:
                        if entry.call_before_training:
                            entry.extension(self)
            while not stop_trigger(self):
                self.observation = {}
                with reporter.scope(self.observation):
                    update()
                    for entry in entries:
                        if entry.trigger(self):
                            entry.extension(self)
        except Exception as e:
            tb = sys.exc_info()[2]
            if show_loop_exception_msg:
                # Shown now: a finalizer that hangs would otherwise hide it.
                print('Exception in main training loop: {}'.format(e), file=sys.stderr)
                print('Traceback (most recent call last):', file=sys.stderr)
                traceback.print_tb(tb)
                print('Will finalize trainer extensions and updater before '
                      'reraising the exception.', file=sys.stderr)
            for entry in entries:
                handler = getattr(entry.extension, 'on_error', None)
                if handler:
                    try:
                        handler(self, e, tb)
                    except Exception as he:
                        print('Exception in error handler: {}'.format(he), file=sys.stderr)
                        print('Traceback (most recent call last):', file=sys.stderr)
                        traceback.print_tb(sys.exc_info()[2])
            raise
        finally:
            for entry in entries:
                finalize = getattr(entry.extension, 'finalize', None)
                if finalize:
                    finalize()
            self.updater.finalize()
        self._final_elapsed_time = self.elapsed_time
        self._done = True

    def serialize(self, serializer):
        """Save/load the whole training state (see the class docstring)."""
        self.updater.serialize(serializer['updater'])
        if hasattr(self.stop_trigger, 'serialize'):
            self.stop_trigger.serialize(serializer['stop_trigger'])
        s = serializer['extensions']
        t = serializer['extension_triggers']
        for name, entry in self._extensions.items():
            if hasattr(entry.extension, 'serialize'):
                entry.extension.serialize(s[name])
            if hasattr(entry.trigger, 'serialize'):
                entry.trigger.serialize(t[name])
        # A saver returns the value given, a loader the stored one: either
        # way the clock continues from it (no need to tell them apart).
        if self._done and self._final_elapsed_time is not None:
            current = self._final_elapsed_time
        elif self._start_at is None:
            current = self._snapshot_elapsed_time
        else:
            current = self.elapsed_time
        value = float(serializer('_snapshot_elapsed_time', current))
        if self._done:
            self._final_elapsed_time = value
        else:
            self._snapshot_elapsed_time = value
            if self._start_at is not None:
                self._start_at = time.perf_counter()
