"""One scenario for the recurrent cell links, run by real Chainer 7.8.1
(make_rnn_cells.py writes rnn_cells.npz) and by fastgrad
(tests/links/test_rnn_cells_chainer.py): the same code with either library's
``L``, ``F``, ``Variable``, ``Chain`` and configuration."""
import numpy

IN, OUT, BATCH = 3, 4, 2


def build(L, Chain):
    model = Chain()
    with model.init_scope():
        model.gru = L.StatefulGRU(IN, OUT)
        model.gru_alias = L.GRU(IN, OUT)
        model.sgru = L.StatelessGRU(IN, OUT)
        model.slstm = L.StatelessLSTM(IN, OUT)
        model.peep = L.StatefulPeepholeLSTM(IN, OUT)
        model.zlstm = L.StatefulZoneoutLSTM(IN, OUT, c_ratio=0.3, h_ratio=0.6)
        model.smgu = L.StatelessMGU(IN, OUT)
        model.mgu = L.StatefulMGU(IN, OUT)
        model.cs = L.ChildSumTreeLSTM(IN, OUT)
        model.nary = L.NaryTreeLSTM(IN, OUT, n_ary=3)
    return model


def randomize(model):
    """Parameters from one seeded draw, in the order of their names."""
    rng = numpy.random.RandomState(7)
    for _, p in sorted(model.namedparams()):
        p.array[...] = rng.uniform(-1, 1, p.shape)


def inputs():
    rng = numpy.random.RandomState(0)
    names = ['x1', 'x2', 'x3', 'h0', 'c0', 'h1', 'h2', 'h3', 'c1', 'c2', 'c3']
    return {n: rng.uniform(-1, 1, (BATCH, IN if n[0] == 'x' else OUT)) for n in names}


def run(model, v, seed_rng):
    """The outputs (name -> Variable) from the input Variables ``v``;
    ``seed_rng()`` seeds NumPy's global RNG before the zoneout steps."""
    out = {}
    xs = [v['x1'], v['x2'], v['x3']]
    for name in ('gru', 'gru_alias', 'peep', 'mgu'):
        link = getattr(model, name)
        link.reset_state()
        for t, x in enumerate(xs):
            out['{}/y{}'.format(name, t)] = link(x)
    model.gru.set_state(v['h0'])
    out['gru/after_set_state'] = model.gru(v['x1'])
    model.mgu.set_state(v['h0'])
    out['mgu/after_set_state'] = model.mgu(v['x1'])
    out['sgru/y'] = model.sgru(v['h0'], v['x1'])
    out['smgu/y'] = model.smgu(v['h0'], v['x1'])
    c, h = model.slstm(v['c0'], v['h0'], v['x1'])
    out['slstm/c'], out['slstm/h'] = c, h
    c, h = model.slstm(None, None, v['x2'])
    out['slstm/c_from_none'], out['slstm/h_from_none'] = c, h
    seed_rng()
    model.zlstm.reset_state()
    for t, x in enumerate(xs):
        out['zlstm/y{}'.format(t)] = model.zlstm(x)
        out['zlstm/c{}'.format(t)] = model.zlstm.c
    c, h = model.cs(v['c1'], v['c2'], v['h1'], v['h2'], v['x1'])
    out['cs/c'], out['cs/h'] = c, h
    c, h = model.cs(v['c1'], None, v['h1'], v['h2'], v['x2'])
    out['cs/c_none'], out['cs/h_none'] = c, h
    c, h = model.cs(v['x3'])
    out['cs/c_leaf'], out['cs/h_leaf'] = c, h
    c, h = model.nary(v['c1'], v['c2'], v['c3'], v['h1'], v['h2'], v['h3'], v['x1'])
    out['nary/c'], out['nary/h'] = c, h
    c, h = model.nary(v['c1'], None, v['c3'], v['h1'], None, v['h3'], None)
    out['nary/c_none'], out['nary/h_none'] = c, h
    return out


def loss(out, F):
    """A weighted sum of every output (fixed weights)."""
    rng = numpy.random.RandomState(3)
    total = 0
    for name in sorted(out):
        total = total + F.sum(out[name] * rng.uniform(-1, 1, out[name].shape))
    return total
