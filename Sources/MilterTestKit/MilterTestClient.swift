public import MilterProtocol
#if canImport(Glibc)
import Glibc
#endif

/// An MTA-side milter client that behaves like Postfix: negotiates, skips the steps the filter declined,
/// waits for replies only where no `NR_*` flag was agreed, sends header values the way Postfix does for the
/// negotiated options, and cuts bodies into chunks of at most 65535 bytes.
///
/// Blocking sockets keep it independent of the server's event loops; use one client per thread.
public final class MilterTestClient {
    public struct Negotiated: Sendable, Hashable {
        public var version: UInt32
        public var actions: MilterActions
        public var protocolOptions: MilterProtocolOptions
    }

    public enum ClientError: Error, CustomStringConvertible {
        case system(String)
        case closedByFilter
        case protocolError(String)
        public var description: String {
            switch self {
            case .system(let s): return s
            case .closedByFilter: return "the filter closed the connection"
            case .protocolError(let s): return s
            }
        }
    }

    private let fd: Int32
    private var parser = MilterResponseParser()
    public private(set) var negotiated: Negotiated?

    /// Connects to `host:port` (IPv4 or IPv6 literal).
    public init(host: String, port: Int) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw ClientError.system("cannot parse address \(host)")
        }
        defer { freeaddrinfo(result) }
        fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.system("socket: \(String(cString: strerror(errno)))") }
        guard Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw ClientError.system("connect to \(host):\(port): \(why)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Connects to a Unix-domain socket.
    public init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.system("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in unixPath.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw ClientError.system("connect to \(unixPath): \(why)")
        }
    }

    deinit { close(fd) }

    /// Sets a receive timeout so a test fails instead of hanging.
    public func setTimeout(seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    // MARK: raw I/O

    public func send(_ command: MilterCommand) throws {
        try sendRaw(command.encoded)
    }

    public func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ClientError.system("send: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// The next response; throws `closedByFilter` at end of stream.
    public func receive() throws -> MilterResponse {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            do {
                if let response = try parser.nextResponse() { return response }
            } catch {
                throw ClientError.protocolError("\(error)")
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ClientError.system("recv: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw ClientError.closedByFilter }
            buffer.withUnsafeBytes { parser.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Whether the peer has closed the connection (waits up to `seconds`).
    public func isClosedByPeer(waitingSeconds seconds: Int = 2) -> Bool {
        setTimeout(seconds: seconds)
        do { _ = try receive(); return false } catch ClientError.closedByFilter { return true } catch { return false }
    }

    /// Reads responses until a final one (accept, continue, reject, …); returns them all, final last.
    public func receiveUntilFinal() throws -> [MilterResponse] {
        var responses: [MilterResponse] = []
        while true {
            let response = try receive()
            responses.append(response)
            if response.isFinal { return responses }
        }
    }

    // MARK: Postfix-like conversation

    /// Postfix 3.x with `milter_protocol = 6` offers everything; with 2 it offers version 2 and the v2 sets.
    public static func postfixOffer(protocolVersion: UInt32) -> (actions: MilterActions, options: MilterProtocolOptions) {
        if protocolVersion >= 6 {
            return (MilterActions(rawValue: 0x1FF), MilterProtocolOptions(rawValue: 0x001F_FFFF))
        }
        return (MilterActions(rawValue: 0x3F), MilterProtocolOptions(rawValue: 0x7F))
    }

    /// Option negotiation.
    @discardableResult
    public func negotiate(version: UInt32 = 6, actions: MilterActions? = nil, protocolOptions: MilterProtocolOptions? = nil) throws -> Negotiated {
        let offer = Self.postfixOffer(protocolVersion: version)
        try send(.optionNegotiation(version: version, actions: actions ?? offer.actions, protocolOptions: protocolOptions ?? offer.options))
        let answer = try receive()
        guard case .optionNegotiation(let v, let a, let p, _) = answer else {
            throw ClientError.protocolError("expected an option negotiation answer")
        }
        let result = Negotiated(version: v, actions: a, protocolOptions: p)
        negotiated = result
        return result
    }

    private func expectsReply(_ noReply: MilterProtocolOptions) -> Bool {
        !(negotiated?.protocolOptions.contains(noReply) ?? false)
    }

    private func skipped(_ flag: MilterProtocolOptions) -> Bool {
        negotiated?.protocolOptions.contains(flag) ?? false
    }

    /// Sends a command of a step; returns the reply when one is due, nil otherwise (or when the step is skipped).
    @discardableResult
    public func step(_ command: MilterCommand, skipFlag: MilterProtocolOptions, noReplyFlag: MilterProtocolOptions,
                     macros: [MilterMacro] = [], stage: MilterCommandCode) throws -> MilterResponse? {
        if !macros.isEmpty { try send(.defineMacros(stage: stage, macros: macros)) }
        guard !skipped(skipFlag) else { return nil }
        try send(command)
        guard expectsReply(noReplyFlag) else { return nil }
        return try receive()
    }

    public func connect(hostname: String, address: MilterSocketAddress, macros: [MilterMacro] = []) throws -> MilterResponse? {
        try step(.connect(hostname: hostname, address: address), skipFlag: .noConnect, noReplyFlag: .noReplyConnect, macros: macros, stage: .connect)
    }

    public func helo(_ name: String, macros: [MilterMacro] = []) throws -> MilterResponse? {
        try step(.helo(name), skipFlag: .noHelo, noReplyFlag: .noReplyHelo, macros: macros, stage: .helo)
    }

    public func mailFrom(_ address: String, macros: [MilterMacro] = []) throws -> MilterResponse? {
        try step(.mailFrom([address]), skipFlag: .noMail, noReplyFlag: .noReplyMail, macros: macros, stage: .mail)
    }

    public func recipient(_ address: String, macros: [MilterMacro] = []) throws -> MilterResponse? {
        try step(.recipient([address]), skipFlag: .noRecipient, noReplyFlag: .noReplyRecipient, macros: macros, stage: .recipient)
    }

    /// Sends one header field given as it appears in the message (`Name: value`, folded lines joined by
    /// CRLF or LF). Like Postfix: folding arrives as LF, and without HDR_LEADSPC one space after the colon
    /// is removed.
    public func header(_ raw: String) throws -> MilterResponse? {
        let bytes = Array(raw.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { throw ClientError.protocolError("header without colon") }
        let name = Array(bytes[..<colon])
        var value: [UInt8] = []
        var index = colon + 1
        while index < bytes.count {
            if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1; continue }
            value.append(bytes[index])
            index += 1
        }
        if !skipped(.headerLeadingSpace), value.first == 0x20 { value.removeFirst() }
        return try step(.header(name: name, value: value), skipFlag: .noHeaders, noReplyFlag: .noReplyHeaders, stage: .header)
    }

    public func endOfHeaders(macros: [MilterMacro] = []) throws -> MilterResponse? {
        try step(.endOfHeaders, skipFlag: .noEndOfHeaders, noReplyFlag: .noReplyEndOfHeaders, macros: macros, stage: .endOfHeaders)
    }

    /// Sends the body in chunks of at most `chunkSize` bytes; stops early if the filter answers skip or a
    /// final decision other than continue. Returns that answer, or nil.
    public func body(_ bytes: [UInt8], chunkSize: Int = 65535) throws -> MilterResponse? {
        guard !skipped(.noBody) else { return nil }
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            try send(.body(Array(bytes[offset..<end])))
            offset = end
            if expectsReply(.noReplyBody) {
                let reply = try receive()
                if reply != .continue { return reply }
            }
        }
        return nil
    }

    /// End of message: returns the modifications and the final decision.
    public func endOfMessage(macros: [MilterMacro] = []) throws -> [MilterResponse] {
        if !macros.isEmpty { try send(.defineMacros(stage: .bodyEOB, macros: macros)) }
        try send(.endOfMessage([]))
        return try receiveUntilFinal()
    }

    public func abort() throws { try send(.abort) }
    public func quit() throws { try send(.quit) }
    public func quitNewConnection() throws { try send(.quitNewConnection) }
}
