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
        .executable(name: "xous-demo", targets: ["xous-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(name: "XousIPC", swiftSettings: strict),
        .target(
            name: "NetServer",
            dependencies: ["XousIPC", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "xous-demo",
            dependencies: ["XousIPC", "NetServer", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "XousIPCTests",
            dependencies: ["XousIPC", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NetServerTests",
            dependencies: [
                "XousIPC", "NetServer",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
