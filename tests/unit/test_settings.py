"""One settings object, built from the command line and the environment; nothing else reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mash_tui.config import Settings, SettingsError

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "mash_tui"
# `os.environ`, `os.getenv`, `os.putenv`... and the same names imported from `os`.
ENVIRONMENT_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def _environment_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT_NAMES:
            found.append(f"{name}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "posix", "nt"):
            found += [f"{name}:{node.lineno}: from {node.module} import {alias.name}"
                      for alias in node.names if alias.name in ENVIRONMENT_NAMES | {"*"}]
        elif isinstance(node, ast.Name) and node.id in ("environ", "getenv"):
            found.append(f"{name}:{node.lineno}: {node.id}")
    return found


def test_only_config_reads_or_writes_the_environment() -> None:
    found = [use for path in sorted(PACKAGE.rglob("*.py")) if path != PACKAGE / "config.py"
             for use in _environment_uses(path)]
    assert not found, "only mash_tui/config.py reads the environment (Settings): " + "; ".join(found)


def test_the_scan_sees_every_way_of_reaching_the_environment(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    sources = ["import os\nos.environ.get('X')\n", "import os\nos.environ['X'] = 'y'\n", "import os\nos.getenv('X')\n",
               "from os import environ\n", "from os import getenv as read\n", "import os as o\no.putenv('X', 'y')\n"]
    for source in sources:
        module.write_text(source, encoding="utf-8")
        assert _environment_uses(module), source
    module.write_text("import os\nos.getuid()\nenvironment = {}\n", encoding="utf-8")
    assert _environment_uses(module) == []


def test_the_command_line_wins_over_the_environment(tmp_path: Path) -> None:
    env = {"MASH_HOME": str(tmp_path / "env-home"), "MASH_SHARED_DB": "postgresql://env@db/hub",
           "MASH_PASSWORD": "from-env", "MASH_SYNC_DEADLINE_S": "1.5"}
    given = Settings.from_environment(home=tmp_path / "given", shared="postgresql://given@db/hub", environ=env)
    assert given.home == tmp_path / "given" and given.shared_url == "postgresql://given@db/hub"
    assert given.password_text() == "from-env" and given.sync_deadline_s == 1.5
    from_env = Settings.from_environment(environ=env)
    assert from_env.home == tmp_path / "env-home" and from_env.shared_url == "postgresql://env@db/hub"


def test_empty_values_count_as_not_given_except_a_password(tmp_path: Path) -> None:
    from mash_tui.paths import default_home

    settings = Settings.from_environment(home="", environ={"MASH_HOME": "", "MASH_SHARED_DB": "", "MASH_PASSWORD": "",
                                                           "MASH_SYNC_DEADLINE_S": ""})
    assert settings.home == default_home() and settings.shared_url is None
    assert settings.password_text() == "" and settings.sync_deadline_s == 10.0
    assert Settings.from_environment(home=tmp_path, environ={}).password_text() is None


def test_the_password_is_not_shown_with_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_environment(home=tmp_path, environ={"MASH_PASSWORD": "hunter2-secret"})
    assert "hunter2-secret" not in repr(settings) and "hunter2-secret" not in str(settings)


@pytest.mark.parametrize(("deadline", "connect"), [(None, 5), ("10", 5), ("1.5", 2), ("1", 2), ("3", 3), ("30", 5)])
def test_one_sync_deadline_and_the_connect_timeout_follows_it(tmp_path: Path, deadline: str | None,
                                                              connect: int) -> None:
    env = {} if deadline is None else {"MASH_SYNC_DEADLINE_S": deadline}
    settings = Settings.from_environment(home=tmp_path, environ=env)
    assert settings.sync_deadline_s == (10.0 if deadline is None else float(deadline))
    assert settings.connect_timeout_s == connect


@pytest.mark.parametrize("deadline", ["soon", "0", "-1"])
def test_a_bad_deadline_is_refused_naming_the_variable(tmp_path: Path, deadline: str) -> None:
    with pytest.raises(SettingsError, match=r"^\$MASH_SYNC_DEADLINE_S: "):
        Settings.from_environment(home=tmp_path, environ={"MASH_SYNC_DEADLINE_S": deadline})


def test_the_hubs_rules_replace_the_shipped_ones_and_its_policy_overrides_keys(tmp_path: Path) -> None:
    from mash_tui.paths import SHIPPED_RULES

    settings = Settings(home=tmp_path)
    assert settings.rules_file == SHIPPED_RULES
    assert [rule.id for rule in settings.load_rules().rules][:2] == ["R1", "R2"]
    (tmp_path / "rag_rules.toml").write_text(
        '[[rule]]\nid = "H1"\nreason = "Synthetic hub rule"\nrating = "RED"\nwhen = { any_category = ["20"] }\n',
        encoding="utf-8")
    (tmp_path / "policy.toml").write_text("[limits]\nmax_field_chars = 4000\n", encoding="utf-8")
    assert [rule.id for rule in settings.load_rules().rules] == ["H1"]
    assert settings.load_policy().limits.max_field_chars == 4000


def test_a_context_carries_its_settings_rules_and_no_shared_database_unless_the_sync_wing_attaches_it(
        tmp_path: Path) -> None:
    from mash_tui.services.context import open_context
    from mash_tui.sync.link import SharedLink, attach

    url = "postgresql://nobody@127.0.0.1:1/none"
    ctx = open_context(Settings(home=tmp_path / "home", shared_url=url))
    try:
        assert ctx.settings.shared_url == url and ctx.shared is None and ctx.shared_url is None
        assert ctx.rules.rules
        attach(ctx)
        assert ctx.shared == SharedLink(url) and ctx.shared_url == url
    finally:
        ctx.store.dispose()
