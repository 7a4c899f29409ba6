import MilterProtocol
import XCTest

final class MilterResponseParserTests: XCTestCase {
    func testByteByByteFeedingMatchesWholeFeeding() throws {
        let bytes = sampleResponses.encoded
        var parser = MilterResponseParser()
        var decoded: [MilterResponse] = []
        for byte in bytes {
            parser.feed(CollectionOfOne(byte))
            while let response = try parser.nextResponse() { decoded.append(response) }
        }
        XCTAssertEqual(decoded, sampleResponses)
        XCTAssertEqual(parser.bufferedByteCount, 0)
    }

    func testOversizedAndZeroLengthsAreRejected() {
        for header in [lengthPrefix(1 << 31), lengthPrefix(UInt32.max), lengthPrefix(0)] {
            var parser = MilterResponseParser(maximumFrameSize: 1000)
            parser.feed(header)
            XCTAssertEqual(parser.bufferedByteCount, 0)
            XCTAssertThrowsError(try parser.nextResponse())
        }
    }
}
