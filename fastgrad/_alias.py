"""The opt-in ``chainer`` alias: ``install_as_chainer()`` makes
``import chainer``, ``import chainer.X.Y`` and ``from chainer.X import Y``
return fastgrad's own module objects (one object per module, so class
identity holds under both names).  Nothing named ``chainer`` is installed on
disk: the alias lives in this process's import system only."""
import importlib
import importlib.abc
import importlib.util
import sys

# Top-level names and where they point.
_ROOTS = {
    'chainer': 'fastgrad',
    'chainermn': 'fastgrad.chainermn',
    'chainerx': 'fastgrad._chainerx',
}
# Chainer module paths whose fastgrad module has another name.
_RENAMED = {
    'chainer.cuda': 'fastgrad.backends.cuda',
}


def _target(name):
    """The fastgrad module name for a chainer* module name, or None."""
    if name in _RENAMED:
        return _RENAMED[name]
    for root, real in _ROOTS.items():
        if name == root or name.startswith(root + '.'):
            return real + name[len(root):]
    return None


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        real = _target(name)
        if real is None:
            return None
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name is not None and (e.name == real or real.startswith(e.name + '.')):
                return None          # no such fastgrad module: a plain ImportError
            raise
        spec = importlib.util.spec_from_loader(name, self, is_package=hasattr(module, '__path__'))
        spec._fastgrad_module = module
        return spec

    def create_module(self, spec):
        return spec._fastgrad_module

    def exec_module(self, module):
        pass                         # already executed under its fastgrad name


_finder = _AliasFinder()


def install_as_chainer():
    """Make the ``chainer`` (and ``chainermn``, ``chainerx``) import names
    resolve to fastgrad.  Idempotent.  Raises RuntimeError if a real Chainer
    is already imported in this process.

    >>> _ = fastgrad.install_as_chainer()
    >>> import chainer.links
    >>> chainer.links.Linear is fastgrad.links.Linear
    True
    """
    existing = sys.modules.get('chainer')
    if existing is not None and not getattr(existing, '__name__', '').startswith('fastgrad'):
        raise RuntimeError(
            'install_as_chainer: a real Chainer ({}) is already imported in this '
            'process; install the alias before anything imports chainer'.format(
                getattr(existing, '__file__', existing)))
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    import fastgrad
    sys.modules['chainer'] = fastgrad
    return fastgrad


def uninstall_chainer_alias():
    """Remove the alias and every ``chainer*`` entry it put in sys.modules."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if _target(name) is not None and getattr(sys.modules[name], '__name__', '').startswith(
                'fastgrad'):
            del sys.modules[name]
