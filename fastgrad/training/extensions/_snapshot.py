import functools
import os
import re
import string

from fastgrad.training import extension
from fastgrad.training.extensions import snapshot_writers


def _template_regex(template):
    """A regex matching the file names ``template.format(...)`` can give."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append('.*?')
    return re.compile(''.join(parts) + r'\Z')


def _find_snapshot_files(template, folder):
    """(mtime, name) of the files in ``folder`` the template matches, oldest
    first."""
    if not os.path.isdir(folder):
        return []
    regex = _template_regex(template)
    found = []
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if regex.match(name) and os.path.isfile(path):
            found.append((os.path.getmtime(path), name))
    found.sort()
    return found


def _find_latest_snapshot(template, folder):
    """The newest matching file name in ``folder``, or None."""
    found = _find_snapshot_files(template, folder)
    return found[-1][1] if found else None


def _find_stale_snapshots(template, folder, n_retains):
    """The matching file names in ``folder`` beyond the ``n_retains`` newest
    (none when ``n_retains`` is not positive), oldest first."""
    if n_retains <= 0:
        return []
    return [name for _, name in _find_snapshot_files(template, folder)[:-n_retains]]


def _remove_stale_snapshots(template, n_retains, outdir, filename):
    """After ``filename`` was saved: remove the matching snapshots beyond
    the ``n_retains`` newest, never ``filename`` itself."""
    for old in _find_stale_snapshots(template, outdir, n_retains):
        if old != filename:
            os.remove(os.path.join(outdir, old))


class _Snapshot(extension.Extension):
    trigger = 1, 'epoch'
    priority = -100   # after every other extension of the iteration

    def __init__(self, target=None, condition=None, writer=None,
                 filename='snapshot_iter_{.updater.iteration}',
                 snapshot_on_error=False, n_retains=-1, autoload=False,
                 savefun=None):
        self._target = target
        self.filename = filename
        self.condition = condition if condition is not None else (lambda: True)
        if savefun is not None and writer is not None:
            raise TypeError('snapshot: give savefun or writer, not both (a writer takes '
                            'its own savefun)')
        if writer is None:
            writer = snapshot_writers.SimpleWriter(
                **({} if savefun is None else {'savefun': savefun}))
        self.writer = writer
        if n_retains > 0 and isinstance(filename, str):
            # after the save, in the writer's thread or process
            writer._add_cleanup_hook(functools.partial(
                _remove_stale_snapshots, filename, n_retains))
        self._snapshot_on_error = snapshot_on_error
        self.n_retains = n_retains
        self.autoload = autoload

    def initialize(self, trainer):
        """With ``autoload``, load the newest snapshot found in
        ``trainer.out``; returns its file name (or None)."""
        if not self.autoload or not isinstance(self.filename, str):
            return None
        name = _find_latest_snapshot(self.filename, trainer.out)
        if name is None:
            return None
        from fastgrad import serializers
        target = trainer if self._target is None else self._target
        serializers.load_npz(os.path.join(trainer.out, name), target)
        return name

    def on_error(self, trainer, exc, tb):
        if self._snapshot_on_error:
            self._make_snapshot(trainer)

    def __call__(self, trainer):
        if self.condition():
            self._make_snapshot(trainer)

    def _make_snapshot(self, trainer):
        target = trainer if self._target is None else self._target
        if callable(self.filename):
            name = self.filename(trainer)
        else:
            name = self.filename.format(trainer)
        self.writer(name, trainer.out, target)

    def finalize(self):
        if hasattr(self.writer, 'finalize'):
            self.writer.finalize()


def snapshot(savefun=None, filename='snapshot_iter_{.updater.iteration}', *,
             target=None, condition=None, writer=None, snapshot_on_error=False,
             n_retains=-1, autoload=False):
    """An extension saving the trainer (or ``target``) to
    ``trainer.out/filename`` with ``save_npz``; once per epoch by default.

    ``filename`` is formatted with the trainer (``'{.updater.iteration}'``
    gives the iteration count).  Resume with
    ``fastgrad.serializers.load_npz(path, trainer)`` before ``run()``, or
    pass ``autoload=True`` to load the newest snapshot in ``trainer.out``
    automatically.  ``n_retains > 0`` keeps only that many newest
    snapshots; ``condition()`` returning False skips one;
    ``snapshot_on_error`` also saves when the training loop raises.
    ``writer`` (one of ``extensions.snapshot_writers``, such as
    ``ThreadWriter()``) saves outside the training loop; it takes the
    ``savefun`` itself.

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
    >>> trainer.extend(extensions.snapshot(), trigger=(1, 'epoch'))
    >>> trainer.run()
    >>> import os
    >>> sorted(os.listdir(out.name))
    ['snapshot_iter_2', 'snapshot_iter_4']
    >>> model2 = L.Classifier(L.Linear(2, 2))
    >>> optimizer2 = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer2.setup(model2)
    >>> it2 = fastgrad.iterators.SerialIterator(dataset, 2, shuffle=False)
    >>> resumed = training.Trainer(training.StandardUpdater(it2, optimizer2), (2, 'epoch'))
    >>> fastgrad.serializers.load_npz(os.path.join(out.name, 'snapshot_iter_2'), resumed)
    >>> resumed.updater.iteration, resumed.updater.epoch
    (2, 1)
    >>> out.cleanup()
    """
    return _Snapshot(target=target, condition=condition, writer=writer,
                     filename=filename, snapshot_on_error=snapshot_on_error,
                     n_retains=n_retains, autoload=autoload, savefun=savefun)


def snapshot_object(target, filename, savefun=None, **kwargs):
    """Like :func:`snapshot`, saving ``target`` (a model, an optimizer...)
    instead of the trainer; ``filename`` is still formatted with the
    trainer.

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
    >>> trainer.extend(extensions.snapshot_object(model, 'model_epoch_{.updater.epoch}.npz'),
    ...                trigger=(1, 'epoch'))
    >>> trainer.run()
    >>> import os
    >>> sorted(os.listdir(out.name))
    ['model_epoch_1.npz', 'model_epoch_2.npz']
    >>> copy = L.Classifier(L.Linear(2, 2))
    >>> fastgrad.serializers.load_npz(os.path.join(out.name, 'model_epoch_2.npz'), copy)
    >>> bool((copy.predictor.W.array == model.predictor.W.array).all())
    True
    >>> out.cleanup()
    """
    return snapshot(savefun=savefun, filename=filename, target=target, **kwargs)
