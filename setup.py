"""Ship the top-level styles/*.tcss inside the package (buildtui/styles) when a wheel is built.

An editable install reads styles/ from the source tree instead (see buildtui/paths.py).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithStyles(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "styles"
        target = Path(self.build_lib) / "buildtui" / "styles"
        target.mkdir(parents=True, exist_ok=True)
        for sheet in source.glob("*.tcss"):
            shutil.copy2(sheet, target / sheet.name)


setup(cmdclass={"build_py": BuildPyWithStyles})
