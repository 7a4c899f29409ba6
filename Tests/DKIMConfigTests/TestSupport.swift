@testable import DKIMConfig
import DKIM
import DKIMCrypto
import Foundation
import XCTest

/// A scratch directory for one test, removed when the test is done.
final class TempDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/dkimconfig-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` at `name` (below the directory, creating parents) and sets `mode`; returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let full = path + "/" + name
        let parent = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        XCTAssertEqual(chmod(full, mode_t(mode)), 0)
        return full
    }

    /// Writes a private key as PKCS#8 PEM with mode 0600 (what `opendkim-genkey` + `chmod 600` leave).
    @discardableResult
    func writeKey(_ name: String, _ key: PrivateKey, mode: Int = 0o600) throws -> String {
        try write(name, try key.pemPKCS8(), mode: mode)
    }
}

/// Keys generated once per test run.
enum TestKeys {
    static let rsa: PrivateKey = try! PrivateKey.generate(.rsa, bits: 1024)
    static let rsa2: PrivateKey = try! PrivateKey.generate(.rsa, bits: 1024)
    static let ed25519: PrivateKey = try! PrivateKey.generate(.ed25519)
}

/// A key-safety rule that does not consult the system's user database: the daemon runs as root, and group
/// privacy is whatever the test says.
func testSafety(uid: UInt32 = UInt32(geteuid()), groupIsPrivate: Bool = true) -> KeyFileSafety {
    KeyFileSafety(uid: uid, userName: uid == 0 ? "root" : "daemon-user") { _ in groupIsPrivate }
}

/// Runs `body` and returns the ConfigError it threw, failing the test if it threw none or another error.
func configError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
    do {
        try body()
        XCTFail("expected a ConfigError", file: file, line: line)
    } catch let error as ConfigError {
        return error
    } catch {
        XCTFail("expected a ConfigError, got \(error)", file: file, line: line)
    }
    return nil
}

/// An address the test knows to be valid.
func ip(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> IPAddress {
    guard let address = IPAddress(text) else {
        XCTFail("not an address: \(text)", file: file, line: line)
        return IPAddress("0.0.0.0")!
    }
    return address
}
