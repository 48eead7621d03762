"""Run inside a worker process by tests: what that process has imported (it imports nothing itself)."""
import sys


def imported(module: str) -> bool:
    return module in sys.modules
