"""MultiNodeBatchNormalization: BatchNormalization whose batch statistics are
those of the whole batch over all processes."""
import copy

import numpy

from fastgrad import backend, configuration, initializers, link, variable
from fastgrad.chainermn.functions import batch_normalization as _mnbn
from fastgrad.functions.normalization.fixed_batch_normalization import fixed_batch_normalization


class MultiNodeBatchNormalization(link.Link):
    """Batch normalization with the mean and variance of the global batch.

    With plain BatchNormalization each process normalizes with the
    statistics of its own part of the batch, which are noisy when that part
    is small.  This link all-reduces them (one MPI call forward, one
    backward), so the output and the gradients are those of
    BatchNormalization on the concatenated batch; see
    :func:`fastgrad.chainermn.functions.multi_node_batch_normalization`.
    The running averages (``avg_mean``, ``avg_var``, updated in training
    mode) are those of the global batch and so the same on every process;
    in test mode they normalize without communication.  As in ChainerMN,
    ``avg_var`` starts at zeros (:func:`create_mnbn_model` copies the
    running statistics of the BatchNormalization it replaces).

    Args:
        size (int or tuple of ints): Shape of the channel dimensions.
        comm: A ChainerMN communicator (all processes of the batch).
        decay (float): Decay of the running averages.
        eps (float): Added to the variance.
        dtype (numpy.dtype): Dtype of the parameters and statistics.
        use_gamma (bool): Learn a scale (else 1).
        use_beta (bool): Learn a shift (else 0).
        initial_gamma: Initializer of gamma (default 1).
        initial_beta: Initializer of beta (default 0).
        communication_backend (str): ``'mpi'`` or ``'auto'`` (``'nccl'``
            needs a pure_nccl communicator, which fastgrad does not have).
    """

    def __init__(self, size, comm, decay=0.9, eps=2e-5, dtype=None,
                 use_gamma=True, use_beta=True, initial_gamma=None, initial_beta=None,
                 communication_backend='auto'):
        super().__init__()
        self._highprec_dtype = configuration.get_dtype(dtype, map_mixed16=numpy.float32)
        self.comm = comm
        self._communication_backend = _mnbn.get_communication_backend(
            comm, communication_backend)
        self.avg_mean = numpy.zeros(size, dtype=self._highprec_dtype)
        self.register_persistent('avg_mean')
        self.avg_var = numpy.zeros(size, dtype=self._highprec_dtype)
        self.register_persistent('avg_var')
        self.N = 0
        self.register_persistent('N')
        self.decay = decay
        self.eps = eps
        with self.init_scope():
            if use_gamma:
                self.gamma = self._parameter(initial_gamma, 1, size)
            if use_beta:
                self.beta = self._parameter(initial_beta, 0, size)

    def _parameter(self, initial, default, size):
        init = copy.copy(initializers._get_initializer(default if initial is None else initial))
        init.dtype = self._highprec_dtype
        return variable.Parameter(init, size)

    def _param_or(self, name, fill):
        p = getattr(self, name, None)
        if p is not None:
            return p
        with backend.using_device(self.device):
            return self.xp.full(self.avg_mean.shape, fill, dtype=self._highprec_dtype)

    def forward(self, x, finetune=False):
        """Normalize ``x`` (this process's part of the batch)."""
        gamma = self._param_or('gamma', 1)
        beta = self._param_or('beta', 0)
        if configuration.config.train:
            if finetune:
                self.N += 1
                decay = 1.0 - 1.0 / self.N
            else:
                decay = self.decay
            avg_mean, avg_var = self.avg_mean, self.avg_var
            if configuration.config.in_recomputing:
                # a recomputation pass (checkpointing) must not count the batch twice
                if finetune:
                    self.N -= 1
                avg_mean = avg_var = None
            return _mnbn.multi_node_batch_normalization(
                x, gamma, beta, self.comm, eps=self.eps, running_mean=avg_mean,
                running_var=avg_var, decay=decay,
                communication_backend=self._communication_backend)
        return fixed_batch_normalization(x, gamma, beta, self.avg_mean, self.avg_var,
                                         self.eps)

    def start_finetuning(self):
        """Reset the count of the fine-tuning average (``N``)."""
        self.N = 0

    def __deepcopy__(self, memo):
        # the communicator (an MPI handle) is shared by the copy, not copied
        comm = self.__dict__['comm']
        memo[id(comm)] = comm
        cls = type(self)
        ret = cls.__new__(cls)
        memo[id(self)] = ret
        for k, v in self.__dict__.items():
            ret.__dict__[k] = copy.deepcopy(v, memo)
        return ret
