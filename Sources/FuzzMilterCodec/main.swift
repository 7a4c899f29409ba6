// libFuzzer target: raw bytes from the MTA -> MilterFrameParser -> MilterStateMachine.
//
// Declarations only: in a normal build this executable does nothing; in a fuzz build (scripts/fuzz/run.sh)
// libFuzzer supplies main and calls LLVMFuzzerTestOneInput. Checked properties, beyond "never traps":
// the commands decoded do not depend on how the stream is split into feeds, and every decoded command
// decodes to itself again after encode(into:).
import MilterProtocol

/// The negotiation `DKIMFilter.negotiation` (Sources/DKIMMilter/DKIMFilter.swift) asks for; repeated here so
/// that this target does not link SwiftNIO.
let configuration = MilterStateMachine.Configuration(
    actions: [.addHeaders, .changeHeaders],
    skippedSteps: [.noHelo, .noRecipient, .noData, .noUnknown],
    noReplySteps: MilterStateMachine.Configuration.alwaysContinueSteps.union([.noReplyEndOfHeaders, .noReplyBody]),
    headerLeadingSpace: true
)

/// Decodes `feeds` in order, draining after each; stops at the first error.
func decode(_ feeds: [ArraySlice<UInt8>]) -> (commands: [MilterCommand], error: MilterProtocolError?) {
    var parser = MilterFrameParser()
    var commands: [MilterCommand] = []
    for chunk in feeds {
        parser.feed(chunk)
        do {
            while let command = try parser.nextCommand() { commands.append(command) }
        } catch {
            return (commands, error)
        }
    }
    return (commands, nil)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = decode([bytes[...]])

    // The same stream in small feeds (1...16 bytes, from the last byte) must give the same commands.
    if let last = bytes.last {
        let step = Int(last % 16) + 1
        let pieces = stride(from: 0, to: bytes.count, by: step).map { bytes[$0..<min($0 + step, bytes.count)] }
        let split = decode(pieces)
        if split.commands != whole.commands || split.error != whole.error {
            fatalError("feeding in \(step)-byte pieces changed the result: \(split) vs \(whole)")
        }
    }

    for command in whole.commands {
        var encoded: [UInt8] = []
        command.encode(into: &encoded)
        let again = decode([encoded[...]])
        if again.commands != [command] || again.error != nil {
            fatalError("\(command) encodes to \(encoded), which decodes to \(again)")
        }
    }

    var machine = MilterStateMachine(configuration: configuration)
    for command in whole.commands {
        var action = machine.receive(command)
        if case .deliver(_, replyExpected: true) = action {
            action = machine.reply([.continue])
        }
        if case .close = action { break }
        _ = machine.macro("{auth_authen}")
        _ = machine.isInMessage
    }
    return 0
}
