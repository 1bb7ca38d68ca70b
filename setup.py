"""The package build adds the compiled translation catalogs; pyproject.toml holds the rest.

Git keeps only the .po files. ``build_py`` compiles them into the wheel, and for an editable
install (``pip install -e .``) beside the .po files, where the installed code reads them.
"""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "app" / "translations"


def _catalogs():
    # Loaded by its path: importing the package would import Flask, which a build lacks.
    path = TRANSLATIONS.parent / "core" / "catalogs.py"
    spec = importlib.util.spec_from_file_location("redthread_build_catalogs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithCatalogs(build_py):
    def run(self):
        super().run()
        target = TRANSLATIONS if self.editable_mode else Path(self.build_lib) / "app/translations"
        for mo in _catalogs().compile_catalogs(TRANSLATIONS, target):
            self.announce(f"compiled {mo}", level=2)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
