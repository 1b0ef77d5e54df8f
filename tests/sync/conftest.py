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


@pytest.fixture
def shared_url(pg_cluster: Cluster) -> str:
    """A fresh shared database for one test, at the schema's head."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return pg_cluster.url(name)


@pytest.fixture
def empty_database(pg_cluster: Cluster) -> str:
    import psycopg

    name = f"e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return pg_cluster.url(name)


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
