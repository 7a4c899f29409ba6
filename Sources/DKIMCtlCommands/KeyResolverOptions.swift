import ArgumentParser
import DKIM
import DKIMDNS

/// `--nameserver` and `--public-key`, shared by the commands that look keys up.
struct KeyResolverOptions: ParsableArguments {
    @Option(name: .customLong("nameserver"), help: "DNS server as HOST or HOST@PORT (repeatable; default: /etc/resolv.conf).")
    var nameservers: [String] = []

    @Option(name: .customLong("public-key"), help: "NAME=TXTFILE: answer the TXT query NAME (e.g. sel._domainkey.example.com) from a file instead of DNS (repeatable).")
    var publicKeys: [String] = []

    @Option(help: "DNS timeout in seconds.")
    var timeout: Double = 5

    @Option(help: "Trust anchor file for DNSSEC validation (unbound's format).")
    var trustAnchor: String?

    /// Static answers first (when given), then DNS for anything else.
    func makeResolver() throws -> (resolver: any DKIMKeyResolver, shutdown: () -> Void) {
        var records: [String: [String]] = [:]
        for spec in publicKeys {
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else {
                throw CLIError("--public-key wants NAME=TXTFILE, got \(spec)")
            }
            let name = String(spec[..<equals])
            let path = String(spec[spec.index(after: equals)...])
            let text: String
            do { text = String(decoding: try KeyFile.readFile(path), as: UTF8.self) } catch {
                throw CLIError("cannot read public key file \(path): \(error)")
            }
            records[name, default: []].append(DNSRecordText.recordText(fromFile: text))
        }
        let servers: [Nameserver]
        do { servers = try nameservers.map { try Nameserver(parsing: $0) } } catch {
            throw CLIError("bad --nameserver: \(error)")
        }
        guard timeout > 0, timeout <= 300 else { throw CLIError("--timeout must be between 0 and 300 seconds") }
        if !records.isEmpty && servers.isEmpty {
            return (StaticKeyResolver(records), {})
        }
        let dns: UnboundResolver
        do {
            dns = try UnboundResolver(configuration: .init(nameservers: servers, timeout: .milliseconds(Int64(timeout * 1000)),
                                                           trustAnchorFile: trustAnchor))
        } catch { throw CLIError("cannot start the DNS resolver: \(error)") }
        if records.isEmpty { return (dns, { dns.shutdown() }) }
        return (FallbackResolver(first: StaticKeyResolver(records), then: dns), { dns.shutdown() })
    }
}

/// Answers from `first` unless it has nothing, then asks `then`.
struct FallbackResolver: DKIMKeyResolver {
    let first: any DKIMKeyResolver
    let then: any DKIMKeyResolver

    func lookupTXT(_ name: String) async -> TXTLookupResult {
        let answer = await first.lookupTXT(name)
        if case .notFound = answer { return await then.lookupTXT(name) }
        return answer
    }
}
