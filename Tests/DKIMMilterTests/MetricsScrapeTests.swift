import DKIM
import DKIMCrypto
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

/// `MetricsListen`: a real `dkimctl serve` counts real traffic, and Prometheus text comes back over HTTP.
final class MetricsScrapeTests: XCTestCase {
    func testCountersAfterSigningVerifyingDNSFailureAndReloads() async throws {
        let serve = try ServeProcess()
        let metricsPort = try ServeProcess.freePort()
        // A DNS server that answers SERVFAIL: every key lookup is a temporary DNS error.
        let nameserver = try FakeNameserver(.servfail)
        defer { nameserver.shutdown() }
        _ = try serve.writeKey("mail")
        let tenDaysAgo = Date().addingTimeInterval(-10 * 86_400)
        try FileManager.default.setAttributes([.modificationDate: tenDaysAgo], ofItemAtPath: serve.path("mail.private"))
        try serve.write("KeyTable", "mail._domainkey.example.com example.com:mail:\(serve.path("mail.private"))\n")
        try serve.write("SigningTable", "*@example.com mail._domainkey.example.com\n")
        try serve.writeConfiguration(extra: ["MetricsListen 127.0.0.1:\(metricsPort)",
                                             "Nameservers 127.0.0.1@\(nameserver.port)", "DNSTimeout 5"])
        try serve.start()
        try serve.waitFor("metrics listener") { serve.stderr.contains("serving metrics on http://127.0.0.1:\(metricsPort)/metrics") }

        let before = try Scrape(port: metricsPort)
        XCTAssertEqual(before.status, 200)
        XCTAssertEqual(before["dkim_reloads_total{result=\"ok\"}"], 0, before.body)
        XCTAssertEqual(before["dkim_milter_connections_open"], 0, before.body)
        let age = try XCTUnwrap(before["dkim_key_age_days{key=\"mail._domainkey.example.com\",domain=\"example.com\",selector=\"mail\"}"], before.body)
        XCTAssertEqual(age, 10, accuracy: 0.1)
        XCTAssertNil(before["dkim_messages_total{decision=\"sign\",result=\"signed\"}"], before.body)

        // Three messages from our own host: signed.
        let client = try serve.client(version: 6)
        try client.open()
        var signed: [TestMessage] = []
        for id in 1...3 {
            var outgoing = message(from: "example.com", id: id)
            let signature = try XCTUnwrap(dkimSignature(try client.send(outgoing)), serve.stderr)
            outgoing.headers.insert("DKIM-Signature:" + signature.replacingOccurrences(of: "\n", with: "\r\n"), at: 0)
            signed.append(outgoing)
        }
        // From outside: one carries a signature (its key lookup times out), one has none.
        let inbound = try serve.client(version: 6)
        try inbound.open(clientAddress: "192.0.2.1", hostname: "mail.example.org")
        XCTAssertTrue(authenticationResults(try inbound.send(signed[0], clientAddress: "192.0.2.1"))?.contains("dkim=temperror") == true,
                      serve.stderr)
        // No signature and AlwaysAddARHeader off: no Authentication-Results, but counted as verified, none.
        XCTAssertNil(authenticationResults(try inbound.send(message(from: "example.org", id: 9), clientAddress: "192.0.2.1")),
                     serve.stderr)

        let after = try Scrape(port: metricsPort)
        XCTAssertEqual(after["dkim_messages_total{decision=\"sign\",result=\"signed\"}"], 3, after.body)
        XCTAssertEqual(after["dkim_messages_total{decision=\"verify\",result=\"temperror\"}"], 1, after.body)
        XCTAssertEqual(after["dkim_messages_total{decision=\"verify\",result=\"none\"}"], 1, after.body)
        XCTAssertEqual(after["dkim_signatures_total{domain=\"example.com\",selector=\"mail\",algorithm=\"rsa-sha256\"}"], 3, after.body)
        XCTAssertEqual(after["dkim_signing_duration_seconds_count"], 3, after.body)
        XCTAssertGreaterThan(try XCTUnwrap(after["dkim_signing_duration_seconds_sum"]), 0, after.body)
        XCTAssertEqual(after["dkim_dns_lookup_duration_seconds_count"], 1, after.body)
        XCTAssertGreaterThan(try XCTUnwrap(after["dkim_dns_lookup_duration_seconds_sum"]), 0, after.body)
        XCTAssertEqual(after["dkim_dns_errors_total{kind=\"temporary\"}"], 1, after.body)
        XCTAssertEqual(after["dkim_milter_connections_open"], 2, after.body)
        XCTAssertTrue(after.contentType?.hasPrefix("text/plain; version=0.0.4") == true, "\(after.contentType ?? "none")")

        // A good reload, then a broken one: each counted.
        serve.signal(SIGHUP)
        try serve.waitFor("reloaded") { serve.stderr.contains("reloaded configuration") }
        try serve.write("KeyTable", "broken._domainkey.example.com no-colons-here\n")
        serve.signal(SIGHUP)
        try serve.waitFor("reload failure") { serve.stderr.contains("reload failed") }
        try client.quit()
        try inbound.quit()
        try serve.waitFor("connections closed") { (try? Scrape(port: metricsPort))?["dkim_milter_connections_open"] == 0 }
        let reloaded = try Scrape(port: metricsPort)
        XCTAssertEqual(reloaded["dkim_reloads_total{result=\"ok\"}"], 1, reloaded.body)
        XCTAssertEqual(reloaded["dkim_reloads_total{result=\"failed\"}"], 1, reloaded.body)

        XCTAssertEqual(try Scrape(port: metricsPort, path: "/").status, 404)
        XCTAssertEqual(try Scrape(port: metricsPort, method: "POST").status, 405)

        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
    }

    /// Prometheus keeps its connection open between scrapes: several requests on one connection, HEAD
    /// without a body, and a request that is not HTTP answered 400 and closed.
    func testKeepAliveHeadAndABrokenRequest() throws {
        let serve = try ServeProcess()
        let metricsPort = try ServeProcess.freePort()
        try serve.write("KeyTable", "")
        try serve.write("SigningTable", "")
        try serve.writeConfiguration(extra: ["MetricsListen 127.0.0.1:\(metricsPort)"])
        try serve.start()
        try serve.waitFor("metrics listener") { serve.stderr.contains("serving metrics on http://127.0.0.1:\(metricsPort)/metrics") }

        let connection = try HTTPTestConnection(port: metricsPort)
        let first = try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.headers["connection"], "keep-alive")
        XCTAssertTrue(first.body.contains("dkim_reloads_total{result=\"ok\"} 0"), first.body)
        let head = try connection.send("HEAD /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", expectBody: false)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, "")
        XCTAssertEqual(Int(head.headers["content-length"] ?? ""), first.body.utf8.count)
        let second = try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(second.body, first.body)

        let broken = try HTTPTestConnection(port: metricsPort)
        XCTAssertEqual(try broken.send("NOT HTTP AT ALL\r\n\r\n").status, 400)
        XCTAssertTrue(broken.isClosedByPeer())
        XCTAssertEqual(try Scrape(port: metricsPort).status, 200, "the listener serves on")

        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
    }

    func testAPortInUseStopsTheStartNamingTheLine() throws {
        let serve = try ServeProcess()
        let taken = try ListeningTCPPort()
        try serve.write("KeyTable", "")
        try serve.write("SigningTable", "")
        try serve.writeConfiguration(extra: ["MetricsListen 127.0.0.1:\(taken.port)"])
        XCTAssertThrowsError(try serve.start())
        XCTAssertEqual(try serve.waitForExit(), 1, serve.stderr)
        XCTAssertTrue(serve.stderr.contains("opendkim.conf:9: MetricsListen 127.0.0.1:\(taken.port): cannot listen"), serve.stderr)
        XCTAssertFalse(serve.stderr.contains("listening on"), serve.stderr)
    }
}

func authenticationResults(_ responses: [MilterResponse]) -> String? {
    for case .insertHeader(_, "Authentication-Results", let value) in responses { return value }
    for case .addHeader("Authentication-Results", let value) in responses { return value }
    return nil
}

/// One HTTP/1.1 request on its own connection, and the Prometheus samples of the answer by series name.
struct Scrape {
    let status: Int
    let contentType: String?
    let body: String
    private let samples: [String: Double]

    init(port: Int, path: String = "/metrics", method: String = "GET") throws {
        let connection = try HTTPTestConnection(port: port)
        let response = try connection.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status = response.status
        contentType = response.headers["content-type"]
        body = response.body
        var samples: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        self.samples = samples
    }

    subscript(series: String) -> Double? { samples[series] }
}

/// A plain-socket HTTP/1.1 client connection that reads each response by its Content-Length, so several
/// requests can share it.
final class HTTPTestConnection {
    struct Response {
        var status: Int
        /// Lowercased names.
        var headers: [String: String]
        var body: String
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = ServeProcess.loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw ServeTestError(description: "connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends `request` as written and reads one response; a HEAD response has headers only.
    func send(_ request: String, expectBody: Bool = true) throws -> Response {
        let bytes = Array(request.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw ServeTestError(description: "write failed") }
        var headerEnd: Int?
        while true {
            if let end = find([13, 10, 13, 10]) { headerEnd = end; break }
            guard try fill() else { break }
        }
        guard let headerEnd else { throw ServeTestError(description: "no HTTP header end in \(String(decoding: pending, as: UTF8.self))") }
        let head = String(decoding: pending[..<headerEnd], as: UTF8.self).split(separator: "\r\n")
        pending.removeFirst(headerEnd + 4)
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = expectBody ? Int(headers["content-length"] ?? "0") ?? 0 : 0
        while pending.count < length {
            guard try fill() else { throw ServeTestError(description: "connection closed inside a body") }
        }
        let body = String(decoding: pending.prefix(length), as: UTF8.self)
        pending.removeFirst(length)
        let status = head.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether the server has closed the connection (reads end of file within a second).
    func isClosedByPeer() -> Bool {
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return (try? fill()) == false
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count else { return nil }
        return (0...(pending.count - needle.count)).first { pending[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// Reads more; false at end of file.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &buffer, buffer.count)
        if n < 0 { throw ServeTestError(description: "read: errno \(errno)") }
        pending += buffer[0..<n]
        return n > 0
    }
}

/// A TCP port someone already listens on.
final class ListeningTCPPort {
    let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        port = try ServeProcess.bindLoopback(fd)
        listen(fd, 1)
    }

    deinit { close(fd) }
}
