// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: the executable wires Console, Sandbox and Checkout;
// Checkout drives FPSClient and Ledger; FPSClient imports no terminal or database module.
let package = Package(
    name: "fps-checkout",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fps-checkout", targets: ["fps-checkout"]),
    ],
    targets: [
        // C libraries from Debian, imported through module maps and small shims.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // MHD_start_daemon is variadic, so a compiled C target starts the daemon for Swift.
        .target(name: "MHDStart", dependencies: ["CMicroHTTPD"]),

        // A thin SQLite wrapper shared by Ledger and Sandbox.
        .target(name: "SQLiteStore", dependencies: ["CSQLite"]),
        .target(name: "FPSClient", dependencies: ["CCrypto"]),
        .target(name: "Ledger", dependencies: ["SQLiteStore"]),
        .target(name: "Checkout", dependencies: ["FPSClient", "Ledger"]),
        .target(name: "Sandbox", dependencies: ["FPSClient", "SQLiteStore", "CCrypto", "CMicroHTTPD", "MHDStart"]),
        .target(name: "Console", dependencies: ["Checkout", "FPSClient", "CNcursesw", "CQRencode"]),
        .executableTarget(name: "fps-checkout", dependencies: ["Console", "Checkout", "Sandbox", "FPSClient", "Ledger"]),
        // Benchmarks, built in release mode by Benchmarks/run.sh; not part of the unit tests.
        .executableTarget(name: "fps-bench", dependencies: ["FPSClient", "Sandbox", "Checkout", "Ledger", "CCrypto", "MHDStart", "CMicroHTTPD"],
                          path: "Benchmarks/fps-bench"),

        .testTarget(name: "FPSClientTests", dependencies: ["FPSClient"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "FPSClient"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger"]),
        .testTarget(name: "CheckoutTests", dependencies: ["Checkout", "Sandbox", "FPSClient", "Ledger"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FPSClient", "SQLiteStore"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Checkout", "FPSClient"], resources: [.copy("Screens")]),
        .testTarget(name: "CommandLineTests", dependencies: ["Sandbox", "FPSClient", "Checkout"]),
        .testTarget(name: "ReliabilityTests", dependencies: ["Checkout", "Sandbox", "Ledger", "FPSClient"]),
    ],
    swiftLanguageModes: [.v6]
)
