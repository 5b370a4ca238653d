"""Run under mpiexec: float16 on the wire (``allreduce_grad_dtype``) through
the user-op path that MPIs without a float16 datatype (Open MPI) take,
forced here, and through the plain path; both give the mean of the ranks'
gradients within float16 rounding."""
import sys

import numpy

import fastgrad.chainermn as chainermn
import fastgrad.links as L
from fastgrad.chainermn import communicators


def main(force_user_op):
    if force_user_op:
        communicators._has_mpi_type = lambda dtype: dtype != numpy.float16
    comm = chainermn.create_communicator('flat', allreduce_grad_dtype='float16')
    model = L.Linear(300, 70)           # 21,070 values: several MPI segments
    model.cleargrads()
    grads = [numpy.random.RandomState(10 + r).uniform(-1, 1, (70, 300)).astype(numpy.float32)
             for r in range(comm.size)]
    model.W.grad = grads[comm.rank].copy()
    model.b.grad = numpy.full(70, comm.rank + 1, numpy.float32)
    comm.multi_node_mean_grad(model)
    assert model.W.grad.dtype == numpy.float32
    numpy.testing.assert_allclose(model.W.grad, numpy.mean(grads, axis=0), atol=2e-3)
    numpy.testing.assert_allclose(model.b.grad, (comm.size + 1) / 2, atol=2e-3)
    if comm.rank == 0:
        print('OK half wire', 'user op' if force_user_op else 'plain')


if __name__ == '__main__':
    main(sys.argv[1] == 'user_op')
