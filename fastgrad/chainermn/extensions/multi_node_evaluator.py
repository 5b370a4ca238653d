"""Evaluation over all processes: ``create_multi_node_evaluator`` (the mean
of every process's metrics) and ``GenericMultiNodeEvaluator`` (any
aggregation of every process's results)."""
import copy
import itertools
import types

import numpy

from fastgrad import backend, configuration
from fastgrad.dataset import convert
from fastgrad.training import extension


def _host(value):
    """A metric as something that pickles without a device (NumPy)."""
    array = getattr(value, 'array', value)
    if hasattr(array, 'dtype') and not isinstance(array, (numpy.ndarray, numpy.generic)):
        return backend.CpuDevice().send(array)      # CuPy, ChainerX...
    return array


def _multi_node_evaluate(self):
    local = self._mn_original_evaluate()
    comm = self._mn_communicator
    mine = sorted(local)
    everyone = comm.allgather_obj([(k, _host(local[k])) for k in mine])
    keys = [[k for k, _ in items] for items in everyone]
    for rank, theirs in enumerate(keys):
        if theirs != mine:
            missing = sorted(set(mine) ^ set(theirs))
            raise ValueError(
                'create_multi_node_evaluator: the processes report different metrics: '
                'rank {} has {}, rank {} has {} (differing: {})'.format(
                    comm.rank, mine, rank, theirs, missing))
    result = {}
    for i, key in enumerate(mine):
        total = everyone[0][i][1]
        for items in everyone[1:]:
            total = total + items[i][1]
        result[key] = total / comm.size
    return result


def create_multi_node_evaluator(actual_evaluator, communicator):
    """Make ``actual_evaluator`` report the mean over the processes.

    The evaluator (e.g. a ``training.extensions.Evaluator``) is changed in
    place, as in ChainerMN: its ``evaluate()`` evaluates this process's
    shard, then every metric is averaged over the processes, so each
    process reports the same numbers.  Give every process a shard of the
    same length (``scatter_dataset`` does by default): the mean of the
    shards' means is then the mean over the whole set.

    Args:
        actual_evaluator: the evaluator to change.
        communicator: a ChainerMN communicator.

    Returns:
        ``actual_evaluator``.
    """
    actual_evaluator._mn_original_evaluate = actual_evaluator.evaluate
    actual_evaluator._mn_communicator = communicator
    actual_evaluator.evaluate = types.MethodType(_multi_node_evaluate, actual_evaluator)
    return actual_evaluator


class GenericMultiNodeEvaluator(extension.Extension):
    """An evaluator for results that are not simply averaged.

    Each process runs :meth:`calc_local` on every batch of its
    ``iterator`` (a non-repeating one, over its shard); the results of all
    processes are gathered at ``root``, which passes them, as one list, to
    :meth:`aggregate`.  Override both for your metric (e.g. a precision at
    k over the whole test set, duplicates removed).  Calling the extension
    returns what ``aggregate`` returned on ``root`` and None elsewhere.
    Nothing is reported automatically: report from ``aggregate``.

    Args:
        comm: a ChainerMN communicator (None: this process alone).
        iterator: the test iterator; must not repeat.
        target: the model; the default :meth:`calc_local` calls it.
        device: where the converter sends the batches.
        converter: as for ``Evaluator`` (``concat_examples`` by default).
        root (int): the rank that aggregates.
        progress_hook: called on ``root`` with each of its batches.
    """

    trigger = 1, 'epoch'
    default_name = 'validation'
    priority = extension.PRIORITY_WRITER
    name = None

    def __init__(self, comm, iterator, target, device=None,
                 converter=convert.concat_examples, root=0, *, progress_hook=None):
        if device is not None:
            device = backend.get_device(device)
        size = 1 if comm is None else comm.size
        if not 0 <= root < size:
            raise ValueError('GenericMultiNodeEvaluator: root {} is not a rank of {} '
                             'processes'.format(root, size))
        self.comm = comm
        self.iterator = iterator
        self._targets = {'main': target}
        self.converter = converter
        self.device = device
        self.root = root
        self._progress_hook = progress_hook

    def calc_local(self, *args, **kwargs):
        """The result of one batch (the converted batch as arguments); by
        default the target's output.  Must not return None."""
        return self._targets['main'](*args, **kwargs)

    def aggregate(self, results):
        """Combine ``results`` (the results of every batch of every
        process) on ``root``; by default returns the list unchanged."""
        return results

    def _local_results(self, it, hook):
        results = []
        for batch in it:
            in_arrays = convert._call_converter(self.converter, batch, self.device)
            with configuration.no_backprop_mode():
                if isinstance(in_arrays, tuple):
                    result = self.calc_local(*in_arrays)
                elif isinstance(in_arrays, dict):
                    result = self.calc_local(**in_arrays)
                else:
                    result = self.calc_local(in_arrays)
            if hook is not None:
                hook(batch)
            results.append(result)
        return results

    def __call__(self, trainer=None):
        if hasattr(self.iterator, 'reset'):
            self.iterator.reset()
            it = self.iterator
        else:
            it = copy.copy(self.iterator)
        if self.comm is None:
            return self.aggregate(self._local_results(it, self._progress_hook))
        is_root = self.comm.rank == self.root
        try:
            local = self._local_results(it, self._progress_hook if is_root else None)
            error = None
        except Exception as e:        # told to every process below, then raised
            local, error = None, e
        gathered = self.comm.gather_obj(
            (None if error is None else '{}: {}'.format(type(error).__name__, error), local),
            root=self.root)
        failed = None
        if is_root:
            failed = [(rank, msg) for rank, (msg, _) in enumerate(gathered) if msg]
        failed = self.comm.bcast_obj(failed, root=self.root)
        if error is not None:
            raise error
        if failed:
            raise RuntimeError('GenericMultiNodeEvaluator: evaluation failed on rank {}: {}'
                               .format(*failed[0]))
        if not is_root:
            return None
        # interleaved as ChainerMN gathers them: batch 0 of every rank, batch 1...
        results = [r for round_ in itertools.zip_longest(*[res for _, res in gathered])
                   for r in round_ if r is not None]
        return self.aggregate(results)
