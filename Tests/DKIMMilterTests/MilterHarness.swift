import DKIM
import DKIMConfig
import DKIMCrypto
import DKIMMilter
import Foundation
import Logging
import MilterProtocol
import MilterServer
import MilterTestKit
import NIOCore
import ServiceLifecycle
import XCTest

/// An OpenDKIM-style configuration in a temporary directory, the milter serving it on a free loopback
/// port, and helpers to rebuild the message the MTA would deliver from the modifications returned.
final class MilterHarness: @unchecked Sendable {
    let directory: URL
    let rsaKey: PrivateKey
    let edKey: PrivateKey
    private(set) var port = 0
    private var group: ServiceGroup?
    private var runTask: Task<Void, Error>?
    var settingsStore: FilterSettingsStore!

    /// `extraConfig` lines are appended to opendkim.conf.
    init(canonicalization: String = "relaxed/relaxed", extraConfig: [String] = [], signingTable: String? = nil,
         resolver: (any DKIMKeyResolver)? = nil, idleTimeout: TimeAmount = .seconds(5),
         metrics: MilterMetrics = .disabled) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("milter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        rsaKey = try PrivateKey.generate(.rsa, bits: 2048)
        edKey = try PrivateKey.generate(.ed25519)
        try write("mail.private", try rsaKey.pemPKCS8(), mode: 0o600)
        try write("ed.private", try edKey.pemPKCS8(), mode: 0o600)
        try write("KeyTable", """
            mail._domainkey.example.com example.com:mail:\(path("mail.private"))
            ed._domainkey.example.com example.com:ed:\(path("ed.private"))

            """)
        try write("SigningTable", signingTable ?? "*@example.com mail._domainkey.example.com\n")
        // The guide's TrustedHosts, as its `echo … | tee` writes it.
        try write("TrustedHosts", "127.0.0.1\nlocalhost\n192.168.0.1/24\n\n*.example.com\n")
        let conf = ([
            "Syslog no",
            "Mode sv",
            "Canonicalization \(canonicalization)",
            "SignatureAlgorithm rsa-sha256",
            "KeyTable refile:\(path("KeyTable"))",
            "SigningTable refile:\(path("SigningTable"))",
            "InternalHosts refile:\(path("TrustedHosts"))",
            "ExternalIgnoreList refile:\(path("TrustedHosts"))",
            "AuthservID mx.example.net",
            "Socket inet:0@127.0.0.1",
        ] + extraConfig).joined(separator: "\n") + "\n"
        try write("opendkim.conf", conf)

        var loaded = try SettingsLoader.load(configPath: path("opendkim.conf"))
        loaded.settings.resolver = resolver ?? StaticKeyResolver([
            "mail._domainkey.example.com": [record(rsaKey)],
            "ed._domainkey.example.com": [record(edKey)],
        ])
        loaded.settings.verification.now = { UInt64(Date().timeIntervalSince1970) }
        settingsStore = FilterSettingsStore(loaded.settings)
        var logger = Logger(label: "milter-test")
        logger.logLevel = ProcessInfo.processInfo.environment["MILTER_TEST_DEBUG"] != nil ? .debug : .critical
        let bound = AsyncStream<Int>.makeStream()
        let server = MilterServer(configuration: .init(socket: .inet(host: "127.0.0.1", port: 0), idleTimeout: idleTimeout, shutdownGracePeriod: .milliseconds(300)),
                                  filter: DKIMFilter(settings: settingsStore, metrics: metrics), logger: logger,
                                  onBound: { address in bound.continuation.yield(address.port ?? 0) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        self.group = group
        runTask = Task { try await group.run() }
        for await port in bound.stream {
            self.port = port
            break
        }
        _ = loaded
    }

    func shutdown() async throws {
        await group?.triggerGracefulShutdown()
        try await runTask?.value
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String, mode: Int = 0o644) throws {
        try text.write(toFile: path(name), atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
    }

    func record(_ key: PrivateKey) -> String {
        "v=DKIM1; k=\(key.type.rawValue); p=" + Base64.encode(try! key.publicKey.dkimKeyData())
    }

    func client(version: UInt32) throws -> MilterTestClient {
        let client = try MilterTestClient(host: "127.0.0.1", port: port)
        client.setTimeout(seconds: 20)
        try client.negotiate(version: version)
        return client
    }
}

/// A message as the tests write it: header lines and a body, CRLF.
struct TestMessage {
    var headers: [String]
    var body: String

    static let plain = TestMessage(headers: [
        "From: John Doe <john@example.com>",
        "To: Jane Roe <jane@example.net>",
        "Subject: Lunch\r\n\ton Friday?",
        "Date: Thu, 26 Nov 2026 12:00:00 +0000",
        "Message-ID: <1@example.com>",
    ], body: "Hi Jane,\r\n\r\nShall  we meet at noon?  \r\n\r\nJohn\r\n\r\n")

    /// The delivered message after the milter's header modifications, as the MTA would write it.
    func delivered(applying responses: [MilterResponse], leadingSpace: Bool) -> String {
        var lines = headers
        for response in responses {
            switch response {
            case .insertHeader(let index, let name, let value):
                let text = name + ":" + (leadingSpace ? "" : " ") + value.replacingOccurrences(of: "\n", with: "\r\n")
                lines.insert(text, at: min(Int(index), lines.count))
            case .addHeader(let name, let value):
                lines.append(name + ":" + (leadingSpace ? "" : " ") + value.replacingOccurrences(of: "\n", with: "\r\n"))
            case .changeHeader(let index, let name, let value) where value.isEmpty:
                var seen: UInt32 = 0
                if let position = lines.firstIndex(where: { line in
                    guard line.lowercased().hasPrefix(name.lowercased() + ":") else { return false }
                    seen += 1
                    return seen == index
                }) { lines.remove(at: position) }
            default:
                break
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }
}

extension MilterTestClient {
    /// A whole Postfix-like transaction for one message; returns EOM's responses.
    func send(_ message: TestMessage, clientAddress: String = "127.0.0.1", hostname: String = "localhost",
              macros: [MilterMacro] = [], queueID: String = "4AbCdE") throws -> [MilterResponse] {
        _ = try mailFrom("<john@example.com>", macros: [MilterMacro(name: "i", value: queueID)] + macros)
        _ = try recipient("<jane@example.net>")
        for line in message.headers {
            if let reply = try header(line), reply != .continue { return [reply] }
        }
        if let reply = try endOfHeaders(), reply != .continue { return [reply] }
        if let reply = try body(Array(message.body.utf8)), reply != .continue { return [reply] }
        return try endOfMessage()
    }

    func open(clientAddress: String = "127.0.0.1", hostname: String = "localhost", macros: [MilterMacro] = []) throws {
        _ = try connect(hostname: hostname, address: .inet(clientAddress, port: 40000),
                        macros: [MilterMacro(name: "j", value: "mx.example.net"), MilterMacro(name: "{daemon_name}", value: "smtpd"),
                                 MilterMacro(name: "v", value: "Postfix 3.7.11")] + macros)
        _ = try helo("client.example.com")
    }
}

/// Verifies a delivered message with the DKIM core.
func verifyWithCore(_ text: String, resolver: some DKIMKeyResolver) async throws -> [SignatureVerification] {
    var parser = MessageParser()
    var headers: [HeaderField] = []
    var body: [UInt8] = []
    try Array(text.utf8).withUnsafeBytes { raw in
        try parser.feed(raw) { event in
            switch event {
            case .headers(let h): headers = h
            case .body(let b): body.append(contentsOf: b)
            }
        }
    }
    let verifier = DKIMVerifier(headers: headers, options: .init(now: { UInt64(Date().timeIntervalSince1970) }))
    verifier.updateBody(body)
    return await verifier.finish(resolver: resolver)
}

/// Verifies with dkimpy (an oracle we did not write), answering its key query from `records`.
func verifyWithDKIMPy(_ text: String, records: [String: String]) throws -> Bool? {
    let script = """
    import sys, json, dkim
    records = json.loads(sys.argv[1])
    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return records.get(name.rstrip('.'), '').encode()
    msg = sys.stdin.buffer.read()
    d = dkim.DKIM(msg)
    sigs = [h for h in d.headers if h[0].lower() == b'dkim-signature']
    ok = all(dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc) for i in range(len(sigs))) and len(sigs) > 0
    print('pass' if ok else 'fail')
    """
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3") else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, String(decoding: try JSONEncoder().encode(records), as: UTF8.self)]
    let input = Pipe(), output = Pipe(), error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let err = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if err.contains("No module named 'dkim'") { return nil }
    if process.terminationStatus != 0 { XCTFail("dkimpy failed: \(err)") }
    return out.trimmingCharacters(in: .whitespacesAndNewlines) == "pass"
}
