"""Batch normalization with the statistics of the whole batch spread over the
processes (ChainerMN's multi-node batch normalization).

Forward: every process reduces its part of the batch to per-channel
``[count, sum, sum of squared deviations from its own mean, sum**2/count]``
and one MPI all-reduce combines them (Chan et al.'s pairwise update: no
``E[x**2] - mean**2`` cancellation on large means) into the global mean and
biased variance.  Backward: one all-reduce of the two per-channel gradient
sums, ``sum(gy)`` and ``sum(gy * x_hat)``, so the gradient of ``x`` is that of
batch normalization on the full batch.  The gradients of ``gamma`` and
``beta`` are the full-batch ones divided by the number of processes (the mean
over processes, as ChainerMN): after ``multi_node_mean_grad`` every
parameter's gradient is then that of the mean of the processes' losses.
Batches may differ in size between processes.

A FunctionNode with explicit MPI calls rather than a recipe op: the
all-reduces are communication with the other processes, which the recipe's
array and Variable namespaces cannot express; double backprop is not
supported (it raises).
"""
import numpy

from fastgrad import backend, utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.normalization.batch_normalization import (
    AXIS_CHECKS,
    CHECKS,
    Axes,
    _key_shape,
)


def _allreduce_sum(comm, buf):
    """Elementwise sum over the processes of a float64 host vector, in one
    MPI call (on the communicator's mpi_comm directly, so the result does not
    depend on which array method the communicator offers)."""
    out = numpy.empty_like(buf)
    comm.mpi_comm.Allreduce(buf, out)
    return out


def get_communication_backend(comm, communication_backend='auto'):
    """The backend MultiNodeBatchNormalization uses: 'mpi' (the only one
    fastgrad has: the statistics travel through host memory)."""
    if communication_backend not in ('mpi', 'nccl', 'auto'):
        raise ValueError("MultiNodeBatchNormalization: communication_backend must be "
                         "'mpi', 'nccl' or 'auto', got {!r}".format(communication_backend))
    if communication_backend == 'nccl':
        raise ValueError("MultiNodeBatchNormalization: the 'nccl' backend needs a "
                         "pure_nccl communicator, which fastgrad does not have; got {} "
                         "(use 'mpi' or 'auto')".format(type(comm).__name__))
    return 'mpi'


class MultiNodeBatchNormalizationFunction(Op):
    """See the module docstring."""
    checks = Checks('x, gamma, beta', *CHECKS, *AXIS_CHECKS)
    key_shape = _key_shape
    axis = None

    def __init__(self, comm, eps=2e-5, running_mean=None, running_var=None, decay=0.9,
                 communication_backend='auto'):
        self.comm = comm
        self.eps = float(eps)
        self.running_mean = running_mean
        self.running_var = running_var
        self.decay = float(decay)
        get_communication_backend(comm, communication_backend)

    def forward(self, inputs):
        x, gamma, beta = inputs
        ax = self.ax = Axes(x, gamma, None)
        ct = self.ct = utils.compute_dtype(x.dtype, gamma.dtype)
        xp = utils.array_module(x)
        c = gamma.size
        n = x.size // c if c else 0
        buf = numpy.zeros(3 * c + 1, numpy.float64)
        buf[0] = n
        if n:
            s = x.sum(axis=ax.axis, dtype=numpy.float64)
            local_mean = s / n
            dev = xp.subtract(x, local_mean.reshape(ax.bshape), dtype=numpy.float64)
            m2 = xp.square(dev).sum(axis=ax.axis)
            host = backend.CpuDevice().send
            buf[1:c + 1] = host(s).ravel()
            buf[c + 1:2 * c + 1] = host(m2).ravel()
            buf[2 * c + 1:] = host(s * local_mean).ravel()
        total = _allreduce_sum(self.comm, buf)
        count = total[0]
        if count == 0:
            raise ValueError('multi_node_batch_normalization: the batch is empty on '
                             'every process')
        mean = total[1:c + 1] / count
        # sum of squared deviations from the global mean:
        # sum_r M2_r + sum_r n_r (mean_r - mean)**2
        m2 = total[c + 1:2 * c + 1] + numpy.maximum(
            total[2 * c + 1:] - count * mean * mean, 0.0)
        var = m2 / count
        self.count = count
        to_dev = backend.get_device_from_array(x).send
        mean_d = to_dev(mean.astype(ct).reshape(ax.bshape))
        inv_std = to_dev((1.0 / numpy.sqrt(var + self.eps)).astype(ct).reshape(ax.bshape))
        self.mean = mean_d
        self.inv_std = inv_std
        xc = xp.subtract(x, mean_d, dtype=ct)
        xc *= gamma.reshape(ax.bshape) * inv_std
        xc += beta.reshape(ax.bshape)
        if self.running_mean is not None:
            self._update(self.running_mean, mean.reshape(gamma.shape), 1.0)
        if self.running_var is not None:
            # unbiased over the global batch, as BatchNormalization on it
            self._update(self.running_var, var.reshape(gamma.shape),
                         count / max(count - 1.0, 1.0))
        self.retain_inputs((0, 1))
        return xc.astype(x.dtype, copy=False),

    def _update(self, running, batch_stat, factor):
        stat = backend.get_device_from_array(running).send(
            ((1.0 - self.decay) * factor * batch_stat).astype(running.dtype))
        running *= self.decay
        running += stat

    def backward_arrays(self, indexes, grad_outputs):
        x, gamma = self.get_retained_input_arrays()
        ax, ct = self.ax, self.ct
        gy = grad_outputs[0]
        xp = utils.array_module(x)
        if gy is None:
            gy = xp.zeros(x.shape, ct)
        gy = gy.astype(ct, copy=False)
        x_hat = xp.subtract(x, self.mean, dtype=ct)
        x_hat *= self.inv_std
        c = gamma.size
        buf = numpy.empty(2 * c, numpy.float64)
        host = backend.CpuDevice().send
        buf[:c] = host(gy.sum(axis=ax.axis, dtype=numpy.float64)).ravel()
        buf[c:] = host((gy * x_hat).sum(axis=ax.axis, dtype=numpy.float64)).ravel()
        total = _allreduce_sum(self.comm, buf)
        to_dev = backend.get_device_from_array(x).send
        gbeta = to_dev(total[:c].astype(ct))
        ggamma = to_dev(total[c:].astype(ct))
        out = []
        for i in indexes:
            if i == 0:
                g = gamma.reshape(ax.bshape).astype(ct, copy=False) * self.inv_std
                corr = x_hat * ggamma.reshape(ax.bshape)
                corr += gbeta.reshape(ax.bshape)
                corr *= 1.0 / self.count
                gx = (gy - corr) * g
                out.append(gx.astype(x.dtype, copy=False))
            else:
                # the mean over processes, as ChainerMN (see the module docstring)
                g = (ggamma if i == 1 else gbeta) / self.comm.size
                out.append(g.reshape(gamma.shape).astype(gamma.dtype, copy=False))
        return tuple(out)

    def backward(self, indexes, grad_outputs):
        raise NotImplementedError(
            'multi_node_batch_normalization: double backprop is not supported (its '
            'backward communicates with the other processes); call backward without '
            'enable_double_backprop')


def multi_node_batch_normalization(x, gamma, beta, comm, eps=2e-5, running_mean=None,
                                   running_var=None, decay=0.9,
                                   communication_backend='auto'):
    """Batch normalization with the mean and variance of the batch of all
    processes of ``comm`` (see the module docstring).

    ``x`` is this process's part of the batch; the statistics are per channel
    over axis 0 and the axes after ``gamma``'s.  ``running_mean`` and
    ``running_var``, if given, are updated in place like
    :func:`~fastgrad.functions.batch_normalization` on the full batch (the
    variance unbiased with the global count).  Every process must call it
    (and its backward) in the same order.

    Args:
        x (~fastgrad.Variable): This process's part of the batch.
        gamma (~fastgrad.Variable): Scale.
        beta (~fastgrad.Variable): Shift.
        comm: A ChainerMN communicator.
        eps (float): Added to the variance.
        running_mean (numpy.ndarray): Running mean, updated in place.
        running_var (numpy.ndarray): Running variance, updated in place.
        decay (float): Decay of the running averages.
        communication_backend (str): ``'mpi'`` or ``'auto'``.

    Returns:
        ~fastgrad.Variable: The normalized ``x``.
    """
    raw = getattr
    func = MultiNodeBatchNormalizationFunction(
        comm, eps, raw(running_mean, 'array', running_mean),
        raw(running_var, 'array', running_var), decay, communication_backend)
    y, = func.apply((x, gamma, beta))
    return y
