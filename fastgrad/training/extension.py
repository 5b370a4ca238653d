"""Trainer extensions: callables run by the Trainer after updates."""

PRIORITY_WRITER = 300   # writes to the observation (Evaluator, observe_lr)
PRIORITY_EDITOR = 200   # edits the observation
PRIORITY_READER = 100   # reads it (LogReport, PrintReport, ...)


class Extension(object):
    """Base class of trainer extensions.

    An extension is called as ``extension(trainer)`` whenever its trigger
    fires.  Class attributes give the defaults ``Trainer.extend`` uses:
    ``trigger`` ((1, 'iteration')), ``priority`` (``PRIORITY_READER``;
    higher runs first), ``name`` (set by ``extend``) and ``default_name``
    (the class name).  ``initialize(trainer)`` runs before the loop (also
    after a resume), ``finalize()`` after it, ``on_error(trainer, exc, tb)``
    when the loop raises; ``serialize(serializer)`` saves the state in
    snapshots.
    """

    trigger = 1, 'iteration'
    priority = PRIORITY_READER
    name = None

    @property
    def default_name(self):
        return type(self).__name__

    def __call__(self, trainer):
        raise NotImplementedError(
            '{} must implement __call__(trainer)'.format(type(self).__name__))

    def initialize(self, trainer):
        pass

    def finalize(self):
        pass

    def on_error(self, trainer, exc, tb):
        pass

    def serialize(self, serializer):
        pass


def make_extension(trigger=None, default_name=None, priority=None,
                   finalizer=None, initializer=None, on_error=None, **kwargs):
    """Decorator: make a function ``f(trainer)`` an extension by giving it
    the attributes ``Trainer.extend`` reads."""
    if kwargs:
        # Chainer's long-removed invoke_before_training; nothing else.
        raise TypeError('make_extension: unexpected arguments {}'.format(sorted(kwargs)))
    if trigger is None:
        trigger = Extension.trigger
    if priority is None:
        priority = Extension.priority

    def decorator(ext):
        ext.trigger = trigger
        ext.default_name = default_name or ext.__name__
        ext.priority = priority
        ext.finalize = finalizer
        ext.on_error = on_error
        ext.initialize = initializer
        return ext

    return decorator
