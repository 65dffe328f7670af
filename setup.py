"""Builds the compiled performance core, the private Cython package ``rlkit_ext``.

Every ``rlkit_ext/_*.pyx`` is compiled with the directives and flags set here, in one place.
Package metadata lives in ``pyproject.toml``.
"""
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

CYTHON_DIRECTIVES = {
    "language_level": "3",
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "nonecheck": False,
    "embedsignature": True,
}
COMPILE_ARGS = ["-O3", "-fno-math-errno"]
MACROS = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]

here = Path(__file__).parent
extensions = [
    Extension(
        f"rlkit_ext.{pyx.stem}",
        [str(pyx.relative_to(here))],
        include_dirs=[np.get_include()],
        define_macros=MACROS,
        extra_compile_args=COMPILE_ARGS,
    )
    for pyx in sorted((here / "rlkit_ext").glob("_*.pyx"))
]

setup(ext_modules=cythonize(extensions, compiler_directives=CYTHON_DIRECTIVES, quiet=True))
