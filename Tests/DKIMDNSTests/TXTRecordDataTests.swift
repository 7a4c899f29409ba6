import XCTest

@testable import DKIMDNS

final class TXTRecordDataTests: XCTestCase {
    func testJoinsCharacterStrings() {
        XCTAssertEqual(TXTRecordData.joinedStrings([3, 0x61, 0x62, 0x63]), Array("abc".utf8))
        XCTAssertEqual(TXTRecordData.joinedStrings([2, 0x61, 0x62, 1, 0x63]), Array("abc".utf8))
        XCTAssertEqual(TXTRecordData.joinedStrings([0]), [])
        XCTAssertEqual(TXTRecordData.joinedStrings([0, 1, 0x61, 0]), Array("a".utf8))
        let long = [UInt8](repeating: 0x41, count: 255)
        XCTAssertEqual(TXTRecordData.joinedStrings([255] + long + [255] + long), long + long)
    }

    func testRejectsMalformedRdata() {
        XCTAssertNil(TXTRecordData.joinedStrings([]))
        XCTAssertNil(TXTRecordData.joinedStrings([1]))
        XCTAssertNil(TXTRecordData.joinedStrings([4, 0x61, 0x62, 0x63]))
        XCTAssertNil(TXTRecordData.joinedStrings([1, 0x61, 2, 0x62]))
        XCTAssertNil(TXTRecordData.joinedStrings([255] + [UInt8](repeating: 0, count: 254)))
    }

    func testNeverReadsPastTheBuffer() {
        // Every prefix of a valid record, and random bytes, either parse or return nil.
        let valid: [UInt8] = [5, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 3, 0x61, 0x62, 0x63]
        for length in 0...valid.count {
            let prefix = Array(valid.prefix(length))
            let parsed = TXTRecordData.joinedStrings(prefix)
            XCTAssertEqual(parsed != nil, length == 6 || length == 10, "prefix \(length)")
        }
        var generator = SplitMix64(seed: 0xD1_C0DE)
        for _ in 0..<2_000 {
            let count = Int(generator.next() % 40)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next() % 48) }
            if let joined = TXTRecordData.joinedStrings(bytes) {
                XCTAssertLessThan(joined.count, bytes.count)
            }
        }
    }
}

/// A seeded generator so the random cases are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
