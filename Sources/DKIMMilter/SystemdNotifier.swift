public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) without libsystemd: one datagram per state change to `$NOTIFY_SOCKET` (a path, or an
/// abstract-namespace name when it starts with `@`). Inert when the variable is unset. A notification that
/// cannot be sent is logged at debug and otherwise ignored: it never stops the daemon.
public struct SystemdNotifier: Sendable {
    /// Where to send; nil when not run by systemd with `Type=notify`.
    public let socketPath: String?
    /// How often to send `WATCHDOG=1` (half of `$WATCHDOG_USEC`); nil when no watchdog is configured
    /// for this process.
    public let watchdogInterval: Duration?
    private let logger: Logger

    public init(socketPath: String?, watchdogInterval: Duration?, logger: Logger) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
        self.watchdogInterval = watchdogInterval
        self.logger = logger
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` (the watchdog applies only when the PID is ours or unset).
    public static func fromEnvironment(logger: Logger) -> SystemdNotifier {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        var interval: Duration?
        if let text = env("WATCHDOG_USEC"), let usec = UInt64(text), usec > 0 {
            let forUs = env("WATCHDOG_PID").flatMap { Int32($0) }.map { $0 == getpid() } ?? true
            if forUs { interval = .microseconds(Int64(usec / 2)) }
        }
        return SystemdNotifier(socketPath: env("NOTIFY_SOCKET"), watchdogInterval: interval, logger: logger)
    }

    public var isEnabled: Bool { socketPath != nil }

    /// `READY=1` with `MAINPID=`: the socket is bound and mail can flow (also sent after a reload).
    public func ready() { send("READY=1\nMAINPID=\(getpid())\nSTATUS=serving") }

    /// `RELOADING=1` with the CLOCK_MONOTONIC timestamp systemd's `Type=notify-reload` asks for.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)\nSTATUS=reloading configuration")
    }

    public func stopping() { send("STOPPING=1\nSTATUS=draining connections") }

    public func watchdog() { send("WATCHDOG=1") }

    /// Sends one notification; returns whether it went out.
    @discardableResult
    public func send(_ state: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            logger.debug("systemd notify: socket: \(String(cString: strerror(errno)))")
            return false
        }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            logger.debug("systemd notify: NOTIFY_SOCKET is too long")
            return false
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        // Abstract names are exactly their bytes; a path carries its terminating NUL.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1)
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
                }
            }
        }
        guard sent == bytes.count else {
            logger.debug("systemd notify: sendto \(socketPath): \(String(cString: strerror(errno)))")
            return false
        }
        return true
    }
}
