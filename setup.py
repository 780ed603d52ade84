"""Builds tsize's Python extension with CMake (the `_tsize` target, as `make python` does) for
`pip install .`; pyproject.toml holds the package's metadata."""

import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("TSIZE_BUILD_DIR", os.path.join(ROOT, "build"))
        if not os.path.exists(os.path.join(build, "CMakeCache.txt")):  # else: as configured
            python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                                   f"-DPython3_EXECUTABLE={python}"])
        subprocess.check_call(["cmake", "--build", build, "--target", "_tsize", "-j",
                               os.environ.get("JOBS", "2")])
        built = glob.glob(os.path.join(ROOT, "python", "tsize", "_tsize*.so"))
        if len(built) != 1:
            sys.exit(f"tsize: expected one built module in python/tsize, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


setup(ext_modules=[Extension("tsize._tsize", sources=[])], cmdclass={"build_ext": CMakeBuild},
      options={"build": {"build_base": os.path.join("build", "setuptools")}})
