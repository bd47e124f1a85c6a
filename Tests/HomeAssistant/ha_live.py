#!/usr/bin/env python3
"""A real Home Assistant beside a broker, reached only through its public interfaces.

Run it with the interpreter of the venv that `Tests/HomeAssistant/ha-discovery-check --setup` makes. Home
Assistant runs as its own process (`python -m homeassistant`), is onboarded through its HTTP
API (/api/onboarding/users, /auth/token), gets its MQTT integration from the config flow a user
clicks through (/api/config/config_entries/flow) and is read through its REST and WebSocket
APIs (/api/states, /api/history/period, config/entity_registry/list,
config/device_registry/list) and its log file. No private attribute of Home Assistant is
touched, so the same code drives 2024.3.3 and 2025.4.4 and should survive the next release.

Commands:
  serve --dir DIR --broker-port PORT [--prefix P]
        start Home Assistant with its MQTT integration on 127.0.0.1:PORT; DIR/ha.json
        ({"url", "token", "version", "log"}) appears when it is ready. Runs until SIGTERM,
        SIGINT, or its parent process ends; Home Assistant is stopped with it.
  entities --dir DIR
        the MQTT entities and devices Home Assistant has now, as one JSON document.
  history --dir DIR --entity ENTITY_ID [--hours H]
        the entity's recorded states of the last H hours (24), oldest first, as JSON.
  ws --dir DIR COMMAND_JSON
        one WebSocket API command, e.g. {"type": "config/entity_registry/update", ...} (what a
        user does in the UI: rename an entity, set its area); prints the result as JSON.
  check [--strict] [--prefix P] [FILE...]
        check discovery configs: starts a mosquitto and a Home Assistant of its own, publishes
        every config (JSON Lines {"topic":…, "config":…}) retained, and says per config
        "ok <topic>" or "REJECTED <topic>: <reason>" (Home Assistant's own log line).
        Exit 0 all accepted, 1 some rejected, 2 usage or setup error.
  self-test
        run `check` on the good and bad configs of fixtures/self-test.jsonl; exit 0 when each
        comes out as the fixture expects.
  requirements
        the Python packages the integrations it sets up need, one per line, as their manifests
        name them (for the venv; Home Assistant's own requirements cover only its core).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

READY_TIMEOUT_S = 180  # a first start compiles what pip left uncompiled


class UsageError(Exception):
    """Bad input or environment (exit status 2)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ha_version() -> str:
    from homeassistant.const import __version__

    return __version__


def supports_device_discovery(version: str) -> bool:
    """Device-based discovery (`<prefix>/device/<id>/config`) arrived in 2024.11."""
    year, month = (int(x) for x in version.split(".")[:2])
    return (year, month) >= (2024, 11)


# --------------------------------------------------------------------------
# Home Assistant as a process


CONFIGURATION = """\
homeassistant:
  name: gatewayd test
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: NL
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {http_port}
recorder:
  db_url: "sqlite:///{config_dir}/home-assistant_v2.db"
  commit_interval: 0
history:
logger:
  default: warning
  logs:
    homeassistant.components.mqtt: info
"""


class HomeAssistant:
    """One Home Assistant process with a config directory of its own."""

    def __init__(self, config_dir: str) -> None:
        self.config_dir = config_dir
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.log = os.path.join(config_dir, "home-assistant.log")
        self.process: subprocess.Popen | None = None
        self.token = ""

    def start(self) -> None:
        os.makedirs(self.config_dir, exist_ok=True)
        with open(os.path.join(self.config_dir, "configuration.yaml"), "w") as f:
            f.write(CONFIGURATION.format(http_port=self.http_port, config_dir=self.config_dir))
        out = open(os.path.join(self.config_dir, "stdout.log"), "w")
        # --skip-pip: everything it needs is in the venv already; nothing is fetched at run time.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "homeassistant", "-c", self.config_dir, "--skip-pip", "--log-file", self.log],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        try:
            with open(os.path.join(self.config_dir, "stdout.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    async def ready(self, broker_port: int, prefix: str) -> None:
        """Waits for the HTTP API, onboards a user and adds the MQTT integration."""
        import aiohttp

        deadline = time.monotonic() + READY_TIMEOUT_S
        async with aiohttp.ClientSession() as http:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise UsageError(f"Home Assistant exited with status {self.process.returncode}:\n{self.output()}")
                try:
                    async with http.get(f"{self.url}/api/onboarding") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise UsageError(f"Home Assistant did not answer within {READY_TIMEOUT_S} s:\n{self.output()}")
                await asyncio.sleep(0.25)

            client_id = f"{self.url}/"
            async with http.post(
                f"{self.url}/api/onboarding/users",
                json={"client_id": client_id, "name": "Test", "username": "test", "password": "test-password", "language": "en"},
            ) as r:
                if r.status != 200:
                    raise UsageError(f"onboarding refused the user: {r.status} {await r.text()}")
                code = (await r.json())["auth_code"]
            async with http.post(
                f"{self.url}/auth/token",
                data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
            ) as r:
                access = (await r.json())["access_token"]
            # A long-lived token, so that a long test run never sees the 30-minute one expire.
            async with http.ws_connect(f"{self.url}/api/websocket") as ws:
                await ws.receive_json()
                await ws.send_json({"type": "auth", "access_token": access})
                if (await ws.receive_json()).get("type") != "auth_ok":
                    raise UsageError("the WebSocket API refused the new user's token")
                await ws.send_json({"id": 1, "type": "auth/long_lived_access_token", "client_name": "gatewayd tests", "lifespan": 365})
                self.token = (await ws.receive_json())["result"]

            headers = {"Authorization": f"Bearer {self.token}"}
            async with http.post(
                f"{self.url}/api/config/config_entries/flow", headers=headers, json={"handler": "mqtt", "show_advanced_options": False}
            ) as r:
                flow = await r.json()
            async with http.post(
                f"{self.url}/api/config/config_entries/flow/{flow['flow_id']}",
                headers=headers,
                json={"broker": "127.0.0.1", "port": broker_port},
            ) as r:
                result = await r.json()
            if result.get("type") != "create_entry":
                raise UsageError(f"the MQTT config flow did not create an entry: {result}")
            if prefix != "homeassistant":
                await self._set_prefix(http, headers, result["result"]["entry_id"], prefix)

    async def _set_prefix(self, http: Any, headers: dict, entry_id: str, prefix: str) -> None:
        """The discovery prefix is an option of the MQTT entry (Configure → MQTT options)."""
        async with http.post(f"{self.url}/api/config/config_entries/options/flow", headers=headers, json={"handler": entry_id}) as r:
            flow = await r.json()
        while flow.get("type") == "form":
            answer: dict[str, Any] = {}
            for field in flow.get("data_schema", []):
                if field["name"] == "discovery_prefix":
                    answer[field["name"]] = prefix
                elif "default" in field and field["default"] is not None:
                    answer[field["name"]] = field["default"]
            async with http.post(
                f"{self.url}/api/config/config_entries/options/flow/{flow['flow_id']}", headers=headers, json=answer
            ) as r:
                flow = await r.json()
        if flow.get("type") != "create_entry":
            raise UsageError(f"the MQTT options flow did not take the prefix {prefix!r}: {flow}")


# --------------------------------------------------------------------------
# reading it, through its APIs


async def read_entities(url: str, token: str) -> dict[str, Any]:
    """The MQTT entities (registry entry and state) and the devices they belong to."""
    import aiohttp

    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{url}/api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": token})
            await ws.receive_json()
            await ws.send_json({"id": 1, "type": "config/entity_registry/list"})
            registry = (await ws.receive_json())["result"]
            await ws.send_json({"id": 2, "type": "config/device_registry/list"})
            devices = (await ws.receive_json())["result"]
        async with http.get(f"{url}/api/states", headers=headers) as r:
            states = {s["entity_id"]: s for s in await r.json()}
    entities = []
    device_ids = set()
    for entry in registry:
        if entry.get("platform") != "mqtt":
            continue
        state = states.get(entry["entity_id"])
        device_ids.add(entry.get("device_id"))
        entities.append(
            {
                "entity_id": entry["entity_id"],
                "unique_id": entry.get("unique_id"),
                "device_id": entry.get("device_id"),
                "registry_id": entry.get("id"),
                "name": entry.get("name"),
                "state": state["state"] if state else None,
                "attributes": state["attributes"] if state else None,
            }
        )
    return {
        "version": ha_version(),
        "entities": sorted(entities, key=lambda e: e["entity_id"]),
        "devices": [
            {
                "id": d["id"],
                "name": d.get("name"),
                "identifiers": d.get("identifiers"),
                "connections": d.get("connections"),
                "sw_version": d.get("sw_version"),
                "name_by_user": d.get("name_by_user"),
            }
            for d in devices
            if d["id"] in device_ids or any(i[0] == "mqtt" for i in d.get("identifiers", []))
        ],
    }


async def read_history(url: str, token: str, entity_id: str, hours: float) -> list[dict[str, Any]]:
    """The entity's recorded states of the last `hours`, oldest first."""
    import aiohttp
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    # The period runs one day from its start unless it is given an end.
    start, end = (now - timedelta(hours=hours)).isoformat(), (now + timedelta(minutes=1)).isoformat()
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{url}/api/history/period/{start}",
            headers=headers,
            params={"filter_entity_id": entity_id, "end_time": end, "minimal_response": "1", "no_attributes": "1"},
        ) as r:
            if r.status != 200:
                raise UsageError(f"history: {r.status} {await r.text()}")
            data = await r.json()
    return [{"state": s["state"], "last_changed": s["last_changed"]} for s in (data[0] if data else [])]


async def websocket_command(url: str, token: str, command: dict[str, Any]) -> Any:
    """Sends one WebSocket API command (as the frontend does) and returns its result."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{url}/api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": token})
            await ws.receive_json()
            await ws.send_json(dict(command, id=1))
            answer = await ws.receive_json()
    if not answer.get("success"):
        raise UsageError(f"{command.get('type')}: {answer.get('error')}")
    return answer.get("result")


def load_handle(directory: str) -> dict[str, Any]:
    path = os.path.join(directory, "ha.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise UsageError(f"no running Home Assistant in {directory} ({err}); start one with `serve`") from err


def integration_requirements() -> list[str]:
    """What the integrations Home Assistant sets up here need, with their dependencies: those it
    always loads (its bootstrap's lists; when one fails it starts in recovery mode) and the ones
    the tests use (MQTT, the recorder and history, the HTTP and WebSocket APIs, onboarding)."""
    import pathlib

    import homeassistant
    from homeassistant import bootstrap

    components = pathlib.Path(homeassistant.__file__).parent / "components"
    todo = set(getattr(bootstrap, "DEFAULT_INTEGRATIONS", set())) | set(getattr(bootstrap, "CORE_INTEGRATIONS", set()))
    todo |= {"mqtt", "recorder", "history", "http", "api", "websocket_api", "onboarding", "auth", "config", "frontend"}
    seen: set[str] = set()
    requirements: set[str] = set()
    while todo:
        name = todo.pop()
        manifest = components / name / "manifest.json"
        if name in seen or not manifest.exists():
            continue
        seen.add(name)
        data = json.loads(manifest.read_text())
        requirements.update(data.get("requirements", []))
        todo.update(data.get("dependencies", []) + data.get("after_dependencies", []))
    return sorted(requirements)


# --------------------------------------------------------------------------
# serve


def serve(directory: str, broker_port: int, prefix: str) -> int:
    os.makedirs(directory, exist_ok=True)
    parent = os.getppid()
    ha = HomeAssistant(os.path.join(directory, "config"))
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ha.start()
    try:
        asyncio.run(ha.ready(broker_port, prefix))
        handle = {"url": ha.url, "token": ha.token, "version": ha_version(), "log": ha.log, "pid": ha.process.pid}
        tmp = os.path.join(directory, "ha.json.tmp")
        with open(tmp, "w") as f:
            json.dump(handle, f)
        os.rename(tmp, os.path.join(directory, "ha.json"))
        print(f"Home Assistant {ha_version()} ready at {ha.url}", flush=True)
        # Until told to stop, or until whoever started us is gone (a test process that crashed
        # must not leave a Home Assistant behind).
        while not stopping and os.getppid() == parent and ha.process.poll() is None:
            time.sleep(0.2)
        if ha.process.poll() is not None and not stopping:
            print(f"Home Assistant exited with status {ha.process.returncode}", file=sys.stderr)
            return 1
        return 0
    finally:
        ha.stop()


# --------------------------------------------------------------------------
# check


def read_records(paths: list[str]) -> list[tuple[str, str, Any]]:
    """(where, topic, config) for every record in the inputs."""
    sources: list[tuple[str, Any]] = []
    if not paths or paths == ["-"]:
        if sys.stdin.isatty():
            raise UsageError("no FILE given and stdin is a terminal (see --help)")
        sources.append(("<stdin>", sys.stdin))
    else:
        for path in paths:
            try:
                sources.append((path, open(path, encoding="utf-8")))
            except OSError as err:
                raise UsageError(f"cannot read {path}: {err.strerror}") from err
    records = []
    for name, handle in sources:
        with handle:
            for lineno, line in enumerate(handle, 1):
                text = line.strip()
                if not text or text.startswith("#"):
                    continue
                where = f"{name}:{lineno}"
                try:
                    obj = json.loads(text)
                except ValueError as err:
                    raise UsageError(f"{where}: not valid JSON: {err}") from err
                if not isinstance(obj, dict) or set(obj) != {"topic", "config"} or not isinstance(obj["topic"], str):
                    raise UsageError(f'{where}: expected an object with a string "topic" and a "config"')
                records.append((where, obj["topic"], obj["config"]))
    return records


def expected_entities(topic: str, config: Any, prefix: str) -> list[tuple[str, str]]:
    """(label, unique_id) of every entity a config should create; labels name the component."""
    rest = topic[len(prefix) + 1 :] if topic.startswith(prefix + "/") else topic
    if rest.startswith("device/") and isinstance(config, dict):
        components = config.get("cmps", config.get("components", {}))
        if not isinstance(components, dict):
            return []
        return [
            (f"{topic}#{key}", c.get("unique_id", c.get("uniq_id")))
            for key, c in components.items()
            if isinstance(c, dict)
        ]
    if isinstance(config, dict):
        return [(topic, config.get("unique_id", config.get("uniq_id")))]
    return [(topic, None)]


class Broker:
    """A mosquitto of the check's own, on a free loopback port."""

    def __init__(self, directory: str) -> None:
        self.port = free_port()
        binary = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None)
        if binary is None or shutil.which("mosquitto_pub") is None:
            raise UsageError("the check needs mosquitto and mosquitto_pub (apt-get install mosquitto mosquitto-clients)")
        conf = os.path.join(directory, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        self.process = subprocess.Popen(
            [binary, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise UsageError("mosquitto did not start")
                time.sleep(0.05)

    def publish(self, topic: str, payload: str) -> None:
        """Retained, QoS 1; an empty payload clears the topic."""
        subprocess.run(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), "-q", "1", "-r", "-t", topic]
            + (["-s"] if payload else ["-n"]),
            input=payload.encode(),
            check=True,
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


SENTINEL_UID = "ha_live_check_sentinel"


SENTINELS = {
    "sensor": {"name": "sentinel", "state_topic": "ha-live-check/none"},
    "binary_sensor": {"name": "sentinel", "state_topic": "ha-live-check/none"},
    "switch": {"name": "sentinel", "command_topic": "ha-live-check/none"},
}


def components_of(topic: str, config: Any, prefix: str) -> set[str]:
    """The entity components a config sets up (the ones the sentinels cover)."""
    rest = topic[len(prefix) + 1 :].split("/")
    if rest[0] == "device" and isinstance(config, dict):
        components = config.get("cmps", config.get("components", {}))
        found = {c.get("p", c.get("platform")) for c in components.values() if isinstance(c, dict)} if isinstance(components, dict) else set()
    else:
        found = {rest[0]}
    return {c for c in found if c in SENTINELS} or {"sensor"}


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (WARNING|ERROR|CRITICAL) \([^)]*\) (.*)$")


def log_records(lines: list[str]) -> list[str]:
    """Warnings and errors, one line each; a traceback is reduced to its last line."""
    records: list[str] = []
    for line in lines:
        match = LOG_RECORD.match(line)
        if match:
            records.append(match.group(2))
        elif records and line and not line.startswith((" ", "Traceback")) and not re.match(r"^\d{4}-", line):
            records[-1] = f"{records[-1].split(' -> ')[0]} -> {line.strip()}"
    return records


def log_lines_since(path: str, offset: int) -> tuple[list[str], int]:
    try:
        with open(path, errors="replace") as f:
            f.seek(offset)
            text = f.read()
            return text.splitlines(), f.tell()
    except OSError:
        return [], offset


def check(records: list[tuple[str, str, Any]], prefix: str, strict: bool) -> list[tuple[str, bool, str, list[str]]]:
    """(label, accepted, entity id or reason, warnings) per expected entity."""
    work = tempfile.mkdtemp(prefix="ha-live-check-")
    broker = Broker(work)
    ha = HomeAssistant(os.path.join(work, "config"))
    results = []
    try:
        ha.start()
        asyncio.run(ha.ready(broker.port, prefix))
        version = ha_version()
        _, offset = log_lines_since(ha.log, 0)  # what it said while starting is about no config
        seen: set[str] = set()
        for _where, topic, config in records:
            if topic in seen:
                results.append((topic, False, "duplicate topic in the input (Home Assistant takes it as an update)", []))
                continue
            seen.add(topic)
            if not isinstance(config, dict) or not config:
                results.append((topic, False, "payload is not a non-empty JSON object (empty removes)", []))
                continue
            wanted = expected_entities(topic, config, prefix)
            if topic.startswith(f"{prefix}/device/") and not supports_device_discovery(version):
                results.append((topic, False, f"Home Assistant {version} has no device-based discovery (2024.11 and later)", []))
                continue
            broker.publish(topic, json.dumps(config))
            # Configs are handled in order within a component, so a known-good config of each
            # component after this one bounds the wait, also for a config that is refused
            # without a word (a platform loads on its first config, which takes a moment).
            sentinels = []
            for component in sorted(components_of(topic, config, prefix)):
                sentinels.append(f"{SENTINEL_UID}_{len(seen)}_{component}")
                broker.publish(
                    f"{prefix}/{component}/ha_live_check/{sentinels[-1]}/config",
                    json.dumps(dict(SENTINELS[component], unique_id=sentinels[-1])),
                )
            deadline = time.monotonic() + 30
            found: dict[str, Any] = {}
            while True:
                current = asyncio.run(read_entities(ha.url, ha.token))
                by_uid = {e["unique_id"]: e for e in current["entities"]}
                found = {uid: by_uid[uid] for _l, uid in wanted if uid in by_uid and by_uid[uid]["state"] is not None}
                if all(s in by_uid for s in sentinels) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            time.sleep(0.3)  # what it logs about the config comes right after
            lines, offset = log_lines_since(ha.log, offset)
            # One config is in flight at a time, so what Home Assistant warned about meanwhile
            # is about it (refusals are logged at WARNING or ERROR, some naming only the entity).
            about = [r for r in log_records(lines) if not any(s in r for s in sentinels)]
            for label, uid in wanted:
                if uid is None:
                    results.append((label, False, "no unique_id: Home Assistant keeps no registry entry to check it by", []))
                elif uid in found:
                    warnings = list(about)
                    if strict and warnings:
                        results.append((label, False, "(strict) " + "; ".join(warnings), []))
                    else:
                        results.append((label, True, found[uid]["entity_id"], warnings))
                else:
                    results.append((label, False, "; ".join(about) or "no entity was created and Home Assistant logged nothing about it", []))
            # Clear it again, so that one config's unique_id never blocks the next one's.
            broker.publish(topic, "")
    finally:
        ha.stop()
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    return results


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "self-test.jsonl")


def self_test_cases(device_discovery: bool) -> list[tuple[bool, str, Any]]:
    """(accepted?, topic, config) of fixtures/self-test.jsonl; device configs only when the
    Home Assistant has device-based discovery."""
    cases = []
    with open(FIXTURES, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                case = json.loads(line)
                if device_discovery or not case.get("device"):
                    cases.append((case["expect"] == "ok", case["topic"], case["config"]))
    return cases


def self_test(prefix: str) -> int:
    cases = self_test_cases(supports_device_discovery(ha_version()))
    records = [("self-test", t, c) for _ok, t, c in cases]
    results = check(records, prefix, strict=False)
    # One result per expected entity: a case passes when all of its entities came out as expected.
    outcome: dict[str, list[bool]] = {}
    for label, ok, reason, _w in results:
        outcome.setdefault(label.split("#")[0], []).append(ok)
        print(f"        {'ok' if ok else 'REJECTED'} {label}: {reason}")
    failed = 0
    for expect, topic, _c in cases:
        oks = outcome.get(topic, [])
        good = bool(oks) and all(ok == expect for ok in oks)
        failed += not good
        print(f"{'PASS' if good else 'FAIL'}  {topic}: expected {'ok' if expect else 'REJECTED'}")
    print(f"{len(cases) - failed} passed, {failed} failed (Home Assistant {ha_version()})")
    return 0 if failed == 0 else 1


# --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--dir", required=True)
    p.add_argument("--broker-port", type=int, required=True)
    p.add_argument("--prefix", default="homeassistant")
    p = sub.add_parser("entities")
    p.add_argument("--dir", required=True)
    p = sub.add_parser("history")
    p.add_argument("--dir", required=True)
    p.add_argument("--entity", required=True)
    p.add_argument("--hours", type=float, default=24.0)
    p = sub.add_parser("ws")
    p.add_argument("--dir", required=True)
    p.add_argument("command_json")
    p = sub.add_parser("check")
    p.add_argument("files", nargs="*")
    p.add_argument("--prefix", default="homeassistant")
    p.add_argument("--strict", action="store_true")
    p = sub.add_parser("self-test")
    p.add_argument("--prefix", default="homeassistant")
    p = sub.add_parser("version")
    p = sub.add_parser("requirements")
    args = parser.parse_args()

    try:
        if args.command == "version":
            print(ha_version())
            return 0
        if args.command == "requirements":
            print("\n".join(integration_requirements()))
            return 0
        if args.command == "serve":
            return serve(args.dir, args.broker_port, args.prefix)
        if args.command == "entities":
            handle = load_handle(args.dir)
            print(json.dumps(asyncio.run(read_entities(handle["url"], handle["token"]))))
            return 0
        if args.command == "history":
            handle = load_handle(args.dir)
            print(json.dumps(asyncio.run(read_history(handle["url"], handle["token"], args.entity, args.hours))))
            return 0
        if args.command == "ws":
            handle = load_handle(args.dir)
            try:
                command = json.loads(args.command_json)
            except ValueError as err:
                raise UsageError(f"not JSON: {err}") from err
            print(json.dumps(asyncio.run(websocket_command(handle["url"], handle["token"], command))))
            return 0
        if args.command == "self-test":
            return self_test(args.prefix)
        records = read_records(args.files)
        if not records:
            raise UsageError("no configs in the input")
        rejected = 0
        for label, ok, reason, warnings in check(records, args.prefix, args.strict):
            if ok:
                print(f"ok {label}")
            else:
                rejected += 1
                print(f"REJECTED {label}: {reason}")
            for warning in warnings:
                print(f"warning {label}: {warning}", file=sys.stderr)
        return 1 if rejected else 0
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as err:
        print(f"error: {err}; run Tests/HomeAssistant/ha-discovery-check --setup", file=sys.stderr)
        return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(2)
    except Exception:  # a crash must not read as "rejected" (exit 1)
        import traceback

        traceback.print_exc()
        print("error: the checker itself failed", file=sys.stderr)
        sys.exit(2)
