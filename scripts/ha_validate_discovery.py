#!/usr/bin/env python3
"""Check Home Assistant MQTT discovery configs with Home Assistant's own code.

Run it with the interpreter of the venv made by `scripts/ha-discovery-check
--setup` (homeassistant==2024.3.3, installed without most of its
dependencies).  Nothing here re-implements Home Assistant's rules.  The
checker builds a real, never-started `HomeAssistant` core object in a
throw-away config dir, loads the registries the way `bootstrap.py` does, and
puts HA's real MQTT client object (`components/mqtt/client.py`) in
`hass.data["mqtt"]`, marked connected but with no broker behind it (its
subscriptions stay queued).  It then starts HA's real discovery
(`components/mqtt/discovery.py: async_start`) and sets up the mqtt platform
of each component in the input (`components/mqtt/<component>.py`) through a
real `EntityPlatform`.  Each config is handed to the client's message handler
as if the broker had sent it, retained, on its topic, and goes through the
same steps as on a live system:

  * the subscriptions `<prefix>/+/+/config` and `<prefix>/+/+/+/config` and
    discovery's TOPIC_MATCHER / SUPPORTED_COMPONENTS;
  * abbreviation expansion (ABBREVIATIONS, DEVICE_ABBREVIATIONS,
    ORIGIN_ABBREVIATIONS), `~` base-topic substitution, MQTT_ORIGIN_INFO_SCHEMA;
  * the platform's DISCOVERY_SCHEMA (topics, templates, device, availability,
    device_class, entity_category, ...);
  * building the entity (MqttSensor, MqttBinarySensor, MqttSwitch, ...);
  * adding it to the entity platform: entity and device registries (a
    unique_id used twice is refused), the entity's own checks (SensorEntity
    refuses entity_category "config"), subscribing its topics, writing its
    first state (SensorEntity.state refuses e.g. a unit with device_class
    enum; entities with availability topics start "unavailable", so their
    state is not computed yet, just as in HA).

A config counts as accepted only if its entity ends up in HA's state
machine.  Otherwise the log messages HA wrote while handling it are
reported.  HA's warnings for an accepted config (and the keys that
DISCOVERY_SCHEMA dropped without a word, because it uses
extra=vol.REMOVE_EXTRA) go to stderr.  With --strict they count as
rejections too.

Input: JSON Lines, one {"topic": "...", "config": {...}} object per line
(blank lines and lines starting with '#' are skipped).
Output: one line per config on stdout: "ok <topic>" or
"REJECTED <topic>: <reason>".
Exit status: 0 all accepted, 1 any rejected, 2 usage/input/setup error.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import shutil
import sys
import tempfile
import types
from datetime import timedelta
from typing import Any

EXPECTED_HA_VERSION = "2024.3.3"


class UsageError(Exception):
    """Bad input or environment (exit status 2)."""


# --------------------------------------------------------------------------
# input


def read_records(paths: list[str]) -> list[tuple[str, str, Any]]:
    """Return (where, topic, config) for every record in the inputs."""
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
                if not isinstance(obj, dict) or set(obj) - {"topic", "config"}:
                    raise UsageError(
                        f'{where}: expected an object with keys "topic" and "config"'
                    )
                topic, config = obj.get("topic"), obj.get("config")
                if not isinstance(topic, str) or not topic:
                    raise UsageError(f'{where}: "topic" must be a non-empty string')
                if "config" not in obj:
                    raise UsageError(f'{where}: "config" is missing')
                records.append((where, topic, config))
    return records


# --------------------------------------------------------------------------
# log capture


class Capture(logging.Handler):
    """Collect every log record of WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        records, self.records = self.records, []
        return records


def describe(record: logging.LogRecord) -> str:
    """Turn one log record into a one-line reason, exception included."""
    try:
        text = record.getMessage()
    except Exception:  # a broken format string must not hide the record
        text = str(record.msg)
    if "Traceback (most recent call last):" in text:
        # catch_log_exception puts the traceback into the message itself
        head, _, trace = text.partition("Traceback (most recent call last):")
        lines = [line for line in trace.splitlines() if line.strip()]
        text = f"{head.rstrip()} -> {lines[-1].strip() if lines else ''}"
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        text = f"{text}: {type(exc).__name__}: {exc}"
    return " ".join(text.split())


def is_schema_error(record: logging.LogRecord) -> bool:
    # mixins.async_handle_schema_error:
    # "Error '%s' when processing MQTT discovery message topic: '%s', message: '%s'"
    return (
        record.name == "homeassistant.components.mqtt.mixins"
        and isinstance(record.msg, str)
        and record.msg.startswith("Error '%s' when processing MQTT discovery")
        and bool(record.args)
    )


def reason_from(records: list[logging.LogRecord]) -> str:
    """Pick the most telling reason from what HA logged."""
    for record in records:
        if is_schema_error(record):
            return str(record.args[0])  # the voluptuous error itself
    errors = [r for r in records if r.levelno >= logging.ERROR] or records
    return "; ".join(dict.fromkeys(describe(r) for r in errors))


# --------------------------------------------------------------------------
# the Home Assistant side


class Bench:
    """A never-started HomeAssistant with the MQTT discovery machinery."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.platforms: dict[str, Any] = {}

    async def start(self, components: set[str]) -> None:
        from homeassistant import config_entries, loader
        from homeassistant.components.mqtt import discovery
        from homeassistant.components.mqtt.client import MQTT
        from homeassistant.components.mqtt.const import DATA_MQTT
        from homeassistant.components.mqtt.models import MqttData
        from homeassistant.core import CoreState, HomeAssistant
        from homeassistant.helpers import (
            area_registry,
            device_registry,
            entity,
            entity_registry,
            floor_registry,
            issue_registry,
            label_registry,
            restore_state,
            template,
            translation,
        )
        from homeassistant.helpers.entity_platform import EntityPlatform

        self.discovery = discovery
        self.config_dir = tempfile.mkdtemp(prefix="ha-discovery-check-")
        hass = self.hass = HomeAssistant(self.config_dir)
        loader.async_setup(hass)
        hass.config_entries = config_entries.ConfigEntries(hass, {})
        # What bootstrap.async_load_base_functionality does (bootstrap.py
        # itself imports the frontend and friends, far more than we install).
        translation.async_setup(hass)
        entity.async_setup(hass)
        template.async_setup(hass)
        await asyncio.gather(
            area_registry.async_load(hass),
            device_registry.async_load(hass),
            entity_registry.async_load(hass),
            floor_registry.async_load(hass),
            issue_registry.async_load(hass),
            label_registry.async_load(hass),
            template.async_load_custom_templates(hass),
            restore_state.async_load(hass),
            hass.config_entries.async_initialize(),
        )
        hass.set_state(CoreState.running)

        # A loaded MQTT config entry, as the integration would have.
        entry = self.entry = config_entries.ConfigEntry(
            version=1,
            minor_version=1,
            domain="mqtt",
            title="MQTT",
            data={"broker": "localhost", "discovery_prefix": self.prefix},
            source=config_entries.SOURCE_USER,
            state=config_entries.ConfigEntryState.LOADED,
        )
        hass.config_entries._entries[entry.entry_id] = (
            entry  # as tests' MockConfigEntry
        )

        # HA's own client object, never connected: it only tracks subscriptions
        # and dispatches messages (what mqtt/__init__.py async_setup_entry does,
        # minus client.start() which would create the paho socket client).
        client = self.client = MQTT(hass, entry, {})
        self.mqtt_data = MqttData(client=client, config=[])
        client._mqtt_data = self.mqtt_data
        # Discovery messages only ever arrive while the client is connected,
        # and a connected client makes entities "available", so their state
        # is computed (and checked) when they are added.  The broker side is
        # left out: subscriptions stay queued instead of being sent to paho.
        client.connected = True
        client._subscribe_debouncer.async_schedule = lambda: None
        client._unsubscribe_debouncer.async_schedule = lambda: None
        hass.data[DATA_MQTT] = self.mqtt_data

        await discovery.async_start(hass, self.prefix, entry)

        for component in sorted(components):
            try:
                module = importlib.import_module(
                    f"homeassistant.components.mqtt.{component}"
                )
            except ModuleNotFoundError as err:
                raise UsageError(
                    f"cannot import homeassistant.components.mqtt.{component}: {err}"
                    " (the minimal venv lacks a package this component needs;"
                    " add it to scripts/ha-discovery-check)"
                ) from err
            platform = EntityPlatform(
                hass=hass,
                logger=logging.getLogger(f"homeassistant.components.{component}"),
                domain=component,
                platform_name="mqtt",
                platform=module,
                scan_interval=timedelta(seconds=30),
                entity_namespace=None,
            )
            if not await platform.async_setup_entry(entry):
                raise UsageError(f"could not set up the mqtt {component} platform")
            self.platforms[component] = platform
        await hass.async_block_till_done()

    async def deliver(self, topic: str, payload: bytes) -> None:
        """Hand one retained message to HA's MQTT client, as paho would."""
        msg = types.SimpleNamespace(topic=topic, payload=payload, qos=0, retain=True)
        self.client._mqtt_handle_message(msg)
        await self.hass.async_block_till_done()

    def find_entity(self, topic: str) -> Any:
        from homeassistant.components.mqtt.const import ATTR_DISCOVERY_TOPIC

        for platform in self.platforms.values():
            for ent in platform.entities.values():
                data = getattr(ent, "_discovery_data", None)
                if data and data.get(ATTR_DISCOVERY_TOPIC) == topic:
                    return ent
        return None

    def close(self) -> None:
        shutil.rmtree(self.config_dir, ignore_errors=True)


def dropped_keys(ent: Any) -> list[str]:
    """Keys of the (expanded) payload that DISCOVERY_SCHEMA threw away."""
    from homeassistant.components.mqtt.const import ATTR_DISCOVERY_PAYLOAD

    payload = ent._discovery_data.get(ATTR_DISCOVERY_PAYLOAD) or {}
    config = ent._config
    return sorted(k for k in payload if k not in config and k != "platform")


async def check_all(
    records: list[tuple[str, str, Any]], prefix: str, strict: bool
) -> list[tuple[str, bool, str, list[str]]]:
    """Return (topic, accepted, reason, warnings) per record."""
    capture = Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    root.setLevel(logging.WARNING)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda _loop, ctx: logging.getLogger("asyncio").error(
            ctx.get("message", "exception"), exc_info=ctx.get("exception")
        )
    )

    # Only entity platforms are checked; these are the components HA's
    # discovery supports that do not create entities.
    from homeassistant.components.mqtt.discovery import (
        SUPPORTED_COMPONENTS,
        TOPIC_MATCHER,
    )

    not_entities = {"device_automation", "tag"}
    components = set()
    for where, topic, _config in records:
        # Which platforms to set up: the component as discovery.py reads it.
        match = TOPIC_MATCHER.match(topic.replace(f"{prefix}/", "", 1))
        component = match.group("component") if match else None
        if component in not_entities:
            raise UsageError(
                f"{where}: {component} configs make no entity; this checker"
                " handles entity components only"
            )
        if component in SUPPORTED_COMPONENTS:
            components.add(component)

    bench = Bench(prefix)
    results = []
    try:
        await bench.start(components)
        setup_noise = capture.take()
        if any(r.levelno >= logging.ERROR for r in setup_noise):
            raise UsageError("Home Assistant setup failed: " + reason_from(setup_noise))
        seen: set[str] = set()
        for _where, topic, config in records:
            if topic in seen:
                results.append(
                    (
                        topic,
                        False,
                        "duplicate topic in the input (HA would take it as an"
                        " update of the earlier config)",
                        [],
                    )
                )
                continue
            seen.add(topic)
            if not isinstance(config, dict):
                results.append((topic, False, "payload is not a JSON object", []))
                continue
            if not config:
                results.append(
                    (
                        topic,
                        False,
                        "empty payload (HA takes it as removing the entity)",
                        [],
                    )
                )
                continue
            await bench.deliver(topic, json.dumps(config).encode("utf-8"))
            logged = capture.take()
            ent = bench.find_entity(topic)
            added = (
                ent is not None
                and ent.entity_id is not None
                and bench.hass.states.get(ent.entity_id) is not None
            )
            if not added:
                reason = reason_from(logged) or (
                    "no entity was created; the topic matches none of HA's discovery"
                    f" subscriptions ({prefix}/+/+/config, {prefix}/+/+/+/config)"
                )
                results.append((topic, False, reason, []))
                continue
            warnings = [describe(r) for r in logged]
            if dropped := dropped_keys(ent):
                warnings.append(
                    "keys ignored by this HA version's DISCOVERY_SCHEMA: "
                    + ", ".join(dropped)
                )
            if strict and warnings:
                results.append((topic, False, "(strict) " + "; ".join(warnings), []))
            else:
                results.append((topic, True, ent.entity_id, warnings))
    finally:
        bench.close()
        root.removeHandler(capture)
    return results


# --------------------------------------------------------------------------
# self test: cases with the outcome HA 2024.3.3 gives them

DEVICE = {
    "identifiers": ["gatewayd_dev"],
    "name": "Wi-Fi gateway dev",
    "manufacturer": "gatewayd",
    "model": "gatewayd",
    "sw_version": "0.3.0",
}
ORIGIN = {"name": "gatewayd", "sw_version": "0.3.0"}
GOOD_SENSOR = {
    "name": "RSSI",
    "unique_id": "dev_rssi",
    "state_topic": "wifi-gateway/wlan/state",
    "value_template": "{{ value_json.rssi_dbm }}",
    "device_class": "signal_strength",
    "unit_of_measurement": "dBm",
    "state_class": "measurement",
    "entity_category": "diagnostic",
    "availability": [
        {
            "topic": "wifi-gateway/bridge/state",
            "value_template": "{{ value_json.state }}",
        }
    ],
    "device": DEVICE,
    "origin": ORIGIN,
}


def _sensor(uid: str, **changes: Any) -> dict:
    config = dict(GOOD_SENSOR, unique_id=uid, **changes)
    return {k: v for k, v in config.items() if v is not None}


SELF_TEST: list[tuple[bool, str, dict]] = [
    (True, "homeassistant/sensor/dev/rssi/config", GOOD_SENSOR),
    (
        True,
        "homeassistant/binary_sensor/dev/online/config",
        {
            "name": "Online",
            "unique_id": "dev_online",
            "state_topic": "wifi-gateway/bridge/state",
            "value_template": "{{ value_json.state }}",
            "payload_on": "online",
            "payload_off": "offline",
            "device_class": "connectivity",
            "entity_category": "diagnostic",
            "device": DEVICE,
            "origin": ORIGIN,
        },
    ),
    (
        True,
        "homeassistant/switch/dev/radio/config",
        {
            "name": "Radio",
            "unique_id": "dev_radio",
            "command_topic": "wifi-gateway/radio/set",
            "state_topic": "wifi-gateway/radio/state",
            "payload_on": "ON",
            "payload_off": "OFF",
            "state_on": "ON",
            "state_off": "OFF",
            "entity_category": "config",
            "device": DEVICE,
            "origin": ORIGIN,
        },
    ),
    (
        True,
        "homeassistant/sensor/dev/link/config",
        {
            "name": "Link",
            "unique_id": "dev_link",
            "state_topic": "wifi-gateway/wlan/state",
            "value_template": "{{ value_json.link }}",
            "device_class": "enum",
            "options": ["up", "down", "scanning"],
            "device": DEVICE,
            "origin": ORIGIN,
        },
    ),
    (
        True,
        "homeassistant/sensor/dev/abbr/config",
        {
            "~": "wifi-gateway/wlan",
            "name": "Channel",
            "uniq_id": "dev_chan",
            "stat_t": "~/state",
            "val_tpl": "{{ value_json.channel }}",
            "avty_t": "wifi-gateway/bridge/state",
            "dev": {"ids": ["gatewayd_dev"], "name": "Wi-Fi gateway dev"},
            "o": {"name": "gatewayd", "sw": "0.3.0"},
        },
    ),
    (
        False,
        "homeassistant/sensor/dev/no_state/config",
        _sensor("bad1", state_topic=None),
    ),
    (
        False,
        "homeassistant/sensor/dev/bad_class/config",
        _sensor("bad2", device_class="wifi_strength"),
    ),
    (
        False,
        "homeassistant/sensor/dev/bad_category/config",
        _sensor("bad3", entity_category="bogus"),
    ),
    # A trailing '#' is a legal subscription filter, so HA takes it as a
    # state_topic; '#' anywhere else, or in a topic HA publishes to, is not.
    (
        True,
        "homeassistant/sensor/dev/wildcard_ok/config",
        _sensor("dev_wild", state_topic="wifi-gateway/#"),
    ),
    (
        False,
        "homeassistant/sensor/dev/wildcard/config",
        _sensor("bad4", state_topic="wifi-gateway/#/state"),
    ),
    (
        False,
        "homeassistant/switch/dev/wildcard_cmd/config",
        {
            "name": "Radio",
            "unique_id": "bad4b",
            "command_topic": "wifi-gateway/radio/#",
            "device": DEVICE,
            "origin": ORIGIN,
        },
    ),
    (
        False,
        "homeassistant/sensor/dev/config_cat/config",
        _sensor("bad5", entity_category="config"),
    ),
    (
        False,
        "homeassistant/sensor/dev/two_avail/config",
        _sensor("bad6", availability_topic="wifi-gateway/bridge/state"),
    ),
    (
        False,
        "homeassistant/sensor/dev/bad_template/config",
        _sensor("bad7", value_template="{{ value_json.rssi_dbm "),
    ),
    # Passes DISCOVERY_SCHEMA; SensorEntity.state raises on the first write.
    (
        False,
        "homeassistant/sensor/dev/enum_unit/config",
        _sensor("bad7b", device_class="enum", state_class=None, availability=None),
    ),
    (
        False,
        "homeassistant/sensor/dev/bad_origin/config",
        _sensor("bad8", origin={"sw_version": "0.3.0"}),
    ),
    (False, "homeassistant/sensor/dev/dup_uid/config", _sensor("dev_rssi")),
    (False, "homeassistant/sensor/dev/bad.id/config", _sensor("bad9")),
    (False, "homeassistant/sonsor/dev/typo/config", _sensor("bad10")),
]


def self_test(prefix: str) -> int:
    records = [("self-test", t, c) for _ok, t, c in SELF_TEST]
    results = asyncio.run(check_all(records, prefix, strict=False))
    passed = failed = 0
    for (expect, _t, _c), (topic, ok, reason, warnings) in zip(SELF_TEST, results):
        good = ok == expect
        passed += good
        failed += not good
        verdict = "ok" if ok else "REJECTED"
        print(f"{'PASS' if good else 'FAIL'}  {verdict} {topic}: {reason}")
        for warning in warnings:
            print(f"        warning: {warning}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


# --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="JSON Lines files (default: stdin)")
    parser.add_argument(
        "--prefix",
        default="homeassistant",
        help="discovery prefix (default: homeassistant)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also reject configs HA accepts with warnings or dropped keys",
    )
    parser.add_argument(
        "--self-test", action="store_true", help="run the built-in good/bad cases"
    )
    args = parser.parse_args()

    try:
        from homeassistant.const import __version__ as ha_version
    except ImportError as err:
        print(
            f"error: cannot import Home Assistant ({err});"
            " run scripts/ha-discovery-check --setup",
            file=sys.stderr,
        )
        return 2
    if ha_version != EXPECTED_HA_VERSION:
        print(
            f"warning: Home Assistant {ha_version}, checker written for"
            f" {EXPECTED_HA_VERSION}",
            file=sys.stderr,
        )

    if args.self_test:
        return self_test(args.prefix)
    try:
        records = read_records(args.files)
        if not records:
            raise UsageError("no configs in the input")
        results = asyncio.run(check_all(records, args.prefix, args.strict))
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as err:
        print(f"error: {err}; run scripts/ha-discovery-check --setup", file=sys.stderr)
        return 2
    rejected = 0
    for topic, ok, reason, warnings in results:
        if ok:
            print(f"ok {topic}")
        else:
            rejected += 1
            print(f"REJECTED {topic}: {reason}")
        for warning in warnings:
            print(f"warning {topic}: {warning}", file=sys.stderr)
    sys.stdout.flush()
    return 1 if rejected else 0


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
