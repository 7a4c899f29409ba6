import DKIM
import DKIMCrypto
import DKIMMilter
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Shared helpers of the Hostile* and Fault* tests: process figures from /proc and "the daemon still serves".
///
/// The blocking test clients must never occupy more than one thread of Swift's cooperative pool (the
/// server's end-of-message work runs there too, and a 2-core machine has two): the test body may block
/// itself, any further client runs on a `Thread`.
enum Reliability {
    /// VmRSS of this process in KiB.
    static func residentKiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Open file descriptors of this process.
    static func openFileCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// Waits until the fd count is at most `limit` (closes on the server side are asynchronous).
    static func waitForFileCount(atMost limit: Int, seconds: Double = 5) -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var count = openFileCount()
        while count > limit && Date() < deadline {
            usleep(20_000)
            count = openFileCount()
        }
        return count
    }

    /// Raises the soft RLIMIT_NOFILE to at least `wanted` (up to the hard limit); returns the soft limit now.
    @discardableResult
    static func raiseFileLimit(to wanted: rlim_t) -> rlim_t {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return limit.rlim_cur
    }

    /// Whether the server closed `client`'s connection within `seconds` (EOF or reset).
    static func isClosed(_ client: MilterTestClient, within seconds: Int = 3) -> Bool {
        client.setTimeout(seconds: seconds)
        while true {
            do {
                _ = try client.receive()  // a stray reply: keep reading until the end
            } catch MilterTestClient.ClientError.closedByFilter {
                return true
            } catch MilterTestClient.ClientError.system(let text) {
                return text.contains("reset")
            } catch {
                return false
            }
        }
    }

    static func signatures(_ responses: [MilterResponse]) -> [String] {
        responses.compactMap { response in
            switch response {
            case .insertHeader(_, "DKIM-Signature", let value), .addHeader("DKIM-Signature", let value): return value
            default: return nil
            }
        }
    }

    static func authenticationResults(_ responses: [MilterResponse]) -> [String] {
        responses.compactMap { response in
            switch response {
            case .insertHeader(_, "Authentication-Results", let value), .addHeader("Authentication-Results", let value): return value
            default: return nil
            }
        }
    }

    static func resolver(_ harness: MilterHarness) -> StaticKeyResolver {
        StaticKeyResolver(["mail._domainkey.example.com": [harness.record(harness.rsaKey)]])
    }

    /// A normal client on a new connection still gets `message` signed, and the signature verifies.
    static func assertStillSigns(_ harness: MilterHarness, _ message: TestMessage = .plain,
                                 file: StaticString = #filePath, line: UInt = #line) async throws {
        let client = try harness.client(version: 6)
        try client.open()
        let responses = try client.send(message)
        XCTAssertEqual(responses.last, .continue, "\(responses)", file: file, line: line)
        XCTAssertEqual(signatures(responses).count, 1, "the daemon still signs: \(responses)", file: file, line: line)
        let delivered = message.delivered(applying: responses, leadingSpace: true)
        let results = try await verifyWithCore(delivered, resolver: resolver(harness))
        XCTAssertEqual(results.map(\.result), [.pass], delivered, file: file, line: line)
        try client.quit()
    }

    /// A client that is connected but has not negotiated.
    static func rawClient(_ harness: MilterHarness) throws -> MilterTestClient {
        let client = try MilterTestClient(host: "127.0.0.1", port: harness.port)
        client.setTimeout(seconds: 20)
        return client
    }

    static func frame(_ code: UInt8, _ payload: [UInt8] = []) -> [UInt8] {
        let length = UInt32(payload.count + 1)
        return [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF), code] + payload
    }
}

/// MTAs (or anything else that connects) misbehaving at the protocol level: each test checks that the
/// offending connection is closed where it should be and that the daemon keeps serving others.
final class HostilePeerTests: XCTestCase {
    // MARK: packet lengths

    func testHostilePacketLengthsCloseTheConnection() async throws {
        let harness = try await MilterHarness()
        let optneg = UInt8(ascii: "O")
        let cases: [(String, [UInt8])] = [
            ("length 0", [0, 0, 0, 0]),
            ("length 0 followed by more bytes", [0, 0, 0, 0, optneg, 0, 0, 0, 6]),
            ("length 1, OPTNEG without its 12 bytes", [0, 0, 0, 1, optneg]),
            ("length 2^31", [0x80, 0, 0, 0, optneg]),
            ("length 2^32-1", [0xFF, 0xFF, 0xFF, 0xFF, optneg]),
            ("length 2^32-1, prefix only", [0xFF, 0xFF, 0xFF, 0xFF]),
        ]
        for (name, bytes) in cases {
            let client = try Reliability.rawClient(harness)
            try client.sendRaw(bytes)
            XCTAssertTrue(Reliability.isClosed(client), "\(name): the connection is closed")
        }
        // The same after a successful negotiation, for commands that need a payload.
        for code in ["H", "L", "M", "R", "C", "D"] {
            let client = try harness.client(version: 6)
            try client.open()
            if code != "M" && code != "C" { _ = try client.mailFrom("<john@example.com>") }
            try client.sendRaw([0, 0, 0, 1, code.utf8.first!])
            XCTAssertTrue(Reliability.isClosed(client), "\(code) with length 1: the connection is closed")
        }
        // A frame larger than the 1 MiB + 64 KiB maximum, announced after negotiation.
        let big = try harness.client(version: 6)
        try big.open()
        try big.sendRaw([0x00, 0x20, 0x00, 0x00, UInt8(ascii: "B")])
        XCTAssertTrue(Reliability.isClosed(big), "2 MiB frame: the connection is closed")
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testUnknownCommandBytesCloseTheConnection() async throws {
        let harness = try await MilterHarness()
        for code: UInt8 in [0x00, UInt8(ascii: "Z"), UInt8(ascii: "z"), 0x7F, 0xFF] {
            let before = try Reliability.rawClient(harness)
            try before.sendRaw(Reliability.frame(code, Array("hello".utf8)))
            XCTAssertTrue(Reliability.isClosed(before), "unknown command \(code) before negotiation")

            let after = try harness.client(version: 6)
            try after.open()
            _ = try after.mailFrom("<john@example.com>")
            try after.sendRaw(Reliability.frame(code, [0]))
            XCTAssertTrue(Reliability.isClosed(after), "unknown command \(code) in a message")
        }
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    // MARK: commands out of order

    func testCommandsOutOfOrderThatWaitForAReplyClose() async throws {
        let harness = try await MilterHarness()
        // EOM before anything: before negotiation, and right after it.
        let first = try Reliability.rawClient(harness)
        try first.send(.endOfMessage([]))
        XCTAssertTrue(Reliability.isClosed(first), "EOM before negotiation")
        let second = try harness.client(version: 6)
        try second.send(.endOfMessage([]))
        XCTAssertTrue(Reliability.isClosed(second), "EOM right after negotiation")
        let third = try harness.client(version: 6)
        try third.open()
        try third.send(.endOfMessage([]))
        XCTAssertTrue(Reliability.isClosed(third), "EOM before MAIL")
        // Protocol 2: every step waits for a reply, so an out-of-order step cannot be ignored.
        let header = try harness.client(version: 2)
        try header.open()
        try header.send(.header(name: Array("From".utf8), value: Array("john@example.com".utf8)))
        XCTAssertTrue(Reliability.isClosed(header), "v2 HEADER before MAIL")
        let body = try harness.client(version: 2)
        try body.open()
        _ = try body.mailFrom("<john@example.com>")
        _ = try body.header("From: john@example.com")
        try body.send(.body(Array("too early\r\n".utf8)))
        XCTAssertTrue(Reliability.isClosed(body), "v2 BODY before EOH")
        let header2 = try harness.client(version: 2)
        try header2.send(.header(name: Array("From".utf8), value: Array("john@example.com".utf8)))
        XCTAssertTrue(Reliability.isClosed(header2), "v2 HEADER before CONNECT")
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testCommandsOutOfOrderWithoutReplyAreDroppedAndTheConnectionRecovers() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 6)
        try client.open()
        // Under protocol 6 HEADER and BODY expect no reply (NR_HDR, NR_BODY): as in libmilter they are
        // dropped, the message in progress (if any) is aborted, and the connection goes on.
        try client.send(.header(name: Array("From".utf8), value: Array("mallory@example.com".utf8)))
        _ = try client.mailFrom("<john@example.com>")
        _ = try client.header("From: john@example.com")
        try client.send(.body(Array("body before EOH\r\n".utf8)))
        // The next whole message on the same connection is signed, and nothing of the above leaked into it.
        let responses = try client.send(.plain)
        XCTAssertEqual(Reliability.signatures(responses).count, 1, "\(responses)")
        let delivered = TestMessage.plain.delivered(applying: responses, leadingSpace: true)
        let results = try await verifyWithCore(delivered, resolver: Reliability.resolver(harness))
        XCTAssertEqual(results.map(\.result), [.pass])
        try client.quit()
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    // MARK: stalled, many and vanishing clients

    func testClientStoppingMidPacketIsClosedByTheIdleTimeout() async throws {
        let harness = try await MilterHarness(idleTimeout: .seconds(1))
        let stalled = try harness.client(version: 6)
        try stalled.open()
        // A HEADER frame announcing 100 bytes, of which 10 arrive.
        try stalled.sendRaw([0, 0, 0, 100, UInt8(ascii: "L")] + Array("Subject\0ab".utf8))
        let start = Date()
        XCTAssertTrue(Reliability.isClosed(stalled, within: 5), "the idle timeout closes a stalled client")
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThan(elapsed, 0.5, "not before the idle timeout")
        XCTAssertLessThan(elapsed, 4, "about one idle timeout")
        // A client that stalls before sending a single byte is closed too.
        let silent = try Reliability.rawClient(harness)
        XCTAssertTrue(Reliability.isClosed(silent, within: 5))
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testTwoThousandConcurrentConnections() async throws {
        let count = 2_000
        let limit = Reliability.raiseFileLimit(to: rlim_t(count * 2 + 1_000))
        try XCTSkipIf(limit < rlim_t(count * 2 + 200), "RLIMIT_NOFILE \(limit) is too low for \(count) connections on both ends")
        let harness = try await MilterHarness()
        try await Reliability.assertStillSigns(harness)  // warm up: lazily opened descriptors (DNS, pools)
        let baseline = Reliability.openFileCount()
        var clients: [MilterTestClient] = []
        clients.reserveCapacity(count)
        for _ in 0..<count {
            let client = try harness.client(version: 6)
            XCTAssertEqual(client.negotiated?.version, 6)
            clients.append(client)
        }
        XCTAssertGreaterThanOrEqual(Reliability.openFileCount(), baseline + 2 * count - 20, "both ends of every connection are open")
        // With all of them open, a message is still served; and one of the crowd can send one too.
        try await Reliability.assertStillSigns(harness)
        try clients[count / 2].open()
        XCTAssertEqual(Reliability.signatures(try clients[count / 2].send(.plain)).count, 1)
        clients.removeAll()  // closes every client socket
        let after = Reliability.waitForFileCount(atMost: baseline + 10)
        XCTAssertLessThanOrEqual(after, baseline + 10, "the server closed its ends: \(baseline) fds before, \(after) after")
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testClientsDisconnectingMidBodyRepeatedly() async throws {
        let harness = try await MilterHarness()
        try await Reliability.assertStillSigns(harness)
        let baseline = Reliability.openFileCount()
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 30_000) + [13, 10]
        for round in 0..<200 {
            let client = try harness.client(version: round % 2 == 0 ? 6 : 2)
            try client.open()
            _ = try client.mailFrom("<john@example.com>")
            for header in TestMessage.plain.headers { _ = try client.header(header) }
            _ = try client.endOfHeaders()
            if round % 3 == 0 {
                // Cut in the middle of a BODY frame.
                try client.sendRaw(Array(Reliability.frame(UInt8(ascii: "B"), body).prefix(10_000)))
            } else {
                _ = try client.body(body)
            }
            // `client` goes out of scope here: its socket is closed with the message unfinished.
        }
        let after = Reliability.waitForFileCount(atMost: baseline + 10)
        XCTAssertLessThanOrEqual(after, baseline + 10, "\(baseline) fds before, \(after) after 200 abandoned connections")
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }
}
