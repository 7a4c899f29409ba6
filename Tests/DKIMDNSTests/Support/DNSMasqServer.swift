import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real dnsmasq on a free loopback port, answering only from records given on its command line.
///
/// `--local=/example.com/example.net/` makes every other name in those domains NXDOMAIN without
/// forwarding anywhere; with `--no-resolv` there is no upstream at all, so the tests never leave the
/// machine. (Not `.test`: libunbound's default local zones answer RFC 6761 names such as `.test` and
/// `.invalid` with NXDOMAIN itself, without asking any server.)
///
/// Spawned with `posix_spawn` and reaped with `waitpid` rather than through Foundation's `Process`,
/// whose `waitUntilExit()`/`isRunning` depend on a run loop and hang when used from a Swift task.
final class DNSMasqServer {
    let port: UInt16
    private var pid: pid_t = 0
    private let logPath: String

    /// Starts dnsmasq with the `records` arguments (e.g. `--txt-record=...`) and waits until it answers.
    /// Skips the test when dnsmasq is not installed.
    init(records: [String]) throws {
        guard let executable = Self.findExecutable() else {
            throw XCTSkip("dnsmasq not found in PATH or /usr/sbin; install dnsmasq-base to run the DNS tests")
        }
        port = try LoopbackSockets.freePort()
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("dnsmasq-\(port)-\(UUID().uuidString).log").path
        let arguments = [
            executable, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=127.0.0.1", "--port=\(port)", "--local=/example.com/example.net/",
            "--pid-file=", "--conf-file=/dev/null", "--user=root", "--log-facility=-",
        ] + records
        try spawn(arguments)
        try waitUntilAnswering()
    }

    private func spawn(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The spawning thread may have signals blocked (the concurrency runtime's threads do), and a
        // child inherits that mask: without resetting it dnsmasq would never see SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard rc == 0 else { throw POSIXError(.init(rawValue: rc) ?? .EIO) }
    }

    private func waitUntilAnswering() throws {
        for attempt in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw XCTSkip("dnsmasq exited at startup (status \(status)): \(log)")
            }
            let probe = LoopbackSockets.query(id: UInt16(attempt), name: "probe.example.com")
            if LoopbackSockets.exchange(probe, port: port, timeoutMilliseconds: 100) != nil { return }
        }
        stop()
        XCTFail("dnsmasq on port \(port) did not answer within 10 s")
        throw CancellationError()
    }

    /// SIGTERM, then SIGKILL if it has not exited after 5 s; always reaps the child.
    func stop() {
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            var reaped = false
            for _ in 0..<500 {
                if waitpid(pid, &status, WNOHANG) == pid {
                    reaped = true
                    break
                }
                usleep(10_000)
            }
            if !reaped {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
            }
            pid = 0
        }
        unlink(logPath)
    }

    deinit { stop() }

    private static func findExecutable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/dnsmasq" } + ["/usr/sbin/dnsmasq", "/sbin/dnsmasq"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
