import DKIM
import XCTest

@testable import DKIMDNS

/// End-to-end lookups through libunbound against a dnsmasq started by the test on a loopback port.
final class UnboundResolverTests: XCTestCase {
    /// A 400-octet key record, served as two 200-octet character-strings.
    static let longRecord = "v=DKIM1; k=rsa; p=" + String(repeating: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", count: 12).prefix(382)
    static let longHalves = (String(longRecord.prefix(200)), String(longRecord.dropFirst(200)))

    private var dnsmasq: DNSMasqServer!

    override func setUpWithError() throws {
        dnsmasq = try DNSMasqServer(records: [
            "--txt-record=sel._domainkey.example.com,v=DKIM1; k=rsa; p=abc",
            "--txt-record=split._domainkey.example.com,v=DKIM1; k=rsa; ,p=abc",
            "--txt-record=long._domainkey.example.com,\(Self.longHalves.0),\(Self.longHalves.1)",
            "--txt-record=multi.example.com,one",
            "--txt-record=multi.example.com,two",
            "--txt-record=multi.example.com,three",
            "--host-record=a.example.com,127.0.0.2",
            "--txt-record=key.example.net,hello",
        ])
    }

    override func tearDown() {
        dnsmasq?.stop()
        dnsmasq = nil
        #if DEBUG
        XCTAssertEqual(UnboundQueryLoop.QueryBox.live.withLock { $0 }, 0, "leaked query boxes")
        #endif
    }

    private func makeResolver(timeout: Duration = .seconds(5), trustAnchorFile: String? = nil) throws -> UnboundResolver {
        let server = try Nameserver(host: "127.0.0.1", port: dnsmasq.port)
        return try UnboundResolver(configuration: .init(nameservers: [server], timeout: timeout, trustAnchorFile: trustAnchorFile))
    }

    private static func texts(_ result: TXTLookupResult) -> [String]? {
        guard case .found(let records, _) = result else { return nil }
        return records.map { String(decoding: $0, as: UTF8.self) }
    }

    func testSingleStringRecord() async throws {
        let resolver = try makeResolver()
        let result = await resolver.lookupTXT("sel._domainkey.example.com")
        XCTAssertEqual(result, .found([Array("v=DKIM1; k=rsa; p=abc".utf8)], dnssec: .unknown))
    }

    func testTrailingDotAndCaseAreAccepted() async throws {
        let resolver = try makeResolver()
        let result = await resolver.lookupTXT("SEL._DomainKey.Example.COM.")
        XCTAssertEqual(Self.texts(result), ["v=DKIM1; k=rsa; p=abc"])
    }

    func testStringsOfOneRecordAreJoinedWithoutSeparator() async throws {
        let resolver = try makeResolver()
        let split = await resolver.lookupTXT("split._domainkey.example.com")
        XCTAssertEqual(Self.texts(split), ["v=DKIM1; k=rsa; p=abc"])

        let long = await resolver.lookupTXT("long._domainkey.example.com")
        XCTAssertEqual(Self.longRecord.utf8.count, 400)
        XCTAssertEqual(Self.texts(long), [Self.longRecord])
    }

    func testSeveralRecordsAtOneName() async throws {
        let resolver = try makeResolver()
        let result = await resolver.lookupTXT("multi.example.com")
        XCTAssertEqual(Self.texts(result).map(Set.init), ["one", "two", "three"])
    }

    func testNXDomainIsNotFound() async throws {
        let resolver = try makeResolver()
        let result = await resolver.lookupTXT("missing._domainkey.example.com")
        guard case .notFound(let reason) = result else { return XCTFail("expected notFound, got \(result)") }
        XCTAssertTrue(reason.contains("NXDOMAIN"), reason)
    }

    func testNameWithoutTXTIsNotFound() async throws {
        let resolver = try makeResolver()
        let result = await resolver.lookupTXT("a.example.com")
        guard case .notFound(let reason) = result else { return XCTFail("expected notFound, got \(result)") }
        XCTAssertTrue(reason.contains("no TXT record"), reason)
    }

    func testInvalidNameIsPermanentFailureWithoutQuery() async throws {
        let resolver = try makeResolver()
        for name in ["", "a..example.com", String(repeating: "x", count: 64) + ".example.com"] {
            let result = await resolver.lookupTXT(name)
            guard case .permanentFailure = result else { return XCTFail("expected permanentFailure for '\(name)', got \(result)") }
        }
    }

    func testConcurrentLookupsAreAllAnswered() async throws {
        let resolver = try makeResolver(timeout: .seconds(20))
        let names = ["sel._domainkey.example.com", "multi.example.com", "nope.example.com", "long._domainkey.example.com"]
        let results = await withTaskGroup(of: (Int, TXTLookupResult).self) { group in
            for index in 0..<200 {
                group.addTask { (index, await resolver.lookupTXT(names[index % names.count])) }
            }
            var collected: [Int: TXTLookupResult] = [:]
            for await (index, result) in group { collected[index] = result }
            return collected
        }
        XCTAssertEqual(results.count, 200)
        for (index, result) in results {
            switch index % names.count {
            case 0: XCTAssertEqual(Self.texts(result), ["v=DKIM1; k=rsa; p=abc"])
            case 1: XCTAssertEqual(Self.texts(result)?.count, 3)
            case 2: guard case .notFound = result else { return XCTFail("lookup \(index): \(result)") }
            default: XCTAssertEqual(Self.texts(result), [Self.longRecord])
            }
        }
    }

    func testTrustAnchorWithoutSignaturesIsBogusInsideAndInsecureOutside() async throws {
        let anchor = FileManager.default.temporaryDirectory.appendingPathComponent("dkimdns-ta-\(UUID().uuidString).key")
        defer { try? FileManager.default.removeItem(at: anchor) }
        let digest = String(repeating: "ab", count: 32)
        try "example.com. 3600 IN DS 12345 8 2 \(digest)\n".write(to: anchor, atomically: true, encoding: .utf8)
        let resolver = try makeResolver(trustAnchorFile: anchor.path)

        let inside = await resolver.lookupTXT("sel._domainkey.example.com")
        guard case .permanentFailure(let reason) = inside else { return XCTFail("expected bogus answer, got \(inside)") }
        XCTAssertTrue(reason.hasPrefix("DNSSEC validation failed: "), reason)

        let outside = await resolver.lookupTXT("key.example.net")
        XCTAssertEqual(outside, .found([Array("hello".utf8)], dnssec: .insecure))
    }

    func testMissingTrustAnchorFileIsAConfigurationError() throws {
        XCTAssertThrowsError(try makeResolver(trustAnchorFile: "/nonexistent/root.key")) { error in
            XCTAssertEqual(error as? DNSConfigurationError, .trustAnchor(""))
        }
    }

    func testNonPositiveTimeoutIsAConfigurationError() throws {
        XCTAssertThrowsError(try makeResolver(timeout: .zero)) { error in
            XCTAssertEqual(error as? DNSConfigurationError, .invalidTimeout(""))
        }
    }
}
