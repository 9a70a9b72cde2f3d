"""A faithful simulated InvenTree server (build orders and what they touch), on Starlette and SQLite.

It imports nothing from the UI: ``buildtui --demo`` and the tests talk to it over real HTTP.
"""

from .routes import make_app
from .server import SimulatorServer, build_simulator
from .state import Simulator

__all__ = ["Simulator", "SimulatorServer", "build_simulator", "make_app"]
