"""Faults under ``mpiexec -n 2`` with ``global_except_hook`` enabled: a rank
killed by SIGKILL while the other waits for it in a collective ends the job
(non-zero exit, well within the timeout) and leaves no process behind.  (A
rank *raising* mid-job is tested in test_chainermn.py.)"""
import os
import sys
import time

import pytest

pytest.importorskip('mpi4py')
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from mpi_run import MPIEXEC, mpirun  # noqa: E402  (tests/_helpers: mpiexec and its runner)

pytestmark = pytest.mark.skipif(MPIEXEC is None, reason='mpiexec not found')


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.mark.parametrize('mode,hook_env', [('allreduce', True), ('update', True),
                                           ('update', False)])
def test_a_killed_rank_ends_the_job(tmp_path, mode, hook_env):
    pidfile = str(tmp_path / 'pid')
    env, drop = {}, ()
    if hook_env:        # the hook by environment; else by add_hook() before the job
        env['CHAINERMN_FORCE_ABORT_ON_EXCEPTION'] = '1'
        args = [os.path.join(HERE, 'fault_program.py'), mode, pidfile]
    else:
        drop = ('CHAINERMN_FORCE_ABORT_ON_EXCEPTION',)
        args = ['-c', 'import sys, runpy; from fastgrad import chainermn; '
                'chainermn.global_except_hook.add_hook(); sys.argv = sys.argv[1:]; '
                'runpy.run_path(sys.argv[0], run_name="__main__")',
                os.path.join(HERE, 'fault_program.py'), mode, pidfile]
    start = time.monotonic()
    out = mpirun(args, n=2, timeout=60, env=env, drop=drop)
    elapsed = time.monotonic() - start
    assert out.returncode != 0, out.stdout + out.stderr[-3000:]
    assert 'UNREACHED' not in out.stdout
    assert elapsed < 60
    # both ranks had started; the waiting one was torn down with the job
    pids = [int(open('{}.{}'.format(pidfile, r)).read()) for r in range(2)]
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids), 'a rank outlived mpiexec: {}'.format(pids)
