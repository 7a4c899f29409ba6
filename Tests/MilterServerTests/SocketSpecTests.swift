import Foundation
import Logging
import MilterProtocol
import MilterServer
import MilterTestKit
import NIOCore
import ServiceLifecycle
import XCTest

final class SocketSpecTests: XCTestCase {
    func testParsesOpenDKIMSpecs() throws {
        XCTAssertEqual(try SocketSpec(parsing: "inet:12301@localhost"), .inet(host: "localhost", port: 12301))
        XCTAssertEqual(try SocketSpec(parsing: "inet:8891@127.0.0.1"), .inet(host: "127.0.0.1", port: 8891))
        XCTAssertEqual(try SocketSpec(parsing: "inet:8891"), .inet(host: "0.0.0.0", port: 8891))
        XCTAssertEqual(try SocketSpec(parsing: "inet6:8891@[::1]"), .inet6(host: "::1", port: 8891))
        XCTAssertEqual(try SocketSpec(parsing: "inet6:8891"), .inet6(host: "::", port: 8891))
        XCTAssertEqual(try SocketSpec(parsing: "local:/run/opendkim/opendkim.sock"), .unix(path: "/run/opendkim/opendkim.sock"))
        XCTAssertEqual(try SocketSpec(parsing: "unix:/tmp/x.sock"), .unix(path: "/tmp/x.sock"))
        XCTAssertEqual(try SocketSpec(parsing: "/tmp/y.sock"), .unix(path: "/tmp/y.sock"))
        XCTAssertEqual("\(try SocketSpec(parsing: "inet:12301@localhost"))", "inet:12301@localhost")
    }

    func testRejectsBadSpecsWithAReason() {
        for (spec, expected) in [("inet:99999@localhost", "port"), ("inet:abc", "port"), ("tcp:25", "unknown type"),
                                 ("local:relative.sock", "absolute"), ("12301", "expected inet"), ("inet:25@", "empty host")] {
            XCTAssertThrowsError(try SocketSpec(parsing: spec)) { XCTAssertTrue("\($0)".contains(expected), "\(spec): \($0)") }
        }
    }
}

/// A filter that answers continue to everything: enough to exercise listeners.
struct ContinueFilter: MilterFilter {
    final class Session: MilterSession {
        func handle(_ event: MilterEvent, context: MilterEventContext) -> MilterReply { .continue }
        func connectionClosed() {}
    }
    var negotiation: MilterStateMachine.Configuration { .init(actions: [.addHeaders]) }
    func makeSession(_ connection: MilterConnectionInfo) -> any MilterSession { Session() }
}

final class ListenerTests: XCTestCase {
    func serve(_ spec: SocketSpec, umask: UInt32? = nil, _ body: (SocketAddress) async throws -> Void) async throws {
        var logger = Logger(label: "listener-test")
        logger.logLevel = .critical
        let bound = AsyncStream<SocketAddress>.makeStream()
        let server = MilterServer(configuration: .init(socket: spec, shutdownGracePeriod: .milliseconds(200), umask: umask),
                                  filter: ContinueFilter(), logger: logger,
                                  onBound: { bound.continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let task = Task { try await group.run() }
        var address: SocketAddress?
        for await a in bound.stream { address = a; break }
        try await body(address!)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    func testUnixSocketWithUMaskAndStaleFileReplaced() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("milter-\(UUID().uuidString.prefix(8)).sock").path
        // A stale socket file left by a dead process.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))

        try await serve(.unix(path: path), umask: 0o077) { _ in
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
            XCTAssertEqual(mode & 0o077, 0, "UMask 077 applied to the socket file: \(String(mode, radix: 8))")
            let client = try MilterTestClient(unixPath: path)
            client.setTimeout(seconds: 5)
            XCTAssertEqual(try client.negotiate(version: 6).version, 6)
            try client.quit()
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the socket file is removed at exit")
    }

    func testInet6Loopback() async throws {
        try await serve(.inet6(host: "::1", port: 0)) { address in
            let client = try MilterTestClient(host: "::1", port: address.port!)
            client.setTimeout(seconds: 5)
            XCTAssertEqual(try client.negotiate(version: 2).version, 2)
            try client.quit()
        }
    }

    func testLocalhostMeansIPv4ForInet() async throws {
        try await serve(.inet(host: "localhost", port: 0)) { address in
            XCTAssertEqual(address.protocol, .inet)
            XCTAssertEqual(address.ipAddress, "127.0.0.1")
        }
    }
}
