import DKIMConfig
import XCTest

final class MailAddressTests: XCTestCase {
    private func parse(_ value: String) -> [String] {
        MailAddress.addresses(inHeaderValue: value).map(\.description)
    }

    func testFromHeaderForms() {
        XCTAssertEqual(parse("alice@example.com"), ["alice@example.com"])
        XCTAssertEqual(parse("Alice <alice@Example.COM>"), ["alice@example.com"])
        XCTAssertEqual(parse(" \"Doe, John\" <john@example.com>"), ["john@example.com"])
        XCTAssertEqual(parse("alice@example.com (Alice Example)"), ["alice@example.com"])
        XCTAssertEqual(parse("(comment (nested) \\) still) alice@example.com."), ["alice@example.com"])
        XCTAssertEqual(parse("alice(a(b)c)@example.com"), ["alice@example.com"])
        XCTAssertEqual(parse("\"john doe\"@example.com"), ["john doe@example.com"])
        XCTAssertEqual(parse("\"a@b\" <\"weird\\\"name\"@example.com>"), ["weird\"name@example.com"])
        XCTAssertEqual(parse("a@x.com, B <b@y.org>"), ["a@x.com", "b@y.org"])
        XCTAssertEqual(parse("Team: a@x.com, b@y.org;, c@z.net"), ["a@x.com", "b@y.org", "c@z.net"])
        XCTAssertEqual(parse("<@relay.example:alice@example.com>"), ["alice@example.com"])
        XCTAssertEqual(parse("=?utf-8?q?J=C3=B6rg?= <joerg@example.de>"), ["joerg@example.de"])
    }

    func testAddressesWithoutADomainAreLeftOut() {
        XCTAssertEqual(parse("undisclosed-recipients:;"), [])
        XCTAssertEqual(parse("<>"), [])
        XCTAssertEqual(parse("alice"), [])
        XCTAssertEqual(parse("alice@"), [])
        XCTAssertEqual(parse("alice@[192.0.2.1]"), [])
        XCTAssertEqual(parse(""), [])
        XCTAssertNil(MailAddress.domain(inHeaderValue: "Alice <alice>"))
        XCTAssertEqual(MailAddress.domain(inHeaderValue: "Alice <alice@Example.com>")?.value, "example.com")
    }

    func testSingleAddresses() {
        XCTAssertEqual(MailAddress("alice@example.com"), MailAddress(localPart: "alice", domain: "example.com"))
        XCTAssertEqual(MailAddress("<bob@example.org>")?.localPart, "bob")
        XCTAssertNil(MailAddress("no-at-sign"))
    }
}
