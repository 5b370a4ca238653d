"""The updater interface (``chainer.training.Updater``)."""


class Updater(object):
    """Does one training step per ``update()``; exposes ``iteration``,
    ``epoch``, ``epoch_detail``, ``previous_epoch_detail``,
    ``is_new_epoch`` and its optimizers/iterators by name.

    >>> class Counting(fastgrad.training.Updater):  # a minimal updater: no data, no model
    ...     iteration = 0
    ...     def update(self):
    ...         self.iteration += 1
    ...     def get_all_optimizers(self):
    ...         return {}
    >>> updater = Counting()
    >>> for _ in range(3):
    ...     updater.update()
    >>> updater.iteration
    3
    """

    def connect_trainer(self, trainer):
        pass

    def finalize(self):
        raise NotImplementedError

    def get_optimizer(self, name):
        raise NotImplementedError

    def get_all_optimizers(self):
        raise NotImplementedError

    def update(self):
        raise NotImplementedError

    def serialize(self, serializer):
        raise NotImplementedError
