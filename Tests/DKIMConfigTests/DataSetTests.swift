@testable import DKIMConfig
import XCTest

final class DataSetTests: XCTestCase {
    private func load(_ spec: String, base: String? = nil, allowPatterns: Bool = true) throws -> (DataSet, [ConfigWarning]) {
        var warnings: [ConfigWarning] = []
        let set = try DataSet.load(spec, option: "Test", at: ConfigLocation(file: "c.conf", line: 7),
                                   baseDirectory: base, allowPatterns: allowPatterns, warnings: &warnings)
        return (set, warnings)
    }

    func testInlineListsAndCSL() throws {
        let (plain, _) = try load(" a , b,,c ")
        XCTAssertEqual(plain.keys, ["a", "b", "c"])
        XCTAssertEqual(plain.source, .list)
        XCTAssertEqual(plain.entries.first?.location, ConfigLocation(file: "c.conf", line: 7))
        let (csl, _) = try load("csl:x=1|2, y")
        XCTAssertEqual(csl.entries, [DataSetEntry(key: "x", value: "1|2", location: csl.location),
                                     DataSetEntry(key: "y", value: nil, location: csl.location)])
        // IPv6 addresses put a colon before any comma; that is still a list.
        let (v6, _) = try load("::1, 127.0.0.1")
        XCTAssertEqual(v6.keys, ["::1", "127.0.0.1"])
        let (v6Only, _) = try load("fe80::1")
        XCTAssertEqual(v6Only.keys, ["fe80::1"])
    }

    func testFilesCommentsBlankLinesKeysAndValues() throws {
        let dir = try TempDirectory()
        let path = try dir.write("table", "# header comment\n\nalpha   one two  # trailing\r\n  beta\n#gamma\n\tdelta\tfour\n")
        for spec in [path, "file:\(path)"] {
            let (set, warnings) = try load(spec)
            XCTAssertTrue(warnings.isEmpty)
            XCTAssertEqual(set.source, .file(path: path))
            XCTAssertEqual(set.entries, [
                DataSetEntry(key: "alpha", value: "one two", location: ConfigLocation(file: path, line: 3)),
                DataSetEntry(key: "beta", value: nil, location: ConfigLocation(file: path, line: 4)),
                DataSetEntry(key: "delta", value: "four", location: ConfigLocation(file: path, line: 6)),
            ])
        }
    }

    func testRefileMatchesPatternsCaseInsensitivelyInFileOrder() throws {
        let dir = try TempDirectory()
        let path = try dir.write("patterns", "*@example.com first\nalice@* second\n*.Example.ORG third\n")
        let (set, _) = try load("refile:\(path)")
        XCTAssertTrue(set.isPatternFile)
        XCTAssertEqual(set.firstMatch("alice@example.com")?.value, "first")
        XCTAssertEqual(set.allMatches("ALICE@EXAMPLE.COM").map(\.value), ["first", "second"])
        XCTAssertEqual(set.firstMatch("alice@other.net")?.value, "second")
        XCTAssertEqual(set.firstMatch("mx.example.org")?.value, "third")
        XCTAssertNil(set.firstMatch("example.org"))
        XCTAssertNil(set.firstMatch("bob@example.com.evil"))
    }

    func testRelativePathsResolveAgainstBaseDirectory() throws {
        let dir = try TempDirectory()
        try dir.write("sub/hosts", "10.0.0.1\n")
        let (fileSet, none) = try load("file:sub/hosts", base: dir.path)
        XCTAssertEqual(fileSet.keys, ["10.0.0.1"])
        XCTAssertTrue(none.isEmpty)
        // "./x" is a file here (OpenDKIM would read any bare value not starting with "/" as a list): warned.
        let (dotted, warned) = try load("./sub/hosts", base: dir.path)
        XCTAssertEqual(dotted.keys, ["10.0.0.1"])
        XCTAssertEqual(warned.map(\.kind), [.openDKIMDifference])
        // So is a bare relative path naming an existing file; a CIDR range stays a list.
        let (bare, _) = try load("sub/hosts", base: dir.path)
        XCTAssertEqual(bare.source, .file(path: dir.path + "/sub/hosts"))
        let (cidr, _) = try load("10.0.0.0/8", base: dir.path)
        XCTAssertEqual(cidr.source, .list)
    }

    func testUnsupportedTypesAndMissingFilesAreErrorsAtTheOptionsLine() {
        for type in ["db", "dsn", "ldap", "ldaps", "lua", "memcache", "mdb", "erlang", "redis"] {
            let error = configError { _ = try load("\(type):/somewhere") }
            XCTAssertEqual(error?.description, "c.conf:7: Test: dataset type \"\(type)\" is not supported (use file:, refile: or an inline list)")
            XCTAssertEqual(error?.isUnsupportedDataSet, true)
        }
        XCTAssertEqual(configError { _ = try load("mysql:whatever") }?.description,
                       "c.conf:7: Test: unknown dataset type \"mysql\" (use file:, refile: or an inline list)")
        XCTAssertEqual(configError { _ = try load("/etc/opendkim/hosts.db") }?.description,
                       "c.conf:7: Test: \"/etc/opendkim/hosts.db\" names a Berkeley DB file (.db), which is not supported; use a flat file")
        XCTAssertEqual(configError { _ = try load("refile:/nonexistent/TrustedHosts") }?.description,
                       "c.conf:7: Test /nonexistent/TrustedHosts: No such file or directory")
        XCTAssertNotNil(configError { _ = try load("refile:/x", allowPatterns: false) })
    }

    func testGlobPattern() {
        XCTAssertTrue(GlobPattern("*").matches(""))
        XCTAssertTrue(GlobPattern("a*b*c").matches("aXXbYYc"))
        XCTAssertFalse(GlobPattern("a*b*c").matches("aXXbYY"))
        XCTAssertTrue(GlobPattern("*.example.com").matches("a.b.EXAMPLE.com"))
        XCTAssertFalse(GlobPattern("*.example.com").matches("example.com"))
        XCTAssertTrue(GlobPattern("1.2.3.4").matches("1.2.3.4"))
        XCTAssertFalse(GlobPattern("1.2.3.4").matches("1x2x3x4"), "dots are literal")
        XCTAssertFalse(GlobPattern("Key", caseSensitive: true).matches("key"))
    }
}
