"""GPU communicators: ``pure_nccl`` (NCCL through CuPy) and CuPy models
through the MPI communicators (staged through host memory), under
``mpiexec``.  The ``gpu`` tests skip without CuPy and a CUDA device; the
errors for a machine without them are checked everywhere."""
import os
import sys

import pytest

from fastgrad.backends import cuda

pytest.importorskip('mpi4py')
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from mpi_run import MPIEXEC, mpirun  # noqa: E402  (tests/_helpers: mpiexec and its runner)

needs_mpiexec = pytest.mark.skipif(MPIEXEC is None, reason='mpiexec not found')


def _mpirun(args, n=2, timeout=300, env=None):
    return mpirun(args, n=n, timeout=timeout, env=env)


def _n_gpus():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount()
    except Exception:
        return 0


ALL_CHECKS = ['OK mean_grad', 'OK mean_grad_float16', 'OK bcast_data', 'OK SGD',
              'OK MomentumSGD', 'OK Adam', 'OK collectives']


@pytest.mark.skipif(cuda.available, reason='CuPy and a CUDA device are present')
def test_pure_nccl_without_cupy_says_what_is_missing():
    from fastgrad import chainermn
    with pytest.raises(RuntimeError, match="'pure_nccl' needs .*(CuPy|CUDA device|NCCL)"):
        chainermn.create_communicator('pure_nccl')
    with pytest.raises(RuntimeError, match='pure_nccl'):
        chainermn.create_communicator('pure_nccl', allreduce_grad_dtype='float16')


def test_pure_nccl_rejects_an_integer_wire_dtype():
    from fastgrad import chainermn
    with pytest.raises(ValueError, match='allreduce_grad_dtype must be float16, float32, '
                                         'float64 or None, got int32'):
        chainermn.create_communicator('pure_nccl', allreduce_grad_dtype='int32')


@needs_mpiexec
@pytest.mark.gpu
@pytest.mark.parametrize('name', ['non_cuda_aware', 'naive'])
def test_cupy_model_through_mpi_communicator(name):
    # one GPU can host both ranks: MPI sees host copies only
    out = _mpirun([os.path.join(HERE, 'gpu_program.py'), name])
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines()[:len(ALL_CHECKS)] == ALL_CHECKS


@needs_mpiexec
@pytest.mark.gpu
def test_pure_nccl_one_rank():
    # every NCCL call (unique id, init, allReduce, bcast, float16 wire) on one GPU
    out = _mpirun([os.path.join(HERE, 'gpu_program.py'), 'pure_nccl'], n=1)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines()[:len(ALL_CHECKS)] == ALL_CHECKS


@needs_mpiexec
@pytest.mark.gpu
@pytest.mark.skipif(_n_gpus() < 2, reason='NCCL needs one GPU per rank: 2 GPUs')
def test_pure_nccl_two_ranks():
    out = _mpirun([os.path.join(HERE, 'gpu_program.py'), 'pure_nccl'])
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines()[:len(ALL_CHECKS)] == ALL_CHECKS


@needs_mpiexec
@pytest.mark.gpu
def test_pure_nccl_two_ranks_on_one_gpu_is_a_clear_error(tmp_path):
    script = tmp_path / 'same_gpu.py'
    script.write_text(
        'import cupy, fastgrad.links as L\n'
        'import fastgrad.chainermn as mn\n'
        'mn.global_except_hook.add_hook()\n'
        'comm = mn.create_communicator("pure_nccl")\n'
        'cupy.cuda.Device(0).use()\n'
        'model = L.Linear(2, 2)\n'
        'model.to_gpu()\n'
        'comm.bcast_data(model)\n')
    out = _mpirun([str(script)], timeout=120)
    assert out.returncode != 0
    assert 'use the same GPU' in out.stderr, out.stderr[-3000:]
