"""Build step: the wheel carries the shipped domain packs as ``dialogue/packs/``.

The packs live in ``domains/`` at the top of the repository (where CI, tests and docs use them);
``dialogue init --from PACK`` finds them there in a checkout and here in an installed package.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PACKS = Path(__file__).resolve().parent / "domains"
#: local state a pack folder may hold in a checkout; never shipped
LEFT_OUT = shutil.ignore_patterns(".dialogue", "__pycache__", "*.pyc", ".pytest_cache", "*.sqlite3", "*.egg-info")


class BuildWithPacks(build_py):
    """``build_py`` plus a copy of ``domains/`` into ``<build>/dialogue/packs/``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads domains/ in place
        target = Path(self.build_lib) / "dialogue" / "packs"
        if target.exists():
            shutil.rmtree(target)
        if PACKS.is_dir():  # an sdist without domains/ builds a wheel without packs
            shutil.copytree(PACKS, target, ignore=LEFT_OUT)


setup(cmdclass={"build_py": BuildWithPacks})
