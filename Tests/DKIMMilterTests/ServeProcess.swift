import DKIM
import DKIMCrypto
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

/// A real `dkimctl serve` in a child process, on a configuration in a temporary directory and a free
/// loopback port, with its standard error collected for the tests to read.
final class ServeProcess: @unchecked Sendable {
    let directory: URL
    let port: Int
    let process = Process()
    private let stderrLock = NSLock()
    private var stderrData = Data()
    private let readerDone = DispatchSemaphore(value: 0)

    static var binary: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("dkimctl").path) {
            directory = Bundle.main.bundleURL
        }
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("dkimctl").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("dkimctl")
    }

    /// A fresh temporary directory and a free port; nothing runs yet.
    init(port: Int? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.port = try port ?? Self.freePort()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String, mode: Int = 0o644) throws {
        // Written in place (as an editor would): the reload reads whatever is there at the time.
        try text.write(toFile: path(name), atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
    }

    /// Writes opendkim.conf with the usual tables and `extra` lines.
    func writeConfiguration(extra: [String] = []) throws {
        try write("TrustedHosts", "127.0.0.1\nlocalhost\n")
        try write("opendkim.conf", ([
            "Syslog no",
            "Mode sv",
            "Canonicalization relaxed/relaxed",
            "KeyTable refile:\(path("KeyTable"))",
            "SigningTable refile:\(path("SigningTable"))",
            "InternalHosts refile:\(path("TrustedHosts"))",
            "AuthservID mx.example.net",
            "Socket inet:\(port)@127.0.0.1",
        ] + extra).joined(separator: "\n") + "\n")
    }

    /// Writes a new RSA key as `NAME.private` and returns it.
    func writeKey(_ name: String) throws -> PrivateKey {
        let key = try PrivateKey.generate(.rsa, bits: 2048)
        try write("\(name).private", try key.pemPKCS8(), mode: 0o600)
        return key
    }

    /// Starts the daemon and waits until it says it is listening.
    func start(environment extra: [String: String] = [:]) throws {
        process.executableURL = Self.binary
        process.arguments = ["serve", "--config", path("opendkim.conf")]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "WATCHDOG_USEC")
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = errPipe.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                stderrLock.lock()
                stderrData.append(chunk)
                stderrLock.unlock()
            }
            readerDone.signal()
        }.start()
        try waitFor("listening on") { self.stderr.contains("listening on") }
    }

    var stderr: String {
        stderrLock.lock()
        defer { stderrLock.unlock() }
        return String(decoding: stderrData, as: UTF8.self)
    }

    var pid: Int32 { process.processIdentifier }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Polls `condition` every 20 ms for up to `seconds`.
    func waitFor(_ what: String, seconds: Double = 20, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline, process.isRunning else {
                throw ServeTestError(description: "never happened: \(what) (running: \(process.isRunning))\n\(stderr)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Waits for the process to exit (up to `seconds`) and returns its status.
    func waitForExit(seconds: Double = 20) throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else {
                XCTFail("dkimctl serve did not exit within \(seconds) s\n\(stderr)")
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        _ = readerDone.wait(timeout: .now() + 5)
        return process.terminationStatus
    }

    func client(version: UInt32) throws -> MilterTestClient {
        let client = try MilterTestClient(host: "127.0.0.1", port: port)
        client.setTimeout(seconds: 20)
        try client.negotiate(version: version)
        return client
    }

    static func record(_ key: PrivateKey) -> String {
        "v=DKIM1; k=\(key.type.rawValue); p=" + Base64.encode(try! key.publicKey.dkimKeyData())
    }

    /// A free port on 127.0.0.1 chosen by the kernel, or with `below1024` (root only) one of 600...1000.
    static func freePort(below1024: Bool = false) throws -> Int {
        if below1024 {
            for port in (600...1000).shuffled() {
                if let found = try? bindOnce(port: port) { return found }
            }
            throw NSError(domain: "freePort", code: Int(EADDRINUSE))
        }
        return try bindOnce(port: 0)
    }

    private static func bindOnce(port: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return try bindLoopback(fd, port: port)
    }

    /// 127.0.0.1:`port`.
    static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// Binds `fd` to 127.0.0.1:`port` (0: a port the kernel picks) and returns the port.
    static func bindLoopback(_ fd: Int32, port: Int = 0) throws -> Int {
        var address = loopbackAddress(port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Bool in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ServeTestError(description: "bind to 127.0.0.1:\(port): errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ServeTestError: Error, CustomStringConvertible {
    let description: String
}

/// A message From an address in `domain`.
func message(from domain: String, id: Int = 1) -> TestMessage {
    var message = TestMessage.plain
    message.headers[0] = "From: Someone <x@\(domain)>"
    message.headers[4] = "Message-ID: <\(id)@\(domain)>"
    return message
}

func dkimSignature(_ responses: [MilterResponse]) -> String? {
    for case .insertHeader(_, "DKIM-Signature", let value) in responses { return value }
    for case .addHeader("DKIM-Signature", let value) in responses { return value }
    return nil
}
