"""``print_runtime_info()``: the versions and devices a bug report needs."""
import platform
import sys


def _blas():
    try:
        import numpy
        cfg = numpy.show_config(mode='dicts')
        libs = cfg.get('Build Dependencies', {}).get('blas', {})
        return '{} {}'.format(libs.get('name', '?'), libs.get('version', '')).strip()
    except Exception:
        return 'unknown'


def runtime_info():
    """The lines of :func:`print_runtime_info` as (name, value) pairs."""
    import numpy
    import scipy

    import fastgrad
    from fastgrad.backends import cuda
    info = [('Platform', platform.platform()),
            ('Python', sys.version.split()[0]),
            ('fastgrad', fastgrad.__version__),
            ('Chainer API', '7.8.1'),
            ('NumPy', numpy.__version__),
            ('SciPy', scipy.__version__),
            ('BLAS (NumPy)', _blas())]
    if cuda.available:
        import cupy
        info.append(('CuPy', cupy.__version__))
        for i in range(cupy.cuda.runtime.getDeviceCount()):
            props = cupy.cuda.runtime.getDeviceProperties(i)
            name = props['name']
            info.append(('GPU {}'.format(i), name.decode() if isinstance(name, bytes) else name))
    else:
        info.append(('CuPy', 'Not Available'))
    if cuda.cudnn_enabled:
        info.append(('cuDNN', '{} ({})'.format(cuda.cudnn.get_version(),
                                               cuda.cudnn.library_path())))
    else:
        info.append(('cuDNN', 'Not Available'))
    info.append(('ChainerX', 'Not Available'))
    info.append(('iDeep', 'Not Available'))
    return info


def print_runtime_info(out=None):
    """Print the platform, fastgrad, NumPy, SciPy, BLAS, CuPy and GPU.

    >>> import io
    >>> out = io.StringIO()
    >>> fastgrad.print_runtime_info(out)
    >>> [line.split(':')[0] for line in out.getvalue().splitlines()][:3]
    ['Platform', 'Python', 'fastgrad']
    """
    out = sys.stdout if out is None else out
    for name, value in runtime_info():
        out.write('{}: {}\n'.format(name, value))
