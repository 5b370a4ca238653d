"""The updater interface (``chainer.training.Updater``)."""


class Updater(object):
    """Does one training step per ``update()``; exposes ``iteration``,
    ``epoch``, ``epoch_detail``, ``previous_epoch_detail``,
    ``is_new_epoch`` and its optimizers/iterators by name."""

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
