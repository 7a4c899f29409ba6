import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

/// UserID: bind first (a port below 1024), load the keys, then run as the configured user for good.
final class PrivilegeDropTests: XCTestCase {
    private let nobody: UInt32 = 65534

    func testBindsALowPortThenRunsAsTheUserSignsAndReloads() throws {
        guard getuid() == 0 else { throw XCTSkip("UserID switches users only when started as root") }
        guard getpwnam("nobody")?.pointee.pw_uid == nobody, getgrnam("nogroup")?.pointee.gr_gid == nobody else {
            throw XCTSkip("needs the Debian nobody:nogroup (65534)")
        }
        let serve = try ServeProcess(port: try ServeProcess.freePort(below1024: true))
        _ = try serve.writeKey("mail")
        // As a packaged install has it: the key belongs to the daemon's user, mode 0600; the run directory
        // (PidFile) is the user's too, so the file can be removed at exit.
        XCTAssertEqual(chown(serve.path("mail.private"), nobody, nobody), 0)
        XCTAssertEqual(chown(serve.directory.path, nobody, nobody), 0)
        try serve.write("KeyTable", "mail._domainkey.example.com example.com:mail:\(serve.path("mail.private"))\n")
        try serve.write("SigningTable", "*@example.com mail._domainkey.example.com\n")
        try serve.writeConfiguration(extra: ["UserID nobody:nogroup", "PidFile \(serve.path("dkimctl.pid"))"])
        try serve.start()
        try serve.waitFor("privileges dropped") { serve.stderr.contains("running as nobody:nogroup") }

        let status = try String(contentsOfFile: "/proc/\(serve.pid)/status", encoding: .utf8)
        let field = { (name: String) in
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().joined(separator: " ") }
        }
        XCTAssertEqual(field("Uid"), "65534 65534 65534 65534", status)
        XCTAssertEqual(field("Gid"), "65534 65534 65534 65534", status)
        XCTAssertEqual(field("Groups"), "65534", status)
        let pidFile = try String(contentsOfFile: serve.path("dkimctl.pid"), encoding: .utf8)
        XCTAssertEqual(pidFile, "\(serve.pid)\n")

        // Still serving on the low port, as nobody.
        let client = try serve.client(version: 6)
        try client.open()
        XCTAssertNotNil(dkimSignature(try client.send(message(from: "example.com"))), serve.stderr)

        // A reload reads the configuration and the key again, now as nobody.
        serve.signal(SIGHUP)
        try serve.waitFor("reload") { serve.stderr.contains("reloaded configuration") || serve.stderr.contains("reload failed") }
        XCTAssertTrue(serve.stderr.contains("reloaded configuration"), serve.stderr)
        XCTAssertNotNil(dkimSignature(try client.send(message(from: "example.com", id: 2))), serve.stderr)
        try client.quit()

        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: serve.path("dkimctl.pid")), serve.stderr)
    }

    /// `Socket local:…` with `UMask 007`: the socket belongs to the UserID user and group, so a process in
    /// that group (the MTA) can connect and anyone else cannot.
    func testALocalSocketBelongsToTheUserAndGroup() throws {
        guard getuid() == 0 else { throw XCTSkip("UserID switches users only when started as root") }
        guard getpwnam("nobody")?.pointee.pw_uid == nobody, getgrnam("nogroup")?.pointee.gr_gid == nobody,
              FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs the Debian nobody:nogroup (65534) and setpriv")
        }
        let serve = try ServeProcess()
        XCTAssertEqual(chown(serve.directory.path, nobody, nobody), 0)
        let socketPath = serve.path("milter.sock")
        try serve.write("opendkim.conf", """
            Syslog no
            Mode v
            UMask 007
            UserID nobody:nogroup
            Socket local:\(socketPath)

            """)
        try serve.start()
        try serve.waitFor("privileges dropped") { serve.stderr.contains("running as nobody:nogroup") }

        var info = stat()
        XCTAssertEqual(stat(socketPath, &info), 0)
        XCTAssertEqual(info.st_uid, nobody)
        XCTAssertEqual(info.st_gid, nobody)
        XCTAssertEqual(info.st_mode & 0o777, 0o770)
        XCTAssertEqual(try connectAs(uid: 4242, gid: nobody, to: socketPath), 0, "a member of the group connects")
        XCTAssertNotEqual(try connectAs(uid: 4242, gid: 4242, to: socketPath), 0, "others are refused")

        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: socketPath), "the socket is removed at exit")
    }

    /// Exit status of a connect to the Unix socket from a process running as uid:gid.
    private func connectAs(uid: UInt32, gid: UInt32, to path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "/usr/bin/perl", "-MSocket", "-e",
                             "socket(my $s, PF_UNIX, SOCK_STREAM, 0) or exit 2; connect($s, pack_sockaddr_un($ARGV[0])) or exit 1; exit 0",
                             path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func testAUserIDThatCannotBeAppliedStopsTheStart() throws {
        let serve = try ServeProcess()
        try serve.write("KeyTable", "")
        try serve.write("SigningTable", "")
        try serve.writeConfiguration(extra: ["UserID no-such-user-here"])
        try? serve.start()
        XCTAssertEqual(try serve.waitForExit(), 1, serve.stderr)
        XCTAssertTrue(serve.stderr.contains("UserID no-such-user-here: no such user no-such-user-here"), serve.stderr)
    }
}
