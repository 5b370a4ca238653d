"""Which __launch_bounds__ minimum-blocks value (Tile.minb_sm90) should a SIMT
tile use on this GPU?  Compiles the tile with each value through CuPy's NVRTC,
reports registers / local memory (spills), and times the three linear products
with that tile forced (median of CUDA events).

    python bench/gpu_minb_check.py --json out.json

Needs CuPy and a GPU; imports only fastgrad_cuda (no compiled fastgrad core).
"""
import argparse
import json
import os
import sys

import numpy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_linear import time_fn  # noqa: E402

from fastgrad_cuda import launch, plan
from fastgrad_cuda import linear as fl  # noqa: E402

CASES = [(4, 'L', (1024, 4096, 4096)), (4, 'L', (4096, 4096, 4096)),
         (8, 'W', (1024, 4096, 4096))]


def median_ms(cp, fn):
    return time_fn(cp, fn, warmup=1, repeat=15)[0]     # GPU time of gpu_linear.py


def main():
    import cupy as cp
    parser = argparse.ArgumentParser()
    parser.add_argument('--json', default=None)
    args = parser.parse_args()
    dev = cp.cuda.runtime.getDevice()
    cc, _ = launch.device_info(cp, dev)
    out = []
    for itemsize, tname, (n, k, m) in CASES:
        dtype = numpy.float32 if itemsize == 4 else numpy.float64
        rng = cp.random.RandomState(0)
        x = rng.standard_normal((n, k)).astype(dtype)
        W = rng.standard_normal((m, k)).astype(dtype)
        gy = rng.standard_normal((n, m)).astype(dtype)
        base = plan.TILES[itemsize]
        for minb in (1, 2):
            plan.TILES[itemsize] = tuple(t._replace(minb_sm90=minb) if t.name == tname else t
                                       for t in base)
            launch._modules.clear()
            launch._functions.clear()
            tile = plan.tile_by_name(itemsize, tname)
            names = [plan.gemm_kernel_name(itemsize, tile, cc, a, b)
                     for a in (True, False) for b in (True, False)]
            attrs = {}
            for name in names:
                attrs[name] = launch.kernel(cp, dev, itemsize, name).attributes
            ms = {
                'forward': median_ms(cp, lambda: fl.linear_forward(x, W, tile=tname, splits=1)),
                'grad_x': median_ms(cp, lambda: fl.linear_grad_x(gy, W, tile=tname, splits=1)),
                'grad_W': median_ms(cp, lambda: fl.linear_grad_W(gy, x, tile=tname, splits=1)),
            }
            row = {'dtype': numpy.dtype(dtype).name, 'tile': tname, 'shape': [n, k, m],
                   'minb_sm90': minb, 'ms': ms,
                   'regs': {k2: v['num_regs'] for k2, v in attrs.items()},
                   'local_bytes': {k2: v['local_size_bytes'] for k2, v in attrs.items()}}
            out.append(row)
            print(json.dumps(row), flush=True)
        plan.TILES[itemsize] = base
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'device': cp.cuda.runtime.getDeviceProperties(dev)['name'].decode(),
                       'cc': cc, 'rows': out}, f, indent=1)


if __name__ == '__main__':
    main()
