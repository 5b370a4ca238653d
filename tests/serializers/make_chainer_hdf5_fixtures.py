"""Write the Chainer-made .h5 fixtures of the HDF5 tests.

Run with a real Chainer 7.8.1 and h5py (``python
tests/serializers/make_chainer_hdf5_fixtures.py``); CI only reads the files.
Chainer loads its own npz fixtures (see make_chainer_fixtures.py) and saves
the same model, Adam state and lazy model with ``save_hdf5``, so the .h5 files
must load to exactly the npz contents.
"""
import importlib.util
import os

import chainer
import chainer.functions as F
import chainer.links as L
from chainer import optimizers, serializers

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, 'fixtures')
OUT = os.path.join(HERE, 'fixtures_hdf5')

spec = importlib.util.spec_from_file_location(
    'fixture_model', os.path.join(HERE, 'fixture_model.py'))
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
Model, Lazy = mod.define(chainer, L, F)

model = Model()
serializers.load_npz(os.path.join(FIX, 'chainer_model.npz'), model)
serializers.save_hdf5(os.path.join(OUT, 'chainer_model.h5'), model)
opt = optimizers.Adam(alpha=0.01).setup(model)
serializers.load_npz(os.path.join(FIX, 'chainer_adam.npz'), opt)
serializers.save_hdf5(os.path.join(OUT, 'chainer_adam.h5'), opt)
lazy = Lazy()
serializers.save_hdf5(os.path.join(OUT, 'chainer_lazy.h5'), lazy)
