@testable import DKIMConfig
import XCTest

final class SigningTableTests: XCTestCase {
    private func table(_ text: String, patterns: Bool) throws -> (SigningTable, [ConfigWarning]) {
        let set = DataSet.parseFile(text, path: "/etc/opendkim/SigningTable", patterns: patterns,
                                    location: ConfigLocation(file: "c.conf", line: 4))
        var warnings: [ConfigWarning] = []
        return (try SigningTable.build(from: set, warnings: &warnings), warnings)
    }

    func testRefilePatternsInFileOrderCaseInsensitive() throws {
        let (signing, _) = try table("""
            *@example.com mail._domainkey.example.com
            alice@* alice-key:alice@example.com
            *@*.example.com sub-key
            *@example.com second
            """, patterns: true)
        let first = signing.lookup(localPart: "Alice", domain: "EXAMPLE.com", all: false)
        XCTAssertEqual(first.map(\.keyName), ["mail._domainkey.example.com"])
        XCTAssertEqual(first.first?.entry.location, ConfigLocation(file: "/etc/opendkim/SigningTable", line: 1))
        XCTAssertEqual(first.first?.query, "Alice@example.com")
        XCTAssertEqual(signing.lookup(localPart: "alice", domain: "example.com", all: true).map(\.keyName),
                       ["mail._domainkey.example.com", "alice-key", "second"])
        XCTAssertEqual(signing.lookup(localPart: "alice", domain: "example.com", all: true)[1].signer, "alice@example.com")
        XCTAssertEqual(signing.lookup(localPart: "bob", domain: "mx.example.com", all: true).map(\.keyName), ["sub-key"])
        XCTAssertTrue(signing.lookup(localPart: "bob", domain: "example.org", all: true).isEmpty)
    }

    func testPlainTablesUseOpenDKIMsLookupOrder() throws {
        XCTAssertEqual(SigningTable.lookupOrder(localPart: "u", domain: "foo.example.com"), [
            "u@foo.example.com", "foo.example.com", "u@.example.com", ".example.com", "u@.com", ".com", "u@*", "*",
        ])
        let (signing, _) = try table("""
            *                 catch-all
            .example.com      parent
            user@*            user-anywhere
            foo.example.com   host
            user@foo.example.com exact
            """, patterns: false)
        XCTAssertEqual(signing.lookup(localPart: "user", domain: "foo.example.com", all: false).map(\.keyName), ["exact"])
        XCTAssertEqual(signing.lookup(localPart: "USER", domain: "foo.example.com", all: true).map(\.keyName),
                       ["exact", "host", "parent", "user-anywhere", "catch-all"])
        XCTAssertEqual(signing.lookup(localPart: "bob", domain: "bar.example.com", all: false).map(\.keyName), ["parent"])
        XCTAssertEqual(signing.lookup(localPart: "bob", domain: "example.com", all: false).map(\.keyName), ["catch-all"],
                       ".example.com is only for subdomains")
    }

    func testPercentInKeyNameAndSigner() throws {
        let (signing, _) = try table("* %:@%\n", patterns: false)
        let match = signing.lookup(localPart: "a", domain: "Example.ORG", all: false).first
        XCTAssertEqual(match?.keyName, "example.org")
        XCTAssertEqual(match?.signer, "@example.org")
    }

    func testBadLinesAndRepeatedKeys() throws {
        XCTAssertEqual(configError { _ = try table("# c\nexample.com\n", patterns: false) }?.description,
                       "/etc/opendkim/SigningTable:2: SigningTable entry \"example.com\" names no key; expected \"pattern keyname\"")
        XCTAssertEqual(configError { _ = try table("example.com key1 key2\n", patterns: false) }?.description,
                       "/etc/opendkim/SigningTable:1: SigningTable entry \"example.com\": \"key1 key2\" has more than one field; the value is keyname or keyname:signer")
        let (_, warnings) = try table("example.com a\nEXAMPLE.com b\n", patterns: false)
        XCTAssertEqual(warnings.map(\.kind), [.duplicate])
    }

    func testAKeyMissingFromTheKeyTableIsAnErrorAtTheSigningTableLine() throws {
        let dir = try TempDirectory()
        let keyTable = try dir.write("KeyTable", "Mail._domainkey.example.com example.com:mail:/k\n")
        let signingTable = try dir.write("SigningTable", "# comment\n*@example.com mail._domainkey.example.com\n")
        let error = configError {
            _ = try DaemonConfiguration.parse("KeyTable refile:\(keyTable)\nSigningTable refile:\(signingTable)")
        }
        XCTAssertEqual(error?.description,
                       "\(signingTable):2: SigningTable entry \"*@example.com\" names key \"mail._domainkey.example.com\", which is not in the KeyTable ((configuration):1); \(keyTable):1 has \"Mail._domainkey.example.com\", and key names are case-sensitive")
    }
}
