public import Logging
public import MilterProtocol

/// What the server plugs in: the negotiation wishes and one session per connection. The server knows nothing
/// of what the filter does with the mail.
public protocol MilterFilter: Sendable {
    /// Actions, skipped steps and macros to negotiate with the MTA.
    var negotiation: MilterStateMachine.Configuration { get }
    /// Called once per accepted connection, on that connection's event loop.
    func makeSession(_ connection: MilterConnectionInfo) -> any MilterSession
}

/// Facts about one MTA connection.
public struct MilterConnectionInfo: Sendable {
    /// The MTA's address on our socket (not the SMTP client's: that arrives with the connect event).
    public var peer: String
    /// A short id for log lines.
    public var id: UInt64
    public var logger: Logger
}

/// What the filter sees with each event.
public struct MilterEventContext {
    /// The negotiated protocol (header leading space, available actions).
    public let negotiated: MilterStateMachine.Negotiated
    /// Every macro the MTA has sent so far for this connection and message, as libmilter keeps them.
    public let macros: MilterMacros

    /// A macro by name, with or without braces (`{auth_type}`, `j`, `i`).
    public func macro(_ name: String) -> String? { macros.value(name) }
}

/// The filter's answer to an event: now, or after asynchronous work (signing, DNS) that must not run on the
/// event loop. The server keeps the connection's other traffic waiting until the answer is in.
public enum MilterReply: Sendable {
    case now([MilterResponse])
    case later(@Sendable () async -> [MilterResponse])

    public static let `continue` = MilterReply.now([.continue])
}

/// Per-connection filter state. Called on the connection's event loop, one event at a time, never
/// concurrently; `later` work runs elsewhere and must not touch the session's mutable state.
public protocol MilterSession: AnyObject {
    /// Handles one event. The reply is sent only when the MTA expects one (the server knows from the
    /// negotiation); otherwise it is dropped.
    func handle(_ event: MilterEvent, context: MilterEventContext) -> MilterReply
    /// The connection is gone (closed by either side, or after a protocol error): drop any message state.
    func connectionClosed()
}
