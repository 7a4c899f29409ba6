import ArgumentParser
import DKIM
import DKIMCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `dkimctl genkey`: a key pair and its DNS record, as opendkim-genkey writes them.
struct GenKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genkey",
        abstract: "Generate a DKIM key: SELECTOR.private (PEM, mode 0600) and SELECTOR.txt (the DNS TXT record).",
        discussion: """
        Publish the record printed (and written to SELECTOR.txt) at SELECTOR._domainkey.DOMAIN, then point a \
        KeyTable line at SELECTOR.private. An existing file is never overwritten unless --force is given.
        """
    )

    @Option(name: [.customShort("d"), .long], help: "The signing domain (d=).")
    var domain: String

    @Option(name: [.customShort("s"), .long], help: "The selector (s=).")
    var selector: String

    @Option(name: [.customShort("b"), .long], help: "RSA key size in bits (at least 1024; ignored for ed25519).")
    var bits: Int = 2048

    @Option(name: [.customShort("a"), .long], help: "Key algorithm: rsa or ed25519.")
    var algorithm: String = "rsa"

    @Option(name: [.customShort("D"), .long], help: "Directory to write the files in.")
    var directory: String = "."

    @Flag(name: [.customShort("r"), .long], help: "Restrict the key to email (s=email).")
    var restrict = false

    @Flag(name: [.customShort("t"), .long], help: "Mark the domain as testing DKIM (t=y).")
    var testMode = false

    @Flag(name: .long, help: "Overwrite existing files.")
    var force = false

    func run() throws {
        guard let type = KeyType(rawValue: algorithm.lowercased()) else {
            throw CLIError("unknown algorithm \(algorithm): use rsa or ed25519")
        }
        guard DomainName(domain) != nil else { throw CLIError("invalid domain \(domain)") }
        guard Selector(selector) != nil else { throw CLIError("invalid selector \(selector)") }
        if type == .rsa && bits < 1024 {
            throw CLIError("RSA keys under 1024 bits are not acceptable to verifiers (RFC 8301); 2048 is the usual size")
        }
        let key = try PrivateKey.generate(type, bits: bits)
        let pem = try key.pemPKCS8()
        let publicKey = Base64.encode(try key.publicKey.dkimKeyData())

        var tags = "v=DKIM1; "
        if type == .rsa { tags += "h=sha256; " }
        tags += "k=\(type.rawValue); "
        if restrict { tags += "s=email; " }
        if testMode { tags += "t=y; " }
        let strings = DNSRecordText.strings(tags: tags, publicKeyBase64: publicKey)
        let record = DNSRecordText.zoneFileEntry(selector: selector, domain: domain, strings: strings)

        let base = directory.hasSuffix("/") ? directory : directory + "/"
        try writeFile(base + selector + ".private", contents: pem, mode: 0o600)
        try writeFile(base + selector + ".txt", contents: record, mode: 0o644)
        try StandardStreams.write(record)
    }

    private func writeFile(_ path: String, contents: String, mode: mode_t) throws {
        var flags = O_WRONLY | O_CREAT | O_CLOEXEC
        flags |= force ? O_TRUNC : O_EXCL
        let fd = open(path, flags, mode)
        guard fd >= 0 else {
            if errno == EEXIST { throw CLIError("\(path) already exists; use --force to replace it") }
            throw CLIError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // The umask may have widened or narrowed the mode; the key file must end up exactly 0600.
        guard fchmod(fd, mode) == 0 else { throw CLIError("cannot set the mode of \(path): \(String(cString: strerror(errno)))") }
        try StandardStreams.write(contents, to: fd)
    }
}
