// swift-tools-version: 6.1
import PackageDescription

// The package in four parts: what ships (Sources/), the tests and their support (Tests/), the
// fuzz targets (Fuzz/), and the benchmark and the demo (Benchmarks/, Examples/). The strict
// settings are applied to every Swift target at the end.

let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let propertyBased: Target.Dependency = .product(name: "PropertyBased", package: "swift-property-based")
let deque: Target.Dependency = .product(name: "DequeModule", package: "swift-collections")

// MARK: What ships

let shipped: [Target] = [
    // Threads, locks, clocks, random numbers and signals, for every module that runs threads.
    .target(name: "SystemSupport", dependencies: [deque]),
    // The Xous model: kernel, processes, messages, the name server, hosted mode, the rkyv codec.
    .target(name: "XousIPC", dependencies: ["SystemSupport"]),
    // The net server, its Wi-Fi state subscription protocol, the bouncer and the Wi-Fi sources.
    .target(name: "NetServer", dependencies: ["SystemSupport", "XousIPC", logging]),
    // The Linux Wi-Fi source: sysfs, procfs, rtnetlink and nl80211.
    .target(name: "LinuxWifi", dependencies: ["NetServer", "SystemSupport", "XousIPC", logging]),
    .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
    // A small Swift face over libmosquitto.
    .target(name: "MQTT", dependencies: ["CMosquitto", "SystemSupport", logging]),
    .target(name: "GatewayJSON"),
    // The control socket's protocol and client: all gatewayctl needs (no libmosquitto).
    .target(name: "GatewayControl", dependencies: ["GatewayJSON", "SystemSupport"]),
    // gatewayd's settings: defaults, the YAML file, GATEWAY_* variables and flags, checked.
    .target(name: "GatewayConfig", dependencies: [yams]),
    // The gateway's main server: publishing, discovery, control, health, the control socket.
    .target(name: "Gateway", dependencies: ["SystemSupport", "XousIPC", "NetServer", "MQTT", "GatewayJSON", "GatewayControl", logging]),
    // Blocks gatewayd's signals in a constructor, before Swift's main runs.
    .target(name: "CEarlySignals"),
    // The source.* settings made into a Wi-Fi source: gatewayd's embedded net server and netserverd.
    .target(name: "WifiSourceSettings", dependencies: ["GatewayConfig", "LinuxWifi", "NetServer", logging, argumentParser]),
    .executableTarget(
        name: "gatewayd",
        dependencies: [
            "CEarlySignals", "Gateway", "GatewayConfig", "GatewayControl", "NetServer", "MQTT", "SystemSupport",
            "WifiSourceSettings", "XousIPC", logging, argumentParser,
        ]),
    .executableTarget(name: "gatewayctl", dependencies: ["GatewayControl", "GatewayJSON", argumentParser]),
    // Hosted mode: our kernel, and the name server and net server as processes of their own.
    .executableTarget(name: "xous-kernel", dependencies: ["SystemSupport", "XousIPC", argumentParser]),
    .executableTarget(name: "xous-names", dependencies: ["SystemSupport", "XousIPC"]),
    .executableTarget(
        name: "netserverd",
        dependencies: ["GatewayConfig", "NetServer", "SystemSupport", "WifiSourceSettings", "XousIPC", logging, argumentParser]),
]

// MARK: Tests and their support

let tests: [Target] = [
    // A real mosquitto as a child process, for the tests and the benchmark (no Swift Testing).
    .target(name: "BrokerProcess", path: "Tests/Support/BrokerProcess"),
    // glibc's allocator statistics, for the leak checks of the tests and the soak.
    .systemLibrary(name: "CMallocInfo", path: "Tests/Support/CMallocInfo"),
    // A real mosquitto per test, an MQTT event recorder, the golden vectors, process-wide facts.
    .target(
        name: "TestHarness", dependencies: ["BrokerProcess", "MQTT", "SystemSupport", "XousIPC", propertyBased],
        path: "Tests/Support/TestHarness"),
    // Any JSON document, read by Foundation's JSONDecoder: how tests look inside one, and the fuzzer's peer.
    .target(name: "TestJSON", path: "Tests/Support/TestJSON"),
    .testTarget(name: "SystemSupportTests", dependencies: ["SystemSupport", "TestHarness"]),
    .testTarget(name: "XousIPCTests", dependencies: ["SystemSupport", "XousIPC", "TestHarness", propertyBased]),
    .testTarget(name: "MQTTTests", dependencies: ["MQTT", "SystemSupport", "TestHarness", logging]),
    .testTarget(name: "GatewayJSONTests", dependencies: ["GatewayJSON", "TestJSON", propertyBased]),
    .testTarget(name: "GatewayControlTests", dependencies: ["GatewayControl", "GatewayJSON", "SystemSupport", "TestJSON"]),
    .testTarget(name: "LinuxWifiTests", dependencies: ["LinuxWifi", "NetServer", "SystemSupport", "XousIPC", "TestHarness", logging]),
    .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig", "TestHarness", yams]),
    .testTarget(
        name: "GatewayTests",
        dependencies: [
            "CMallocInfo", "Gateway", "GatewayControl", "GatewayJSON", "MQTT", "NetServer", "SystemSupport", "XousIPC",
            "TestHarness", "TestJSON", logging, yams,
        ]),
    .testTarget(name: "NetServerTests", dependencies: ["SystemSupport", "XousIPC", "NetServer", "TestHarness", propertyBased, logging]),
]

// MARK: Fuzz targets

// scripts/fuzz builds them with -sanitize=fuzzer and -D FUZZING (libFuzzer entry points); in a
// normal build each is a tool that replays the input files it is given. Seeds: Fuzz/Corpus.
let fuzz: [Target] = [
    .target(name: "CFuzzDriver", path: "Fuzz/Driver"),
    .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Fuzz/Support"),
    .executableTarget(name: "fuzz-ipc", dependencies: ["FuzzSupport", "NetServer", "XousIPC"], path: "Fuzz/ipc"),
    .executableTarget(name: "fuzz-hosted", dependencies: ["FuzzSupport", "SystemSupport", "XousIPC"], path: "Fuzz/hosted"),
    .executableTarget(name: "fuzz-control", dependencies: ["FuzzSupport", "GatewayControl", "GatewayJSON", "TestJSON"], path: "Fuzz/control"),
    .executableTarget(name: "fuzz-config", dependencies: ["FuzzSupport", "GatewayConfig"], path: "Fuzz/config"),
]

// MARK: Benchmark and demo

let tools: [Target] = [
    // End-to-end, IPC, hosted, idle and start-up figures against a real broker (BENCHMARKS.md).
    .executableTarget(
        name: "gateway-bench",
        dependencies: ["BrokerProcess", "CMallocInfo", "Gateway", "GatewayControl", "MQTT", "NetServer", "SystemSupport", "XousIPC", logging, argumentParser],
        path: "Benchmarks/gateway-bench"),
    // Prints the pushes arriving through a bouncer: the IPC path alone.
    .executableTarget(
        name: "xous-demo", dependencies: ["SystemSupport", "XousIPC", "NetServer", logging, argumentParser], path: "Examples/xous-demo"),
]

// MARK: The package

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
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: shipped + tests + fuzz + tools,
    swiftLanguageModes: [.v6]
)

// Swift 6 with these on, for every Swift target (C and system-library targets take none).
for target in package.targets where target.type != .system && !["CEarlySignals", "CFuzzDriver"].contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
