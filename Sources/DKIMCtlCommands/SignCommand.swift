import ArgumentParser
import DKIM
import DKIMCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `dkimctl sign`: read a message on stdin, print it with a DKIM-Signature on top.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign the message on standard input and print it with a DKIM-Signature prepended.",
        discussion: """
        The message is copied through unchanged; its line endings (LF or CRLF) are kept, and the signature \
        uses the same. Large messages are streamed: memory stays bounded whatever the size.
        """
    )

    @Option(help: "The signing domain (d=).")
    var domain: String

    @Option(help: "The selector (s=).")
    var selector: String

    @Option(help: "Private key file (PEM PKCS#1/PKCS#8, or DER).")
    var key: String

    @Option(help: "header/body canonicalization: simple or relaxed each.")
    var canonicalization: String = "relaxed/relaxed"

    @Option(help: "rsa-sha256 or ed25519-sha256; default from the key type.")
    var algorithm: String?

    @Option(help: "Colon-separated header names to sign if present (default: RFC 6376 §5.4.1 set).")
    var headers: String?

    @Option(help: "Comma-separated header names to over-sign (listed once more than they occur).")
    var oversign: String?

    @Option(help: "Agent or user identifier (i=), e.g. @example.com.")
    var identity: String?

    @Option(help: "Add x= this many seconds after t=.")
    var expire: UInt64?

    @Flag(help: "Add l= with the body length (not recommended: allows appended content).")
    var bodyLength = false

    @Option(help: ArgumentHelp("Signature time t= in seconds since the epoch (default: now).", visibility: .hidden))
    var timestamp: UInt64?

    func run() throws {
        guard let domainName = DomainName(domain) else { throw CLIError("invalid domain \(domain)") }
        guard let selectorName = Selector(selector) else { throw CLIError("invalid selector \(selector)") }
        guard let canonical = Canonicalization(canonicalization) else {
            throw CLIError("invalid canonicalization \(canonicalization): use simple or relaxed, e.g. relaxed/relaxed")
        }
        var signingAlgorithm: SigningAlgorithm?
        if let algorithm {
            guard let parsed = SigningAlgorithm(rawValue: algorithm.lowercased()), parsed != .rsaSHA1 else {
                throw CLIError("unsupported algorithm \(algorithm): use rsa-sha256 or ed25519-sha256")
            }
            signingAlgorithm = parsed
        }
        let loaded = try KeyFile.load(key)
        if let warning = loaded.permissionWarning { StandardStreams.warn("warning: " + warning) }
        if let signingAlgorithm, signingAlgorithm.keyType != loaded.key.type {
            throw CLIError("\(signingAlgorithm) needs a \(signingAlgorithm.keyType.rawValue) key; \(key) holds a \(loaded.key.type.rawValue) key")
        }
        let request = SigningRequest(
            domain: domainName, selector: selectorName, key: loaded.key, algorithm: signingAlgorithm,
            canonicalization: canonical,
            headers: headers.map { $0.split(separator: ":").map { String($0).trimmingWhitespace } },
            oversign: oversign.map { $0.split(separator: ",").map { String($0).trimmingWhitespace } } ?? [],
            identity: identity, includeBodyLength: bodyLength, expiresAfter: expire)
        let signer = try DKIMSigner(requests: [request], now: timestamp ?? UInt64(time(nil)))

        var parser = MessageParser()
        var headerFields: [HeaderField] = []
        let spool = InputSpool()
        try StandardStreams.readInput { chunk in
            try spool.append(chunk)
            do {
                try parser.feed(chunk) { event in
                    switch event {
                    case .headers(let fields): headerFields = fields
                    case .body(let bytes): signer.updateBody(bytes)
                    }
                }
            } catch let error as MessageParseError {
                throw CLIError("not a message: \(error)")
            }
        }
        do { try parser.finish() } catch { throw CLIError("not a message: \(error)") }

        let fields: [HeaderField]
        do { fields = try signer.finish(headers: headerFields) } catch { throw CLIError("cannot sign: \(error)") }
        let lineEnd = parser.usesBareLF ? "\n" : "\r\n"
        for field in fields {
            try StandardStreams.write(field.text(lineEnd: lineEnd) + lineEnd)
        }
        try spool.replay(to: 1)
    }
}
