"""``global_except_hook``: an uncaught exception on one process prints its
traceback and aborts the whole MPI job, instead of leaving the other
processes waiting forever in a collective call."""
import sys
import traceback


def _hook(exc_type, value, tb):
    from mpi4py import MPI
    rank = MPI.COMM_WORLD.Get_rank()
    # one write: mpiexec may stop forwarding a rank's output as the job aborts, and
    # the banner without its traceback would name no cause
    sys.stderr.write('*** uncaught exception on rank {} of {}; aborting the job ***\n{}'
                     .format(rank, MPI.COMM_WORLD.Get_size(),
                             ''.join(traceback.format_exception(exc_type, value, tb))))
    sys.stderr.flush()
    MPI.COMM_WORLD.Abort(1)


def add_hook():
    """Install the hook (``sys.excepthook``)."""
    sys.excepthook = _hook


def _add_hook_if_enabled():
    import os
    if os.environ.get('CHAINERMN_FORCE_ABORT_ON_EXCEPTION'):
        add_hook()
