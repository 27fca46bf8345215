"""What an operator deploys from deploy/ and the pins every install takes (issue 16).

There is no Docker daemon where the tests run, so the image is checked by reading its file:
the parts that broke before (a shell as PID 1 that swallowed SIGTERM, backups written inside
the image) must not come back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{path.name}: not a pin: {line!r}"
        pins[canonicalize_name(name)] = version
    return pins


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    pins = _pins(ROOT / "constraints.txt")
    for raw in declared:
        req = Requirement(raw)
        name = canonicalize_name(req.name)
        # A dependency added to pyproject.toml without `make lock` would install unpinned.
        assert name in pins, f"{req.name} is not in constraints.txt: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]} outside {req.specifier}"
        )


def test_synapse_for_the_tests_is_pinned() -> None:
    assert "matrix-synapse" in _pins(ROOT / "constraints-synapse.txt")


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = dockerfile.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_image_runs_the_bot_as_pid_1_with_its_data_in_the_volume() -> None:
    steps = _instructions((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    cmds = [rest for keyword, rest in steps if keyword == "CMD"]
    assert not [rest for keyword, rest in steps if keyword == "ENTRYPOINT"]
    # Exec form (a JSON array) and no shell in it: the bot receives `docker stop`'s SIGTERM.
    cmd = json.loads(cmds[-1])
    assert cmd[0] == "aidbridge" and "sh" not in cmd
    env = " ".join(rest for keyword, rest in steps if keyword == "ENV")
    volume = json.loads(next(rest for keyword, rest in steps if keyword == "VOLUME"))
    assert volume == ["/data"]
    # The database (and so the Matrix store beside it) and the backups are in the volume.
    assert "AIDBRIDGE_DB_PATH=/data/" in env
    assert "AIDBRIDGE_BACKUP_DIR=/data/" in env
    # The orchestrator asks /healthz on the port the bot's HTTP server listens on.
    assert "AIDBRIDGE_HTTP_LISTEN=0.0.0.0:8080" in env
    health = [rest for keyword, rest in steps if keyword == "HEALTHCHECK"]
    assert health and "127.0.0.1:8080/healthz" in health[0]
    installs = [rest for keyword, rest in steps if keyword == "RUN" and "pip install" in rest]
    assert installs and all("-c constraints.txt" in rest for rest in installs)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "aidbridge.service").read_text(encoding="utf-8")
    # verify checks that the programs exist: point them at this checkout's installed command.
    here = Path(sys.executable).parent / "aidbridge"
    assert "/opt/aidbridge/.venv/bin/aidbridge" in unit
    target = tmp_path / "aidbridge.service"
    target.write_text(unit.replace("/opt/aidbridge/.venv/bin/aidbridge", str(here)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(target)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_the_bot_alone_or_as_replicas_behind_a_proxy() -> None:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    by_profile: dict[str, set[str]] = {}
    for name, service in services.items():
        for profile in service.get("profiles", []):
            by_profile.setdefault(profile, set()).add(name)
    # Every service belongs to a profile: `--profile single` never starts a replica beside it.
    assert all(service.get("profiles") for service in services.values())
    assert by_profile["single"] == {"aidbridge"}
    replicas = {n for n in by_profile["replicas"] if n.startswith("replica-")}
    assert len(replicas) == 2 and {"proxy", "migrate"} <= by_profile["replicas"]
    for name in replicas | {"aidbridge"}:
        service = services[name]
        # Data in the volume, a clean stop within the grace period (the merge keys resolved).
        assert "aidbridge-data:/data" in service["volumes"]
        assert service["stop_grace_period"] == "30s"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    for name in replicas:
        env = services[name]["environment"]
        assert env["AIDBRIDGE_REPLICAS"] == "1" and env["AIDBRIDGE_HTTP_LISTEN"].endswith(":8080")
        # Started only once the schema is up to date, by the one-shot `migrate`.
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["migrate"]["command"] == ["aidbridge", "migrate"]
    # The proxy deals the webhook out to both replicas, asking each one's /readyz.
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert all(f"{name}:8080" in caddyfile for name in replicas)
    assert "lb_policy round_robin" in caddyfile and "health_uri /readyz" in caddyfile
    assert services["postgres"]["profiles"] == ["postgres"]
