"""How snapshots reach the disk."""
import os

from fastgrad.serializers import _atomic


def _default_savefun():
    from fastgrad import serializers
    return serializers.save_npz


class Writer(object):
    """``writer(filename, outdir, target, savefun=None)`` saves ``target``
    as ``outdir/filename``."""

    def __call__(self, filename, outdir, target, savefun=None):
        raise NotImplementedError

    def finalize(self):
        pass

    def save(self, filename, outdir, target, savefun, **kwds):
        """Save through a temporary file and a rename: an interrupted save
        (even a kill -9) leaves the previous snapshot of that name intact."""
        os.makedirs(outdir, exist_ok=True)
        with _atomic.replacing(os.path.join(outdir, filename)) as tmp:
            savefun(tmp, target, **kwds)


class SimpleWriter(Writer):
    """Saves in the calling thread (``savefun`` defaults to ``save_npz``;
    extra keywords go to it)."""

    def __init__(self, savefun=None, **kwds):
        self._savefun = savefun
        self._kwds = kwds

    def __call__(self, filename, outdir, target, savefun=None):
        savefun = savefun or self._savefun or _default_savefun()
        self.save(filename, outdir, target, savefun, **self._kwds)
