"""``AllreducePersistent``: average the persistent values (BatchNormalization's
running statistics) over the processes."""
import numpy

from fastgrad import backend
from fastgrad.training import extension


def _namedpersistents(model):
    for path, link in model.namedlinks():
        for name in link._persistent:
            yield path + '/' + name, link, name


class AllreducePersistent(extension.Extension):
    """Replace every floating-point persistent array of ``model`` by its
    mean over the processes.

    Each process's BatchNormalization only sees its own shard, so its
    running mean and variance differ from the other processes'; averaging
    them gives statistics over all the data seen.  Integer persistents
    (counters) are left alone.  Run it before evaluating or saving the
    model; once per epoch by default, before the evaluators.  The arrays of
    each dtype are packed into one buffer and reduced in one call.

    Args:
        model: the link whose persistents are averaged.
        comm: a ChainerMN communicator.
    """

    trigger = 1, 'epoch'
    priority = extension.PRIORITY_WRITER + 1     # before the evaluators

    def __init__(self, model, comm):
        self.model = model
        self.comm = comm

    def __call__(self, trainer=None):
        entries = []
        for path, link, name in sorted(_namedpersistents(self.model), key=lambda e: e[0]):
            value = getattr(link, name)
            dtype = getattr(value, 'dtype', None)
            if dtype is not None and numpy.dtype(dtype).kind == 'f':
                entries.append((path, link, name, value))
        layout = [(path, tuple(numpy.shape(v)), numpy.dtype(v.dtype).str)
                  for path, _, _, v in entries]
        layouts = self.comm.allgather_obj(layout)
        for rank, theirs in enumerate(layouts):
            if theirs != layout:
                mine, other = dict((p, s) for p, *s in layout), dict((p, s) for p, *s in theirs)
                bad = sorted(k for k in set(mine) | set(other) if mine.get(k) != other.get(k))
                raise ValueError(
                    'AllreducePersistent: the model of rank {} differs from rank {} at {}: '
                    '{} here, {} there'.format(self.comm.rank, rank, bad[0],
                                               mine.get(bad[0]), other.get(bad[0])))
        groups = {}
        for entry in entries:
            groups.setdefault(numpy.dtype(entry[3].dtype).str, []).append(entry)
        for key in sorted(groups):
            group = groups[key]
            host = [numpy.asarray(backend.CpuDevice().send(v)) for _, _, _, v in group]
            packed = numpy.concatenate([h.ravel() for h in host])
            mean = numpy.asarray(self.comm.allreduce(packed)) / self.comm.size
            mean = mean.astype(packed.dtype, copy=False)
            offset = 0
            for (_, link, name, value), h in zip(group, host):
                part = mean[offset:offset + h.size].reshape(h.shape)
                offset += h.size
                if isinstance(value, numpy.generic):
                    setattr(link, name, part[()])      # a NumPy scalar: replaced
                else:
                    backend.copyto(value, part)       # in place, on its device
