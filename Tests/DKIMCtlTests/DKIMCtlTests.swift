import DKIM
import DKIMCrypto
import Foundation
import XCTest

final class DKIMCtlTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try DKIMCtlRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    let message = "From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: hello\n\nHi Bob,\n  see you.\n"

    func genkey(_ extra: [String] = [], selector: String = "sel") throws -> DKIMCtlRunner.Result {
        try DKIMCtlRunner.run(["genkey", "-d", "example.com", "-s", selector, "-D", directory.path] + extra)
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    func testGenkeyWritesKeyAndRecord() throws {
        let result = try genkey()
        XCTAssertEqual(result.status, 0, result.stderr)
        let keyPath = directory.appendingPathComponent("sel.private").path
        XCTAssertEqual(try mode(keyPath), 0o600)
        let txt = try String(contentsOf: directory.appendingPathComponent("sel.txt"), encoding: .utf8)
        XCTAssertEqual(result.text, txt, "genkey prints the record it writes")
        XCTAssertTrue(txt.hasPrefix("sel._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \""), txt)
        XCTAssertTrue(txt.hasSuffix(" )  ; ----- DKIM key sel for example.com\n"), txt)
        // Every character-string fits in 255 bytes, and the record's p= is the key's public half.
        let strings = txt.components(separatedBy: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        XCTAssertTrue(strings.allSatisfy { $0.utf8.count <= 255 })
        let record = try KeyRecord(parsing: strings.joined())
        let key = try PrivateKey(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: keyPath))))
        XCTAssertEqual(key.bits, 2048)
        XCTAssertEqual(try record.publicKey(), key.publicKey)
    }

    func testGenkeyEd25519AndFlags() throws {
        XCTAssertEqual(try genkey(["-a", "ed25519", "-r", "-t"]).status, 0)
        let txt = try String(contentsOf: directory.appendingPathComponent("sel.txt"), encoding: .utf8)
        XCTAssertTrue(txt.contains("\"v=DKIM1; k=ed25519; s=email; t=y; \""), txt)
        let strings = txt.components(separatedBy: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let record = try KeyRecord(parsing: strings.joined())
        XCTAssertEqual(record.publicKeyData.count, 32)
        XCTAssertTrue(record.testing)
        XCTAssertEqual(record.serviceTypes, ["email"])
    }

    func testGenkeyRefusesOverwriteAndShortKeys() throws {
        XCTAssertEqual(try genkey(["-b", "1024"]).status, 0)
        let again = try genkey(["-b", "1024"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists; use --force"), again.stderr)
        XCTAssertEqual(try genkey(["-b", "1024", "--force"]).status, 0)
        let short = try genkey(["-b", "512"], selector: "short")
        XCTAssertEqual(short.status, 2)
        XCTAssertTrue(short.stderr.contains("RFC 8301"), short.stderr)
    }

    func signAndVerify(_ input: String, extra: [String] = []) throws -> (signed: String, verify: DKIMCtlRunner.Result) {
        XCTAssertEqual(try genkey(["-b", "1024"]).status, 0)
        let key = directory.appendingPathComponent("sel.private").path
        let signed = try DKIMCtlRunner.run(["sign", "--domain", "example.com", "--selector", "sel", "--key", key] + extra,
                                           stdin: Data(input.utf8))
        XCTAssertEqual(signed.status, 0, signed.stderr)
        let verify = try DKIMCtlRunner.run(["verify", "--public-key", "sel._domainkey.example.com=" + directory.appendingPathComponent("sel.txt").path],
                                           stdin: signed.stdout)
        return (signed.text, verify)
    }

    func testSignKeepsLFAndMessageBytes() throws {
        let (signed, verify) = try signAndVerify(message)
        XCTAssertFalse(signed.contains("\r"), "LF in, LF out")
        XCTAssertTrue(signed.hasPrefix("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;\n\t"))
        XCTAssertTrue(signed.hasSuffix("\n" + message), "the message follows unchanged")
        XCTAssertEqual(verify.status, 0, verify.text + verify.stderr)
        XCTAssertTrue(verify.text.contains("d=example.com s=sel a=rsa-sha256 result=pass"), verify.text)
        XCTAssertTrue(verify.text.contains("Authentication-Results: "), verify.text)
    }

    func testSignKeepsCRLF() throws {
        let crlf = message.replacingOccurrences(of: "\n", with: "\r\n")
        let (signed, verify) = try signAndVerify(crlf, extra: ["--canonicalization", "simple/simple"])
        XCTAssertTrue(signed.hasSuffix("\r\n" + crlf))
        XCTAssertFalse(signed.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare LF in CRLF output")
        XCTAssertEqual(verify.status, 0, verify.text)
    }

    func testVerifyReportsFailureAndNoSignature() throws {
        let (signed, _) = try signAndVerify(message)
        let tampered = signed.replacingOccurrences(of: "see you", with: "see ya")
        let txt = "sel._domainkey.example.com=" + directory.appendingPathComponent("sel.txt").path
        let fail = try DKIMCtlRunner.run(["verify", "--public-key", txt], stdin: Data(tampered.utf8))
        XCTAssertEqual(fail.status, 1)
        XCTAssertTrue(fail.text.contains("result=fail reason=\"body hash did not verify\""), fail.text)
        let none = try DKIMCtlRunner.run(["verify", "--public-key", txt], stdin: Data(message.utf8))
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.text.contains("dkim=none"), none.text)
        let usage = try DKIMCtlRunner.run(["verify", "--bogus-flag"])
        XCTAssertEqual(usage.status, 2)
    }

    func testBadInputGetsOneClearLine() throws {
        XCTAssertEqual(try genkey(["-b", "1024"]).status, 0)
        let key = directory.appendingPathComponent("sel.private").path
        func sign(key: String, input: String) throws -> DKIMCtlRunner.Result {
            try DKIMCtlRunner.run(["sign", "--domain", "example.com", "--selector", "sel", "--key", key], stdin: Data(input.utf8))
        }
        let missing = try sign(key: directory.appendingPathComponent("nope.private").path, input: message)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("cannot read key file") && missing.stderr.contains("No such file"), missing.stderr)
        let notKey = directory.appendingPathComponent("sel.txt").path
        let notAKey = try sign(key: notKey, input: message)
        XCTAssertEqual(notAKey.status, 2)
        XCTAssertTrue(notAKey.stderr.contains("is not a usable private key"), notAKey.stderr)
        let empty = try sign(key: key, input: "")
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.stderr.contains("empty message"), empty.stderr)
        let noSeparator = try sign(key: key, input: "From: a@example.com\nSubject: x\n")
        XCTAssertEqual(noSeparator.status, 2)
        XCTAssertTrue(noSeparator.stderr.contains("no blank line"), noSeparator.stderr)
        for result in [missing, notAKey, empty, noSeparator] {
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
        }
        // A world-readable key signs, with the warning the daemon's RequireSafeKeys rule gives.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let open = try sign(key: key, input: message)
        XCTAssertEqual(open.status, 0)
        XCTAssertTrue(open.stderr.contains("is not safe: other users can read or write it (mode 0644); run chmod 600"), open.stderr)
    }

    func testLargeInputIsStreamedInBoundedMemory() throws {
        XCTAssertEqual(try genkey(["-a", "ed25519"]).status, 0)
        let input = directory.appendingPathComponent("big.eml")
        _ = FileManager.default.createFile(atPath: input.path, contents: nil)
        let handle = try FileHandle(forWritingTo: input)
        try handle.write(contentsOf: Data("From: a@example.com\nSubject: big\n\n".utf8))
        let line = Data((String(repeating: "0123456789 abcdefghij  ", count: 4) + "\n").utf8)
        let block = Data(repeating: 0, count: 0) + (0..<10_000).reduce(into: Data()) { data, _ in data.append(line) }
        for _ in 0..<(256 << 20) / block.count { try handle.write(contentsOf: block) }
        try handle.close()
        let output = directory.appendingPathComponent("big.signed")
        let result = try DKIMCtlRunner.run(["sign", "--domain", "example.com", "--selector", "sel",
                                            "--key", directory.appendingPathComponent("sel.private").path],
                                           stdinFile: input, stdoutFile: output)
        XCTAssertEqual(result.status, 0, result.stderr)
        var usage = rusage()
        getrusage(Int32(RUSAGE_CHILDREN.rawValue), &usage)
        let peakMB = usage.ru_maxrss / 1024
        XCTAssertLessThan(peakMB, 100, "peak RSS \(peakMB) MB for a 256 MB message")
        let inSize = try FileManager.default.attributesOfItem(atPath: input.path)[.size] as! NSNumber
        let outSize = try FileManager.default.attributesOfItem(atPath: output.path)[.size] as! NSNumber
        XCTAssertGreaterThan(outSize.intValue, inSize.intValue)
    }
}
