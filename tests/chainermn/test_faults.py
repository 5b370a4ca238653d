"""Faults under ``mpiexec -n 2`` with ``global_except_hook`` enabled: a rank
killed by SIGKILL while the other waits for it in a collective ends the job
(non-zero exit, well within the timeout) and leaves no process behind.  (A
rank *raising* mid-job is tested in test_chainermn.py.)"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import fastgrad

pytest.importorskip('mpi4py')
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
MPIEXEC = (os.path.join(os.path.dirname(sys.executable), 'mpiexec')
           if os.path.exists(os.path.join(os.path.dirname(sys.executable), 'mpiexec'))
           else shutil.which('mpiexec'))
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
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''),
               OMP_NUM_THREADS='1')
    if hook_env:        # the hook by environment; else by add_hook() before the job
        env['CHAINERMN_FORCE_ABORT_ON_EXCEPTION'] = '1'
        args = [os.path.join(HERE, 'fault_program.py'), mode, pidfile]
    else:
        env.pop('CHAINERMN_FORCE_ABORT_ON_EXCEPTION', None)
        args = ['-c', 'import sys, runpy; from fastgrad import chainermn; '
                'chainermn.global_except_hook.add_hook(); sys.argv = sys.argv[1:]; '
                'runpy.run_path(sys.argv[0], run_name="__main__")',
                os.path.join(HERE, 'fault_program.py'), mode, pidfile]
    start = time.monotonic()
    out = subprocess.run([MPIEXEC, '-n', '2', sys.executable] + args,
                         capture_output=True, text=True, timeout=60, env=env,
                         cwd=tempfile.gettempdir())
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
