from fastgrad.training import extension


def observe_value(observation_key, target_func):
    """An extension that puts ``target_func(trainer)`` into the observation
    under ``observation_key`` (once per epoch by default)."""
    @extension.make_extension(trigger=(1, 'epoch'), priority=extension.PRIORITY_WRITER)
    def _observe_value(trainer):
        trainer.observation[observation_key] = target_func(trainer)
    return _observe_value


def observe_lr(optimizer_name='main', observation_key='lr'):
    """An extension that records the optimizer's ``lr`` (as ``'lr'``)."""
    return observe_value(
        observation_key,
        lambda trainer: trainer.updater.get_optimizer(optimizer_name).lr)
