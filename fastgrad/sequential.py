"""Sequential: a ChainList whose forward pass calls its layers in order."""
import copy as _copy_module
import inspect

import numpy

from fastgrad import link as _link


def _is_lambda(obj):
    return getattr(obj, '__name__', None) == '<lambda>'


def _layer_repr(layer):
    if _is_lambda(layer):
        try:
            return inspect.getsource(layer).strip().rstrip(',')
        except (OSError, TypeError):
            return str(layer)
    return str(layer)


def _check_callable(layer, message):
    if not callable(layer):
        raise ValueError(message.format(layer))


_INSERT_MSG = ('All elements of the argument should be callable. But given {} '
               'is not callable.')
_SET_MSG = ('All elements of a Sequential class should be callable. But given '
            '{} is not callable.')


class Sequential(_link.ChainList):
    """A model whose forward pass feeds each layer's output to the next.

    Layers are Links or any callables (``F.relu``, lambdas,
    ``functools.partial``).  A layer returning a tuple has it unpacked into
    the next layer's arguments.  Only the Links are children (named ``'0'``,
    ``'1'``, ... in order among the Links), so parameter paths skip the
    functions: ``Sequential(L.Linear(3, 4), F.relu, L.Linear(4, 2))`` has
    ``/0/W`` and ``/1/W``.

    >>> import fastgrad, fastgrad.functions as F, fastgrad.links as L
    >>> model = fastgrad.Sequential(L.Linear(3, 4), F.relu, L.Linear(4, 2))
    """

    def __init__(self, *layers):
        super().__init__()
        self._layers = []
        for layer in layers:
            self.append(layer)

    # -- forward ---------------------------------------------------------------
    def forward(self, *x):
        """Apply the layers in order (a tuple output is splatted into the
        next layer)."""
        layers = self._layers
        if not layers:
            raise RuntimeError('Sequential does not have any layer.')
        for layer in layers:
            if isinstance(x, tuple):
                x = layer(*x)
            else:
                x = layer(x)
        return x

    # -- bookkeeping -------------------------------------------------------------
    def _n_links_before(self, pos):
        n = 0
        Link = _link.Link
        for layer in self._layers[:pos]:
            if isinstance(layer, Link):
                n += 1
        return n

    def _rebuild(self, layers):
        self._layers = []
        self._children = []
        for layer in layers:
            self.append(layer)

    def _normalize_index(self, i):
        n = len(self._layers)
        if i < 0:
            i += n
        if i < 0 or i >= n:
            raise IndexError('Sequential index out of range')
        return i

    # -- sequence protocol -----------------------------------------------------
    def __len__(self):
        return len(self._layers)

    def __getitem__(self, i):
        """The layer at ``i`` (a list of layers for a slice)."""
        return self._layers[i]

    def __setitem__(self, i, layer):
        if isinstance(i, slice):
            new = list(layer)
            for item in new:
                _check_callable(item, _SET_MSG)
            layers = list(self._layers)
            layers[i] = new
            self._rebuild(layers)
            return
        if not isinstance(i, (int, numpy.integer)) or isinstance(i, bool):
            raise TypeError('Sequential indices must be integers or slices, not %s'
                            % type(i).__name__)
        if i >= len(self):
            raise ValueError('{} should be less than {}'.format(i, len(self)))
        i = self._normalize_index(i)
        _check_callable(layer, _SET_MSG)
        if self._layers[i] is not layer:
            del self[i]
            self.insert(i, layer)

    def __delitem__(self, i):
        if isinstance(i, slice):
            layers = list(self._layers)
            del layers[i]
            self._rebuild(layers)
            return
        i = self._normalize_index(i)
        layer = self._layers[i]
        if isinstance(layer, _link.Link):
            k = self._n_links_before(i)
            del self._children[k]
            del self._layers[i]
            self._renumber()
        else:
            del self._layers[i]

    def insert(self, i, layer):
        """Insert ``layer`` (any callable) before position ``i``, which must
        be in ``[-len(self), len(self)]`` (IndexError otherwise, as in Chainer;
        a list would clamp it)."""
        n = len(self._layers)
        if not -n <= i <= n:
            raise IndexError('Sequential.insert: index {} is out of range for {} layers'
                             .format(i, n))
        _check_callable(layer, _INSERT_MSG)
        if i < 0:
            i += n
        self._layers.insert(i, layer)
        if isinstance(layer, _link.Link):
            self._children.insert(self._n_links_before(i), layer)
            self._renumber()

    def append(self, layer):
        """Add ``layer`` at the end."""
        self.insert(len(self._layers), layer)

    def extend(self, sequential):
        """Append every layer of ``sequential`` (any iterable of layers)."""
        for layer in list(sequential):
            self.append(layer)

    def __iter__(self):
        return iter(self._layers)

    def __reversed__(self):
        return reversed(self._layers)

    def __contains__(self, item):
        return item in self._layers

    def remove(self, layer):
        """Remove the first occurrence of ``layer``."""
        if layer in self:
            del self[self.index(layer)]
        else:
            raise ValueError(
                'There is no layer object that is same as {}'.format(layer))

    def remove_by_layer_type(self, type_name):
        """Remove every layer whose class name (Links) or ``__name__``
        (functions) is ``type_name``."""
        for name, layer in [(self._type_name(l), l) for l in self._layers]:
            if name == type_name:
                self.remove(layer)

    @staticmethod
    def _type_name(layer):
        if isinstance(layer, _link.Link):
            return type(layer).__name__
        return getattr(layer, '__name__', type(layer).__name__)

    def pop(self, i=-1):
        """Remove and return the layer at ``i`` (the last by default)."""
        layer = self._layers[i]
        del self[i]
        return layer

    def clear(self):
        """Remove every layer."""
        self._layers = []
        self._children = []

    def index(self, layer, start=None, end=None):
        """Position of the first occurrence of ``layer`` in
        ``self[start:end]`` (counted from the start of the Sequential)."""
        n = len(self._layers)
        start, end, _ = slice(start, end).indices(n)
        for j in range(start, end):
            item = self._layers[j]
            if item is layer or item == layer:
                return j
        raise ValueError('{} is not in Sequential'.format(layer))

    def count(self, layer):
        """How many times ``layer`` appears."""
        return self._layers.count(layer)

    def count_by_layer_type(self, type_name):
        """How many layers have the class name / ``__name__`` ``type_name``."""
        return sum(1 for l in self._layers if self._type_name(l) == type_name)

    # -- combining ---------------------------------------------------------------
    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError('add (+) operator supports only objects of '
                             'Sequential class, but {} is given.'.format(
                                 str(type(other))))
        ret = Sequential()
        for layer in self:
            ret.append(layer)
        for layer in other:
            ret.append(layer)
        return ret

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError('add (+) operator supports only objects of '
                             'Sequential class, but {} is given.'.format(
                                 str(type(other))))
        for layer in list(other):
            self.append(layer)
        return self

    def __mul__(self, n_repeat):
        """``seq * n``: the layers repeated ``n`` times, each repetition a
        ``copy('init')`` (fresh parameters), in one flat Sequential."""
        if not isinstance(n_repeat, (int, numpy.integer)) or isinstance(n_repeat, bool):
            return NotImplemented
        ret = Sequential()
        for _ in range(n_repeat):
            ret.extend(self.copy('init'))
        return ret

    __rmul__ = __mul__

    def flatten(self):
        """A new Sequential with nested Sequentials expanded in place."""
        ret = Sequential()
        for layer in self:
            if isinstance(layer, Sequential):
                ret.extend(layer.flatten())
            else:
                ret.append(layer)
        return ret

    # -- copying / parameters ----------------------------------------------------
    def copy(self, mode='share'):
        """A new Sequential: Links copied with ``mode`` (see
        :meth:`Link.copy`), other layers with ``copy.copy``."""
        if mode not in _link._COPY_MODES:
            raise _link._invalid_mode(mode)
        ret = Sequential()
        for layer in self:
            if isinstance(layer, _link.Link):
                ret.append(layer.copy(mode))
            else:
                ret.append(_copy_module.copy(layer))
        return ret

    def copyparams(self, link, copy_persistent=True):
        if not isinstance(link, Sequential):
            raise ValueError('Objects other than Sequential object cannot be '
                             'copied to a Sequential object.')
        for idx, child in enumerate(self._layers):
            if isinstance(child, _link.Link):
                child.copyparams(link[idx], copy_persistent)

    # -- printing / pickling -------------------------------------------------------
    def __str__(self):
        lines = []
        for index, layer in enumerate(self._layers):
            rep = '({}): {},'.format(index, _layer_repr(layer))
            lines.extend('  ' + line + '\n' for line in rep.splitlines())
        body = ''.join(lines)
        return '{}({})'.format(type(self).__name__, '\n' + body if body else '')

    def __reduce__(self):
        if any(callable(l) and _is_lambda(l) for l in self._layers):
            raise ValueError(
                'This Sequential object has at least one lambda function as '
                'its component. Lambda function can not be pickled, so please '
                'consider to use functools.partial instead of the lambda '
                'function or use "dill", which is an external package that '
                'enables pickling an object including lambda functions instead '
                'of built-in pickle.')
        return super().__reduce__()
