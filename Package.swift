// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "crm",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crmd", targets: ["crmd"]),
        .executable(name: "crmctl", targets: ["crmctl"]),
        .executable(name: "store-sync", targets: ["store-sync"]),
        .executable(name: "points-expiry", targets: ["points-expiry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C boundary: the only place libpq's headers are seen.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // C boundary: the only place OpenCC's header is seen (Chinese script conversion).
        .systemLibrary(
            name: "COpenCC",
            pkgConfig: "opencc",
            providers: [.apt(["libopencc-dev"])]
        ),
        // Merchant text compared across Simplified and Traditional Chinese. The only importer of COpenCC.
        .target(
            name: "CRMText",
            dependencies: ["COpenCC", "CRMDomain"],
            swiftSettings: swiftSettings
        ),
        // The libpq wrapper: connections, pool, errors, local clusters. The only importer of CLibPQ.
        .target(
            name: "CRMPostgres",
            dependencies: [
                "CLibPQ",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure business rules: no I/O.
        .target(
            name: "CRMDomain",
            dependencies: [
                "CRMJSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // JSON values, a strict parser and serializers: pure Swift, shared by storage and protocol.
        .target(
            name: "CRMJSON",
            swiftSettings: swiftSettings
        ),
        // All SQL lives here.
        .target(
            name: "CRMStorage",
            dependencies: ["CRMPostgres", "CRMDomain", "CRMJSON", "CRMText", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // JSON, JSON-RPC 2.0 messages and newline framing, shared by server and clients.
        .target(
            name: "CRMProtocol",
            dependencies: ["CRMJSON", "CRMDomain", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // The crmd server: NIO listener, sessions, dispatch, metrics.
        .target(
            name: "CRMServer",
            dependencies: [
                "CRMProtocol", "CRMStorage", "CRMDomain", "CRMPostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client library every command-line client uses.
        .target(
            name: "CRMClient",
            dependencies: [
                "CRMProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // How operators configure every program: host:port addresses and CRM_* environment variables.
        .target(
            name: "CRMConfiguration",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // What the three clients share: connection options, tables, error output, CSV and atomic files.
        .target(
            name: "CRMCommandLine",
            dependencies: [
                "CRMClient", "CRMProtocol", "CRMConfiguration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "crmd",
            dependencies: [
                "CRMServer", "CRMStorage", "CRMDomain", "CRMPostgres", "CRMConfiguration", "CRMProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "crmctl",
            dependencies: [
                "CRMCommandLine", "CRMClient", "CRMProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "store-sync",
            dependencies: [
                "CRMCommandLine", "CRMConfiguration", "CRMClient", "CRMProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "points-expiry",
            dependencies: [
                "CRMCommandLine", "CRMClient", "CRMProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "crm-bench",
            dependencies: [
                "CRMClient", "CRMProtocol", "CRMJSON", "CRMCommandLine", "CRMDomain", "CRMText",
                // The libpq baseline of `crm-bench lookup`.
                "CRMPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/crm-bench",
            swiftSettings: swiftSettings
        ),
        // libFuzzer target for the JSON parser and the line protocol; a stub unless scripts/fuzz
        // builds it with -sanitize=fuzzer -DCRM_FUZZ.
        .executableTarget(
            name: "crm-fuzz",
            dependencies: [
                "CRMProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Sources/crm-fuzz",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CRMDomainTests",
            dependencies: ["CRMDomain", "CRMJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CRMTextTests",
            dependencies: ["CRMText", "CRMDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CRMProtocolTests",
            dependencies: [
                "CRMProtocol", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CRMCommandLineTests",
            dependencies: ["CRMCommandLine", "CRMConfiguration", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CRMIntegrationTests",
            dependencies: [
                "CRMServer", "CRMStorage", "CRMPostgres", "CRMClient", "CRMProtocol", "CRMDomain", "CRMJSON", "CRMText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
