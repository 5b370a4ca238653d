"""Link, Chain and ChainList: parameter-owning building blocks of a model.

These follow Chainer 7's user-visible behaviour (registration in
``init_scope()``, ordering of ``params()``/``namedparams()``, copying,
serialization, device transfer, printing).  The hot paths (``__call__`` and
``params()``) do no per-call introspection: the name registries are kept
sorted on insertion and per-class facts are decided once, when the class is
created.
"""
import bisect
import collections
import collections.abc
import contextlib
import copy as _copy_module
import warnings

import numpy

from fastgrad import backend, device_resident
from fastgrad import link_hook as _link_hook
from fastgrad.variable import Parameter

_NOT_INIT_MSG = 'Link.__init__() has not been called.'
_COPY_MODES = ('init', 'copy', 'share')


def _invalid_mode(mode):
    return ValueError(
        "The 'mode' argument should be either 'init','copy', or 'share'. "
        'But {} was given.'.format(mode))


def _looks_like_shape(value):
    if value is None:
        return True
    if isinstance(value, (int, numpy.integer)) and not isinstance(value, bool):
        return True
    if isinstance(value, (tuple, list)):
        return all(isinstance(v, (int, numpy.integer)) and not isinstance(v, bool)
                   for v in value)
    return False


def _shape_and_dtype(value):
    """``Link(x=(2, 3))`` -> ((2, 3), float32); ``Link(x=((2, 3), 'd'))``
    -> ((2, 3), 'd')."""
    if _looks_like_shape(value):
        return value, numpy.float32
    shape, dtype = value
    return shape, dtype


def _insert_sorted(names, name):
    i = bisect.bisect_left(names, name)
    if i == len(names) or names[i] != name:
        names.insert(i, name)


def _deepcopy_uninitialized_param(param, memo):
    """Deep copy of a parameter without data (its grad cannot be read, so
    the generic pickling path is avoided): a fresh Parameter object with a
    deep copy of the Python-level state (initializer, update rule, ...)."""
    ret = _copy_module.copy(param)
    ret.__dict__.update(_copy_module.deepcopy(param.__dict__, memo))
    return ret


def _deepcopy_param(param, memo):
    if param.array is None:
        return _deepcopy_uninitialized_param(param, memo)
    return _copy_module.deepcopy(param, memo)


def _remove_name(names, name):
    i = bisect.bisect_left(names, name)
    if i < len(names) and names[i] == name:
        del names[i]


# -- forward hooks (local link hooks) ----------------------------------------

class _ForwardPreprocessCallbackArgs(object):
    def __init__(self, link, forward_name, args, kwargs):
        self.link = link
        self.forward_name = forward_name
        self.args = args
        self.kwargs = kwargs


class _ForwardPostprocessCallbackArgs(object):
    def __init__(self, link, forward_name, args, kwargs, out):
        self.link = link
        self.forward_name = forward_name
        self.args = args
        self.kwargs = kwargs
        self.out = out


class Link(device_resident.DeviceResident):
    """Building block of models: owns parameters and persistent values.

    Assign a :class:`fastgrad.Parameter` to an attribute inside
    ``with self.init_scope():`` to register it.  ``Link(W=(3, 2))`` (the
    legacy form) registers NaN-filled parameters of the given shapes
    (``Link(W=((3, 2), 'd'))`` with a dtype).

    >>> class Offset(fastgrad.Link):
    ...     def __init__(self):
    ...         super().__init__()
    ...         with self.init_scope():
    ...             self.b = fastgrad.Parameter(np.zeros(3, dtype=np.float32))
    ...
    ...     def forward(self, x):
    ...         return x + self.b
    >>> link = Offset()
    >>> [name for name, _ in link.namedparams()]
    ['/b']
    >>> link(np.ones(3, dtype=np.float32)).array
    array([1., 1., 1.], dtype=float32)
    """

    # Class-level defaults: valid before (or without) Link.__init__.
    _within_init_scope = False
    _local_link_hooks = None
    _call_plain = False
    __init_done = False

    # Decided once per class (see __init_subclass__).
    _super_call = None
    _has_children = False   # True for Chain / ChainList

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A mixin placed after Link in the MRO that defines __call__ takes
        # precedence over forward() (Chainer's behaviour, for mixins).
        mro = cls.__mro__
        sup = None
        for klass in mro[mro.index(Link) + 1:]:
            if '__call__' in klass.__dict__:
                sup = klass.__dict__['__call__']
                break
        if getattr(sup, '__isabstractmethod__', False):
            # An abstract __call__ (abc mixin, chainerrl style) is implemented
            # by the subclass: storing it would make ABCMeta see an abstract
            # _super_call and refuse to instantiate; forward() is used instead.
            sup = None
        cls._super_call = None if sup is None else staticmethod(sup)

    def __init__(self, **params):
        self._params = []
        self._persistent = []
        self._within_init_scope = False
        self.name = None
        self.__init_done = True
        self.__dict__['_call_plain'] = self._super_call is None
        for name, value in params.items():
            shape, dtype = _shape_and_dtype(value)
            self.add_param(name, shape, dtype=dtype)

    # -- printing ------------------------------------------------------------
    @property
    def printable_specs(self):
        """Pairs (name, value) shown by ``str(link)``; none by default."""
        return iter(())

    def __str__(self):
        specs = ', '.join('{}={}'.format(k, v) for k, v in self.printable_specs)
        return '{}({})'.format(type(self).__name__, specs)

    # -- calling ---------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        # _call_plain is an instance flag: True once __init__ has run, while
        # no hook is registered and the class has no mixin __call__.
        if self._call_plain and not _link_hook._n_global[0]:
            return self.forward(*args, **kwargs)
        return self._call_slow(args, kwargs)

    def _call_slow(self, args, kwargs):
        if not self.__init_done:
            raise RuntimeError(_NOT_INIT_MSG)
        hooks = list(_link_hook.get_link_hooks().values()) if _link_hook._n_global[0] else []
        if self._local_link_hooks:
            hooks += list(self._local_link_hooks.values())
        if hooks:
            pre = _ForwardPreprocessCallbackArgs(self, 'forward', args, kwargs)
            for hook in hooks:
                hook.forward_preprocess(pre)
        if self._super_call is not None:
            # super() binds the mixin's __call__ as Python would (a plain
            # callable object stored on the mixin is called without self).
            out = super(Link, self).__call__(*args, **kwargs)
        else:
            out = self.forward(*args, **kwargs)
        if hooks:
            post = _ForwardPostprocessCallbackArgs(self, 'forward', args, kwargs, out)
            for hook in hooks:
                hook.forward_postprocess(post)
        return out

    @property
    def local_link_hooks(self):
        """Ordered dict of the hooks registered to this link only."""
        d = self.__dict__
        # The dict may be filled directly: leave the fast call path for good.
        d['_call_plain'] = False
        if self._local_link_hooks is None:
            d['_local_link_hooks'] = collections.OrderedDict()
        return self._local_link_hooks

    @property
    def _n_local_link_hooks(self):
        hooks = self._local_link_hooks
        return 0 if hooks is None else len(hooks)

    def add_hook(self, hook, name=None):
        """Register a link hook (an object with ``forward_preprocess`` /
        ``forward_postprocess``, ``added``/``deleted`` and ``name``)."""
        if not isinstance(hook, _link_hook.LinkHook):
            raise TypeError('Hook must be of type LinkHook')
        if name is None:
            name = getattr(hook, 'name', type(hook).__name__)
        hooks = self.local_link_hooks
        if name in hooks:
            raise KeyError('Hook %s already exists' % name)
        hooks[name] = hook
        added = getattr(hook, 'added', None)
        if added is not None:
            added(self)
        return self

    def delete_hook(self, name):
        hooks = self.local_link_hooks
        if name not in hooks:
            raise KeyError('Hook %s does not exist' % name)
        deleted = getattr(hooks[name], 'deleted', None)
        if deleted is not None:
            deleted(self)
        del hooks[name]

    # -- registration ------------------------------------------------------------
    @property
    def within_init_scope(self):
        """True inside ``with self.init_scope():``."""
        return self._within_init_scope

    @contextlib.contextmanager
    def init_scope(self):
        """Context in which assigning a Parameter (or, in a Chain, a Link) to
        an attribute registers it."""
        if not self.__init_done:
            raise RuntimeError(_NOT_INIT_MSG)
        old = self._within_init_scope
        self._within_init_scope = True
        try:
            yield
        finally:
            self._within_init_scope = old

    def __setattr__(self, name, value):
        if self._within_init_scope:
            if isinstance(value, Parameter):
                value.name = name
                _insert_sorted(self._params, name)
                _remove_name(self._persistent, name)
            elif isinstance(value, Link):
                self._register_child(name, value)
        object.__setattr__(self, name, value)

    def _register_child(self, name, link):
        """Called for a Link assigned inside init_scope (no-op for a Link)."""

    def __delattr__(self, name):
        d = self.__dict__
        if '_params' in d:
            _remove_name(self._params, name)
            _remove_name(self._persistent, name)
        object.__delattr__(self, name)

    def add_param(self, name, shape=None, dtype=numpy.float32, initializer=None):
        """Register a new parameter ``name`` (uninitialized when ``shape`` is
        None; NaN-filled unless ``initializer`` is given)."""
        if name in self.__dict__:
            raise AttributeError(
                'cannot register a new parameter %s: attribute exists' % name)
        if initializer is None:
            from fastgrad import initializers
            initializer = initializers.NaN(dtype)
        param = Parameter(initializer, shape)
        with self.init_scope():
            setattr(self, name, param)

    def add_persistent(self, name, value):
        """Register ``value`` as a persistent value (serialized, moved across
        devices) stored in the attribute ``name``."""
        d = self.__dict__
        if name in d:
            raise AttributeError(
                'cannot register a new persistent value %s: attribute exists'
                % name)
        if not self.__init_done:
            raise RuntimeError(_NOT_INIT_MSG)
        _insert_sorted(self._persistent, name)
        _remove_name(self._params, name)
        d[name] = value

    def register_persistent(self, name):
        """Register the existing attribute ``name`` as a persistent value."""
        if not hasattr(self, name):
            raise AttributeError(
                'cannot register non-existent attribute %s as a persistent '
                'value' % name)
        if not self.__init_done:
            raise RuntimeError(_NOT_INIT_MSG)
        _insert_sorted(self._persistent, name)
        _remove_name(self._params, name)

    # -- traversal -----------------------------------------------------------------
    def _child_links(self):
        """The direct children in traversal order (a sequence)."""
        return ()

    def _collect_params(self, out, include_uninit):
        # Own parameters; Chain/ChainList extend this with their children.
        d = self.__dict__
        if include_uninit:
            out.extend(map(d.__getitem__, self._params))
        else:
            for name in self._params:
                p = d[name]
                if p.array is not None:
                    out.append(p)

    def params(self, include_uninit=True):
        """Iterator over all parameters: own ones (by name), then each
        child's (children by name; a ChainList's by index)."""
        out = []
        self._collect_params(out, include_uninit)
        return iter(out)

    def namedparams(self, include_uninit=True):
        """Iterator over (path, parameter) pairs, paths like ``'/l1/W'``."""
        d = self.__dict__
        for name in self._params:
            p = d[name]
            if include_uninit or p.array is not None:
                yield '/' + name, p
        for cname, child in self._named_children():
            prefix = '/' + cname
            for path, p in child.namedparams(include_uninit):
                yield prefix + path, p

    def _named_children(self):
        return ()

    def links(self, skipself=False):
        """Iterator over this link (unless ``skipself``) and all descendants."""
        if not skipself:
            yield self
        for child in self._child_links():
            yield from child.links()

    def namedlinks(self, skipself=False):
        """Iterator over (path, link) pairs; ``'/'`` is this link."""
        if not skipself:
            yield '/', self
        for cname, child in self._named_children():
            prefix = '/' + cname
            yield prefix, child
            for path, link in child.namedlinks(True):
                yield prefix + path, link

    def children(self):
        """Iterator over the direct child links."""
        return iter(list(self._child_links()))

    # -- gradients ---------------------------------------------------------------
    def cleargrads(self):
        """Set every parameter's gradient to None (call before backward)."""
        for p in self.params():
            p.cleargrad()

    def zerograds(self):
        """Fill every gradient with zeros (deprecated: use cleargrads)."""
        warnings.warn('Link.zerograds is deprecated. Use Link.cleargrads instead.',
                      DeprecationWarning, stacklevel=2)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            for p in self.params():
                p.zerograd()

    def addgrads(self, link):
        """Add the gradients of ``link`` (same structure) to this link's."""
        src = link.__dict__
        dst = self.__dict__
        for name in self._params:
            var = src[name]
            if var.grad is None:
                # nothing to add (and an uninitialized destination stays so)
                continue
            dst[name].addgrad(var)
        for child, other in self._paired_children(link):
            child.addgrads(other)

    def _paired_children(self, link):
        return ()

    def copyparams(self, link, copy_persistent=True):
        """Copy parameter data (not grads) and, by default, persistent values
        from ``link`` (same structure)."""
        src = link.__dict__
        dst = self.__dict__
        for name in self._params:
            dst[name].copydata(src[name])
        if copy_persistent:
            for name in self._persistent:
                d = dst[name]
                s = src[name]
                if backend.is_array(d) and backend.is_array(s):
                    backend.copyto(d, s)
                else:
                    dst[name] = _copy_module.deepcopy(s)
        for child, other in self._paired_children(link):
            child.copyparams(other, copy_persistent)

    # -- optimizer switches --------------------------------------------------------
    def _set_update(self, flag):
        for link in self.links():
            link.__dict__['_update_enabled'] = flag
        for p in self.params():
            rule = p.update_rule
            if rule is not None:
                rule.enabled = flag

    def enable_update(self):
        """Enable the update rule of every parameter in the hierarchy."""
        self._set_update(True)

    def disable_update(self):
        """Disable the update rule of every parameter in the hierarchy."""
        self._set_update(False)

    @property
    def update_enabled(self):
        """True if at least one parameter has an enabled update rule."""
        for p in self.params():
            rule = p.update_rule
            if rule is not None and rule.enabled:
                return True
        return False

    # -- copying -------------------------------------------------------------------
    def copy(self, mode='share'):
        """Copy the hierarchy; the copy's ``name`` is None.

        ``'share'``: new link objects whose parameters are new Parameter
        objects sharing the arrays (grads are not shared).  ``'copy'``: the
        parameters and persistent values are deep copies.  ``'init'``: like
        ``'copy'`` with every initialized parameter re-initialized by its
        initializer.  A plain Link is deep copied as a whole; a Chain or
        ChainList is copied shallowly except for its parameters, persistent
        values and children (each child copies itself with ``mode``).
        """
        if mode not in _COPY_MODES:
            raise _invalid_mode(mode)
        if mode == 'copy' or mode == 'init':
            if self._has_children:
                ret = self._shallow_copy()
                d = ret.__dict__
                memo = {}
                for name in ret._params:
                    d[name] = _deepcopy_param(d[name], memo)
                for name in ret._persistent:
                    d[name] = _copy_module.deepcopy(d[name], memo)
                ret._copy_children(mode)
            else:
                memo = {}
                d = self.__dict__
                for name in self._params:
                    p = d[name]
                    if p.array is None:
                        memo[id(p)] = _deepcopy_uninitialized_param(p, memo)
                ret = _copy_module.deepcopy(self, memo)
                ret.__dict__['name'] = None
            if mode == 'init':
                d = ret.__dict__
                for name in ret._params:
                    p = d[name]
                    if p.array is not None:
                        p.initialize(p.shape)
                        # a re-initialized parameter's grad is NaN-filled,
                        # as for Parameter(shape=...)
                        if p.array.dtype.kind == 'f':
                            p.grad = p.xp.full_like(p.array, numpy.nan)
            return ret
        ret = self._shallow_copy()
        d = ret.__dict__
        for name in ret._params:
            p = _copy_module.copy(d[name])
            p.grad = None
            d[name] = p
        ret._copy_children(mode)
        return ret

    def _shallow_copy(self):
        ret = _copy_module.copy(self)
        d = ret.__dict__
        if '_params' in d:
            d['_params'] = list(self._params)
            d['_persistent'] = list(self._persistent)
        if self._local_link_hooks is not None:
            d['_local_link_hooks'] = collections.OrderedDict(self._local_link_hooks)
        d['name'] = None
        return ret

    def _copy_children(self, mode):
        """Replace the children of this (fresh, shallow) copy by copies."""

    def repeat(self, n_repeat, mode='init'):
        """A :class:`fastgrad.Sequential` of ``n_repeat`` copies of this link
        (``mode`` as in :meth:`copy`; ``n_repeat <= 0`` gives an empty one)."""
        from fastgrad.sequential import Sequential
        ret = Sequential()
        if n_repeat <= 0:
            return ret
        if mode not in _COPY_MODES:
            raise _invalid_mode(mode)
        for _ in range(n_repeat):
            ret.append(self.copy(mode))
        return ret

    # -- serialization -------------------------------------------------------------
    def serialize(self, serializer):
        """Save/load the parameters and persistent values (and children)."""
        d = self.__dict__
        for name in self._params:
            param = d[name]
            data = serializer(name, param.array)
            if param.array is None and data is not None:
                param.initialize(data.shape)
                backend.copyto(param.array, data)
        for name in self._persistent:
            d[name] = serializer(name, d[name])
        for cname, child in self._named_children():
            child.serialize(serializer[cname])

    def count_params(self):
        """Total number of scalars in the initialized parameters (warns about
        each uninitialized one)."""
        size = 0
        for path, p in self.namedparams():
            if p.array is None:
                warnings.warn(
                    "Parameter '{}' has not been initialized, so the resulting "
                    'count will not include the number of parameters in it.'
                    .format(path), stacklevel=2)
                continue
            size += p.size
        return size

    # -- devices (the rest is in DeviceResident) ----------------------------------
    @property
    def _device_id(self):
        warnings.warn('Link._device_id is left only for backward compatibility '
                      'and likely to be removed. Use Link.device instead.',
                      DeprecationWarning, stacklevel=2)
        dev = self._device
        return dev.device_id if isinstance(dev, backend.GpuDevice) else None

    def device_resident_accept(self, visitor):
        """Apply a device visitor to this link, its parameters, its array
        persistents and (for chains) its children.  Override it to move extra
        arrays; call super()."""
        visitor.visit_device_resident(self)
        d = self.__dict__
        for name in self._params:
            visitor.visit_variable(d[name])
        for name in self._persistent:
            x = d[name]
            if backend.is_array(x):
                d[name] = visitor.visit_array(x)
        for child in self._child_links():
            child.device_resident_accept(visitor)


_LINK_PARAMS = Link.params


class Chain(Link):
    """A link with named child links.

    Assign links to attributes inside ``with self.init_scope():`` (or use
    ``add_link``); ``Chain(l1=L.Linear(3, 2))`` registers them too.  Children
    are traversed in name order.

    >>> class MLP(fastgrad.Chain):
    ...     def __init__(self):
    ...         super().__init__()
    ...         with self.init_scope():
    ...             self.l1 = L.Linear(3, 4)
    ...             self.l2 = L.Linear(4, 2)
    ...
    ...     def forward(self, x):
    ...         return self.l2(F.relu(self.l1(x)))
    >>> model = MLP()
    >>> sorted(name for name, _ in model.namedparams())
    ['/l1/W', '/l1/b', '/l2/W', '/l2/b']
    >>> model(np.ones((1, 3), dtype=np.float32)).shape
    (1, 2)
    """

    _has_children = True

    def __init__(self, **links):
        super().__init__()
        self._children = []
        for name, link in links.items():
            self.add_link(name, link)

    def __str__(self):
        lines = []
        for child in self.children():
            rep = '({}): {},'.format(child.name, str(child))
            lines.extend('  ' + line + '\n' for line in rep.splitlines())
        body = ''.join(lines)
        return '{}({})'.format(type(self).__name__, '\n' + body if body else '')

    def __getitem__(self, name):
        """``chain['l1']`` is ``chain.l1``."""
        return getattr(self, name)

    def _register_child(self, name, link):
        if hasattr(self, name):
            raise AttributeError(
                'cannot register a new link %s: attribute exists' % name)
        link.name = name
        _insert_sorted(self._children, name)

    def __delattr__(self, name):
        d = self.__dict__
        if '_children' in d:
            _remove_name(self._children, name)
        super().__delattr__(name)

    def add_link(self, name, link):
        """Register ``link`` as the child ``name`` (also an attribute)."""
        if name in self.__dict__:
            raise AttributeError(
                'cannot register a new link %s: attribute exists' % name)
        if not isinstance(link, Link):
            raise TypeError('cannot register a non-link object as a child')
        with self.init_scope():
            setattr(self, name, link)

    def _child_links(self):
        d = self.__dict__
        return [d[name] for name in self._children]

    def _collect_params(self, out, include_uninit):
        Link._collect_params(self, out, include_uninit)
        d = self.__dict__
        for name in self._children:
            child = d[name]
            if type(child).params is _LINK_PARAMS:
                child._collect_params(out, include_uninit)
            else:
                out.extend(child.params(include_uninit))

    def _named_children(self):
        d = self.__dict__
        return [(name, d[name]) for name in self._children]

    def _paired_children(self, link):
        dst = self.__dict__
        src = link.__dict__
        return [(dst[name], src[name]) for name in self._children]

    def _copy_children(self, mode):
        d = self.__dict__
        self._children = list(self._children)
        for name in self._children:
            c = d[name].copy(mode)
            c.name = name
            d[name] = c



class ChainList(Link, collections.abc.MutableSequence):
    """A link holding a list of child links, named ``'0'``, ``'1'``, ...

    Supports the list API (``append``, ``insert``, indexing and slicing,
    ``del``, ``len``, iteration, ``+=``, ``pop``, ``remove``, ...).

    >>> layers = fastgrad.ChainList(L.Linear(3, 4), L.Linear(4, 2))
    >>> len(layers), layers[1].W.shape
    (2, (2, 4))
    >>> sorted(name for name, _ in layers.namedparams())
    ['/0/W', '/0/b', '/1/W', '/1/b']
    """

    _has_children = True

    def __init__(self, *links):
        super().__init__()
        self._children = []
        for link in links:
            self.add_link(link)

    def __str__(self):
        lines = []
        for index, child in enumerate(self._children):
            rep = '({}): {},'.format(index, str(child))
            lines.extend('  ' + line + '\n' for line in rep.splitlines())
        body = ''.join(lines)
        return '{}({})'.format(type(self).__name__, '\n' + body if body else '')

    def _register_child(self, name, link):
        raise TypeError('cannot register a new link within a '
                        '"with chainlist.init_scope():" block.')

    def _renumber(self):
        for i, c in enumerate(self._children):
            c.name = str(i)

    def __getitem__(self, index):
        """The child at ``index`` (a list for a slice)."""
        return self._children[index]

    def __setitem__(self, index, value):
        if isinstance(index, (int, numpy.integer)) and not isinstance(index, bool):
            self._children[index] = value
            n = len(self._children)
            value.name = str(index + n if index < 0 else index)
        elif isinstance(index, slice):
            self._children[index] = value
            self._renumber()
        else:
            raise TypeError('ChainList indices must be integers or slices, not %s'
                            % type(index).__name__)

    def __delitem__(self, index):
        del self._children[index]
        self._renumber()

    def insert(self, index, link):
        """Insert ``link`` before ``index``."""
        children = self._children
        if index == len(children):
            children.append(link)
            link.name = str(index)
        else:
            children.insert(index, link)
            self._renumber()

    def __iter__(self):
        return iter(self._children)

    def __len__(self):
        return len(self._children)

    def add_link(self, link):
        """Append ``link`` as the last child."""
        self.append(link)

    def _child_links(self):
        return self._children

    def _collect_params(self, out, include_uninit):
        Link._collect_params(self, out, include_uninit)
        for child in self._children:
            if type(child).params is _LINK_PARAMS:
                child._collect_params(out, include_uninit)
            else:
                out.extend(child.params(include_uninit))

    def _named_children(self):
        return [(str(i), c) for i, c in enumerate(self._children)]

    def _paired_children(self, link):
        return list(zip(self._children, link._children))

    def _copy_children(self, mode):
        children = list(self._children)
        for i, child in enumerate(children):
            c = child.copy(mode)
            c.name = str(i)
            children[i] = c
        self._children = children

