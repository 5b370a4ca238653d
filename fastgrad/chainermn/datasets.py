"""Splitting a dataset among processes (ChainerMN's scatter_dataset)."""
import numpy

from fastgrad.datasets import SubDataset


class DataSizeError(RuntimeError):
    pass


def _shards(n, size, force_equal_length):
    """(begin, end) per process; with force_equal_length every shard has
    ceil(n / size) examples (the last ones overlap the next shard)."""
    if force_equal_length:
        length = (n + size - 1) // size
        return [(n * i // size, n * i // size + length) for i in range(size)]
    bounds, b = [], 0
    for i in range(size):
        length = n // size + (1 if i < n % size else 0)
        bounds.append((b, b + length))
        b += length
    return bounds


def scatter_index(n_total_samples, comm, root=0, *, force_equal_length=True):
    """This process's (begin, end) of ``n_total_samples``, decided by ``root``."""
    shards = _shards(n_total_samples, comm.size, force_equal_length) \
        if comm.rank == root else None
    return tuple(comm.mpi_comm.scatter(shards, root=root))


def scatter_dataset(dataset, comm, root=0, shuffle=False, seed=None, max_buf_len=256 * 1024 * 1024,
                    *, force_equal_length=True):
    """``root``'s dataset, split into one SubDataset per process (shuffled
    with ``seed`` first if ``shuffle``)."""
    if not 0 <= root < comm.size:
        raise ValueError('scatter_dataset: root {} is not a rank of {} processes'
                         .format(root, comm.size))
    order = None
    if comm.rank == root and shuffle:
        order = numpy.random.RandomState(seed).permutation(len(dataset))
    dataset, order = comm.bcast_obj((dataset, order) if comm.rank == root else None,
                                    root=root)
    b, e = scatter_index(len(dataset), comm, root, force_equal_length=force_equal_length)
    return SubDataset(dataset, b, e, order)


def create_empty_dataset(dataset):
    """A dataset of ``len(dataset)`` empty tuples (for processes that only
    pass activations in model parallelism)."""
    return [()] * len(dataset)


def get_n_iterations_for_one_epoch(dataset, local_batch_size, comm):
    n = comm.bcast_obj(len(dataset))
    return (n + local_batch_size - 1) // local_batch_size
