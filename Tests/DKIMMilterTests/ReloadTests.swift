import DKIM
import DKIMCrypto
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

/// `dkimctl serve` reloads its configuration on SIGHUP and SIGUSR1 without a restart.
final class ReloadTests: XCTestCase {
    func testSIGHUPAddsADomainKeepsInFlightMessagesAndSurvivesABrokenTable() async throws {
        let serve = try ServeProcess()
        let oldKey = try serve.writeKey("mail")
        try serve.write("KeyTable", "mail._domainkey.example.com example.com:mail:\(serve.path("mail.private"))\n")
        try serve.write("SigningTable", "*@example.com mail._domainkey.example.com\n")
        try serve.writeConfiguration(extra: ["PidFile \(serve.path("dkimctl.pid"))"])
        try serve.start()

        // example.org is not in the SigningTable: not signed.
        let client = try serve.client(version: 6)
        try client.open()
        XCTAssertNil(dkimSignature(try client.send(message(from: "example.org"))), serve.stderr)

        // A message in flight across the reload: MAIL (and its headers) before SIGHUP, the end after.
        // Protocol 2 replies at every step, so MAIL has been handled when SIGHUP is sent.
        let inFlight = try serve.client(version: 2)
        try inFlight.open()
        let inFlightMessage = message(from: "example.com", id: 2)
        _ = try inFlight.mailFrom("<john@example.com>", macros: [MilterMacro(name: "i", value: "INFLIGHT")])
        _ = try inFlight.recipient("<jane@example.net>")
        for line in inFlightMessage.headers { _ = try inFlight.header(line) }

        // The new configuration signs example.org with a new key, and example.com with another new selector.
        let orgKey = try serve.writeKey("org")
        let newComKey = try serve.writeKey("new")
        try serve.write("KeyTable", """
            new._domainkey.example.com example.com:new:\(serve.path("new.private"))
            org._domainkey.example.org example.org:org:\(serve.path("org.private"))

            """)
        try serve.write("SigningTable", "*@example.com new._domainkey.example.com\n*@example.org org._domainkey.example.org\n")
        serve.signal(SIGHUP)
        try serve.waitFor("reloaded") { serve.stderr.contains("reloaded configuration from \(serve.path("opendkim.conf"))") }
        XCTAssertTrue(serve.stderr.contains("changed: KeyTable +2/-1 lines, SigningTable +2/-1 lines; 2 key(s) added, 1 removed"),
                      serve.stderr)

        let resolver = StaticKeyResolver([
            "mail._domainkey.example.com": [ServeProcess.record(oldKey)],
            "new._domainkey.example.com": [ServeProcess.record(newComKey)],
            "org._domainkey.example.org": [ServeProcess.record(orgKey)],
        ])

        // The in-flight message ends with the configuration it started with: the old key, s=mail.
        _ = try inFlight.endOfHeaders()
        _ = try inFlight.body(Array(inFlightMessage.body.utf8))
        let inFlightResponses = try inFlight.endOfMessage()
        let inFlightSignature = try XCTUnwrap(dkimSignature(inFlightResponses), "\(inFlightResponses)\n\(serve.stderr)")
        XCTAssertTrue(inFlightSignature.contains("d=example.com; s=mail;"), inFlightSignature)
        let inFlightDelivered = inFlightMessage.delivered(applying: inFlightResponses, leadingSpace: false)
        let inFlightResults = try await verifyWithCore(inFlightDelivered, resolver: resolver)
        XCTAssertEqual(inFlightResults.map(\.result), [.pass], inFlightDelivered)

        // A new message: example.org is now signed, same process, same connection.
        let orgMessage = message(from: "example.org", id: 3)
        let orgResponses = try client.send(orgMessage)
        let orgSignature = try XCTUnwrap(dkimSignature(orgResponses), "\(orgResponses)\n\(serve.stderr)")
        XCTAssertTrue(orgSignature.contains("d=example.org; s=org;"), orgSignature)
        let orgResults = try await verifyWithCore(orgMessage.delivered(applying: orgResponses, leadingSpace: true), resolver: resolver)
        XCTAssertEqual(orgResults.map(\.result), [.pass])

        // A broken KeyTable line (no colons): the reload fails, one line names KeyTable:2, the old settings serve on.
        try serve.write("KeyTable", """
            org._domainkey.example.org example.org:org:\(serve.path("org.private"))
            broken._domainkey.example.net no-colons-here

            """)
        serve.signal(SIGUSR1)
        try serve.waitFor("reload failure") { serve.stderr.contains("reload failed") }
        let failureLines = serve.stderr.split(separator: "\n").filter { $0.contains("reload failed") }
        XCTAssertEqual(failureLines.count, 1, serve.stderr)
        XCTAssertTrue(failureLines.first?.contains("reload failed, keeping the running configuration: \(serve.path("KeyTable")):2") == true, serve.stderr)
        XCTAssertEqual(serve.stderr.split(separator: "\n").filter { $0.contains("\(serve.path("KeyTable")):2") }.count, 1)

        let again = message(from: "example.org", id: 4)
        let againResponses = try client.send(again)
        let againSignature = try XCTUnwrap(dkimSignature(againResponses), "\(againResponses)\n\(serve.stderr)")
        XCTAssertTrue(againSignature.contains("d=example.org; s=org;"), againSignature)
        let againResults = try await verifyWithCore(again.delivered(applying: againResponses, leadingSpace: true), resolver: resolver)
        XCTAssertEqual(againResults.map(\.result), [.pass])

        try client.quit()
        try inFlight.quit()
        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
    }

    func testReloadWarnsAboutOptionsThatNeedARestart() throws {
        let serve = try ServeProcess()
        _ = try serve.writeKey("mail")
        try serve.write("KeyTable", "mail._domainkey.example.com example.com:mail:\(serve.path("mail.private"))\n")
        try serve.write("SigningTable", "*@example.com mail._domainkey.example.com\n")
        try serve.writeConfiguration()
        try serve.start()
        try serve.writeConfiguration(extra: ["PidFile \(serve.path("other.pid"))", "UMask 077"])
        serve.signal(SIGHUP)
        try serve.waitFor("reloaded") { serve.stderr.contains("reloaded configuration") }
        try serve.waitFor("restart warning") { serve.stderr.contains("PidFile, UMask changed") }
        XCTAssertTrue(serve.stderr.contains("tables unchanged; 0 key(s) added, 0 removed"), serve.stderr)
        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
    }

    /// `dkimctl reload`: a broken configuration is reported on the terminal and nothing is sent; a good one
    /// reaches the daemon named by PidFile; a PidFile naming a dead process sends nothing.
    func testDkimctlReloadChecksFirstThenSignalsThePidFileProcess() throws {
        let serve = try ServeProcess()
        _ = try serve.writeKey("mail")
        try serve.write("KeyTable", "mail._domainkey.example.com example.com:mail:\(serve.path("mail.private"))\n")
        try serve.write("SigningTable", "*@example.com mail._domainkey.example.com\n")
        try serve.writeConfiguration(extra: ["PidFile \(serve.path("dkimctl.pid"))"])
        try serve.start()
        let config = serve.path("opendkim.conf")

        try serve.write("KeyTable", "mail._domainkey.example.com no-colons-here\n")
        let refused = try runDkimctl(["reload", "--config", config])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("error: \(serve.path("KeyTable")):1:"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("reload: not sent: 1 error(s)"), refused.stderr)

        try serve.write("KeyTable", "mail._domainkey.example.com example.com:mail:\(serve.path("mail.private"))\n")
        let sent = try runDkimctl(["reload", "--config", config])
        XCTAssertEqual(sent.status, 0, sent.stderr)
        XCTAssertEqual(sent.stdout, "reload: sent SIGHUP to process \(serve.pid); its log says what changed\n")
        try serve.waitFor("reloaded") { serve.stderr.contains("reloaded configuration") }
        XCTAssertFalse(serve.stderr.contains("reload failed"), "the refused reload never reached the daemon\n\(serve.stderr)")

        serve.signal(SIGTERM)
        XCTAssertEqual(try serve.waitForExit(), 0, serve.stderr)
        // A PidFile left behind, naming a process that is gone.
        try serve.write("dkimctl.pid", "\(serve.pid)\n")
        let stale = try runDkimctl(["reload", "--config", config])
        XCTAssertEqual(stale.status, 1, stale.stderr)
        XCTAssertTrue(stale.stderr.contains("process \(serve.pid) is not running (a stale PidFile?)"), stale.stderr)
    }

    private func runDkimctl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = ServeProcess.binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
