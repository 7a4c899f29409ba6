import MilterProtocol
import XCTest

final class MilterFrameParserTests: XCTestCase {
    private let smallSequence: [MilterCommand] = [
        .optionNegotiation(version: 6, actions: .allKnown, protocolOptions: .allKnown),
        .defineMacros(stage: .connect, macros: [MilterMacro(name: "j", value: "mx")]),
        .connect(hostname: "h", address: .inet("192.0.2.1", port: 25)),
        .header(name: "Subject".bytes, value: " hi\n\tthere".bytes),
        .body(Array("a\r\n".utf8)),
        .endOfMessage([]),
        .quit,
    ]

    private func decodeAll(_ chunks: [[UInt8]], maximumFrameSize: Int = MilterFrameParser.defaultMaximumFrameSize) throws -> [MilterCommand] {
        var parser = MilterFrameParser(maximumFrameSize: maximumFrameSize)
        var commands: [MilterCommand] = []
        for chunk in chunks {
            chunk.withUnsafeBytes { parser.feed($0) }
            while let command = try parser.nextCommand() { commands.append(command) }
        }
        XCTAssertEqual(parser.bufferedByteCount, 0)
        return commands
    }

    func testByteByByteFeedingMatchesWholeFeeding() throws {
        let bytes = smallSequence.flatMap(\.encoded)
        XCTAssertEqual(try decodeAll([bytes]), smallSequence)
        XCTAssertEqual(try decodeAll(bytes.map { [$0] }), smallSequence)
    }

    func testSplittingAtEveryPosition() throws {
        let bytes = smallSequence.flatMap(\.encoded)
        for split in 0...bytes.count {
            XCTAssertEqual(try decodeAll([Array(bytes[..<split]), Array(bytes[split...])]), smallSequence, "split at \(split)")
        }
    }

    func testSplittingAtEveryPairOfPositions() throws {
        let bytes = Array(smallSequence.prefix(4)).flatMap(\.encoded)
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let chunks = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                XCTAssertEqual(try decodeAll(chunks), Array(smallSequence.prefix(4)), "splits at \(first), \(second)")
            }
        }
    }

    func testRandomChunkingOfEverySample() throws {
        var random = SeededGenerator(seed: 42)
        let bytes = sampleCommands.flatMap(\.encoded)
        for _ in 0..<50 {
            var chunks: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let size = Int.random(in: 0...40, using: &random)
                chunks.append(Array(bytes[index..<min(bytes.count, index + size)]))
                index += size
            }
            XCTAssertEqual(try decodeAll(chunks), sampleCommands)
        }
    }

    func testOversizedLengthsAreRejectedBeforeBuffering() {
        let maximum = 4096
        for length: UInt32 in [UInt32(maximum) + 1, 1 << 31, UInt32.max] {
            var parser = MilterFrameParser(maximumFrameSize: maximum)
            parser.feed(lengthPrefix(length))
            XCTAssertEqual(parser.bufferedByteCount, 0, "length \(length) must not stay buffered")
            XCTAssertThrowsError(try parser.nextCommand()) { error in
                XCTAssertEqual(error as? MilterProtocolError, .frameTooLarge(length: length, maximum: maximum))
                XCTAssertEqual((error as? MilterProtocolError)?.offset, 0)
            }
            // More input after the error is dropped, and the error sticks.
            parser.feed([UInt8](repeating: 0x42, count: 10_000))
            XCTAssertEqual(parser.bufferedByteCount, 0)
            XCTAssertThrowsError(try parser.nextCommand()) { error in
                XCTAssertEqual(error as? MilterProtocolError, .frameTooLarge(length: length, maximum: maximum))
            }
        }
    }

    func testDefaultMaximumRejectsTwoGigabytesWithoutBuffering() {
        var parser = MilterFrameParser()
        parser.feed(lengthPrefix(1 << 31) + [0x42, 1, 2, 3])
        XCTAssertEqual(parser.bufferedByteCount, 0)
        XCTAssertThrowsError(try parser.nextCommand())
    }

    func testOversizedLengthAfterValidFramesIsRejectedWithItsOffset() throws {
        var parser = MilterFrameParser(maximumFrameSize: 100)
        let good = MilterCommand.helo("x").encoded
        parser.feed(good + lengthPrefix(101))
        XCTAssertEqual(try parser.nextCommand(), .helo("x"))
        XCTAssertThrowsError(try parser.nextCommand()) { error in
            XCTAssertEqual((error as? MilterProtocolError)?.offset, good.count)
        }
        XCTAssertEqual(parser.bufferedByteCount, 0)
    }

    func testZeroLengthIsRejected() {
        var parser = MilterFrameParser()
        parser.feed([0, 0, 0, 0])
        XCTAssertEqual(parser.bufferedByteCount, 0)
        XCTAssertThrowsError(try parser.nextCommand()) { error in
            XCTAssertEqual(error as? MilterProtocolError, .zeroLength)
        }
    }

    func testFrameOfExactlyTheMaximumIsAccepted() throws {
        let maximum = 70_000
        let body = [UInt8](repeating: 0x61, count: maximum - 1)
        XCTAssertEqual(try decodeAll([MilterCommand.body(body).encoded], maximumFrameSize: maximum), [.body(body)])
        // A 1 MiB - 1 body chunk (SMFIP_MDS_1M) fits the default maximum.
        let big = [UInt8](repeating: 0x62, count: MilterConstants.maximumDataSize1M)
        XCTAssertEqual(try decodeAll([MilterCommand.body(big).encoded]), [.body(big)])
    }

    func testBufferHoldsAtMostOneFramePlusTheLatestInput() throws {
        var parser = MilterFrameParser()
        let chunk = [UInt8](repeating: 0x61, count: 65_535)
        let frames = (0..<20).flatMap { _ in MilterCommand.body(chunk).encoded }
        var largest = 0
        var count = 0
        var index = 0
        while index < frames.count {
            let piece = Array(frames[index..<min(frames.count, index + 10_000)])
            index += piece.count
            parser.feed(piece)
            largest = max(largest, parser.bufferedByteCount)
            while let command = try parser.nextCommand() {
                XCTAssertEqual(command, .body(chunk))
                count += 1
            }
            XCTAssertLessThan(parser.bufferedByteCount, 65_540)
        }
        XCTAssertEqual(count, 20)
        XCTAssertLessThanOrEqual(largest, 65_540 + 10_000)
    }

    func testTruncatedFrameWaitsForMore() throws {
        let bytes = MilterCommand.mailFrom(["<a@b>"]).encoded
        var parser = MilterFrameParser()
        parser.feed(bytes.dropLast())
        XCTAssertNil(try parser.nextCommand())
        XCTAssertEqual(parser.bufferedByteCount, bytes.count - 1)
        parser.feed(bytes.suffix(1))
        XCTAssertEqual(try parser.nextCommand(), .mailFrom(["<a@b>"]))
    }

    func testMalformedPayloadPoisonsTheParser() {
        var parser = MilterFrameParser()
        parser.feed(frame("L", cstrings("X")) + MilterCommand.quit.encoded)
        XCTAssertThrowsError(try parser.nextCommand())
        XCTAssertThrowsError(try parser.nextCommand())
    }
}
