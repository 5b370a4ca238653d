"""How snapshots reach the disk."""
import os
import tempfile


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
        never leaves a truncated snapshot under the final name."""
        os.makedirs(outdir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix='tmp' + filename, dir=outdir)
        os.close(fd)
        try:
            savefun(tmp, target, **kwds)
            os.replace(tmp, os.path.join(outdir, filename))
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise


class SimpleWriter(Writer):
    """Saves in the calling thread (``savefun`` defaults to ``save_npz``;
    extra keywords go to it)."""

    def __init__(self, savefun=None, **kwds):
        self._savefun = savefun
        self._kwds = kwds

    def __call__(self, filename, outdir, target, savefun=None):
        savefun = savefun or self._savefun or _default_savefun()
        self.save(filename, outdir, target, savefun, **self._kwds)
