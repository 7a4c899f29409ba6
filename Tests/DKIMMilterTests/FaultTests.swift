import DKIM
import DKIMConfig
import DKIMCrypto
import DKIMMilter
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A UDP "nameserver" on 127.0.0.1: either silent (a DNS server that is down but whose port is open, so no
/// ICMP error hurries the resolver) or answering SERVFAIL at once to every query.
final class FakeNameserver: @unchecked Sendable {
    enum Behaviour { case silent, servfail }
    let port: Int
    private let fd: Int32
    private let stopped = NSLock()
    private var stop = false
    private var thread: Thread?
    private var queryCount = 0
    var queries: Int { stopped.withLock { queryCount } }

    init(_ behaviour: Behaviour) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw MilterTestClient.ClientError.system("cannot bind a UDP socket") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in serve(behaviour) }
        self.thread = thread
        thread.start()
    }

    private var isStopped: Bool { stopped.withLock { stop } }

    private func serve(_ behaviour: Behaviour) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !isStopped {
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &peerLength) }
                }
            }
            guard n >= 12 else { continue }
            stopped.withLock { queryCount += 1 }
            guard behaviour == .servfail else { continue }
            // Header and question only: QR, the query's opcode and RD, RA, RCODE 2; no records.
            var end = 12
            while end < n && buffer[end] != 0 { end += Int(buffer[end]) + 1 }
            end = min(n, end + 5)
            var answer = Array(buffer[0..<end])
            answer[2] = 0x80 | (buffer[2] & 0x79)
            answer[3] = 0x80 | 0x02
            answer[4] = 0; answer[5] = 1
            for i in 6..<12 { answer[i] = 0 }
            _ = answer.withUnsafeBytes { raw in
                withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, raw.baseAddress, raw.count, 0, $0, peerLength) }
                }
            }
        }
    }

    func shutdown() {
        stopped.withLock { stop = true }
        usleep(250_000)  // the serving thread wakes every 100 ms
        close(fd)
    }
}

/// Failures around the milter: DNS, key files.
final class FaultTests: XCTestCase {
    /// Points the running harness at real DNS (libunbound through the configuration) with `nameserver` as
    /// its only server. Returns the loaded settings' shutdown.
    func useNameserver(_ harness: MilterHarness, port: Int, timeout: Int) throws -> @Sendable () -> Void {
        let conf = try String(contentsOfFile: harness.path("opendkim.conf"), encoding: .utf8)
            + "Nameservers 127.0.0.1@\(port)\nDNSTimeout \(timeout)\n"
        try harness.write("dns.conf", conf)
        let loaded = try SettingsLoader.load(configPath: harness.path("dns.conf"))
        harness.settingsStore.replace(with: loaded.settings)
        return loaded.shutdown
    }

    /// A message signed by outside.test (selector `selector`), which our milter will verify.
    static func signedElsewhere(selector: String = "s1") throws -> TestMessage {
        let key = try PrivateKey.generate(.ed25519)
        var message = TestMessage.plain
        message.headers[0] = "From: Partner <partner@outside.test>"
        let signer = try DKIMSigner(requests: [SigningRequest(domain: DomainName("outside.test")!, selector: Selector(selector)!, key: key)],
                                    now: UInt64(Date().timeIntervalSince1970))
        signer.updateBody(Array(message.body.utf8))
        let field = try signer.finish(headers: message.headers.map { HeaderField(raw: Array($0.utf8)) })[0]
        message.headers.insert(String(decoding: field.raw, as: UTF8.self), at: 0)
        return message
    }

    func testDNSServerDownGivesTemperrorAndDoesNotSlowSigning() async throws {
        let dns = try FakeNameserver(.silent)
        let harness = try await MilterHarness()
        let stopResolver = try useNameserver(harness, port: dns.port, timeout: 2)
        let message = try Self.signedElsewhere()

        final class Outcome: @unchecked Sendable {
            let lock = NSLock()
            var eomSent: Date?
            var answered: Date?
            var responses: [MilterResponse] = []
            var error: Error?
        }
        let outcome = Outcome()
        let port = harness.port
        // The verifying connection runs on its own thread (not on the cooperative pool).
        Thread.detachNewThread {
            do {
                let client = try MilterTestClient(host: "127.0.0.1", port: port)
                client.setTimeout(seconds: 20)
                try client.negotiate(version: 6)
                try client.open(clientAddress: "203.0.113.5", hostname: "mail.outside.test")
                _ = try client.mailFrom("<partner@outside.test>")
                for header in message.headers { _ = try client.header(header) }
                _ = try client.endOfHeaders()
                _ = try client.body(Array(message.body.utf8))
                outcome.lock.withLock { outcome.eomSent = Date() }
                let responses = try client.endOfMessage()
                outcome.lock.withLock { outcome.responses = responses; outcome.answered = Date() }
                try client.quit()
            } catch {
                outcome.lock.withLock { outcome.error = error; outcome.answered = Date() }
            }
        }
        while outcome.lock.withLock({ outcome.eomSent == nil && outcome.answered == nil }) { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(300))

        // Signing on another connection while that verification waits for DNS.
        var roundTrips: [Double] = []
        let signer = try harness.client(version: 6)
        try signer.open()
        for _ in 0..<3 {
            let start = Date()
            let responses = try signer.send(.plain)
            roundTrips.append(Date().timeIntervalSince(start))
            XCTAssertEqual(Reliability.signatures(responses).count, 1)
        }
        XCTAssertNil(outcome.lock.withLock { outcome.answered }, "the verification is still waiting for DNS during the signing")
        XCTAssertLessThan(roundTrips.max()!, 1.0, "signing round trips during a pending lookup: \(roundTrips)")

        while outcome.lock.withLock({ outcome.answered == nil }) { try await Task.sleep(for: .milliseconds(20)) }
        let (sent, answered, responses, error) = outcome.lock.withLock { (outcome.eomSent, outcome.answered, outcome.responses, outcome.error) }
        XCTAssertNil(error)
        let wait = answered!.timeIntervalSince(sent!)
        XCTAssertGreaterThan(wait, 1.5, "the lookup waited for DNSTimeout")
        XCTAssertLessThan(wait, 2 + 3, "temperror within DNSTimeout (2 s) + slack")
        let results = Reliability.authenticationResults(responses)
        XCTAssertEqual(results.count, 1, "\(responses)")
        XCTAssertTrue(results.first?.contains("dkim=temperror") ?? false, "\(results)")
        XCTAssertEqual(responses.last, .continue)
        XCTAssertGreaterThan(dns.queries, 0, "the silent nameserver was asked")
        try signer.quit()
        try await harness.shutdown()
        stopResolver()
        dns.shutdown()
    }

    func testFileDescriptorsStayFlatOverTwoThousandFailedLookups() async throws {
        let silent = try FakeNameserver(.silent)
        let failing = try FakeNameserver(.servfail)
        let harness = try await MilterHarness()

        // 1. Through the milter: 1,000 verifications whose key lookups get SERVFAIL, 4 connections at once.
        let stopFailing = try useNameserver(harness, port: failing.port, timeout: 2)
        try await Reliability.assertStillSigns(harness)
        let port = harness.port
        func verifyMany(connections: Int, perConnection: Int, tag: String) async -> [String] {
            await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
                final class Tally: @unchecked Sendable {
                    let lock = NSLock()
                    var problems: [String] = []
                    var finished = 0
                }
                let tally = Tally()
                for c in 0..<connections {
                    Thread.detachNewThread {
                        do {
                            let client = try MilterTestClient(host: "127.0.0.1", port: port)
                            client.setTimeout(seconds: 20)
                            try client.negotiate(version: 6)
                            try client.open(clientAddress: "203.0.113.5", hostname: "mail.outside.test")
                            for n in 0..<perConnection {
                                let message = try FaultTests.signedElsewhere(selector: "\(tag)\(c)x\(n)")
                                let ar = Reliability.authenticationResults(try client.send(message)).first ?? ""
                                if !ar.contains("dkim=temperror") { tally.lock.withLock { tally.problems.append(ar) } }
                            }
                            try client.quit()
                        } catch {
                            tally.lock.withLock { tally.problems.append("\(error)") }
                        }
                        let last = tally.lock.withLock { tally.finished += 1; return tally.finished == connections }
                        if last { done.resume(returning: tally.lock.withLock { tally.problems }) }
                    }
                }
            }
        }
        _ = await verifyMany(connections: 4, perConnection: 5, tag: "warm")  // threads, sockets of libunbound
        let baseline = Reliability.openFileCount()
        let start = Date()
        let problems = await verifyMany(connections: 4, perConnection: 250, tag: "s")
        XCTAssertEqual(problems.count, 0, "\(problems.prefix(3))")
        let afterMilter = Reliability.waitForFileCount(atMost: baseline + 10)
        XCTAssertLessThanOrEqual(afterMilter, baseline + 10, "\(baseline) fds before 1,000 SERVFAIL lookups, \(afterMilter) after")
        print("1,000 verifications with SERVFAIL in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")

        // 2. The resolver directly: 1,000 lookups at once against a nameserver that never answers.
        let stopSilent = try useNameserver(harness, port: silent.port, timeout: 1)
        let resolver = harness.settingsStore.current.resolver
        func burst(_ tag: String, _ count: Int) async -> [TXTLookupResult] {
            await withTaskGroup(of: TXTLookupResult.self) { group in
                for n in 0..<count { group.addTask { await resolver.lookupTXT("\(tag)\(n)._domainkey.outside.test") } }
                var all: [TXTLookupResult] = []
                for await result in group { all.append(result) }
                return all
            }
        }
        // libunbound keeps a few probe sockets to a dead server open for its own back-off (up to minutes):
        // a first burst gets it into that state, then the count must stay flat.
        _ = await burst("warm", 200)
        let baseline2 = Reliability.openFileCount()
        let start2 = Date()
        let outcomes = await burst("t", 1_000)
        let elapsed = Date().timeIntervalSince(start2)
        XCTAssertEqual(outcomes.filter { if case .temporaryFailure = $0 { return true }; return false }.count, 1_000)
        XCTAssertLessThan(elapsed, 10, "1,000 concurrent timeouts of 1 s")
        let afterSilent = Reliability.waitForFileCount(atMost: baseline2 + 10)
        XCTAssertLessThanOrEqual(afterSilent, baseline2 + 10, "\(baseline2) fds before 1,000 timed-out lookups, \(afterSilent) after")
        print("1,000 concurrent lookups timed out in \(String(format: "%.2f", elapsed)) s")

        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
        stopFailing()
        stopSilent()
        silent.shutdown()
        failing.shutdown()
    }

    func testKeyFileRemovedAfterStartSigningGoesOn() async throws {
        let harness = try await MilterHarness()
        try await Reliability.assertStillSigns(harness)
        XCTAssertEqual(chmod(harness.path("mail.private"), 0), 0)
        try await Reliability.assertStillSigns(harness)
        try FileManager.default.removeItem(atPath: harness.path("mail.private"))
        try FileManager.default.removeItem(atPath: harness.path("KeyTable"))
        try await Reliability.assertStillSigns(harness)
        // Several messages on one connection, too.
        let client = try harness.client(version: 2)
        try client.open()
        for _ in 0..<5 { XCTAssertEqual(Reliability.signatures(try client.send(.plain)).count, 1) }
        try await harness.shutdown()
    }
}
