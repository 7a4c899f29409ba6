@testable import DKIMConfig
import DKIM
import DKIMCrypto
import Foundation
import XCTest

final class KeyLoaderTests: XCTestCase {
    /// A KeyTable + SigningTable set-up in `dir`, with `lines` as KeyTable lines and every key referenced.
    private func configuration(_ dir: TempDirectory, keyTable lines: [String], extra: String = "") throws -> DaemonConfiguration {
        let keyTable = try dir.write("KeyTable", lines.joined(separator: "\n") + "\n")
        let names = lines.filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ")[0] }
        let signingTable = try dir.write("SigningTable", names.map { "*@example.com \($0)" }.joined(separator: "\n") + "\n")
        return try DaemonConfiguration.parse("""
            KeyTable refile:\(keyTable)
            SigningTable refile:\(signingTable)
            MultipleSignatures yes
            \(extra)
            """, file: "c.conf")
    }

    func testLoadsRSAAndEd25519KeysOnce() throws {
        let dir = try TempDirectory()
        let rsaPath = try dir.writeKey("keys/rsa.private", TestKeys.rsa)
        let edPath = try dir.writeKey("keys/ed.private", TestKeys.ed25519)
        let config = try configuration(dir, keyTable: [
            "rsa example.com:rsa:\(rsaPath)", "ed example.com:ed:\(edPath)", "rsa-again example.org:r2:\(rsaPath)",
        ])
        let keys = try KeyLoader(safety: testSafety()).loadKeys(for: config)
        XCTAssertEqual(keys.names, ["ed", "rsa", "rsa-again"])
        XCTAssertEqual(keys["rsa"]?.privateKey.type, .rsa)
        XCTAssertEqual(keys["ed"]?.privateKey.type, .ed25519)
        XCTAssertEqual(keys["rsa"]?.privateKey.publicKey, TestKeys.rsa.publicKey)
        XCTAssertEqual(keys["rsa"]?.entry.location, ConfigLocation(file: dir.path + "/KeyTable", line: 1))
        XCTAssertTrue(keys.warnings.isEmpty)
    }

    func testEachUnusableKeyIsAnErrorNamingTheKeyTableLineAndPath() throws {
        let dir = try TempDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/keys/adir", withIntermediateDirectories: true)
        let empty = try dir.write("keys/empty.private", "\n", mode: 0o600)
        let garbage = try dir.write("keys/garbage.private", "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", mode: 0o600)
        let cases: [(String, String)] = [
            (dir.path + "/keys/missing.private", "the key file does not exist"),
            (dir.path + "/keys/adir", "the key file cannot be read: is a directory"),
            (empty, "the key file is empty"),
            (garbage, "the file holds no usable private key"),
        ]
        for (path, reason) in cases {
            let config = try configuration(dir, keyTable: ["# line 1", "bad example.com:mail:\(path)"])
            let error = configError { _ = try KeyLoader(safety: testSafety()).loadKeys(for: config) }
            XCTAssertEqual(error?.isKeyError, true)
            XCTAssertTrue(error?.description.hasPrefix("\(dir.path)/KeyTable:2: KeyTable key \"bad\" (\(path)): \(reason)") ?? false,
                          error?.description ?? "no error")
        }
    }

    func testUnsafePermissionsAreJudgedByModeBits() throws {
        let dir = try TempDirectory()
        let worldReadable = try dir.writeKey("keys/world.private", TestKeys.rsa, mode: 0o644)
        let config = try configuration(dir, keyTable: ["k example.com:mail:\(worldReadable)"])
        // Tests may run as root, for whom open() always succeeds: the mode bits decide.
        let error = configError { _ = try KeyLoader(safety: testSafety()).loadKeys(for: config) }
        XCTAssertEqual(error?.description,
                       "\(dir.path)/KeyTable:1: KeyTable key \"k\" (\(worldReadable)): key file is not safe: other users can read or write it (mode 0644); chmod 600 it (or set RequireSafeKeys no)")

        // Group-readable: fine when the group is private to the daemon's user, not otherwise.
        let groupReadable = try dir.writeKey("keys/group.private", TestKeys.rsa, mode: 0o640)
        let groupConfig = try configuration(dir, keyTable: ["k example.com:mail:\(groupReadable)"])
        XCTAssertNoThrow(try KeyLoader(safety: testSafety(groupIsPrivate: true)).loadKeys(for: groupConfig))
        let groupError = configError { _ = try KeyLoader(safety: testSafety(groupIsPrivate: false)).loadKeys(for: groupConfig) }
        XCTAssertTrue(groupError?.message.contains("has members besides the daemon's user and root (mode 0640)") ?? false,
                      groupError?.description ?? "")

        // With RequireSafeKeys off the key is used and the problem is a warning.
        let lenient = try configuration(dir, keyTable: ["k example.com:mail:\(worldReadable)"], extra: "RequireSafeKeys no")
        let keys = try KeyLoader(safety: testSafety()).loadKeys(for: lenient)
        XCTAssertEqual(keys.count, 1)
        XCTAssertEqual(keys.warnings.map(\.kind), [.unsafeKeyFile])
        XCTAssertEqual(keys.warnings.first?.location, ConfigLocation(file: dir.path + "/KeyTable", line: 1))
    }

    func testOwnershipRule() throws {
        let safety = testSafety(uid: 1234)
        XCTAssertNil(safety.problem(mode: 0o100600, ownerUID: 1234, groupID: 1234))
        XCTAssertNil(safety.problem(mode: 0o100600, ownerUID: 0, groupID: 0))
        XCTAssertEqual(safety.problem(mode: 0o100600, ownerUID: 4242, groupID: 0),
                       "it is owned by uid 4242, neither root nor the daemon's user daemon-user (uid 1234)")
        XCTAssertNotNil(safety.problem(mode: 0o100602, ownerUID: 1234, groupID: 0))
        XCTAssertNotNil(testSafety(uid: 1234, groupIsPrivate: false).problem(mode: 0o100620, ownerUID: 1234, groupID: 5))
    }

    func testAnUnreadableFileIsAnError() throws {
        guard geteuid() != 0 else { throw XCTSkip("root reads every file; the mode-bit checks cover root") }
        let dir = try TempDirectory()
        let locked = try dir.writeKey("keys/locked.private", TestKeys.rsa, mode: 0o000)
        let config = try configuration(dir, keyTable: ["k example.com:mail:\(locked)"])
        let error = configError { _ = try KeyLoader(safety: testSafety(uid: UInt32(geteuid()))).loadKeys(for: config) }
        XCTAssertTrue(error?.message.contains("permission denied") ?? false, error?.description ?? "")
    }

    func testKeysBelowMinimumKeyBitsAreRefused() throws {
        let dir = try TempDirectory()
        let path = try dir.writeKey("keys/rsa.private", TestKeys.rsa)
        let config = try configuration(dir, keyTable: ["k example.com:mail:\(path)"], extra: "MinimumKeyBits 2048")
        let error = configError { _ = try KeyLoader(safety: testSafety()).loadKeys(for: config) }
        XCTAssertEqual(error?.message, "KeyTable key \"k\" (\(path)): the RSA key has 1024 bits, below MinimumKeyBits 2048")
        // Ed25519 keys have a fixed size and are not measured against it.
        let edPath = try dir.writeKey("keys/ed.private", TestKeys.ed25519)
        let edConfig = try configuration(dir, keyTable: ["k example.com:mail:\(edPath)"], extra: "MinimumKeyBits 2048")
        XCTAssertEqual(try KeyLoader(safety: testSafety()).loadKeys(for: edConfig).count, 1)
    }

    func testABrokenKeyNoSigningTableLineReachesIsOnlyAWarning() throws {
        let dir = try TempDirectory()
        let good = try dir.writeKey("keys/good.private", TestKeys.rsa)
        let keyTable = try dir.write("KeyTable", "good example.com:mail:\(good)\nunused example.com:old:\(dir.path)/keys/gone.private\n")
        let signingTable = try dir.write("SigningTable", "*@example.com good\n")
        let config = try DaemonConfiguration.parse("KeyTable refile:\(keyTable)\nSigningTable refile:\(signingTable)")
        let keys = try KeyLoader(safety: testSafety()).loadKeys(for: config)
        XCTAssertEqual(keys.names, ["good"])
        XCTAssertEqual(keys.warnings.map(\.location.line), [2])
    }

    func testVerifyOnlyConfigurationsLoadNoKeysAndKeyFileSetUpsLoadOne() throws {
        let dir = try TempDirectory()
        let path = try dir.writeKey("example.private", TestKeys.rsa)
        let verifier = try DaemonConfiguration.parse("Mode v\nDomain example.com\nSelector s\nKeyFile \(path)")
        XCTAssertEqual(try KeyLoader(safety: testSafety()).loadKeys(for: verifier).count, 0)
        let single = try DaemonConfiguration.parse("Domain example.com\nSelector s2024\nKeyFile \(path)", file: "c")
        let keys = try KeyLoader(safety: testSafety()).loadKeys(for: single)
        XCTAssertEqual(keys[LoadedKeys.keyFileName]?.entry.selector, Selector("s2024"))
        XCTAssertEqual(keys[LoadedKeys.keyFileName]?.entry.location, ConfigLocation(file: "c", line: 3))
        let missing = try DaemonConfiguration.parse("Domain example.com\nSelector s\nKeyFile \(dir.path)/none", file: "c")
        XCTAssertEqual(configError { _ = try KeyLoader(safety: testSafety()).loadKeys(for: missing) }?.description,
                       "c:3: KeyFile \(dir.path)/none: the key file does not exist")
    }
}
