import DKIMConfig
import XCTest

final class IPAddressTests: XCTestCase {
    func testIPv4() {
        XCTAssertEqual(IPAddress("192.0.2.1")?.bytes, [192, 0, 2, 1])
        XCTAssertEqual(IPAddress("192.0.2.1")?.description, "192.0.2.1")
        XCTAssertEqual(IPAddress("[192.0.2.1]"), IPAddress("192.0.2.1"))
        for bad in ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.x", "", "1..2.3", "[1.2.3.4"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testIPv6TextFormsCompareAsBytes() {
        let forms = ["2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:DB8:0:0::1", "[IPv6:2001:db8::1]",
                     "[2001:db8::1]", "2001:db8::0.0.0.1"]
        let addresses = forms.map { IPAddress($0) }
        XCTAssertFalse(addresses.contains(nil))
        XCTAssertEqual(Set(addresses).count, 1)
        XCTAssertEqual(addresses[0]?.description, "2001:db8::1")
        XCTAssertEqual(IPAddress("::")?.description, "::")
        XCTAssertEqual(IPAddress("::1")?.bytes, Array(repeating: 0, count: 15) + [1])
        XCTAssertEqual(IPAddress("fe80::1%eth0"), IPAddress("fe80::1"))
        XCTAssertEqual(IPAddress("2001:db8:0:0:1:0:0:1")?.description, "2001:db8::1:0:0:1")
        XCTAssertEqual(IPAddress("2001:db8:0:1:1:1:1:1")?.description, "2001:db8:0:1:1:1:1:1")
        for bad in ["1::2::3", "12345::", ":::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::g", "1.2.3.4::", "::1.2.3"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testIPv4MappedAddresses() {
        let mapped = IPAddress("::ffff:192.0.2.1")!
        XCTAssertEqual(mapped.family, .v6)
        XCTAssertEqual(mapped.mappedIPv4, IPAddress("192.0.2.1"))
        XCTAssertEqual(mapped.unmapped, IPAddress("192.0.2.1"))
        XCTAssertEqual(mapped.description, "::ffff:192.0.2.1")
        XCTAssertEqual(IPAddress("::ffff:c000:201"), mapped)
        XCTAssertNil(IPAddress("::1")!.mappedIPv4)
    }

    func testNetworks() {
        let (network, hostBits) = IPNetwork.parse("192.168.0.1/24")!
        XCTAssertTrue(hostBits)
        XCTAssertEqual(network.description, "192.168.0.0/24")
        XCTAssertTrue(network.contains(IPAddress("192.168.0.200")!))
        XCTAssertFalse(network.contains(IPAddress("192.168.1.1")!))
        XCTAssertFalse(IPNetwork.parse("10.0.0.0/8")!.hadHostBits)
        XCTAssertTrue(IPNetwork("0.0.0.0/0")!.contains(IPAddress("203.0.113.9")!))
        XCTAssertTrue(IPNetwork("2001:db8::/32")!.contains(IPAddress("2001:db8:ffff::1")!))
        XCTAssertFalse(IPNetwork("2001:db8::/32")!.contains(IPAddress("2001:db9::1")!))
        XCTAssertFalse(IPNetwork("::/0")!.contains(IPAddress("192.0.2.1")!), "families must agree")
        XCTAssertEqual(IPNetwork("::ffff:10.0.0.0/104")?.unmapped, IPNetwork("10.0.0.0/8"))
        XCTAssertEqual(IPNetwork("2001:db8::1/127")?.description, "2001:db8::/127")
        for bad in ["10.0.0.0/33", "10.0.0.0/", "/8", "10.0.0.0/8/8", "::/129", "10.0.0.0/-1", "host/8"] {
            XCTAssertNil(IPNetwork(bad), bad)
        }
    }
}
