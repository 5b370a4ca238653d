"""``LinkHook``: code run before and after a link's forward (Chainer's
``chainer.LinkHook``).  Active on every link of the current thread inside
``with hook:``, or on one link with ``link.add_hook(hook)``."""
import collections
import threading

_local = threading.local()
# Links take their fast call path only while no global hook exists in any
# thread; this counter (not the thread-local dict) is what they test.
_n_global = [0]


def get_link_hooks():
    """The global link hooks of this thread (name -> hook)."""
    hooks = getattr(_local, 'link_hooks', None)
    if hooks is None:
        hooks = _local.link_hooks = collections.OrderedDict()
    return hooks


class LinkHook(object):
    """Base class of link hooks: override ``forward_preprocess(args)`` and
    ``forward_postprocess(args)`` (``args.link``, ``args.forward_name``,
    ``args.args``, ``args.kwargs``, and ``args.out`` after), and
    ``added(link)`` / ``deleted(link)`` (link None for a global hook).

    >>> class PrintCalls(fastgrad.LinkHook):
    ...     name = 'PrintCalls'
    ...     def forward_preprocess(self, args):
    ...         print(type(args.link).__name__, args.forward_name, args.args[0].shape)
    >>> layer = L.Linear(2, 3)
    >>> with PrintCalls():  # a global hook: every link's forward
    ...     y = layer(np.ones((1, 2), np.float32))
    Linear forward (1, 2)
    """

    name = 'LinkHook'

    def __enter__(self):
        hooks = get_link_hooks()
        if self.name in hooks:
            raise KeyError('hook {} already exists'.format(self.name))
        hooks[self.name] = self
        _n_global[0] += 1
        self.added(None)
        return self

    def __exit__(self, *exc):
        self.deleted(None)
        del get_link_hooks()[self.name]
        _n_global[0] -= 1

    def added(self, link):
        pass

    def deleted(self, link):
        pass

    def forward_preprocess(self, args):
        pass

    def forward_postprocess(self, args):
        pass
