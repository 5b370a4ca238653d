"""``create_multi_node_checkpointer``: every process saves its own
snapshots; a restarted job resumes from the newest iteration that every
process has."""
import os
import time
import warnings

from fastgrad import serializers
from fastgrad.training import extension


def create_multi_node_checkpointer(name, comm, cp_interval=5, gc_interval=5, path=None):
    """A checkpointer: an extension saving ``<name>.<rank>.<iteration>`` on
    every process, and :meth:`maybe_load` to resume.

    Use it as ``trainer.extend(checkpointer, trigger=(n, 'iteration'))``
    and call ``checkpointer.maybe_load(trainer, optimizer)`` before
    ``trainer.run()`` (after extending the trainer with every extension
    that has a state).  ``maybe_load`` finds the newest iteration for
    which every process has a file (a process that died while writing, or
    lost its newest file, makes all of them resume from an older common
    one) and loads it on every process; if there is none, nothing changes.
    Without a trainer, call ``save(target, iteration)`` yourself.  Old
    files are removed as training goes (the newest ``cp_interval`` common
    ones are kept, checked every ``gc_interval`` saves), and all of them
    when the training ends without error.  Deprecated in ChainerMN in
    favour of :func:`multi_node_snapshot`.

    Args:
        name (str): the run's name (the start of the file names).
        comm: a ChainerMN communicator.
        cp_interval (int): how many snapshots to keep.
        gc_interval (int): how many more saves before old ones are removed.
        path (str): the folder (default: the trainer's ``out``).
    """
    warnings.warn('create_multi_node_checkpointer is deprecated; use '
                  'chainermn.extensions.multi_node_snapshot', DeprecationWarning)
    return _MultiNodeCheckpointer(name, comm, cp_interval, gc_interval, path)


class _CheckpointStats(object):

    def __init__(self):
        self.durations = []
        self.begin = None

    def start(self):
        self.begin = time.time()

    def end(self):
        if self.begin is not None:
            self.durations.append(time.time() - self.begin)
            self.begin = None

    def report(self):
        if not self.durations:
            return 'No stats available'
        d = self.durations
        return 'Snapshot duration stats (sec): avg={:f}, min={:f}, max={:f}'.format(
            sum(d) / len(d), min(d), max(d))


class _MultiNodeCheckpointer(extension.Extension):

    def __init__(self, name, comm, cp_interval, gc_interval, path):
        if not isinstance(name, str) or not name:
            raise ValueError('create_multi_node_checkpointer: name must be a non-empty '
                             'string, got {!r}'.format(name))
        if comm is None:
            raise ValueError('create_multi_node_checkpointer: needs a communicator')
        if cp_interval <= 0 or gc_interval <= 0:
            raise ValueError('create_multi_node_checkpointer: cp_interval and gc_interval '
                             'must be positive, got {} and {}'.format(cp_interval, gc_interval))
        self.name = name
        self.comm = comm
        self.cp_interval = cp_interval
        self.gc_interval = gc_interval
        self.path = path
        if path is not None:
            os.makedirs(path, exist_ok=True)
        self.files = []
        self.stats = _CheckpointStats()

    # -- file names: <name>.<rank>.<iteration> ---------------------------------------
    def _filename(self, iteration):
        return '{}.{}.{}'.format(self.name, self.comm.rank, int(iteration))

    def _filenames(self, iterations):
        return [self._filename(i) for i in iterations]

    def _parse_filenames(self, filenames):
        """(name, rank, iteration) of each file name (None if not one)."""
        out = []
        for f in filenames:
            parts = f.rsplit('.', 2)
            try:
                ok = len(parts) == 3 and parts[0] == self.name
                out.append((parts[0], int(parts[1]), int(parts[2])) if ok else None)
            except ValueError:
                out.append(None)
        return out

    def _iteration_of(self, filename):
        """The iteration of one of this process's files, else None."""
        parts = filename.rsplit('.', 2)
        if len(parts) != 3 or parts[0] != self.name:
            return None
        try:
            rank, iteration = int(parts[1]), int(parts[2])
        except ValueError:
            return None
        return iteration if rank == self.comm.rank else None

    def _common_iterations(self, mine):
        """The iterations every process has (all processes call this)."""
        everyone = self.comm.allgather_obj(sorted(set(mine)))
        common = set(everyone[0])
        for its in everyone[1:]:
            common &= set(its)
        return sorted(common)

    # -- saving ------------------------------------------------------------------------
    def __call__(self, trainer):
        if self.path is None:
            self.path = trainer.out
        self.save(trainer, trainer.updater.iteration)

    def save(self, target, iteration):
        """Save ``target`` as this process's snapshot of ``iteration`` (all
        processes together, at the same iteration)."""
        if self.path is None:
            raise ValueError('multi-node checkpointer: save() without a trainer needs a '
                             'path (give path= to create_multi_node_checkpointer)')
        os.makedirs(self.path, exist_ok=True)
        filename = self._filename(iteration)
        self.stats.start()
        serializers.save_npz(os.path.join(self.path, filename), target)   # atomic
        self.stats.end()
        if filename not in self.files:
            self.files.append(filename)
        if len(self.files) >= self.cp_interval + self.gc_interval:
            self._collect_garbage()

    def _collect_garbage(self):
        mine = [self._iteration_of(f) for f in self.files]
        keep = self._common_iterations([i for i in mine if i is not None])[-self.cp_interval:]
        kept = [self._filename(i) for i in keep]
        for f in set(self.files) - set(kept):
            try:
                os.remove(os.path.join(self.path, f))
            except OSError:
                pass
        self.files = kept

    def finalize(self):
        """The training ended: remove this process's snapshots."""
        for f in self.files:
            if self.path is not None:
                try:
                    os.remove(os.path.join(self.path, f))
                except OSError:
                    pass
        self.files = []

    def get_stats(self):
        """Average, shortest and longest time to save a snapshot, as text."""
        return self.stats.report()

    # -- resuming ----------------------------------------------------------------------
    def maybe_load(self, trainer, optimizer=None, path=None):
        """Load the newest iteration every process has a snapshot of into
        ``trainer`` (or any object with ``serialize``), on every process;
        returns that iteration, or None (nothing loaded) if there is none."""
        if self.path is None:
            self.path = path if path is not None else trainer.out
        try:
            local = os.listdir(self.path)
        except OSError:
            local = []              # this process has no folder (yet)
        mine = [i for i in map(self._iteration_of, local) if i is not None]
        common = self._common_iterations(mine)
        self.files = [self._filename(i) for i in common[-self.cp_interval:]]
        if not common:
            return None
        iteration = common[-1]
        try:
            serializers.load_npz(os.path.join(self.path, self._filename(iteration)), trainer)
            error = None
        except Exception as e:      # every process learns of it: none goes on alone
            error = e
        failed = [(rank, msg) for rank, msg in enumerate(self.comm.allgather_obj(
            None if error is None else '{}: {}'.format(type(error).__name__, error))) if msg]
        if error is not None:
            raise error
        if failed:
            raise RuntimeError('multi-node checkpointer: rank {} could not load its snapshot '
                               'of iteration {}: {}'.format(failed[0][0], iteration,
                                                            failed[0][1]))
        if optimizer is not None:
            # as ChainerMN: every process loaded the same iteration
            optimizer.__setattr__('needs_broadcast', False)
        return iteration
