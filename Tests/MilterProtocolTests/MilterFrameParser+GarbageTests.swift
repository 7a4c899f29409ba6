import MilterProtocol
import XCTest

/// Random input must never trap the parsers or the state machine; it may only produce values or errors.
final class MilterFrameParserGarbageTests: XCTestCase {
    /// Pure noise in random chunk sizes.
    func testRandomBytesNeverTrap() {
        var random = SeededGenerator(seed: 0x5EED)
        for round in 0..<3_000 {
            let maximum = round % 2 == 0 ? 256 : MilterFrameParser.defaultMaximumFrameSize
            var commands = MilterFrameParser(maximumFrameSize: maximum)
            var responses = MilterResponseParser(maximumFrameSize: maximum)
            var machine = MilterStateMachine(configuration: .init(actions: [.addHeaders]))
            let input = random.bytes(Int.random(in: 0...300, using: &random))
            var index = 0
            while index < input.count {
                let size = Int.random(in: 1...64, using: &random)
                let chunk = Array(input[index..<min(input.count, index + size)])
                index += size
                commands.feed(chunk)
                responses.feed(chunk)
                while let command = try? commands.nextCommand() { _ = machine.receive(command) }
                while (try? responses.nextResponse()) != nil {}
                XCTAssertLessThanOrEqual(commands.bufferedByteCount, input.count)
            }
        }
    }

    /// Frames with valid lengths and command bytes but random payloads, so that decoding runs deep.
    func testRandomPayloadsBehindValidHeadersNeverTrap() {
        var random = SeededGenerator(seed: 7)
        let commandCodes = MilterCommandCode.allCases.map(\.rawValue)
        let responseCodes = MilterResponseCode.allCases.map(\.rawValue) + [0x4F]
        // Payloads built from interesting bytes: NULs, family letters, command letters.
        let alphabet: [UInt8] = [0, 0, 0, 0x34, 0x36, 0x4C, 0x55, 0x43, 0x4D, 0x7B, 0x7D, 0x61, 0xFF, 0x0A]
        for _ in 0..<20_000 {
            let payload = (0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            var commands = MilterFrameParser()
            commands.feed(frame(commandCodes.randomElement(using: &random)!, payload))
            var machine = MilterStateMachine(configuration: .init(actions: .allKnown))
            _ = machine.receive(.optionNegotiation(version: 6, actions: .allKnown, protocolOptions: .allKnown))
            if let command = try? commands.nextCommand() {
                _ = machine.receive(command)
                _ = machine.reply([.continue])
            }
            var responses = MilterResponseParser()
            responses.feed(frame(responseCodes.randomElement(using: &random)!, payload))
            _ = try? responses.nextResponse()
        }
    }

    /// Random but well-formed command sequences never trap the state machine, and every reply it asks
    /// for is one it then accepts.
    func testRandomCommandSequencesNeverTrapTheStateMachine() {
        var random = SeededGenerator(seed: 99)
        let offers: [MilterCommand] = [
            .optionNegotiation(version: 2, actions: MilterActions(rawValue: 0x1FF), protocolOptions: .version2),
            .optionNegotiation(version: 6, actions: .allKnown, protocolOptions: .allKnown),
        ]
        for _ in 0..<5_000 {
            var machine = MilterStateMachine(configuration: .init(actions: [.addHeaders], skippedSteps: [.noHelo, .noData]))
            _ = machine.receive(offers.randomElement(using: &random)!)
            for _ in 0..<Int.random(in: 1...30, using: &random) {
                let action = machine.receive(sampleCommands.randomElement(using: &random)!)
                if case .deliver(let events, true) = action {
                    let answer: [MilterResponse] = events.last == .endOfMessage ? [.insertHeader(index: 0, name: "X", value: "y"), .continue] : [.continue]
                    XCTAssertEqual(machine.reply(answer), .send(answer))
                }
                if case .close = action { XCTAssertTrue(machine.isClosed); break }
            }
        }
    }
}
