import pytest

from .hookserver import HookServer


@pytest.fixture
def hook_server():
    server = HookServer().start()
    yield server
    server.stop()
