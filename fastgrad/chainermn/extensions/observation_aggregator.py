"""``ObservationAggregator``: one observed value combined over the processes."""
import numpy

from fastgrad import backend
from fastgrad.training import extension, util


def _average(histories):
    values = [v for history in histories for v in history]
    return sum(values) / len(values)


def _host(value):
    array = getattr(value, 'array', value)
    if hasattr(array, 'dtype') and not isinstance(array, (numpy.ndarray, numpy.generic)):
        array = backend.CpuDevice().send(array)
    return array


class ObservationAggregator(extension.Extension):
    """Combine an observed value over the processes.

    Each iteration, the value of ``original_key`` in the trainer's
    observation is recorded (a Variable or a GPU array is copied to the
    host); whenever ``comm_trigger`` fires, the values recorded on every
    process since the last time are gathered, ``aggregator`` combines them
    (on rank 0) and every process gets the result under ``aggregated_key``.
    If no process recorded a value, nothing is set.

    Args:
        comm: a ChainerMN communicator.
        original_key (str): the observation to combine.
        aggregated_key (str): where the result goes (default:
            ``original_key``, overwritten).
        comm_trigger: when to communicate (every iteration by default).
        aggregator: ``aggregator(histories)`` with one list of values per
            process; the mean of all the values by default.
    """

    trigger = 1, 'iteration'
    priority = extension.PRIORITY_EDITOR
    name = None

    def __init__(self, comm, original_key, aggregated_key=None, *,
                 comm_trigger=(1, 'iteration'), aggregator=None):
        self.comm = comm
        self.original_key = original_key
        self.aggregated_key = original_key if aggregated_key is None else aggregated_key
        self.comm_trigger = util.get_trigger(comm_trigger)
        self.observation_history = []
        self.aggregator = aggregator or _average

    def compute_summary(self, trainer):
        """Record this iteration's value; when ``comm_trigger`` fires, the
        combined value (the same on every process), else None."""
        if self.original_key in trainer.observation:
            self.observation_history.append(_host(trainer.observation[self.original_key]))
        if not self.comm_trigger(trainer):
            return None
        histories = self.comm.gather_obj(self.observation_history, root=0)
        self.observation_history = []
        message = None
        if self.comm.rank == 0:
            if any(histories):
                try:
                    message = ('ok', self.aggregator(histories))
                except Exception as e:     # every process raises, none waits
                    message = ('error', '{}: {}'.format(type(e).__name__, e))
            else:
                message = ('none', None)
        kind, value = self.comm.bcast_obj(message, root=0)
        if kind == 'error':
            raise RuntimeError('ObservationAggregator: the aggregator failed on rank 0 '
                               'for {!r}: {}'.format(self.original_key, value))
        return value

    def __call__(self, trainer):
        summary = self.compute_summary(trainer)
        if summary is not None:
            trainer.observation[self.aggregated_key] = summary
