"""ChainerMN's module layout under the alias: ``chainermn.testing``,
``chainermn.nccl`` and the communicator modules Chainer's own tests import."""
import importlib
import os
import sys

import numpy
import pytest

import fastgrad
from fastgrad import chainermn

pytest.importorskip('mpi4py')
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from mpi_run import MPIEXEC, mpirun  # noqa: E402  (tests/_helpers: mpiexec and its runner)


def test_testing_get_device():
    assert chainermn.testing.get_device().name == '@numpy'
    assert chainermn.testing.get_device(None, False).name == '@numpy'
    with pytest.raises(ValueError, match='ChainerX'):
        chainermn.testing.get_device(use_chainerx=True)


@pytest.mark.parametrize('module,name', [
    ('naive_communicator', 'NaiveCommunicator'),
    ('flat_communicator', 'FlatCommunicator'),
    ('non_cuda_aware_communicator', 'NonCudaAwareCommunicator'),
    ('dummy_communicator', 'DummyCommunicator'),
    ('mpi_communicator_base', 'MpiCommunicatorBase'),
    ('communicator_base', 'CommunicatorBase'),
    ('pure_nccl_communicator', 'PureNcclCommunicator'),
])
def test_communicator_modules(module, name):
    mod = importlib.import_module('fastgrad.chainermn.communicators.' + module)
    assert issubclass(getattr(mod, name), chainermn.CommunicatorBase)


def test_non_cuda_aware_is_its_own_class():
    comm = chainermn.create_communicator('non_cuda_aware')
    assert type(comm).__name__ == 'NonCudaAwareCommunicator'
    assert isinstance(comm, chainermn.communicators.FlatCommunicator)


def test_nccl_module_says_whether_available():
    try:
        import cupy.cuda.nccl  # noqa: F401
        has = True
    except Exception:
        has = False
    assert chainermn.nccl._available is has


def test_array_to_buffer_object_numpy():
    from fastgrad.chainermn.communicators import _memory_utility
    a = numpy.arange(6, dtype=numpy.float32).reshape(2, 3).T
    buf = _memory_utility.array_to_buffer_object(a)
    assert buf.flags.c_contiguous and numpy.array_equal(buf, a)


def test_alias_resolves_the_modules():
    fastgrad.install_as_chainer()
    import chainermn.testing  # noqa: F401
    from chainermn.communicators.naive_communicator import NaiveCommunicator
    assert NaiveCommunicator is chainermn.communicators.NaiveCommunicator


@pytest.mark.skipif(MPIEXEC is None, reason='mpiexec not found')
def test_chunked_bcast_and_ranks_two_processes():
    out = mpirun([os.path.join(HERE, 'mpi_compat_names.py')], timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count('OK') == 2, out.stdout


def test_set_config_and_get_config():
    comm = chainermn.create_communicator('naive')
    assert comm.get_config('batched_copy') is True and comm.batched_copy
    comm.set_config('batched_copy', False)
    assert comm.get_config('batched_copy') is False and not comm.batched_copy
    comm.set_config('batched_copy')
    assert comm.batched_copy
    comm.set_config('allreduce_grad_dtype', numpy.float16)
    assert comm.allreduce_grad_dtype == numpy.float16
    assert comm.get_config() == {'batched_copy': True, 'allreduce_grad_dtype': numpy.float16}
    with pytest.raises(ValueError, match='unknown configuration'):
        comm.set_config('blah')
    with pytest.raises(ValueError, match='unknown configuration'):
        comm.get_config('blah')
    with comm.config_scope():
        comm.extra = 3
    comm.other = 4          # outside the scope: an attribute, not a configuration
    assert comm.get_config('extra') == 3 and 'other' not in comm.get_config()


@pytest.mark.parametrize('n,size', [(10, 3), (1244, 23), (2, 1), (0, 4)])
def test_scatter_index_without_communicator(n, size):
    from fastgrad.chainermn.datasets.scatter import _scatter_index
    shards = list(_scatter_index(n, size, False))
    assert [r for r, _, _ in shards] == list(range(size))
    ranges = [list(range(b, e)) for _, b, e in shards]
    assert sum(ranges, []) == list(range(n))          # in order, nothing twice, nothing lost
    assert max(map(len, ranges)) - min(map(len, ranges)) <= 1
    assert list(_scatter_index(10, 3, False)) == [(0, 0, 4), (1, 4, 7), (2, 7, 10)]


@pytest.mark.parametrize('name', ['naive', 'flat'])
def test_debug_mode_rejects_a_diverged_gradient(name):
    comm = chainermn.create_communicator(name)
    model = fastgrad.links.Linear(2, 2)
    model.W.grad = numpy.array([[1, numpy.nan], [0, 0]], numpy.float32)
    model.b.grad = numpy.zeros(2, numpy.float32)
    comm.multi_node_mean_grad(model)          # not in debug mode: no check
    model.W.grad = numpy.array([[1, numpy.nan], [0, 0]], numpy.float32)
    with fastgrad.using_config('debug', True):
        with pytest.raises(ValueError, match='diverged'):
            comm.multi_node_mean_grad(model)


@pytest.mark.skipif(MPIEXEC is None, reason='mpiexec not found')
def test_recv_obj_takes_any_tag_by_default():
    out = mpirun([os.path.join(HERE, 'mpi_recv_any_tag.py')], timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count('OK') == 2, out.stdout
