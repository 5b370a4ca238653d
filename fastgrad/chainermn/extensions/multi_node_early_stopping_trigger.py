"""``MultiNodeEarlyStoppingTrigger``: early stopping that stops every
process at the same iteration."""
from fastgrad.chainermn.extensions.observation_aggregator import ObservationAggregator
from fastgrad.training.triggers import EarlyStoppingTrigger


class MultiNodeEarlyStoppingTrigger(object):
    """An ``EarlyStoppingTrigger`` on the mean of ``monitor`` over all
    processes.

    At each check (``check_trigger``), the values of ``monitor`` observed
    on every process since the last check are averaged (an
    :class:`ObservationAggregator` stores the mean under
    ``monitor + suffix``) and that mean is compared with the best so far:
    every process sees the same number and they all stop together.

    Args:
        comm: a ChainerMN communicator.
        check_trigger: how often to compare, ``(n, 'epoch')`` or
            ``(n, 'iteration')``.
        monitor (str): the observed value to watch.
        patience (int): the checks without improvement before stopping
            (3 by default; ``patients`` is accepted, as in Chainer).
        mode (str): ``'min'``, ``'max'`` or ``'auto'``.
        verbose (bool): print when stopping.
        max_trigger: stop here at the latest.
        suffix (str): appended to ``monitor`` for the averaged value.
    """

    def __init__(self, comm, *, check_trigger=(1, 'epoch'), monitor='main/loss',
                 patience=None, mode='auto', verbose=False, max_trigger=(100, 'epoch'),
                 suffix='_aggregated', **kwargs):
        aggregated = monitor + suffix
        self.actual_trigger = EarlyStoppingTrigger(
            check_trigger=check_trigger, monitor=aggregated, patience=patience, mode=mode,
            verbose=verbose, max_trigger=max_trigger, **kwargs)
        self.aggregator = ObservationAggregator(comm, monitor, aggregated_key=aggregated,
                                                comm_trigger=check_trigger)

    def __call__(self, trainer):
        self.aggregator(trainer)
        return self.actual_trigger(trainer)

    def _init_summary(self):
        return self.actual_trigger._init_summary()

    def get_training_length(self):
        return self.actual_trigger.get_training_length()
