"""Running a script under ``mpiexec`` from the chainermn tests: where the
source root and ``mpiexec`` are, and one runner with a timeout.

The tests put tests/_helpers on ``sys.path`` and ``import mpi_run``.  The
child processes run from outside the source tree (``-m`` and a script's
directory go first on ``sys.path``) with the source root on ``PYTHONPATH``, so
they import the fastgrad being tested."""
import os
import shutil
import subprocess
import sys
import tempfile

import fastgrad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
_NEXT_TO_PYTHON = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
# the mpiexec that comes with this Python's mpi4py first, else the one on PATH
MPIEXEC = _NEXT_TO_PYTHON if os.path.exists(_NEXT_TO_PYTHON) else shutil.which('mpiexec')


def mpi_env(extra=None, drop=()):
    """The environment of an MPI child: the source root first on PYTHONPATH,
    one OpenMP thread per rank, ``extra`` added and the names in ``drop``
    removed."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''),
               OMP_NUM_THREADS='1', **(extra or {}))
    for name in drop:
        env.pop(name, None)
    return env


def mpirun(args, n=2, timeout=120, env=None, drop=()):
    """Run ``mpiexec -n n python *args`` from the temporary directory and
    return the CompletedProcess (text output captured); ``env`` and ``drop``
    go to mpi_env().  A run past
    ``timeout`` seconds raises subprocess.TimeoutExpired, so a hang fails the
    test instead of stalling the suite."""
    if MPIEXEC is None:
        raise RuntimeError('mpi_run.mpirun: mpiexec not found (next to {} or on PATH)'
                           .format(sys.executable))
    if not timeout or timeout <= 0:
        raise ValueError('mpi_run.mpirun: timeout must be a positive number of seconds, '
                         'got {!r}'.format(timeout))
    return subprocess.run([MPIEXEC, '-n', str(n), sys.executable] + list(args),
                          capture_output=True, text=True, timeout=timeout,
                          env=mpi_env(env, drop),
                          cwd=tempfile.gettempdir())
