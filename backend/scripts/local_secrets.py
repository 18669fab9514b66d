"""Print `export NAME=value` lines with this checkout's own secrets, for `make run` and its siblings to eval.

DJANGO_SECRET_KEY and JWT_SIGNING_KEY come from the environment when set there; otherwise from the
secrets file (argument 1, default .env.local at the repository's root, never committed), which is
created on first use with random values (Python's `secrets`) and mode 600. No key is ever written in the
code: a token signed with a key anyone can read in the repository must not open anyone's account.
The same file keeps the same keys across restarts, so sessions and SMS codes survive them.
"""

import os
import re
import secrets
import sys
from pathlib import Path

NAMES = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY")
DEFAULT_FILE = Path(__file__).resolve().parents[2] / ".env.local"
LINE = re.compile(r"^([A-Z0-9_]+)=(.*)$")


def read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        match = LINE.match(line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def write(path: Path, values: dict[str, str]) -> None:
    """Write the file readable by its owner only: created with mode 600, never world-readable in between."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("# This checkout's own secrets, made by backend/scripts/local_secrets.py. Never commit.\n")
        out.writelines(f"{name}={value}\n" for name, value in values.items())
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_FILE
    missing = [name for name in NAMES if not os.environ.get(name)]
    if not missing:
        return 0  # the environment decides; nothing is written
    stored = read(path)
    new = {name: secrets.token_urlsafe(50) for name in missing if not stored.get(name)}
    if new:
        write(path, {**stored, **new})
        print(f"Secrets: made new random {', '.join(new)} in {path} (mode 600, never commit it)", file=sys.stderr)
    elif path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    for name in missing:
        # token_urlsafe's alphabet (letters, digits, - and _) needs no shell quoting; a value someone wrote by hand may.
        value = {**stored, **new}[name]
        if not re.fullmatch(r"[A-Za-z0-9_\-.+/=]+", value):
            print(f"Secrets: {name} in {path} may hold only letters, digits and -_.+/=", file=sys.stderr)
            return 1
        print(f"export {name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
