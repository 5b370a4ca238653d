"""Run under ``mpiexec -n 2``: rank 1 is killed (SIGKILL, no Python cleanup,
no exception hook) while rank 0 waits for it in a collective.  Usage:
``fault_program.py MODE PIDFILE`` with MODE ``allreduce`` (rank 0 in
``comm.allreduce``) or ``update`` (rank 0 in a multi-node optimizer's
gradient all-reduce); each rank writes its pid to ``PIDFILE.<rank>``.  The
job must end (mpiexec tears it down); rank 0 printing ``UNREACHED`` means
the collective returned without the killed rank."""
import os
import signal
import sys
import time

import numpy

import fastgrad
import fastgrad.links as L
from fastgrad import chainermn, optimizers


def main(mode, pidfile):
    comm = chainermn.create_communicator('flat')
    with open('{}.{}'.format(pidfile, comm.rank), 'w') as f:
        f.write(str(os.getpid()))
    comm.mpi_comm.barrier()
    if mode == 'allreduce':
        if comm.rank == 1:
            time.sleep(0.5)                         # rank 0 is inside Allreduce
            os.kill(os.getpid(), signal.SIGKILL)
        comm.allreduce(numpy.ones(3))
    elif mode == 'update':
        model = L.Classifier(L.Linear(4, 3))
        opt = chainermn.create_multi_node_optimizer(optimizers.SGD(), comm).setup(model)
        rng = numpy.random.RandomState(comm.rank)
        x = rng.randn(8, 4).astype(numpy.float32)
        t = rng.randint(0, 3, 8).astype(numpy.int32)

        def loss(x, t):
            if comm.rank == 1 and opt.t == 2:
                time.sleep(0.5)                     # rank 0 waits in the mean of step 3
                os.kill(os.getpid(), signal.SIGKILL)
            return model(x, t)
        for _ in range(5):
            opt.update(loss, x, t)
    else:
        raise ValueError('fault_program: unknown mode {!r}'.format(mode))
    print('UNREACHED rank', comm.rank, fastgrad.__name__)
    sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
