import Foundation
import XCTest

final class ExplainCommandTests: XCTestCase {
    var fixture: SetupGuideFixture!

    override func setUpWithError() throws {
        fixture = try SetupGuideFixture()
    }

    override func tearDownWithError() throws {
        fixture?.remove()
    }

    func explain(_ arguments: [String]) throws -> DKIMCtlRunner.Result {
        try DKIMCtlRunner.run(["explain", "--config", fixture.conf] + arguments)
    }

    func lines(_ result: DKIMCtlRunner.Result) -> [String] {
        result.text.split(separator: "\n").map(String.init)
    }

    func testInternalClientIsSignedWithTheTableLinesThatDecided() throws {
        let result = try explain(["--client-ip", "127.0.0.1", "--from", "John <john@example.com>"])
        XCTAssertEqual(result.status, 0, result.text + result.stderr)
        let output = lines(result)
        XCTAssertEqual(output.first, "decision: sign", result.text)
        XCTAssertEqual(output.filter { $0.hasPrefix("key: ") },
                       ["key: d=example.com s=mail a=rsa-sha256 (KeyTable \(fixture.keyTable):1, SigningTable \(fixture.signingTable):1)"],
                       result.text)
        XCTAssertTrue(output.contains { $0.hasPrefix("why: InternalHosts \(fixture.trustedHosts):1 ") }, result.text)
        XCTAssertTrue(output.contains { $0.hasPrefix("why: SigningTable \(fixture.signingTable):1 ") }, result.text)
    }

    func testExternalClientIsVerifiedUnlessAuthenticated() throws {
        let external = try explain(["--client-ip", "203.0.113.5", "--from", "john@example.com"])
        XCTAssertEqual(external.status, 0, external.text + external.stderr)
        XCTAssertEqual(lines(external).first, "decision: verify", external.text)
        XCTAssertTrue(lines(external).contains { $0.hasPrefix("why: InternalHosts: ") && $0.contains("203.0.113.5") }, external.text)

        let authenticated = try explain(["--client-ip", "203.0.113.5", "--auth", "--from", "john@example.com"])
        XCTAssertEqual(authenticated.status, 0, authenticated.text + authenticated.stderr)
        XCTAssertEqual(lines(authenticated).first, "decision: sign", authenticated.text)
        XCTAssertTrue(lines(authenticated).contains { $0.hasPrefix("key: d=example.com s=mail ") }, authenticated.text)
        XCTAssertTrue(lines(authenticated).contains { $0.hasPrefix("why: client authenticated") }, authenticated.text)

        // The same through the macro the MTA sends.
        let macro = try explain(["--client-ip", "203.0.113.5", "--macro", "{auth_type}=LOGIN", "--from", "john@example.com"])
        XCTAssertEqual(lines(macro).first, "decision: sign", macro.text)
    }

    func testDomainWithoutKeyIsNotSigned() throws {
        let result = try explain(["--client-ip", "127.0.0.1", "--from", "Someone <someone@example.org>"])
        XCTAssertEqual(result.status, 0, result.text + result.stderr)
        XCTAssertNotEqual(lines(result).first, "decision: sign", result.text)
        XCTAssertTrue(lines(result).first?.hasPrefix("decision: ") == true, result.text)
        XCTAssertFalse(lines(result).contains { $0.hasPrefix("key: ") }, result.text)
        XCTAssertTrue(lines(result).contains { $0.hasPrefix("why: SigningTable ") && $0.contains("no entry") }, result.text)

        let noAddress = try explain(["--client-ip", "127.0.0.1", "--from", "undisclosed-recipients:;"])
        XCTAssertEqual(noAddress.status, 0, noAddress.text + noAddress.stderr)
        XCTAssertTrue(lines(noAddress).first?.hasPrefix("decision: skip (") == true, noAddress.text)
    }

    func testUsageAndConfigurationErrors() throws {
        let badIP = try explain(["--client-ip", "not-an-ip", "--from", "john@example.com"])
        XCTAssertEqual(badIP.status, 2, badIP.text + badIP.stderr)
        XCTAssertTrue(badIP.stderr.contains("not-an-ip"), badIP.stderr)

        XCTAssertEqual(try explain(["--from", "john@example.com"]).status, 2, "--client-ip is required")

        let missing = try DKIMCtlRunner.run(["explain", "--config", fixture.path("nonexistent.conf"),
                                             "--client-ip", "127.0.0.1", "--from", "john@example.com"])
        XCTAssertEqual(missing.status, 1, missing.text + missing.stderr)
        XCTAssertTrue(missing.stderr.contains("nonexistent.conf"), missing.stderr)

        let help = try DKIMCtlRunner.run(["explain", "--help"])
        XCTAssertTrue(help.text.contains("--client-ip") && help.text.contains("why:"), help.text)
    }
}
