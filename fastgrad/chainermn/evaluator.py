"""``create_multi_node_evaluator``: an Evaluator whose result is the mean
of every process's result."""


def create_multi_node_evaluator(actual_evaluator, communicator):
    """Wrap a ``training.extensions.Evaluator`` (in place, as ChainerMN
    does) so that ``evaluate()`` averages each metric over the processes."""
    evaluate = actual_evaluator.evaluate

    def multi_node_evaluate():
        local = evaluate()
        keys = sorted(local)
        gathered = communicator.allgather_obj([float(local[k]) for k in keys])
        return {k: sum(g[i] for g in gathered) / len(gathered) for i, k in enumerate(keys)}
    actual_evaluator.evaluate = multi_node_evaluate
    return actual_evaluator


