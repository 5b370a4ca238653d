"""Builds the Cython extensions; all metadata lives in pyproject.toml.

FASTGRAD_CYTHON_DEBUG=1 turns bounds/wraparound checks back on (and line tracing)
for debugging the compiled core.
"""
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("FASTGRAD_CYTHON_DEBUG", "") not in ("", "0")

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "embedsignature": True,
}
if DEBUG:
    directives["linetrace"] = True

macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
if DEBUG:
    macros.append(("CYTHON_TRACE_NOGIL", "1"))

# the headers the threaded loops share: thread pool, AVX2 clones
SHARED_H = ["fastgrad/_core/fg_parallel.h", "fastgrad/_core/_threads.pxi",
              "fastgrad/_core/fg_clones.h"]

extensions = [
    Extension("fastgrad._core.graph", ["fastgrad/_core/graph.pyx"]),
    Extension("fastgrad._core.blas", ["fastgrad/_core/blas.pyx"],
              include_dirs=[numpy.get_include()], define_macros=macros),
    # -fopenmp-simd: the loops' `omp simd` reductions vectorize (no OpenMP runtime)
    Extension("fastgrad._core.norm", ["fastgrad/_core/norm.pyx"],
              include_dirs=[numpy.get_include(), "fastgrad/_core"], define_macros=macros,
              extra_compile_args=["-fopenmp-simd"],
              depends=["fastgrad/_core/norm_kernels.h", "fastgrad/_core/norm_kernels_impl.h"]
              + SHARED_H),
    Extension("fastgrad._core.conv2d", ["fastgrad/_core/conv2d.pyx"],
              include_dirs=[numpy.get_include(), "fastgrad/_core"], define_macros=macros,
              extra_compile_args=["-fopenmp-simd"],
              depends=["fastgrad/_core/im2col_kernels.h", "fastgrad/_core/im2col_kernels_impl.h",
                       "fastgrad/_core/depthwise_kernels.h",
                       "fastgrad/_core/depthwise_kernels_impl.h"]
              + SHARED_H),
    # -fno-trapping-math: GCC turns gy * (y > 0) into a branch (a multiply it may
    # not speculate) and leaves the loop scalar, 7x slower than NumPy; values
    # are unchanged (it only drops the floating-point exception semantics)
    Extension("fastgrad._core.activation", ["fastgrad/_core/activation.pyx"],
              include_dirs=[numpy.get_include(), "fastgrad/_core"], define_macros=macros,
              extra_compile_args=["-fopenmp-simd", "-fno-trapping-math"],
              depends=["fastgrad/_core/relu_kernels.h", "fastgrad/_core/relu_kernels_impl.h"]
              + SHARED_H),
    Extension("fastgrad._core.ctc", ["fastgrad/_core/ctc.pyx"],
              include_dirs=[numpy.get_include(), "fastgrad/_core"], define_macros=macros,
              depends=["fastgrad/_core/ctc_kernels.h", "fastgrad/_core/ctc_kernels_impl.h"]),
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives,
                            nthreads=2 if os.cpu_count() and os.cpu_count() > 1 else 0))
