extension MilterStateMachine {
    /// What the caller must do after handing the machine a command or a reply. Each call yields exactly
    /// one action.
    public enum Action: Hashable, Sendable {
        /// Write these responses to the MTA.
        case send([MilterResponse])
        /// Hand these events to the filter, in order. Usually one; two when libmilter would make two
        /// callbacks for one packet: an implicit ``MilterEvent/abort`` before an out-of-order command in the
        /// middle of a message, ``MilterEvent/abort`` before ``MilterEvent/newSession``, or a
        /// ``MilterEvent/body(_:)`` for data carried by `SMFIC_BODYEOB` before
        /// ``MilterEvent/endOfMessage``. When `replyExpected` is true the MTA waits: answer the last
        /// event through ``MilterStateMachine/reply(_:)`` before feeding the next command.
        case deliver([MilterEvent], replyExpected: Bool)
        /// Close the connection. The filter should drop whatever message it held.
        case close(reason: CloseReason)
        /// Nothing to do (macros stored, a stray command libmilter ignores too, a reply the MTA does not
        /// expect).
        case ignore
    }

    /// Why the machine wants the connection closed.
    public enum CloseReason: Hashable, Sendable, CustomStringConvertible {
        /// The MTA sent `SMFIC_QUIT`: a normal end.
        case quit
        /// The MTA (or the filter's reply) broke the protocol.
        case protocolError(MilterProtocolError)

        public var description: String {
            switch self {
            case .quit: return "MTA sent QUIT"
            case .protocolError(let error): return error.description
            }
        }
    }
}
