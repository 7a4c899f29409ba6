// swift-tools-version:6.1
import PackageDescription

// Dependencies point one way: dkimctl -> DKIMCtlCommands -> (DKIMDNS, DKIM) -> DKIMCrypto -> COpenSSL.
// The DKIM core has no sockets, files or DNS; key lookup enters through `DKIMKeyResolver`.
let package = Package(
    name: "swift-dkim-milter",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dkimctl", targets: ["dkimctl"]),
        .library(name: "DKIM", targets: ["DKIM"]),
        .library(name: "DKIMCrypto", targets: ["DKIMCrypto"]),
        .library(name: "DKIMDNS", targets: ["DKIMDNS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CUnbound",
            providers: [.apt(["libunbound-dev"])]
        ),
        .target(name: "DKIMCrypto", dependencies: ["COpenSSL"]),
        .target(name: "DKIM", dependencies: ["DKIMCrypto"]),
        .target(name: "DKIMDNS", dependencies: ["DKIM", "CUnbound"]),
        // The sendmail milter protocol: codec, typed commands and responses, negotiation, state machine.
        // Pure Swift, no I/O, nothing of DKIM.
        .target(name: "MilterProtocol"),
        // opendkim.conf and its tables (KeyTable, SigningTable, host lists) as typed values; key loading.
        .target(name: "DKIMConfig", dependencies: ["DKIM", "DKIMCrypto"]),
        // The glue: a MilterFilter that signs or verifies each message as the configuration says.
        .target(
            name: "DKIMMilter",
            dependencies: [
                "MilterServer", "MilterProtocol", "DKIM", "DKIMConfig", "DKIMDNS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // A Prometheus text endpoint (GET /metrics) over HTTP/1.1 for a swift-prometheus registry. No DKIM.
        .target(
            name: "MetricsEndpoint",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The MTA side of the milter protocol, for tests and the load generator: plain blocking sockets.
        .target(name: "MilterTestKit", dependencies: ["MilterProtocol"]),
        // SwiftNIO wiring: socket specs, listener, per-connection handler driving the protocol state machine.
        // Knows nothing of DKIM: a `MilterFilter` is plugged in.
        .target(
            name: "MilterServer",
            dependencies: [
                "MilterProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DKIMCtlCommands",
            dependencies: [
                "DKIM", "DKIMCrypto", "DKIMDNS", "DKIMConfig", "DKIMMilter", "MilterServer", "MetricsEndpoint",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "dkimctl", dependencies: ["DKIMCtlCommands"]),
        .executableTarget(name: "dkim-bench", dependencies: ["DKIM", "DKIMCrypto"]),
        // Load generator: N connections × M messages over TCP; prints msgs/s, latency and server CPU per message.
        .executableTarget(name: "milter-load", dependencies: ["MilterTestKit", "MilterProtocol"]),
        // libFuzzer targets (scripts/fuzz/run.sh); in a normal build each is an executable that does nothing.
        .executableTarget(name: "FuzzTagList", dependencies: ["DKIM"]),
        .executableTarget(name: "FuzzMilterCodec", dependencies: ["MilterProtocol"]),
        .executableTarget(name: "FuzzKeyRecord", dependencies: ["DKIM"]),
        .executableTarget(name: "FuzzConfig", dependencies: ["DKIMConfig"]),
        .executableTarget(name: "FuzzCanonicalization", dependencies: ["DKIM"]),
        .testTarget(name: "DKIMCryptoTests", dependencies: ["DKIMCrypto"]),
        .testTarget(name: "DKIMTests", dependencies: ["DKIM", "DKIMCrypto"], resources: [.copy("Vectors")]),
        .testTarget(name: "DKIMDNSTests", dependencies: ["DKIMDNS", "DKIM"]),
        .testTarget(name: "MilterProtocolTests", dependencies: ["MilterProtocol"]),
        .testTarget(name: "DKIMConfigTests", dependencies: ["DKIMConfig", "DKIM"]),
        .testTarget(
            name: "MilterServerTests",
            dependencies: ["MilterServer", "MilterProtocol", "MilterTestKit",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "DKIMMilterTests",
            dependencies: ["DKIMMilter", "MilterTestKit", "MilterServer", "MilterProtocol", "DKIM", "DKIMConfig", "DKIMCrypto",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "MetricsTestKit", package: "swift-metrics")]
        ),
        .testTarget(name: "DKIMCtlTests", dependencies: ["DKIMCtlCommands", "DKIM", "DKIMCrypto"]),
    ]
)
