@testable import DKIMConfig
import DKIM
import XCTest

final class KeyTableTests: XCTestCase {
    private func table(_ text: String, patterns: Bool = false) throws -> (KeyTable, [ConfigWarning]) {
        let set = DataSet.parseFile(text, path: "/etc/opendkim/KeyTable", patterns: patterns,
                                    location: ConfigLocation(file: "c.conf", line: 3))
        var warnings: [ConfigWarning] = []
        return (try KeyTable.build(from: set, warnings: &warnings), warnings)
    }

    func testTheGuidesLine() throws {
        let (keys, warnings) = try table("mail._domainkey.example.com example.com:mail:/etc/opendkim/keys/example.com/mail.private\n")
        XCTAssertTrue(warnings.isEmpty)
        XCTAssertEqual(keys.entries, [KeyTableEntry(
            name: "mail._domainkey.example.com", domain: .fixed(DomainName("example.com")!), selector: Selector("mail")!,
            keyPath: "/etc/opendkim/keys/example.com/mail.private",
            location: ConfigLocation(file: "/etc/opendkim/KeyTable", line: 1))])
        XCTAssertEqual(keys.entry(named: "mail._domainkey.example.com")?.selector, Selector("mail"))
        XCTAssertNil(keys.entry(named: "Mail._domainkey.example.com"), "key names are case-sensitive, as in OpenDKIM")
    }

    func testPercentMeansTheSenderDomain() throws {
        let (keys, _) = try table("shared %:s2024:/keys/shared.private\n")
        XCTAssertEqual(keys.entries.first?.domain, .senderDomain)
        XCTAssertEqual(keys.entries.first?.domain.resolved(senderDomain: DomainName("example.org")!), DomainName("example.org"))
    }

    func testRefileKeyTablesLookUpExactNamesFirst() throws {
        let (keys, _) = try table("*.example.com example.com:wild:/k/wild.private\nmail.example.com example.com:mail:/k/mail.private\n", patterns: true)
        XCTAssertEqual(keys.entry(named: "mail.example.com")?.selector, Selector("mail"))
        XCTAssertEqual(keys.entry(named: "other.example.com")?.selector, Selector("wild"))
        XCTAssertNil(keys.entry(named: "example.org"))
    }

    func testBadLinesAreErrorsWithFileAndLine() {
        let cases: [(String, String)] = [
            ("k\n", "KeyTable key \"k\" has no value; expected \"name domain:selector:keypath\""),
            ("k example.com\n", "KeyTable key \"k\": \"example.com\" is not domain:selector:keypath (no colons)"),
            ("k example.com:mail\n", "KeyTable key \"k\": \"example.com:mail\" is not domain:selector:keypath (only one colon)"),
            ("k exa mple.com:mail:/k\n", "KeyTable key \"k\": \"exa mple.com:mail:/k\" has no colons before the key path"),
            ("k bad_domain!:mail:/k\n", "KeyTable key \"k\": \"bad_domain!\" is not a domain name (or %)"),
            ("k example.com:bad selector!:/k\n", "KeyTable key \"k\": \"bad selector!\" is not a valid selector"),
            ("k example.com:mail:\n", "KeyTable key \"k\": the private key path is empty"),
            ("k example.com:mail:MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMN3kgYm5LtnxVxfRkx4aYr4X\n",
             "KeyTable key \"k\": the third field looks like inline key data; put the key in a file (chmod 600) and give its path"),
            ("k example.com:mail:/etc/keys/%/mail.private\n",
             "KeyTable key \"k\": key path \"/etc/keys/%/mail.private\" contains %, which OpenDKIM replaces per message; keys are loaded once at start here, so give each domain its own KeyTable line"),
        ]
        for (text, message) in cases {
            let padded = "# comment\n\n" + text
            let error = configError { _ = try table(padded) }
            if text.hasPrefix("k exa mple") {
                // The space splits the line: the domain field is "exa" and the value has no colon before it.
                XCTAssertEqual(error?.line, 3)
                continue
            }
            XCTAssertEqual(error?.description, "/etc/opendkim/KeyTable:3: \(message)", text)
        }
    }

    func testRelativeKeyPathsAreReadAsPathsWithAWarning() throws {
        let (keys, warnings) = try table("mail._domainkey.example.com example.com:mail:keys-example/keys/example.com/mail.private\nother example.com:o:./keys/o.private\n")
        XCTAssertEqual(keys.entries.first?.keyPath, "keys-example/keys/example.com/mail.private")
        XCTAssertEqual(warnings.map(\.location.line), [1])
        XCTAssertEqual(warnings.first?.kind, .openDKIMDifference)
    }

    func testDuplicateNamesWarnAndTheFirstWins() throws {
        let (keys, warnings) = try table("k example.com:one:/k1\nk example.com:two:/k2\n")
        XCTAssertEqual(keys.entries.count, 1)
        XCTAssertEqual(keys.entry(named: "k")?.selector, Selector("one"))
        XCTAssertEqual(warnings.map(\.description), [
            "/etc/opendkim/KeyTable:2: warning: KeyTable key \"k\" is already defined at /etc/opendkim/KeyTable:1; that first line is used, as in OpenDKIM",
        ])
    }
}
