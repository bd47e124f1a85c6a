// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "gatewayd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "XousIPC", targets: ["XousIPC"]),
        .library(name: "NetServer", targets: ["NetServer"]),
        .library(name: "MQTT", targets: ["MQTT"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .executable(name: "gatewayd", targets: ["gatewayd"]),
        .executable(name: "gatewayctl", targets: ["gatewayctl"]),
        .executable(name: "xous-kernel", targets: ["xous-kernel"]),
        .executable(name: "xous-names", targets: ["xous-names"]),
        .executable(name: "netserverd", targets: ["netserverd"]),
        .executable(name: "xous-demo", targets: ["xous-demo"]),
        .executable(name: "gateway-bench", targets: ["gateway-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(name: "XousIPC", swiftSettings: strict),
        .target(
            name: "NetServer",
            dependencies: ["XousIPC", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The Linux Wi-Fi source: sysfs, procfs, rtnetlink and nl80211.
        .target(
            name: "LinuxWifi",
            dependencies: ["NetServer", "XousIPC", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // glibc's allocator statistics, for the leak checks of the tests and the soak.
        .systemLibrary(name: "CMallocInfo"),
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .target(
            name: "MQTT",
            dependencies: ["CMosquitto", "XousIPC", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(name: "GatewayJSON", swiftSettings: strict),
        // The control socket's protocol and client: all gatewayctl needs (no libmosquitto).
        .target(name: "GatewayControl", dependencies: ["GatewayJSON"], swiftSettings: strict),
        // gatewayd's settings: defaults, the YAML file, GATEWAY_* variables and flags, checked.
        .target(
            name: "GatewayConfig",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // A real mosquitto as a child process, for tests and the benchmark (no Swift Testing).
        .target(name: "BrokerProcess", swiftSettings: strict),
        // Test support only (a real mosquitto per test, an event recorder); no product links it.
        .target(
            name: "TestHarness",
            dependencies: ["BrokerProcess", "MQTT", "XousIPC", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "XousIPC", "NetServer", "MQTT", "GatewayJSON", "GatewayControl",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Blocks gatewayd's signals in a constructor, before Swift's main runs.
        .target(name: "CEarlySignals"),
        // The source.* settings made into a Wi-Fi source: gatewayd's embedded net server and netserverd.
        .target(
            name: "WifiSourceSettings",
            dependencies: [
                "GatewayConfig", "LinuxWifi", "NetServer", .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Hosted mode: our kernel, and the name server and net server as processes of their own.
        .executableTarget(
            name: "xous-kernel",
            dependencies: ["XousIPC", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "xous-names",
            dependencies: ["XousIPC"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "netserverd",
            dependencies: [
                "GatewayConfig", "NetServer", "WifiSourceSettings", "XousIPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "CEarlySignals", "Gateway", "GatewayConfig", "GatewayControl", "NetServer", "MQTT", "WifiSourceSettings", "XousIPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gatewayctl",
            dependencies: [
                "GatewayControl", "GatewayJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "xous-demo",
            dependencies: ["XousIPC", "NetServer", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Issue 7's measurements: end-to-end, IPC, idle and start-up figures against a real broker.
        .executableTarget(
            name: "gateway-bench",
            dependencies: ["BrokerProcess", "CMallocInfo", "Gateway", "MQTT", "NetServer", "XousIPC", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Fuzz targets (scripts/fuzz): libFuzzer entry points built with -sanitize=fuzzer and
        // -D FUZZING; in a normal build each is a tool that replays the input files it is given.
        .target(name: "CFuzzDriver", path: "Sources/fuzz-driver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Sources/fuzz-support", swiftSettings: strict),
        .executableTarget(
            name: "fuzz-ipc",
            dependencies: ["FuzzSupport", "NetServer", "XousIPC"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fuzz-hosted",
            dependencies: ["FuzzSupport", "XousIPC"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fuzz-control",
            dependencies: ["FuzzSupport", "Gateway", "GatewayControl", "GatewayJSON"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fuzz-config",
            dependencies: ["FuzzSupport", "GatewayConfig"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "XousIPCTests",
            dependencies: ["XousIPC", "TestHarness", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MQTTTests",
            dependencies: ["MQTT", "XousIPC", "TestHarness", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatewayJSONTests",
            dependencies: ["GatewayJSON", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatewayControlTests",
            dependencies: ["GatewayControl", "GatewayJSON"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinuxWifiTests",
            dependencies: [
                "LinuxWifi", "NetServer", "XousIPC", "TestHarness",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatewayConfigTests",
            dependencies: ["GatewayConfig", "TestHarness", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "CMallocInfo", "Gateway", "GatewayControl", "GatewayJSON", "MQTT", "NetServer", "XousIPC", "TestHarness",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NetServerTests",
            dependencies: [
                "XousIPC", "NetServer", "TestHarness",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
