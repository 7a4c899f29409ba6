import ArgumentParser
import DKIM
import DKIMCrypto

/// `dkimctl testkey`: is the published record the public half of this private key?
struct TestKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testkey",
        abstract: "Check that the key published at SELECTOR._domainkey.DOMAIN matches a private key file.",
        discussion: "Exit status 0 only when the record parses and its p= is the public half of the key."
    )

    @Option(name: [.customShort("d"), .long], help: "The signing domain.")
    var domain: String

    @Option(name: [.customShort("s"), .long], help: "The selector.")
    var selector: String

    @Option(name: [.customShort("k"), .long], help: "The private key file.")
    var key: String

    @OptionGroup var keys: KeyResolverOptions

    func run() async throws {
        guard let domainName = DomainName(domain) else { throw CLIError("invalid domain \(domain)") }
        guard let selectorName = Selector(selector) else { throw CLIError("invalid selector \(selector)") }
        let loaded = try KeyFile.load(key)
        if let warning = loaded.permissionWarning { StandardStreams.warn("warning: " + warning) }
        let name = "\(selectorName.value)._domainkey.\(domainName.value)"
        let (resolver, shutdown) = try keys.makeResolver()
        let answer = await resolver.lookupTXT(name)
        shutdown()

        let records: [[UInt8]]
        let dnssec: DNSSECStatus
        switch answer {
        case .found(let found, let status): (records, dnssec) = (found, status)
        case .notFound(let why): throw CLIError("\(name): no key record (\(why))", exitCode: 1)
        case .temporaryFailure(let why): throw CLIError("\(name): lookup failed, try again later (\(why))", exitCode: 1)
        case .permanentFailure(let why): throw CLIError("\(name): lookup failed (\(why))", exitCode: 1)
        }
        guard records.count == 1 else {
            throw CLIError("\(name): \(records.count) TXT records published; verifiers expect exactly one", exitCode: 1)
        }
        let record: KeyRecord
        do { record = try KeyRecord(parsing: records[0]) } catch { throw CLIError("\(name): \(error)", exitCode: 1) }
        let published: PublicKey
        do { published = try record.publicKey() } catch { throw CLIError("\(name): \(error)", exitCode: 1) }
        guard published == loaded.key.publicKey else {
            throw CLIError("\(name): the published key does not match \(key) (published \(published.type.rawValue) \(published.bits) bits, file \(loaded.key.type.rawValue) \(loaded.key.bits) bits)", exitCode: 1)
        }
        var report = "\(name): key OK: \(published.type.rawValue), \(published.bits) bits"
        if record.testing { report += ", testing (t=y)" }
        report += ", DNSSEC \(dnssec.rawValue)"
        if published.type == .rsa && published.bits < 2048 { report += "; note: RSA keys under 2048 bits are weak" }
        try StandardStreams.write(report + "\n")
    }
}
