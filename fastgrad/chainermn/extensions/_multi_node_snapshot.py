"""``multi_node_snapshot``: a snapshot extension for a job of several
processes, one file per group of identical processes."""
import io
import os

from fastgrad import serializers
from fastgrad.training import extension
from fastgrad.training.extensions import _snapshot


def _parse_replica_sets(replica_sets, size):
    """The replica sets as a list of sets of ranks covering ``0 .. size-1``
    exactly once (the ranks no set names form one more set)."""
    sets = []
    for item in replica_sets:
        ranks = {item} if isinstance(item, int) else set(item)
        for r in ranks:
            if not isinstance(r, int) or not 0 <= r < size:
                raise ValueError('multi_node_snapshot: {!r} in replica_sets is not a rank '
                                 'of {} processes'.format(r, size))
        for other in sets:
            if ranks & other:
                raise ValueError('multi_node_snapshot: rank {} is in two replica sets'
                                 .format(min(ranks & other)))
        if ranks:
            sets.append(ranks)
    rest = set(range(size)).difference(*sets)
    if rest:
        sets.append(rest)
    return sets


def multi_node_snapshot(comm, snapshot, replica_sets):
    """Wrap a ``snapshot`` extension for a job of several processes.

    ``replica_sets`` groups the ranks whose snapshot target is the same
    (e.g. ``[[0], range(1, comm.size)]``, or just ``[0]``: the ranks no set
    names form the last set).  Only the lowest rank of each set (its
    master) writes, to the snapshot's file name plus ``.<rank>``.  With
    ``autoload=True``, on ``initialize`` the masters agree on the newest
    snapshot that every master has (a process that lost its newest file
    makes every set resume from an older common one); each master loads
    it and sends the loaded state to the other ranks of its set.

    Args:
        comm: a ChainerMN communicator.
        snapshot: an extension from ``training.extensions.snapshot`` or
            ``snapshot_object``.
        replica_sets: a list of ranks or iterables of ranks.

    Returns:
        The wrapping extension (its default trigger and priority are the
        snapshot's).
    """
    return _MultiNodeSnapshot(comm, snapshot, replica_sets)


class _MultiNodeSnapshot(extension.Extension):

    def __init__(self, comm, snapshot, replica_sets):
        if comm is None or snapshot is None:
            raise ValueError('multi_node_snapshot: needs a communicator and a snapshot')
        self.comm = comm
        self.snapshot = snapshot
        self._template = snapshot.filename
        suffix = '.{}'.format(comm.rank)
        if callable(snapshot.filename):
            make_name = snapshot.filename
            snapshot.filename = lambda trainer: make_name(trainer) + suffix
        else:
            snapshot.filename = snapshot.filename + suffix
        for s in _parse_replica_sets(replica_sets, comm.size):
            if comm.rank in s:
                self.replica_set = s
                self.master = min(s)
        self.trigger = getattr(snapshot, 'trigger', self.trigger)
        self.priority = getattr(snapshot, 'priority', self.priority)

    @property
    def is_master(self):
        return self.master == self.comm.rank

    def _my_snapshots(self, folder):
        """{base name: mtime} of this master's snapshot files."""
        if not isinstance(self._template, str) or not os.path.isdir(folder):
            return {}
        regex = _snapshot._template_regex(self._template)
        suffix = '.{}'.format(self.comm.rank)
        found = {}
        for name in os.listdir(folder):
            base = name[:-len(suffix)]
            path = os.path.join(folder, name)
            if name.endswith(suffix) and regex.match(base) and os.path.isfile(path):
                found[base] = os.path.getmtime(path)
        return found

    def initialize(self, trainer):
        autoload = getattr(self.snapshot, 'autoload', False)
        if self.is_master:
            self.snapshot.autoload = False       # the loading is done here
            try:
                self.snapshot.initialize(trainer)
            finally:
                self.snapshot.autoload = autoload
        if not autoload:
            return
        target = trainer if self.snapshot._target is None else self.snapshot._target
        mine = self._my_snapshots(trainer.out) if self.is_master else None
        everyone = self.comm.allgather_obj(mine)
        masters = [found for found in everyone if found is not None]
        common = set(masters[0]).intersection(*masters[1:])
        # the newest by the first master's clock
        name = max(common, key=lambda n: (masters[0][n], n)) if common else None
        if self.is_master:
            data, error = None, None
            if name is not None:
                try:
                    serializers.load_npz(
                        os.path.join(trainer.out, '{}.{}'.format(name, self.comm.rank)),
                        target)
                    if len(self.replica_set) > 1:
                        buf = io.BytesIO()
                        serializers.save_npz(buf, target)
                        data = buf.getvalue()
                except Exception as e:     # the replicas raise too instead of waiting
                    error = e
                    data = '{}: {}'.format(type(e).__name__, e)
            for rank in sorted(self.replica_set - {self.comm.rank}):
                self.comm.send_obj(data, rank)
            if error is not None:
                raise error
        else:
            data = self.comm.recv_obj(self.master)
            if isinstance(data, str):
                raise RuntimeError('multi_node_snapshot: rank {} could not load the snapshot: '
                                   '{}'.format(self.master, data))
            if data is not None:
                serializers.load_npz(io.BytesIO(data), target)

    def on_error(self, trainer, exc, tb):
        if self.is_master:
            self.snapshot.on_error(trainer, exc, tb)

    def __call__(self, trainer):
        if self.is_master:
            self.snapshot(trainer)

    def finalize(self):
        if self.is_master:
            self.snapshot.finalize()
