import re
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = BACKEND_DIR.parent


def test_every_environment_variable_is_documented_in_env_example():
    settings_py = (BACKEND_DIR / "config" / "settings.py").read_text()
    read = set(re.findall(r'\b(?:env\.\w+|repo_path|env_seconds_range)\(\s*"([A-Z0-9_]+)"', settings_py))
    read |= set(re.findall(r'environ\.get\(\s*"([A-Z0-9_]+)"', (BACKEND_DIR / "gunicorn.conf.py").read_text()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (REPO_DIR / ".env.example").read_text(), flags=re.M))

    assert read, "no environment variables found: the pattern above is out of date"
    assert read - documented == set(), "add these to .env.example with a one-line comment"


def test_only_content_hashed_files_are_cached_for_good(settings):
    immutable = re.compile(settings.WHITENOISE_IMMUTABLE_FILE_TEST)
    assert immutable.match("/assets/index-DiwrgTda.js")
    assert immutable.match("/static/admin/css/base.5af66c1b1797.css")
    assert not immutable.match("/index.html")
    assert not immutable.match("/favicon.svg")
    assert not immutable.match("/static/admin/css/base.css")
