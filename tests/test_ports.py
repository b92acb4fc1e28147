"""The test servers' ports never collide with each other nor with outgoing connections."""

from tests.ports import _ephemeral_range, free_port


def test_ports_are_never_given_twice_and_lie_outside_the_ephemeral_range():
    low, high = _ephemeral_range()
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert not [port for port in ports if low <= port <= high]
