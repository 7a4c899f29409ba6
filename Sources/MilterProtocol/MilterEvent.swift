/// What the filter is told about, once ``MilterStateMachine`` has checked the command against the state.
///
/// The payloads are those of ``MilterCommand``. Macros are not repeated here: read them from
/// ``MilterStateMachine/macros`` (a snapshot value) when the event is delivered.
public enum MilterEvent: Hashable, Sendable {
    /// A new SMTP client.
    case connect(hostname: String, address: MilterSocketAddress)
    /// HELO/EHLO. A HELO in the middle of a message comes after an ``abort``.
    case helo(String)
    /// MAIL FROM: a new message starts.
    case mailFrom([String])
    /// RCPT TO.
    case recipient([String])
    /// DATA.
    case data
    /// One header field, raw (see ``MilterCommand/header(name:value:)``).
    case header(name: [UInt8], value: [UInt8])
    /// End of the header block.
    case endOfHeaders
    /// One body chunk. A chunk that arrives inside `SMFIC_BODYEOB` is delivered as a `body` event just
    /// before ``endOfMessage``, as libmilter does.
    case body([UInt8])
    /// End of the message: time to add headers and give the final answer.
    case endOfMessage
    /// The message is abandoned: forget it. Sent for `SMFIC_ABORT` and also before a command that
    /// arrives out of order in the middle of a message (libmilter aborts there too).
    case abort
    /// `SMFIC_QUIT_NC`: the SMTP session ended but the MTA keeps the milter connection for another one.
    /// Forget the connection-level state; a ``connect`` follows. The negotiation stays.
    case newSession
    /// An SMTP command the MTA did not recognise.
    case unknown([UInt8])
}
