import DKIM
import DKIMCrypto
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

/// `dkimctl serve` as a process: PidFile, SIGTERM drain, exit status, systemd notifications.
final class ServeLifecycleTests: XCTestCase {
    private func prepare(_ serve: ServeProcess, extra: [String] = []) throws -> PrivateKey {
        let key = try serve.writeKey("mail")
        try serve.write("KeyTable", "mail._domainkey.example.com example.com:mail:\(serve.path("mail.private"))\n")
        try serve.write("SigningTable", "*@example.com mail._domainkey.example.com\n")
        try serve.writeConfiguration(extra: extra)
        return key
    }

    func testSIGTERMDrainsTheOpenConnectionExitsZeroAndRemovesAStalePidFile() async throws {
        let serve = try ServeProcess()
        let pidPath = serve.path("dkimctl.pid")
        // A stale PidFile: a process that has exited (and been reaped).
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        try serve.write("dkimctl.pid", "\(dead.processIdentifier)\n")
        let key = try prepare(serve, extra: ["PidFile \(pidPath)", "UMask 077"])
        try serve.start()
        try serve.waitFor("PidFile") { (try? String(contentsOfFile: pidPath, encoding: .utf8)) == "\(serve.pid)\n" }
        // The stale file (mode 0644) was replaced by a new one, created under UMask 077.
        let mode = try FileManager.default.attributesOfItem(atPath: pidPath)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)

        // Mid-message when SIGTERM arrives.
        let client = try serve.client(version: 2)
        try client.open()
        let text = message(from: "example.com")
        _ = try client.mailFrom("<john@example.com>")
        _ = try client.recipient("<jane@example.net>")
        for line in text.headers { _ = try client.header(line) }
        serve.signal(SIGTERM)
        try serve.waitFor("shutting down") { serve.stderr.contains("shutting down") }

        // No new connections...
        try serve.waitFor("listener closed") {
            (try? MilterTestClient(host: "127.0.0.1", port: serve.port)) == nil
        }
        XCTAssertTrue(serve.process.isRunning, "still draining the open connection")
        XCTAssertTrue(FileManager.default.fileExists(atPath: pidPath), "the PidFile stays while the process runs")

        // ...but the open one finishes its message, signed.
        _ = try client.endOfHeaders()
        _ = try client.body(Array(text.body.utf8))
        let responses = try client.endOfMessage()
        let delivered = text.delivered(applying: responses, leadingSpace: false)
        let results = try await verifyWithCore(delivered, resolver: StaticKeyResolver(["mail._domainkey.example.com": [ServeProcess.record(key)]]))
        XCTAssertEqual(results.map(\.result), [.pass], "\(responses)\n\(serve.stderr)")
        try client.quit()

        let started = Date()
        XCTAssertEqual(try serve.waitForExit(seconds: 25), 0, serve.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "exits once the last connection ends, not at the end of the grace period")
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidPath), "PidFile removed at exit")
        XCTAssertTrue(serve.stderr.contains("stopped"), serve.stderr)
    }

    func testSystemdNotifications() throws {
        let serve = try ServeProcess()
        _ = try prepare(serve)
        let listener = try DatagramListener(path: serve.path("notify.sock"))
        try serve.start(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "300000"])

        // Watchdog pings come every 150 ms; states are read in order around them.
        var watchdogs = 0
        func nextState() throws -> String {
            while true {
                let datagram = try XCTUnwrap(listener.receive(timeoutSeconds: 10), "no notification\n\(serve.stderr)")
                if datagram == "WATCHDOG=1" { watchdogs += 1; continue }
                return datagram
            }
        }
        let ready = try nextState()
        XCTAssertTrue(ready.hasPrefix("READY=1"), ready)
        XCTAssertTrue(ready.contains("MAINPID=\(serve.pid)"), ready)

        serve.signal(SIGHUP)
        let reloading = try nextState()
        XCTAssertTrue(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="), reloading)
        let usec = reloading.split(separator: "\n")[1].dropFirst("MONOTONIC_USEC=".count)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowUsec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        let sent = try XCTUnwrap(UInt64(usec), reloading)
        XCTAssertLessThanOrEqual(sent, nowUsec)
        XCTAssertGreaterThan(sent, nowUsec - 10_000_000, "CLOCK_MONOTONIC microseconds")
        XCTAssertTrue(try nextState().hasPrefix("READY=1"))

        Thread.sleep(forTimeInterval: 0.4)
        serve.signal(SIGTERM)
        XCTAssertTrue(try nextState().hasPrefix("STOPPING=1"))
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
        XCTAssertGreaterThanOrEqual(watchdogs, 2, "WATCHDOG=1 every WATCHDOG_USEC/2")
    }

    func testAbstractNotifySocket() throws {
        let serve = try ServeProcess()
        _ = try prepare(serve)
        let listener = try DatagramListener(path: "@dkimctl-test-\(UUID().uuidString)")
        try serve.start(environment: ["NOTIFY_SOCKET": listener.path])
        let ready = try XCTUnwrap(listener.receive(timeoutSeconds: 10), serve.stderr)
        XCTAssertTrue(ready.hasPrefix("READY=1"), ready)
        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
    }

    func testUnreachableNotifySocketIsHarmless() throws {
        let serve = try ServeProcess()
        _ = try prepare(serve)
        // Nobody listens here: every notification fails, the daemon serves, reloads and stops as usual.
        try serve.start(environment: ["NOTIFY_SOCKET": serve.path("nobody.sock"), "WATCHDOG_USEC": "100000"])
        serve.signal(SIGHUP)
        try serve.waitFor("reloaded") { serve.stderr.contains("reloaded configuration") }
        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
    }
}

/// The systemd side of `NOTIFY_SOCKET`: a bound AF_UNIX datagram socket.
final class DatagramListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // `@name` is Linux's abstract namespace: a leading NUL, and the length is exactly the name's.
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let length = abstract ? MemoryLayout<sa_family_t>.size + bytes.count : MemoryLayout<sockaddr_un>.size
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        guard fd >= 0, status == 0 else { throw ServeTestError(description: "bind \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        close(fd)
        if !path.hasPrefix("@") { unlink(path) }
    }

    func receive(timeoutSeconds: Int) -> String? {
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}
