"""Early warning benchmarks (a script, not a test). One function per measurement; `--only`
picks them (default: all).

    .venv/bin/python benchmarks/warning.py --only sms --requests 2000 --threads 8
    .venv/bin/python benchmarks/warning.py --only sms --database postgres

sms: inbound SMS webhook throughput on loopback. A real server (`peaceops runserver
--noreload`, DEBUG off, threaded) on a throw-away database with one gateway (HMAC) and one
webhook subscription (so each new alert also writes an outbox row). Client threads post
signed messages, each with a new id, over a new connection each. Next to it, in the same run
and on the same server, two references:
- `static`: GET of a static file (WhiteNoise): the floor of HTTP + WSGI on this machine;
- `refused`: the same POST with a wrong signature (401): routing, gateway lookup, HMAC,
  the error body; everything but the writes.
and `duplicate`: re-posting messages already received (the answer finds the first alert).
Ratios are against `static`. PostgreSQL runs under scripts/with-postgres.sh (a throw-away
server; a DATABASE_URL from the environment is never used).
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SEED = """
from peaceops.core.roles import Role
from peaceops.missions.models import Mission
from peaceops.accounts.models import Membership, User
from peaceops.warning.channel_config import sms_gateway_create, subscription_create

mission = Mission.objects.create(
    acronym="MINUSCA", name_en="Bench", kind="peacekeeping_operation",
    hq_name="Bangui", hq_latitude=4.3947, hq_longitude=18.5582,
)
user = User.objects.create(username="bench")
Membership.objects.create(user=user, mission=mission, role=Role.ANALYST, clearance="internal")
gateway, secret = sms_gateway_create(
    actor=user, mission=mission, slug="bench", auth="hmac", classification="internal"
)
subscription_create(
    actor=user, mission=mission, channel="webhook", address="http://127.0.0.1:9/hook",
    min_severity="medium",
)
print(secret)
"""


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def _request(port: int, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def _load(
    name: str, port: int, count: int, threads: int, make: Callable[[int], tuple], expect: int
) -> Result:
    """`count` requests from `threads` client threads; make(i) -> (method, path, body,
    headers). An answer other than `expect`, or an exception, is an error."""
    errors, lock, next_index = [0], threading.Lock(), iter(range(count))

    def client() -> None:
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            try:
                ok = _request(port, *make(index)) == expect
            except OSError:
                ok = False
            if not ok:
                with lock:
                    errors[0] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Result(name, count, errors[0], time.perf_counter() - started)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _peaceops(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "peaceops", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "peaceops", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def measure_sms(env: dict[str, str], args: argparse.Namespace) -> list[Result]:
    _peaceops(env, "migrate", "--no-input", "-v0")
    secret = _peaceops(env, "shell", "-c", SEED).strip().splitlines()[-1]
    path = "/api/v1/sms/bench/inbound"

    def message(index: int, sign: bool = True) -> tuple:
        body = json.dumps(
            {"id": f"bench-{index}", "from": "+23672000000", "text": f"ALERT clash report {index}"}
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Peaceops-Signature": "sha256="
            + hmac.new((secret if sign else "wrong").encode(), body, hashlib.sha256).hexdigest(),
        }
        return "POST", path, body, headers

    server, port = _serve(env)
    try:
        count, threads, static = args.requests, args.threads, "/static/web/peaceops.css"

        def get_static(index: int) -> tuple:
            return "GET", static, b"", {}

        _load("warm-up", port, 50, threads, get_static, 200)
        return [
            _load("static", port, count, threads, get_static, 200),
            _load("refused", port, count, threads, lambda i: message(i, sign=False), 401),
            _load("sms", port, count, threads, message, 200),
            _load("duplicate", port, count, threads, message, 200),
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure_rules(env: dict[str, str], args: argparse.Namespace) -> list[Result]:
    """Trigger-rule evaluation with --rows incidents: benchmarks/warning_rules.py, in its own
    process (it sets Django up in-process and prints its own table)."""
    command = [sys.executable, str(ROOT / "benchmarks/warning_rules.py"), "--rows", str(args.rows)]
    subprocess.run(command, env=env, check=True)
    return []


MEASUREMENTS: dict[str, Callable[[dict[str, str], argparse.Namespace], list[Result]]] = {
    "sms": measure_sms,
    "rules": measure_rules,
}


def show(title: str, results: list[Result]) -> None:
    if not results:
        return
    print(f"\n== {title}")
    print(f"{'measurement':<12} {'requests':>9} {'errors':>7} {'seconds':>8} {'req/s':>8} ratio")
    reference = next((r.rate for r in results if r.name == "static"), None)
    for r in results:
        ratio = f"{r.rate / reference:.2f}" if reference else "-"
        print(
            f"{r.name:<12} {r.requests:>9,} {r.errors:>7,} {r.seconds:>8.2f} {r.rate:>8.0f} {ratio}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(MEASUREMENTS), action="append")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rows", type=int, default=500_000, help="incidents, for `rules`")
    args = parser.parse_args()
    print("$ " + shlex.join([sys.executable, *sys.argv]), flush=True)
    if args.database == "postgres" and not os.environ.get("PEACEOPS_BENCH_FRESH_POSTGRES"):
        env = {**os.environ, "PEACEOPS_BENCH_FRESH_POSTGRES": "1"}
        command = [str(ROOT / "scripts/with-postgres.sh"), sys.executable, *sys.argv]
        sys.exit(subprocess.run(command, env=env).returncode)
    var_dir = tempfile.mkdtemp(prefix="peaceops-bench-warning-")
    # runserver starts a thread per request: persistent connections would pile up.
    env = {**os.environ, "PEACEOPS_VAR_DIR": var_dir, "DEBUG": "false", "CONN_MAX_AGE": "0"}
    env["DJANGO_SETTINGS_MODULE"] = "peaceops.settings"
    if args.database == "sqlite":
        env.pop("DATABASE_URL", None)
    try:
        for name in args.only or sorted(MEASUREMENTS):
            title = f"{name}, {args.database}, {args.requests:,} requests, {args.threads} threads"
            show(title, MEASUREMENTS[name](env, args))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
