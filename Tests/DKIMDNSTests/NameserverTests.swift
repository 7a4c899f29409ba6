import XCTest

@testable import DKIMDNS

final class NameserverTests: XCTestCase {
    func testParsesHostWithAndWithoutPort() throws {
        let plain = try Nameserver(parsing: "192.0.2.1")
        XCTAssertEqual(plain.host, "192.0.2.1")
        XCTAssertEqual(plain.port, 53)
        XCTAssertFalse(plain.isIPv6)
        XCTAssertEqual(plain.description, "192.0.2.1@53")

        let withPort = try Nameserver(parsing: "127.0.0.1@5353")
        XCTAssertEqual(withPort, try Nameserver(host: "127.0.0.1", port: 5353))

        let v6 = try Nameserver(parsing: " ::1@5353 ")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 5353)
        XCTAssertTrue(v6.isIPv6)

        XCTAssertEqual(try Nameserver(parsing: "2001:DB8:0::0001").host, "2001:db8::1")
        XCTAssertEqual(try Nameserver(parsing: "10.0.0.1@65535").port, 65535)
    }

    func testRejectsBadInput() {
        let bad = [
            "", "   ", "localhost", "dns.example.com", "1.2.3.4@", "1.2.3.4@0", "1.2.3.4@65536", "1.2.3.4@53x",
            "1.2.3.4@-1", "1.2.3.256", "1.2.3", "::1@53@53", "[::1]:53", "1.2.3.4:53", "fe80::1%eth0", "1.2.3.4@+53",
        ]
        for text in bad {
            XCTAssertThrowsError(try Nameserver(parsing: text), "'\(text)'") { error in
                XCTAssertEqual(error as? DNSConfigurationError, .invalidNameserver(""))
                XCTAssertTrue("\(error)".hasPrefix("invalid nameserver: "), "\(error)")
            }
        }
    }

    func testParsesOpenDKIMNameserversList() throws {
        let list = try Nameserver.parseList("127.0.0.1, ::1@5353,192.0.2.53@53")
        XCTAssertEqual(list.map(\.description), ["127.0.0.1@53", "::1@5353", "192.0.2.53@53"])
        XCTAssertEqual(try Nameserver.parseList("10.1.1.1").count, 1)
    }

    func testRejectsBadLists() {
        for value in ["", "127.0.0.1,", "127.0.0.1,,::1", "127.0.0.1, nameserver.example"] {
            XCTAssertThrowsError(try Nameserver.parseList(value), "'\(value)'")
        }
    }
}
