import Foundation
import XCTest

final class ServeCommandTests: XCTestCase {
    func testBrokenTableStopsTheStartWithFileAndLine() throws {
        let directory = try DKIMCtlRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyTable = directory.appendingPathComponent("KeyTable").path
        let signingTable = directory.appendingPathComponent("SigningTable").path
        try "# keys\nmail._domainkey.example.com example.com-without-selector\n".write(toFile: keyTable, atomically: true, encoding: .utf8)
        try "*@example.com mail._domainkey.example.com\n".write(toFile: signingTable, atomically: true, encoding: .utf8)
        let conf = directory.appendingPathComponent("opendkim.conf").path
        try """
        Socket inet:0@127.0.0.1
        SomeFutureOption yes
        KeyTable refile:\(keyTable)
        SigningTable refile:\(signingTable)

        """.write(toFile: conf, atomically: true, encoding: .utf8)
        let result = try DKIMCtlRunner.run(["serve", "--config", conf])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(keyTable):2"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one clear line: \(result.stderr)")
    }

    func testMissingConfigFile() throws {
        let result = try DKIMCtlRunner.run(["serve", "--config", "/nonexistent/opendkim.conf"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("/nonexistent/opendkim.conf"), result.stderr)
    }
}
