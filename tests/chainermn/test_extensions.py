"""chainermn's iterators, dataset splitting and trainer extensions under
``mpiexec -n 2`` and ``-n 3`` (skipped where mpi4py or mpiexec is missing).
Each program checks its results on every rank and aborts the job on a
failed check; the timeouts turn a hang into a failure."""
import os
import sys

import pytest

import fastgrad

pytest.importorskip('mpi4py')
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from mpi_run import MPIEXEC, mpirun  # noqa: E402  (tests/_helpers: mpiexec and its runner)

pytestmark = pytest.mark.skipif(MPIEXEC is None, reason='mpiexec not found')


def _ok_lines(out):
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return [line for line in out.stdout.splitlines() if line.startswith('OK ')]


@pytest.mark.parametrize('n', [2, 3])
def test_iterators_and_scatter(n):
    out = mpirun([os.path.join(HERE, 'ext_iterators.py')], n=n, timeout=180)
    assert _ok_lines(out) == ['OK multi_node_iterator', 'OK synchronized_iterator',
                              'OK scatter_dataset']


@pytest.mark.parametrize('n', [2, 3])
def test_extensions(n):
    out = mpirun([os.path.join(HERE, 'ext_extensions.py')], n=n, timeout=180)
    assert _ok_lines(out) == ['OK multi_node_evaluator', 'OK generic_multi_node_evaluator',
                              'OK allreduce_persistent', 'OK observation_aggregator',
                              'OK multi_node_early_stopping_trigger']


@pytest.mark.parametrize('n', [2, 3])
def test_checkpoint_resume_from_the_newest_common_iteration(n, tmp_path):
    folder = str(tmp_path / 'out')
    out = mpirun([os.path.join(HERE, 'ext_checkpoint.py'), 'save', folder], n=n,
                  timeout=180)
    assert _ok_lines(out) == ['OK checkpoint save']
    # rank 1 lost its newest checkpoint (6) and its newest snapshot (6)
    os.remove(os.path.join(folder, 'run.1.6'))
    os.remove(os.path.join(folder, 'snapshot_iter_6.1'))
    out = mpirun([os.path.join(HERE, 'ext_checkpoint.py'), 'load', folder], n=n,
                  timeout=180)
    assert _ok_lines(out) == ['OK checkpoint resume', 'OK multi_node_snapshot resume']
    assert not [f for f in os.listdir(folder) if f.startswith('run.')]


def test_single_process_names():
    from fastgrad import chainermn
    installed = 'chainer' in sys.modules
    fastgrad.install_as_chainer()
    try:
        import chainermn as alias
        import chainermn.datasets.scatter  # NOQA
        import chainermn.extensions  # NOQA
        import chainermn.iterators  # NOQA
    finally:
        if not installed:
            fastgrad._alias.uninstall_chainer_alias()
    assert alias is chainermn
    assert alias.iterators.create_multi_node_iterator is \
        chainermn.iterators.multi_node_iterator.create_multi_node_iterator
    assert alias.datasets.scatter.scatter_dataset is chainermn.scatter_dataset
    for name in ('AllreducePersistent', 'GenericMultiNodeEvaluator', 'ObservationAggregator',
                 'MultiNodeEarlyStoppingTrigger', 'create_multi_node_checkpointer',
                 'create_multi_node_evaluator', 'multi_node_snapshot'):
        assert callable(getattr(alias.extensions, name)), name
    comm = chainermn.create_communicator('naive')
    ds = chainermn.scatter_dataset(list(range(7)), comm, shuffle=True, seed=0)
    assert sorted(ds) == list(range(7))
    with pytest.raises(chainermn.DataSizeError, match='max_buf_len'):
        chainermn.scatter_dataset([1], comm, max_buf_len=2 ** 31)
    with pytest.raises(ValueError, match='rank_master'):
        chainermn.iterators.create_multi_node_iterator(None, comm, rank_master=1)
    with pytest.deprecated_call():
        assert chainermn.datasets.get_epoch_trigger(2, ds, 3, comm) == (6, 'iteration')
