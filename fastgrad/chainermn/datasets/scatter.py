"""Splitting a dataset among processes (ChainerMN's ``scatter_dataset``)."""
import pickle
import warnings

import numpy

from fastgrad.datasets import SubDataset

_INT_MAX = 2 ** 31 - 1      # MPI counts are C ints


class DataSizeError(RuntimeError):
    """A dataset (or a chunk size) that cannot be sent through MPI."""


def _shards(n, size, force_equal_length):
    """(begin, end) per process.  With ``force_equal_length`` every shard
    has ceil(n / size) examples (a shard may overlap the next one);
    without, the first ``n % size`` shards have one example more and no
    example is in two shards."""
    if size <= 0 or n < 0:
        raise ValueError('scatter_index: needs a positive number of processes and a '
                         'non-negative number of samples, got {} and {}'.format(size, n))
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
    """This process's ``(begin, end)`` of ``n_total_samples``, decided by
    ``root`` (only its ``n_total_samples`` counts).

    Args:
        n_total_samples (int): the number of samples to split.
        comm: a ChainerMN communicator.
        root (int): the rank that decides.
        force_equal_length (bool): every process gets the same number of
            samples (``ceil(n / size)``; neighbouring ranges may overlap);
            if False, the ranges do not overlap and differ in length by at
            most one (for an exact evaluation of a test set).
    """
    shards = None
    if comm.rank == root:
        shards = _shards(int(n_total_samples), comm.size, force_equal_length)
    return tuple(comm.scatter_obj(shards, root=root))


def _bcast_pickled(comm, obj, root, max_buf_len, what):
    """Broadcast a picklable ``obj`` from ``root`` in chunks of at most
    ``max_buf_len`` bytes (so that data sets over 2 GiB can be sent).  An
    error on ``root`` (e.g. an unpicklable dataset) is raised on every
    process instead of leaving them waiting."""
    mpi_comm = comm.mpi_comm
    header, data = None, None
    if comm.rank == root:
        try:
            data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
            header = ('ok', len(data))
        except Exception as e:      # sent to every process, raised below
            header = ('error', '{}: {}'.format(type(e).__name__, e))
    header = mpi_comm.bcast(header, root=root)
    if header[0] == 'error':
        raise DataSizeError('{}: rank {} could not serialize the dataset: {}'.format(
            what, root, header[1]))
    n = header[1]
    buf = numpy.frombuffer(data, numpy.uint8) if comm.rank == root else numpy.empty(
        n, numpy.uint8)
    for begin in range(0, n, max_buf_len):
        mpi_comm.Bcast(buf[begin:begin + max_buf_len], root=root)
    return obj if comm.rank == root else pickle.loads(buf.tobytes())


def scatter_dataset(dataset, comm, root=0, shuffle=False, seed=None,
                    max_buf_len=256 * 1024 * 1024, *, force_equal_length=True):
    """Split ``root``'s dataset into one SubDataset per process.

    The dataset (and, with ``shuffle``, a permutation drawn from
    ``numpy.random.RandomState(seed)``) is broadcast from ``root`` in chunks
    of ``max_buf_len`` bytes; the datasets passed on the other ranks are
    ignored.  Keep ``force_equal_length`` for training and for the
    multi-node evaluator, which need the same number of batches on every
    process.

    Args:
        dataset: the dataset on ``root`` (anything with ``len`` that pickles).
        comm: a ChainerMN communicator.
        root (int): the rank whose dataset is split.
        shuffle (bool): permute the examples before splitting.
        seed (int): the permutation's seed (None: a random one).
        max_buf_len (int): the largest chunk sent at once, in bytes
            (1 to 2147483647).
        force_equal_length (bool): see :func:`scatter_index`.

    Raises:
        DataSizeError: ``max_buf_len`` is out of range, or the dataset
            cannot be serialized.
    """
    if not 0 <= root < comm.size:
        raise ValueError('scatter_dataset: root {} is not a rank of {} processes'
                         .format(root, comm.size))
    if not 0 < max_buf_len <= _INT_MAX:
        raise DataSizeError('scatter_dataset: max_buf_len must be between 1 and {} '
                            '(an MPI count), got {}'.format(_INT_MAX, max_buf_len))
    payload = None
    if comm.rank == root:
        if dataset is None:
            payload = ValueError('scatter_dataset: the dataset on the root rank {} is '
                                 'None'.format(root))
        else:
            order = (numpy.random.RandomState(seed).permutation(len(dataset))
                     if shuffle else None)
            payload = (dataset, order)
    payload = _bcast_pickled(comm, payload, root, max_buf_len, 'scatter_dataset')
    if isinstance(payload, Exception):
        raise payload
    dataset, order = payload
    b, e = scatter_index(len(dataset), comm, root, force_equal_length=force_equal_length)
    return SubDataset(dataset, b, e, order)


def get_n_iterations_for_one_epoch(dataset, local_batch_size, comm):
    """The iterations of one epoch on rank 0's shard (deprecated in
    ChainerMN: use epoch triggers)."""
    warnings.warn('get_n_iterations_for_one_epoch is deprecated; use epoch triggers',
                  DeprecationWarning)
    n = comm.bcast_obj(len(dataset) if comm.rank == 0 else None)
    return (n + local_batch_size - 1) // local_batch_size


def get_epoch_trigger(n_epochs, dataset, local_batch_size, comm):
    """``(n_epochs * iterations per epoch, 'iteration')`` (deprecated in
    ChainerMN: use epoch triggers)."""
    warnings.warn('get_epoch_trigger is deprecated; use epoch triggers',
                  DeprecationWarning)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        n = get_n_iterations_for_one_epoch(dataset, local_batch_size, comm)
    return n_epochs * n, 'iteration'


def _scatter_index(n_total_samples, size, force_equal_length):
    """Yield ``(rank, begin, end)`` of each of ``size`` processes (the
    shards of :func:`scatter_index`, without a communicator)."""
    for i, (b, e) in enumerate(_shards(n_total_samples, size, force_equal_length)):
        yield i, b, e
