"""``build_computational_graph``: the functions and variables a result was
computed from, as a Graphviz dot graph (Chainer's node and edge structure
and default styles)."""
from fastgrad._core.graph import FunctionNode, Variable, VariableNode

_VARIABLE_STYLE = {'shape': 'octagon', 'fillcolor': '#E0E0E0', 'style': 'filled'}
_FUNCTION_STYLE = {'shape': 'record', 'fillcolor': '#6495ED', 'style': 'filled'}


class DotNode(object):
    """A graph node with its dot attributes (``label`` is the dot line).

    >>> from fastgrad.computational_graph import DotNode
    >>> x = Variable(np.zeros((2, 3), dtype=np.float32), name='x')
    >>> node = DotNode(x.node)
    >>> node.attribute
    {'label': 'x: (2, 3), float32', 'shape': 'oval'}
    >>> node.label == '{} [label="x: (2, 3), float32",shape="oval"];'.format(id(x.node))
    True
    """

    def __init__(self, node, attribute=None, show_name=True):
        if not isinstance(node, (VariableNode, FunctionNode)):
            raise TypeError('DotNode: node must be a VariableNode or a FunctionNode, '
                            'got {}'.format(type(node).__name__))
        self.node = node
        self.id_ = id(node)
        self.attribute = {'label': node.label}
        if isinstance(node, VariableNode):
            if show_name and node.name is not None:
                self.attribute['label'] = '{}: {}'.format(node.name, node.label)
            self.attribute['shape'] = 'oval'
        else:
            self.attribute['shape'] = 'box'
        if attribute is not None:
            self.attribute.update(attribute)

    @property
    def label(self):
        return '%s [%s];' % (self.id_, ','.join(
            '%s="%s"' % kv for kv in self.attribute.items()))


def _style(style, default):
    if style is None:
        return {}
    if isinstance(style, str) and style == 'default':
        return dict(default)
    return style


class ComputationalGraph(object):
    """Nodes (VariableNodes and FunctionNodes) and edges (head, tail) of a
    graph; ``dump()`` writes it in dot.

    >>> from fastgrad import computational_graph as c
    >>> x = Variable(np.ones(2, dtype=np.float32))
    >>> y = F.relu(x)
    >>> g = c.ComputationalGraph([x.node, y.creator, y.node],
    ...                          [(x.node, y.creator), (y.creator, y.node)], rankdir='LR')
    >>> dot = g.dump()
    >>> dot.startswith('digraph graphname{rankdir=LR;'), dot.count('->')
    (True, 2)
    """

    def __init__(self, nodes, edges, variable_style='default', function_style='default',
                 rankdir='TB', remove_variable=False, show_name=True):
        if rankdir not in ('TB', 'BT', 'LR', 'RL'):
            raise ValueError('rankdir must be in TB, BT, LR or RL.')
        self.nodes = nodes
        self.edges = edges
        self.variable_style = _style(variable_style, _VARIABLE_STYLE)
        self.function_style = _style(function_style, _FUNCTION_STYLE)
        self.rankdir = rankdir
        self.remove_variable = remove_variable
        self.show_name = show_name

    def _attr(self, node):
        return self.variable_style if isinstance(node, VariableNode) else self.function_style

    def _to_dot(self):
        if self.remove_variable:
            self.nodes, self.edges = _functions_only(self.nodes, self.edges)
        parts = ['digraph graphname{rankdir=%s;' % self.rankdir]
        for node in self.nodes:
            if isinstance(node, VariableNode) and self.remove_variable:
                continue
            parts.append(DotNode(node, self._attr(node), self.show_name).label)
        drawn = set()
        for head, tail in self.edges:
            if not self.remove_variable and (
                    isinstance(head, VariableNode) == isinstance(tail, VariableNode)):
                raise TypeError('head and tail should be the set of VariableNode and '
                                'Function')
            edge = (id(head), id(tail))
            if edge not in drawn:
                drawn.add(edge)
                parts.append('%s -> %s;' % edge)
        parts.append('}')
        return ''.join(parts)

    def dump(self, format='dot'):
        """The graph as text; only ``'dot'`` is supported."""
        if format == 'dot':
            return self._to_dot()
        raise NotImplementedError('dump: only the dot format is supported')


def _functions_only(nodes, edges):
    """Replace variable nodes by direct function -> function edges."""
    producer = {}
    for head, tail in edges:
        if isinstance(head, FunctionNode) and isinstance(tail, VariableNode):
            producer.setdefault(id(tail), []).append(head)
    new_edges = []
    for head, tail in edges:
        if isinstance(head, VariableNode) and isinstance(tail, FunctionNode):
            for f in producer.get(id(head), []):
                new_edges.append((f, tail))
    return [n for n in nodes if isinstance(n, FunctionNode)], new_edges


def build_computational_graph(outputs, remove_split=True, variable_style='default',
                              function_style='default', rankdir='TB',
                              remove_variable=False, show_name=True):
    """The graph of functions and variables backward-reachable from
    ``outputs`` (Variables, VariableNodes or FunctionNodes, or a list of
    them).  ``remove_split`` must be True (kept for compatibility).

    >>> x = fastgrad.Variable(np.ones(2, dtype=np.float32), name='x')
    >>> y = F.sum(F.relu(x))
    >>> dot = fastgrad.computational_graph.build_computational_graph([y]).dump()
    >>> dot.startswith('digraph graphname')
    True
    >>> 'ReLU' in dot and 'Sum' in dot
    True
    """
    if not remove_split:
        raise ValueError('remove_split=False is not supported anymore')
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    seen, nodes, edges, stack = set(), [], [], []

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append(node)
            stack.append(node)
    for o in outputs:
        if isinstance(o, Variable):
            o = o.node
        if not isinstance(o, (VariableNode, FunctionNode)):
            raise TypeError('build_computational_graph: outputs must be Variables, '
                            'VariableNodes or FunctionNodes, got {}'.format(type(o).__name__))
        visit(o)
    while stack:
        node = stack.pop()
        if isinstance(node, VariableNode):
            creator = node.creator
            if creator is not None:
                edges.append((creator, node))
                visit(creator)
        else:
            for x in node.inputs or ():
                edges.append((x, node))
                visit(x)
    return ComputationalGraph(nodes, edges, variable_style, function_style, rankdir,
                              remove_variable, show_name)
