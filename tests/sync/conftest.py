"""Sync tests run against a real PostgreSQL cluster these fixtures start and own.

With CI=true a test that cannot start PostgreSQL fails; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.sync.pg_cluster import Cluster, ClusterUnavailable

TEMPLATE = "mash_template"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is needed for the sync tests: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        cluster.init()
        cluster.start()
    except ClusterUnavailable as error:
        _unavailable(str(error))
    try:
        from mash_tui.server.migrate import upgrade_shared

        import psycopg

        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {TEMPLATE}")
        upgrade_shared(cluster.url(TEMPLATE))
        yield cluster
    finally:
        cluster.remove()


def _drop_database(cluster: Cluster, name: str) -> None:
    """Drop a test's database and end every session still on it.

    Clients left behind by a partition (a blackholed proxy keeps its server side open) would
    otherwise pile up across the session until the cluster refuses new connections.
    """
    import psycopg

    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def shared_url(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh shared database for one test, at the schema's head."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield pg_cluster.url(name)
    _drop_database(pg_cluster, name)


@pytest.fixture
def empty_database(pg_cluster: Cluster) -> Iterator[str]:
    import psycopg

    name = f"e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield pg_cluster.url(name)
    _drop_database(pg_cluster, name)


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A cluster of this test's own, for tests that kill the server."""
    cluster = Cluster()
    try:
        cluster.init()
        cluster.start()
    except ClusterUnavailable as error:
        _unavailable(str(error))
    try:
        yield cluster
    finally:
        cluster.remove()
