import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The setup guide's configuration in a temporary directory, with a key made by `dkimctl genkey -b 1024`.
struct SetupGuideFixture {
    let directory: URL
    var conf: String { path("opendkim.conf") }
    var trustedHosts: String { path("TrustedHosts") }
    var keyTable: String { path("KeyTable") }
    var signingTable: String { path("SigningTable") }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init(extraSigningTableLines: [String] = []) throws {
        directory = try DKIMCtlRunner.temporaryDirectory()
        try genkey(selector: "mail")
        try write("TrustedHosts", "127.0.0.1\nlocalhost\n192.168.0.1/24\n\n*.example.com\n")
        try write("KeyTable", "mail._domainkey.example.com example.com:mail:\(path("mail.private"))\n")
        try write("SigningTable", (["*@example.com mail._domainkey.example.com"] + extraSigningTableLines)
            .map { $0 + "\n" }.joined())
        try write("opendkim.conf", """
        AutoRestart             Yes
        AutoRestartRate         10/1h
        UMask                   002
        LogWhy                  yes
        Canonicalization        relaxed/simple
        ExternalIgnoreList      refile:\(trustedHosts)
        InternalHosts           refile:\(trustedHosts)
        KeyTable                refile:\(keyTable)
        SigningTable            refile:\(signingTable)
        Mode                    sv
        SignatureAlgorithm      rsa-sha256
        Socket                  inet:12301@localhost

        """)
    }

    func genkey(selector: String, domain: String = "example.com") throws {
        let result = try DKIMCtlRunner.run(["genkey", "-d", domain, "-s", selector, "-b", "1024", "-D", directory.path])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// The TXT record genkey wrote for `selector`, as its character-strings.
    func recordStrings(selector: String) throws -> [String] {
        let text = try String(contentsOfFile: path("\(selector).txt"), encoding: .utf8)
        return text.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

final class CheckCommandTests: XCTestCase {
    func lines(_ result: DKIMCtlRunner.Result, _ prefix: String) -> [Substring] {
        result.text.split(separator: "\n").filter { $0.hasPrefix(prefix) }
    }

    func testSetupGuideConfigurationPassesWithWarnings() throws {
        let fixture = try SetupGuideFixture()
        defer { fixture.remove() }
        let result = try DKIMCtlRunner.run(["check", "--config", fixture.conf])
        XCTAssertEqual(result.status, 0, result.text + result.stderr)
        let warnings = lines(result, "warning: ")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("warning: \(fixture.trustedHosts):3: ") && $0.contains("host bits") },
                      result.text)
        XCTAssertTrue(warnings.contains { $0.hasPrefix("warning: \(fixture.trustedHosts):5: ") }, "the * line in a refile: list: \(result.text)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("warning: \(fixture.keyTable):1: ") && $0.contains("1024 bits") },
                      result.text)
        XCTAssertTrue(lines(result, "error: ").isEmpty, result.text)
        XCTAssertEqual(result.text.split(separator: "\n").last.map(String.init),
                       "check: 0 error(s), \(warnings.count) warning(s)")
    }

    func testBadSigningTableLineIsAnErrorWithFileAndLine() throws {
        let fixture = try SetupGuideFixture(extraSigningTableLines: ["*@example.net"])
        defer { fixture.remove() }
        let result = try DKIMCtlRunner.run(["check", "--config", fixture.conf])
        XCTAssertEqual(result.status, 1, result.text + result.stderr)
        XCTAssertTrue(lines(result, "error: \(fixture.signingTable):2: ").count == 1, result.text)
        XCTAssertTrue(result.text.hasSuffix("check: 1 error(s), 0 warning(s)\n"), result.text)
    }

    func testSigningTableLineNamingAMissingKeyIsAnError() throws {
        let fixture = try SetupGuideFixture(extraSigningTableLines: ["*@example.net nosuchkey"])
        defer { fixture.remove() }
        let result = try DKIMCtlRunner.run(["check", "--config", fixture.conf])
        XCTAssertEqual(result.status, 1, result.text + result.stderr)
        XCTAssertTrue(lines(result, "error: \(fixture.signingTable):2: ").contains { $0.contains("nosuchkey") }, result.text)
    }

    func testWorldReadableKeyIsAnErrorUnderRequireSafeKeys() throws {
        let fixture = try SetupGuideFixture()
        defer { fixture.remove() }
        let key = fixture.path("mail.private")
        XCTAssertEqual(chmod(key, 0o644), 0)
        let result = try DKIMCtlRunner.run(["check", "--config", fixture.conf])
        XCTAssertEqual(result.status, 1, result.text + result.stderr)
        XCTAssertTrue(lines(result, "error: \(fixture.keyTable):1: ").contains { $0.contains(key) }, result.text)

        // With RequireSafeKeys off the same file is a warning only.
        try fixture.write("opendkim.conf", try String(contentsOfFile: fixture.conf, encoding: .utf8) + "RequireSafeKeys no\n")
        let relaxed = try DKIMCtlRunner.run(["check", "--config", fixture.conf])
        XCTAssertEqual(relaxed.status, 0, relaxed.text + relaxed.stderr)
        XCTAssertTrue(lines(relaxed, "warning: \(fixture.keyTable):1: ").contains { $0.contains(key) && $0.contains("not safe") },
                      relaxed.text)
    }

    func testKeyTableEntryNoSigningTableLineReachesIsAWarning() throws {
        let fixture = try SetupGuideFixture()
        defer { fixture.remove() }
        try fixture.write("KeyTable", """
        mail._domainkey.example.com example.com:mail:\(fixture.path("mail.private"))
        spare._domainkey.example.com example.com:spare:\(fixture.path("mail.private"))

        """)
        let result = try DKIMCtlRunner.run(["check", "--config", fixture.conf])
        XCTAssertEqual(result.status, 0, result.text + result.stderr)
        XCTAssertTrue(lines(result, "warning: \(fixture.keyTable):2: ").contains { $0.contains("not reached by any SigningTable line") },
                      result.text)
    }

    func testNonCanonicalIPv6AndFatalErrors() throws {
        let fixture = try SetupGuideFixture()
        defer { fixture.remove() }
        try fixture.write("TrustedHosts", "127.0.0.1\n2001:DB8:0:0::1\n")
        let result = try DKIMCtlRunner.run(["check", "--config", fixture.conf])
        XCTAssertEqual(result.status, 0, result.text + result.stderr)
        XCTAssertTrue(lines(result, "warning: \(fixture.trustedHosts):2: ").contains { $0.contains("2001:db8::1") }, result.text)

        let missing = try DKIMCtlRunner.run(["check", "--config", fixture.path("nonexistent.conf")])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.text.hasPrefix("error: \(fixture.path("nonexistent.conf")): "), missing.text)
        XCTAssertTrue(missing.text.hasSuffix("check: 1 error(s), 0 warning(s)\n"), missing.text)

        XCTAssertEqual(try DKIMCtlRunner.run(["check", "--bogus"]).status, 2)
        let help = try DKIMCtlRunner.run(["check", "--help"])
        XCTAssertTrue(help.text.contains("--dns"), help.text)
    }

    // MARK: - --dns against a real DNS server

    func testDNSComparesEveryPublishedKey() throws {
        let fixture = try SetupGuideFixture(extraSigningTableLines: ["*@mail.example.com other._domainkey.example.com"])
        defer { fixture.remove() }
        try fixture.write("KeyTable", """
        mail._domainkey.example.com example.com:mail:\(fixture.path("mail.private"))
        other._domainkey.example.com example.com:other:\(fixture.path("other.private"))

        """)
        try fixture.genkey(selector: "other")
        try fixture.genkey(selector: "wrong")
        func record(_ name: String, _ selector: String) throws -> String {
            "--txt-record=\(name)._domainkey.example.com," + (try fixture.recordStrings(selector: selector)).joined(separator: ",")
        }

        let wrong = try MiniDNSMasq(records: [try record("mail", "mail"), try record("other", "wrong")])
        defer { wrong.stop() }
        let bad = try DKIMCtlRunner.run(["check", "--config", fixture.conf, "--dns", "--nameserver", "127.0.0.1@\(wrong.port)"])
        XCTAssertEqual(bad.status, 1, bad.text + bad.stderr)
        let errors = lines(bad, "error: ")
        XCTAssertEqual(errors.count, 1, bad.text)
        XCTAssertTrue(errors.first?.hasPrefix("error: \(fixture.keyTable):2: selector other, domain example.com: ") == true, bad.text)
        XCTAssertTrue(errors.first?.contains("does not match") == true, bad.text)
        wrong.stop()

        let right = try MiniDNSMasq(records: [try record("mail", "mail"), try record("other", "other")])
        defer { right.stop() }
        let good = try DKIMCtlRunner.run(["check", "--config", fixture.conf, "--dns", "--nameserver", "127.0.0.1@\(right.port)"])
        XCTAssertEqual(good.status, 0, good.text + good.stderr)
        XCTAssertEqual(lines(good, "note: ").filter { $0.contains("matches the key") }.count, 2, good.text)
        right.stop()

        // A selector with no record at all.
        let partial = try MiniDNSMasq(records: [try record("mail", "mail")])
        defer { partial.stop() }
        let missing = try DKIMCtlRunner.run(["check", "--config", fixture.conf, "--dns", "--nameserver", "127.0.0.1@\(partial.port)"])
        XCTAssertEqual(missing.status, 1, missing.text + missing.stderr)
        XCTAssertTrue(lines(missing, "error: \(fixture.keyTable):2: selector other, domain example.com: no key record").count == 1,
                      missing.text)
    }
}

/// A dnsmasq on a free loopback port answering only from `--txt-record` arguments, nothing forwarded
/// (a small copy of DKIMDNSTests' launcher). Skips the test when dnsmasq is not installed.
final class MiniDNSMasq {
    let port: UInt16
    private var pid: pid_t = 0

    init(records: [String]) throws {
        let executable = "/usr/sbin/dnsmasq"
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw XCTSkip("dnsmasq is not installed") }
        let probe = try MiniDNSMasq.udpSocket()
        port = probe.port
        close(probe.fd)
        let arguments = [
            executable, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=127.0.0.1", "--port=\(port)", "--local=/example.com/", "--pid-file=",
            "--conf-file=/dev/null", "--user=root", "--log-facility=-",
        ] + records
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        guard rc == 0 else { throw POSIXError(.init(rawValue: rc) ?? .EIO) }
        for _ in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                throw XCTSkip("dnsmasq exited at startup (status \(status))")
            }
            if answers() { return }
        }
        stop()
        XCTFail("dnsmasq on port \(port) did not answer within 10 s")
        throw CancellationError()
    }

    /// SIGTERM, then SIGKILL after 5 s; reaps the child. Safe to call twice.
    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                return
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        pid = 0
    }

    deinit { stop() }

    /// Sends a TXT query for probe.example.com and waits 100 ms for any reply.
    private func answers() -> Bool {
        guard let (fd, _) = try? MiniDNSMasq.udpSocket() else { return false }
        defer { close(fd) }
        var query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in ["probe", "example", "com"] { query += [UInt8(label.utf8.count)] + Array(label.utf8) }
        query += [0, 0, 16, 0, 1]
        var address = MiniDNSMasq.loopback(port: port)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { usleep(100_000); return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 100) == 1 else { return false }
        var buffer = [UInt8](repeating: 0, count: 512)
        return recv(fd, &buffer, buffer.count, 0) > 0
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A UDP socket bound to 127.0.0.1 on a port the kernel picks.
    private static func udpSocket() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { close(fd); throw POSIXError(.EADDRINUSE) }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
