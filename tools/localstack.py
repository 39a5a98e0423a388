"""The whole system on this machine: `python -m tools.localstack` (what `make run` runs).

One process tree: DynamoDB Local (Java, data under var/) or moto in memory where Java is missing,
moto's server for Cognito, S3, SNS (where text messages go) and SQS (the outbox's dead-letter
queue), one HTTP server on 127.0.0.1 serving the built portal and, under /api, the Chalice app,
and the outbox's stream poller (tools/outbox_stream.py), which feeds the table's stream to the
app's delivery handler as Lambda would. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from tools import engines
from tools.engines import ROOT, Engine
from tools.outbox_stream import DEFAULT_INTERVAL, StreamPoller

FUNCTIONS = ROOT / "functions"
DEFAULT_SITE = ROOT / "build" / "site"
REGION = "us-east-1"  # any region moto serves Cognito in; the table is local either way
TABLE = "worker-services"
UPLOADS = "worker-services-uploads"


@dataclass
class Stack:
    url: str
    engine: Engine
    aux: Engine
    env: dict[str, str]
    pool: Any
    outbox: StreamPoller | None = None
    _server: Any = None
    _thread: threading.Thread | None = None
    _saved_env: dict[str, str] = field(default_factory=dict)
    _stopped: bool = field(default=False)
    demo: str = "off"  # the demo data set: "seeded" now, "present" from before, "skipped" (data there), "off"

    def stop(self) -> None:
        """Stop every part and give the process its environment back."""
        if self._stopped:
            return
        self._stopped = True
        if self.outbox is not None:
            self.outbox.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.engine.stop()
        if self.aux is not self.engine:
            self.aux.stop()
        for name in self.env:
            os.environ.pop(name, None)
        _apply_env(self._saved_env)


def secret_key(data_dir: Path | None) -> str:
    """The key for cursors and keyed hashes, kept with the data (a new one would orphan every hash)."""
    if data_dir is None:
        return secrets.token_urlsafe(32)
    path = engines.private_dir(data_dir) / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def table_env(endpoint: str, data_dir: Path | None) -> dict[str, str]:
    """What the app's data layer needs to use the local table (the stack's and maintenance commands')."""
    return {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION, "TABLE_NAME": TABLE, "DYNAMODB_ENDPOINT": endpoint,
            "WS_SECRET_KEY": secret_key(data_dir)}


def _apply_env(env: dict[str, str]) -> None:
    os.environ.update(env)
    from chalicelib.core.config import reset_settings

    reset_settings()


def choose_engine(data_dir: Path | None, wanted: str) -> tuple[Engine, str | None]:
    """DynamoDB Local where it can run, else moto in memory; the second value is a warning."""
    reason = engines.dynamodb_local_available()
    if wanted == "moto" or (wanted == "auto" and reason):
        warning = None if wanted == "moto" else f"{reason}; using moto in memory: data will be lost on stop"
        return engines.start_moto(), warning
    if reason:
        raise RuntimeError(reason)
    return engines.start_dynamodb_local(data_dir / "dynamodb" if data_dir else None), None


def start_stack(data_dir: Path | None, port: int = 8000, site_dir: Path = DEFAULT_SITE,
                engine: str = "auto", seed_staff: bool = True, demo: bool = False,
                outbox_poll: float | None = DEFAULT_INTERVAL) -> tuple[Stack, str | None]:
    """Start every part; with `demo`, an empty database gets the demo data set (tools/demo.py).
    outbox_poll is the seconds between polls of the table's stream (None: no poller, for tests that
    drive tools/outbox_stream.py themselves)."""
    saved_env = dict(os.environ)
    db_engine, warning = choose_engine(data_dir, engine)
    aux = db_engine if db_engine.name == "moto" else engines.start_moto()
    env = {**table_env(db_engine.endpoint, data_dir), "WS_ENGINE": db_engine.name,
           "COGNITO_ENDPOINT": aux.endpoint, "S3_ENDPOINT": aux.endpoint, "UPLOADS_BUCKET": UPLOADS,
           "SNS_ENDPOINT": aux.endpoint, "WS_SMS_PROVIDER": "sns"}
    from chalice.cli.factory import CLIFactory

    factory = CLIFactory(project_dir=str(FUNCTIONS), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="local")
    env.update({k: str(v) for k, v in (config.environment_variables or {}).items()})
    try:
        pool = _prepare(env, aux, seed_staff)
        env.update({"COGNITO_USER_POOL_ID": pool.pool_id, "COGNITO_CLIENT_ID": pool.client_id,
                    "COGNITO_ISSUER": pool.issuer,
                    # moto serves the pool's signing keys itself; the issuer's host is AWS's.
                    "COGNITO_JWKS_URL": f"{aux.endpoint}/{pool.pool_id}/.well-known/jwks.json"})
        _apply_env(env)
        demo_state = _seed_demo() if demo else "off"
        poller = _outbox_poller(db_engine, aux, outbox_poll)
        server = _serve(factory, config, port, site_dir, aux.endpoint, poller)
    except BaseException:
        db_engine.stop()
        aux.stop()
        _apply_env(saved_env)
        raise
    thread = threading.Thread(target=server.serve_forever, name="front", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    uploads_bucket(aux.endpoint, url)
    if poller is not None:
        poller.start()
    return Stack(url, db_engine, aux, env, pool, poller, server, thread, saved_env, demo=demo_state), warning


def _outbox_poller(db_engine: Engine, aux: Engine, interval: float | None) -> StreamPoller | None:
    if interval is None:
        return None
    import logging

    from chalicelib.notify import service

    # The poller calls the engines every interval; moto's server would log each call.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from tools.outbox_stream import app_handler

    return StreamPoller(db_engine.endpoint, TABLE, REGION, app_handler(), interval, sqs_endpoint=aux.endpoint,
                        release=service.release_held)


def _seed_demo() -> str:
    from tools import demo

    return demo.seed_demo()


def _prepare(env: dict[str, str], aux: Engine, seed_staff: bool) -> Any:
    _apply_env(env)
    from tools import cognito, seed, table

    dynamodb = boto3.client("dynamodb", endpoint_url=env["DYNAMODB_ENDPOINT"], region_name=REGION)
    table.create_table(dynamodb, env["TABLE_NAME"])
    seed.seed_units()
    idp = boto3.client("cognito-idp", endpoint_url=aux.endpoint, region_name=REGION)
    pool = cognito.create_pool(idp, REGION)
    if seed_staff:
        # moto checks TOTP codes only when asked to (it serves one fixed secret, DEMO_TOTP_SECRET).
        os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
        staff = seed.load_staff()
        enrolled = set()
        for person in staff["staff"]:
            cognito.create_staff_user(idp, pool, person["username"], person["name"], person["unit_id"],
                                      person["roles"], staff["password"])
            if cognito.needs_totp(person["roles"]):  # demo city admins and finance staff come enrolled
                session = cognito.sign_in(idp, pool, person["username"], staff["password"])
                if cognito.enrol_totp(idp, session["AccessToken"]).upper() != cognito.DEMO_TOTP_SECRET:
                    raise RuntimeError("the local Cognito gave another TOTP secret than the banner shows")
                enrolled.add(person["username"])
        seed.seed_staff_records(staff["staff"], enrolled)
    return pool


def uploads_bucket(endpoint: str, origin: str) -> None:
    """The bucket report photos are posted to from the portal's pages (infra/uploads.yaml)."""
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    s3.create_bucket(Bucket=UPLOADS)
    s3.put_bucket_cors(Bucket=UPLOADS, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": [origin], "AllowedMethods": ["POST"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}]})


def _serve(factory: Any, config: Any, port: int, site_dir: Path, aws_endpoint: str,
           poller: StreamPoller | None = None) -> Any:
    from chalice.local import LocalChalice, ThreadedHTTPServer

    from tools import security_headers
    from tools.front import FrontHandler

    app = factory.load_chalice_app()
    if not isinstance(app, LocalChalice):
        # Chalice's local server needs a request per thread, as `chalice local` arranges.
        app.__class__ = type("LocalApp", (LocalChalice, app.__class__), {})
    from tools.outbox_stream import local_messages

    shown = staticmethod(functools.partial(local_messages, poller)) if poller is not None else None
    handler_cls = type("Handler", (FrontHandler,), {"site_dir": site_dir, "local_messages": shown,
                                                    "security_headers": security_headers.headers(aws_endpoint)})
    handler = functools.partial(handler_cls, app_object=app, config=config)
    # socketserver listens with a backlog of 5: a burst of parallel clients (a fair opening, the
    # concurrency tests) would have its connections reset before a thread could take them.
    server_cls = type("FrontServer", (ThreadedHTTPServer,), {"request_queue_size": 256})
    return server_cls(("127.0.0.1", port), handler)


DEMO_LINES = {
    "seeded": ["  示例数据 Demo data: 已写入一套标注「示例」的演示数据（求助、一线家庭、爱心蔬菜、场次、",
               "    专项资金、案例、困难职工、招聘单位），不计入上报的统计。",
               "    A labelled demo data set was added; it is left out of the figures sent upward.",
               "    不要示例数据 To start without it: 删除 var/ 后运行 make run ARGS=--no-demo"],
    "present": ["  示例数据 Demo data: 已有（上次启动时写入，标注「示例」，不计入上报的统计）。",
                "    Present from an earlier start, labelled 示例, left out of the figures sent upward.",
                "    不要示例数据 To start without it: 删除 var/ 后运行 make run ARGS=--no-demo"],
    "skipped": ["  示例数据 Demo data: 数据库中已有数据，未写入 / not added: the database already holds data."],
    "off": ["  示例数据 Demo data: 未写入（--no-demo）/ none (--no-demo): only the union tree and staff logins."],
}


def banner(stack: Stack, warning: str | None) -> str:
    from tools import cognito, seed

    staff = seed.load_staff()
    lines = [
        "",
        "职工服务平台 本地运行中 / Worker Services running locally",
        f"  门户 Portal:        {stack.url}/",
        f"  接口 API health:    {stack.url}/api/health",
        f"  接口文档 OpenAPI:   {stack.url}/api/openapi.json",
        f"  数据库 Engine:      {stack.engine.name} at {stack.engine.endpoint}"
        + (" (data under var/, kept across restarts)" if stack.engine.persistent else " (in memory)"),
        f"  Cognito (moto):     {stack.aux.endpoint}  pool {stack.pool.pool_id}",
    ]
    if stack.outbox is not None:
        lines.append(f"  短信 Messages sent:  {stack.url}/_local/messages  (local server only; moto's SNS, "
                     f"stream polled every {stack.outbox.interval:g} s)")
    lines += [
        "",
        f"  演示工作人员账号 Demo staff logins (password for all: {staff['password']}):",
    ]
    for person in staff["staff"]:
        lines.append(f"    {person['username']:<22} {','.join(person['roles']):<18} {person['unit_id']}")
    lines += [
        "  市总管理员和财务账号还要输入验证器上的 6 位动态码 / city_admin and finance also need a TOTP code:",
        f"    验证器密钥 authenticator secret: {cognito.DEMO_TOTP_SECRET}  (or `make totp` prints the current code)",
    ]
    lines += ["", *DEMO_LINES[stack.demo]]
    if warning:
        lines += ["", "!" * 78, f"  WARNING: {warning}", "!" * 78]
    lines += ["", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data", type=Path, default=ROOT / "var")
    parser.add_argument("--site", type=Path, default=DEFAULT_SITE)
    parser.add_argument("--engine", choices=["auto", "dynamodb-local", "moto"], default="auto")
    parser.add_argument("--outbox-poll", type=float, default=float(os.environ.get("WS_OUTBOX_POLL_SECONDS",
                                                                                  DEFAULT_INTERVAL)),
                        help="seconds between polls of the table's stream (env WS_OUTBOX_POLL_SECONDS)")
    parser.add_argument("--no-demo", action="store_true",
                        help="start without the demo data set (an empty database gets it otherwise)")
    args = parser.parse_args(argv)
    stack, warning = start_stack(args.data, args.port, args.site, args.engine, demo=not args.no_demo,
                                 outbox_poll=args.outbox_poll)
    print(banner(stack, warning), flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    try:
        done.wait()
    finally:
        print("Stopping…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
