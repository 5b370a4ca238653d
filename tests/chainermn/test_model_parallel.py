"""chainermn.links / chainermn.functions under ``mpiexec`` (skipped where
mpi4py or mpiexec is missing): MultiNodeBatchNormalization equals
BatchNormalization on the full batch; the differentiable communication
functions and MultiNodeChainList give the single-process gradients.  Every
run has a timeout, so a deadlock fails the test instead of hanging it."""
import os
import subprocess
import sys
import tempfile

import pytest

pytest.importorskip('mpi4py')
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from mpi_run import MPIEXEC, ROOT, mpirun  # noqa: E402  (tests/_helpers: mpiexec and its runner)

pytestmark = pytest.mark.skipif(MPIEXEC is None, reason='mpiexec not found')


def _mpirun(script, *args, n=2, timeout=120):
    out = mpirun([os.path.join(HERE, script)] + list(args), n=n, timeout=timeout)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return [line for line in out.stdout.splitlines() if line.startswith('OK ')]


@pytest.mark.parametrize('n', [2, 3])
def test_multi_node_batch_normalization_equals_full_batch(n):
    assert _mpirun('mp_batchnorm.py', 'even', n=n) == ['OK link', 'OK model', 'OK errors']


@pytest.mark.parametrize('n', [2, 3])
def test_multi_node_batch_normalization_uneven_batches(n):
    assert _mpirun('mp_batchnorm.py', 'uneven', n=n) == ['OK link uneven']


def test_names_under_the_alias():
    # a subprocess: the alias changes this process's import system
    code = ('import fastgrad; fastgrad.install_as_chainer()\n'
            'import chainermn, chainermn.links, chainermn.functions\n'
            'from chainermn.functions import send, recv, pseudo_connect\n'
            'from chainermn.links import create_mnbn_model\n'
            'import fastgrad.chainermn as mn\n'
            'assert chainermn.links.MultiNodeBatchNormalization is '
            'mn.links.MultiNodeBatchNormalization\n'
            'assert chainermn.MultiNodeChainList is mn.links.MultiNodeChainList\n'
            'assert chainermn.functions.send is mn.functions.send\n'
            'for name in ("bcast", "gather", "allgather", "scatter", "alltoall", '
            '"create_multi_node_n_step_rnn"):\n'
            '    assert hasattr(chainermn.functions, name) or '
            'hasattr(chainermn.links, name), name\n'
            'print("ok")\n')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=120, env=env, cwd=tempfile.gettempdir())
    assert out.returncode == 0 and out.stdout.strip() == 'ok', out.stderr[-3000:]


def test_importing_the_links_does_not_import_mpi4py():
    code = ('import sys, fastgrad.chainermn.links, fastgrad.chainermn.functions\n'
            'print("mpi4py" in sys.modules)\n')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=120, env=env, cwd=tempfile.gettempdir())
    assert out.stdout.strip() == 'False', out.stderr[-3000:]


def test_model_parallel_equals_single_process():
    assert _mpirun('mp_model_parallel.py') == [
        'OK two stages', 'OK round trip', 'OK pseudo_connect', 'OK collectives',
        'OK MultiNodeChainList', 'OK self send', 'OK n_step_rnn', 'OK errors']


def test_collective_functions_on_three_processes():
    assert _mpirun('mp_model_parallel.py', 'collectives', n=3) == [
        'OK collectives', 'OK self send']

