@testable import DKIMConfig
import XCTest

final class HostListTests: XCTestCase {
    private func list(_ text: String, patterns: Bool = false, file: String = "/etc/opendkim/TrustedHosts")
        throws -> (HostList, [ConfigWarning]) {
        let set = DataSet.parseFile(text, path: file, patterns: patterns, location: ConfigLocation(file: "c.conf", line: 1))
        var warnings: [ConfigWarning] = []
        let hosts = try HostList.build(from: set, option: "InternalHosts", warnings: &warnings)
        return (hosts, warnings)
    }

    func testAddressesInAnyTextForm() throws {
        let (hosts, warnings) = try list("192.0.2.1\n2001:DB8:0:0::1\n[198.51.100.7]\n")
        XCTAssertTrue(warnings.isEmpty)
        XCTAssertTrue(hosts.contains(address: ip("192.0.2.1"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: ip("2001:db8::1"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: ip("2001:0db8:0000::0001"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: ip("198.51.100.7"), hostName: nil))
        XCTAssertFalse(hosts.contains(address: ip("192.0.2.2"), hostName: nil))
        XCTAssertFalse(hosts.contains(address: nil, hostName: nil))
        let match = hosts.match(address: ip("2001:db8::1"), hostName: nil)
        XCTAssertEqual(match?.entry.location, ConfigLocation(file: "/etc/opendkim/TrustedHosts", line: 2))
        XCTAssertEqual(match?.description, "/etc/opendkim/TrustedHosts:2 (2001:DB8:0:0::1) matches 2001:db8::1")
    }

    func testCIDRRangesIncludingIPv6() throws {
        let (hosts, warnings) = try list("10.0.0.0/8\n2001:db8::/32\n")
        XCTAssertTrue(warnings.isEmpty)
        XCTAssertTrue(hosts.contains(address: ip("10.200.3.4"), hostName: nil))
        XCTAssertFalse(hosts.contains(address: ip("11.0.0.1"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: ip("2001:db8:1::5"), hostName: nil))
        XCTAssertFalse(hosts.contains(address: ip("2001:db9::5"), hostName: nil))
    }

    func testIPv4MappedClientsMatchIPv4Entries() throws {
        let (hosts, _) = try list("127.0.0.1\n192.168.0.0/16\n::ffff:203.0.113.5\n")
        XCTAssertTrue(hosts.contains(address: ip("::ffff:127.0.0.1"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: ip("::ffff:192.168.44.1"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: ip("203.0.113.5"), hostName: nil), "a mapped entry matches the IPv4 client")
        XCTAssertFalse(hosts.contains(address: ip("::ffff:10.0.0.1"), hostName: nil))
    }

    func testCIDRWithHostBitsMatchesTheNetworkAndWarnsWithFileAndLine() throws {
        let (hosts, warnings) = try list("127.0.0.1\nlocalhost\n192.168.0.1/24\n")
        XCTAssertTrue(hosts.contains(address: ip("192.168.0.77"), hostName: nil))
        XCTAssertFalse(hosts.contains(address: ip("192.168.1.1"), hostName: nil))
        XCTAssertEqual(warnings.map(\.description), [
            "/etc/opendkim/TrustedHosts:3: warning: InternalHosts entry \"192.168.0.1/24\" has host bits set; matching 192.168.0.0/24 as evidently meant (OpenDKIM never matches a range written this way; write 192.168.0.0/24)",
        ])
    }

    func testHostNamesAndDomains() throws {
        let (hosts, warnings) = try list("localhost\nMail.Example.NET.\n.corp.example\n*.example.com\n")
        XCTAssertTrue(hosts.contains(address: nil, hostName: "LOCALHOST"))
        XCTAssertTrue(hosts.contains(address: nil, hostName: "mail.example.net"))
        XCTAssertTrue(hosts.contains(address: nil, hostName: "mail.example.net."))
        XCTAssertFalse(hosts.contains(address: nil, hostName: "smtp.example.net"))
        // ".domain" and "*.domain" mean the hosts below the domain, not the domain itself.
        XCTAssertTrue(hosts.contains(address: nil, hostName: "a.b.corp.example"))
        XCTAssertFalse(hosts.contains(address: nil, hostName: "corp.example"))
        XCTAssertTrue(hosts.contains(address: nil, hostName: "mx1.EXAMPLE.com"))
        XCTAssertFalse(hosts.contains(address: nil, hostName: "example.com"))
        XCTAssertFalse(hosts.contains(address: nil, hostName: "badexample.com"))
        // An MTA's "no name" form is not a host name.
        XCTAssertFalse(hosts.contains(address: nil, hostName: "[localhost]"))
        // "*.example.com" in a plain list never matches in OpenDKIM: warned, with its line.
        XCTAssertEqual(warnings.map(\.location.line), [4])
        XCTAssertTrue(warnings[0].message.contains("\".example.com\""), warnings[0].message)
    }

    func testNegationThePreciseEntryWinsAndAtEqualPrecisionTheExclusion() throws {
        let (hosts, _) = try list("192.168.1.0/24\n!192.168.1.5\n!10.0.0.0/8\n10.1.2.3\n!host.example.com\n.example.com\n!.bad.example.com\n")
        XCTAssertTrue(hosts.contains(address: ip("192.168.1.4"), hostName: nil))
        let excluded = hosts.match(address: ip("192.168.1.5"), hostName: nil)
        XCTAssertEqual(excluded?.isExclusion, true)
        XCTAssertEqual(excluded?.entry.location.line, 2)
        XCTAssertTrue(hosts.contains(address: ip("10.1.2.3"), hostName: nil), "more precise than !10.0.0.0/8")
        XCTAssertFalse(hosts.contains(address: ip("10.1.2.4"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: nil, hostName: "mx.example.com"))
        XCTAssertFalse(hosts.contains(address: nil, hostName: "host.example.com"))
        XCTAssertFalse(hosts.contains(address: nil, hostName: "a.bad.example.com"))

        let (same, _) = try list("10.0.0.0/8\n!10.0.0.0/8\n")
        XCTAssertFalse(same.contains(address: ip("10.9.9.9"), hostName: nil), "an exclusion beats an equal inclusion")

        // Name and address are judged separately, as in OpenDKIM: an excluded name with an included address is in.
        let (split, _) = try list("!host.example.com\n192.0.2.0/24\n")
        XCTAssertTrue(split.contains(address: ip("192.0.2.9"), hostName: "host.example.com"))
        XCTAssertFalse(split.contains(address: ip("198.51.100.1"), hostName: "host.example.com"))
        XCTAssertEqual(split.match(address: ip("198.51.100.1"), hostName: "host.example.com")?.isExclusion, true)
    }

    func testRefileListsMatchNamesAndAddressText() throws {
        let (hosts, warnings) = try list("127.0.0.1\nlocalhost\n192.168.0.1/24\n\n*.example.com\nmail*.example.org\n10.1.*\n", patterns: true)
        XCTAssertTrue(hosts.contains(address: ip("127.0.0.1"), hostName: "localhost"))
        XCTAssertTrue(hosts.contains(address: ip("203.0.113.1"), hostName: "localhost"))
        XCTAssertTrue(hosts.contains(address: ip("192.168.0.9"), hostName: nil))
        XCTAssertTrue(hosts.contains(address: ip("203.0.113.1"), hostName: "mx.example.com"))
        XCTAssertTrue(hosts.contains(address: nil, hostName: "mail2.example.org"))
        XCTAssertFalse(hosts.contains(address: nil, hostName: "smtp.example.org"))
        XCTAssertTrue(hosts.contains(address: ip("10.1.200.3"), hostName: nil))
        XCTAssertFalse(hosts.contains(address: ip("10.2.0.1"), hostName: nil))
        // The host-bits range (line 3) and the "*" line OpenDKIM's own "!" probe would match (line 5).
        XCTAssertEqual(warnings.map(\.location.line), [3, 5])
        XCTAssertTrue(warnings[1].message.contains("OUT"), warnings[1].message)
    }

    func testBadEntriesAreErrorsWithFileAndLine() {
        XCTAssertEqual(configError { _ = try list("127.0.0.1\n10.0.0.0/33\n") }?.description,
                       "/etc/opendkim/TrustedHosts:2: InternalHosts entry \"10.0.0.0/33\" is not a valid CIDR range (address/prefix-length)")
        XCTAssertEqual(configError { _ = try list("host name\nbad!host\n") }?.description,
                       "/etc/opendkim/TrustedHosts:2: InternalHosts entry \"bad!host\" is not an address, a range or a host name")
    }

    func testInlineListsInTheConfiguration() throws {
        let config = try DaemonConfiguration.parse("InternalHosts 127.0.0.1, ::1, 10.0.0.0/8\nPeerList 192.0.2.9\nExternalIgnoreList .partner.example")
        XCTAssertTrue(config.internalHosts.contains(address: ip("10.1.1.1"), hostName: nil))
        XCTAssertFalse(config.internalHosts.contains(address: ip("192.168.1.1"), hostName: nil))
        XCTAssertEqual(config.internalHosts.match(address: ip("::1"), hostName: nil)?.entry.location,
                       ConfigLocation(file: "(configuration)", line: 1))
        XCTAssertTrue(config.peerList.contains(address: ip("192.0.2.9"), hostName: nil))
        XCTAssertTrue(config.externalIgnoreList.contains(address: nil, hostName: "mx.partner.example"))
    }
}
