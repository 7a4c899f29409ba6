import DKIM
import XCTest

@testable import DKIMDNS

/// The mapping from libunbound's result fields to `TXTLookupResult`, without a network.
final class UnboundAnswerTests: XCTestCase {
    private let qname = "sel._domainkey.example.com"
    private let record: [UInt8] = [3, 0x61, 0x62, 0x63]

    func testDataMapsToFoundWithDNSSECStatus() {
        let answer = UnboundAnswer(hasData: true, rdata: [record])
        XCTAssertEqual(answer.lookupResult(for: qname, validating: false), .found([Array("abc".utf8)], dnssec: .unknown))
        XCTAssertEqual(answer.lookupResult(for: qname, validating: true), .found([Array("abc".utf8)], dnssec: .insecure))
        var secure = answer
        secure.isSecure = true
        XCTAssertEqual(secure.lookupResult(for: qname, validating: true), .found([Array("abc".utf8)], dnssec: .secure))
    }

    func testNXDomainAndNoDataAreNotFound() {
        XCTAssertEqual(
            UnboundAnswer(rcode: 3, isNXDomain: true).lookupResult(for: qname, validating: false),
            .notFound("NXDOMAIN: \(qname) does not exist"))
        XCTAssertEqual(
            UnboundAnswer(rcode: 0).lookupResult(for: qname, validating: false),
            .notFound("no TXT record at \(qname)"))
    }

    func testServerErrorsAreTemporary() {
        XCTAssertEqual(UnboundAnswer(rcode: 2).lookupResult(for: qname, validating: false), .temporaryFailure("DNS SERVFAIL for \(qname)"))
        XCTAssertEqual(UnboundAnswer(rcode: 5).lookupResult(for: qname, validating: false), .temporaryFailure("DNS REFUSED for \(qname)"))
        XCTAssertEqual(UnboundAnswer(rcode: 9).lookupResult(for: qname, validating: false), .temporaryFailure("DNS rcode 9 for \(qname)"))
    }

    func testBogusIsPermanentWhateverTheRcode() {
        let bogus = UnboundAnswer(rcode: 2, hasData: true, isBogus: true, whyBogus: "signature expired", rdata: [record])
        XCTAssertEqual(bogus.lookupResult(for: qname, validating: true), .permanentFailure("DNSSEC validation failed: signature expired"))
    }

    func testMalformedRecordsAreSkipped() {
        let mixed = UnboundAnswer(hasData: true, rdata: [[9, 0x61], record, []])
        XCTAssertEqual(mixed.lookupResult(for: qname, validating: false), .found([Array("abc".utf8)], dnssec: .unknown))
        let broken = UnboundAnswer(hasData: true, rdata: [[9, 0x61]])
        XCTAssertEqual(broken.lookupResult(for: qname, validating: false), .permanentFailure("malformed TXT record at \(qname)"))
    }

    func testNameChecks() {
        XCTAssertNil(UnboundResolver.nameProblem("sel._domainkey.example.com"))
        XCTAssertNil(UnboundResolver.nameProblem("example.com."))
        XCTAssertNotNil(UnboundResolver.nameProblem(""))
        XCTAssertNotNil(UnboundResolver.nameProblem("."))
        XCTAssertNotNil(UnboundResolver.nameProblem("a..b"))
        XCTAssertNotNil(UnboundResolver.nameProblem("a\u{0}b"))
        XCTAssertNotNil(UnboundResolver.nameProblem(String(repeating: "a", count: 64) + ".com"))
        XCTAssertNotNil(UnboundResolver.nameProblem(Array(repeating: "abcdefghi", count: 26).joined(separator: ".")))
    }

    func testDurationText() {
        XCTAssertEqual(Duration.seconds(5).secondsText, "5")
        XCTAssertEqual(Duration.milliseconds(250).secondsText, "0.25")
        XCTAssertEqual(Duration.milliseconds(1500).secondsText, "1.5")
        XCTAssertEqual(Duration.milliseconds(1).pollMilliseconds, 1)
        XCTAssertEqual(Duration.microseconds(1).pollMilliseconds, 1)
        XCTAssertEqual(Duration.zero.pollMilliseconds, 0)
        XCTAssertEqual(Duration.seconds(-1).pollMilliseconds, 0)
    }
}
