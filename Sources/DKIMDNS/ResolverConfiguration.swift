/// How `UnboundResolver` reaches the DNS: which servers, how long to wait, and whether to validate DNSSEC.
///
/// A plain value, so that a reloaded configuration can build a new resolver beside the old one.
public struct ResolverConfiguration: Sendable, Hashable {
    /// Servers to forward every query to. Empty means the `nameserver` lines of `/etc/resolv.conf`
    /// (`ub_ctx_resolvconf`); when not empty, resolv.conf is never read.
    public var nameservers: [Nameserver]

    /// How long one lookup may take before it is cancelled and reported as a temporary failure.
    /// OpenDKIM's `DNSTimeout` defaults to 10 s; we default to 5 s so that a slow key server holds up
    /// the MTA less. Must be positive.
    public var timeout: Duration

    /// A file in unbound's `trust-anchor-file` format: DS or DNSKEY records in zone-file syntax, as
    /// Debian ships in `/usr/share/dns/root.key`. It is loaded read-only with `ub_ctx_add_ta_file`;
    /// we do not use `ub_ctx_add_ta_autr` (RFC 5011 tracking) because that rewrites the file, which a
    /// milter running unprivileged usually cannot and should not do. When set, answers are DNSSEC
    /// validated: bogus ones fail, and results report `.secure` or `.insecure`.
    public var trustAnchorFile: String?

    public init(nameservers: [Nameserver] = [], timeout: Duration = .seconds(5), trustAnchorFile: String? = nil) {
        self.nameservers = nameservers
        self.timeout = timeout
        self.trustAnchorFile = trustAnchorFile
    }
}
