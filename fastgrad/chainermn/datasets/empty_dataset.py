"""``create_empty_dataset``: placeholders for processes without inputs."""


def create_empty_dataset(dataset):
    """A list of ``len(dataset)`` empty tuples, for the processes of a
    model-parallel program whose part of the model takes no input from the
    dataset (it starts with ``chainermn.functions.recv``): their iterator
    then runs in step with the others.

    >>> from fastgrad.chainermn.datasets import create_empty_dataset
    >>> create_empty_dataset([10, 20, 30])
    [(), (), ()]
    """
    return [()] * len(dataset)
