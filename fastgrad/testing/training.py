"""``get_trainer_with_mock_updater``: a Trainer driven by a mock updater
whose ``update()`` only advances the iteration counters."""


def get_trainer_with_mock_updater(stop_trigger=(10, 'iteration'), iter_per_epoch=10,
                                  extensions=None):
    """A Trainer whose updater is a mock: ``update()`` only advances the
    iteration and epoch counters (``iter_per_epoch`` iterations an epoch).

    >>> from fastgrad import testing
    >>> trainer = testing.get_trainer_with_mock_updater((2, 'epoch'), iter_per_epoch=2)
    >>> for _ in range(3):
    ...     trainer.updater.update()
    >>> trainer.updater.iteration, trainer.updater.epoch, trainer.updater.epoch_detail
    (3, 1, 1.5)
    >>> trainer.stop_trigger(trainer)
    False
    """
    # imported here: it imports asyncio (3 MB on every import fastgrad)
    from unittest import mock

    from fastgrad import training
    updater = mock.Mock()
    updater.get_all_optimizers.return_value = {}
    updater.iteration = 0
    updater.epoch = 0
    updater.epoch_detail = 0
    updater.is_new_epoch = True
    updater.previous_epoch_detail = None

    def update():
        updater.update_core()
        updater.iteration += 1
        updater.epoch = updater.iteration // iter_per_epoch
        updater.epoch_detail = updater.iteration / iter_per_epoch
        updater.is_new_epoch = (updater.iteration - 1) // iter_per_epoch != updater.epoch
        updater.previous_epoch_detail = (updater.iteration - 1) / iter_per_epoch
    updater.update = update
    trainer = training.Trainer(updater, stop_trigger, extensions=extensions or [])
    return trainer
