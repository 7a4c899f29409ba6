public import DKIM

/// The daemon's settings, read from an opendkim.conf that works unchanged with OpenDKIM.
///
/// Defaults and meanings are OpenDKIM's (opendkim.conf(5); opendkim.h and opendkim.c for the values the
/// manual leaves out), except where noted. The tables the configuration names (KeyTable, SigningTable, host
/// lists, ...) are read while loading and held here as typed values; the private keys are not: load them
/// with ``KeyLoader`` and combine both in a ``SigningPolicy``.
///
/// A value is immutable once loaded. On SIGHUP the server loads a new one and swaps it in; if loading fails,
/// the running configuration stays.
///
/// - SeeAlso: [opendkim.conf(5)](http://www.opendkim.org/opendkim.conf.5.html)
public struct DaemonConfiguration: Sendable {
    /// The file this was loaded from, if any.
    public var sourceFile: String?
    /// Where each option that was set came from, by its canonical name (`KeyTable`, `Socket`, ...).
    public var optionLocations: [String: ConfigLocation] = [:]
    /// Everything worth telling the administrator that did not stop the load.
    public var warnings: [ConfigWarning] = []

    // MARK: Milter socket and process

    /// `Socket`: the milter socket spec (`inet:port@host`, `inet6:...`, `local:/path`), kept as text for the
    /// server to parse. OpenDKIM has no default and refuses to start without one; ours is
    /// `inet:12301@localhost`, the setup guide's.
    public var socket = "inet:12301@localhost"
    /// `UserID`: the account to switch to after start-up.
    public var userID: UserAndGroup?
    /// `UMask`: the file-creation mask for the socket and pid file; written in octal.
    public var umask: UInt32?
    /// `PidFile`.
    public var pidFile: String?
    /// `Background`: OpenDKIM's default is true (fork into the background).
    public var background = true
    /// `AutoRestart`.
    public var autoRestart = false
    /// `AutoRestartRate`.
    public var autoRestartRate: AutoRestartRate?
    /// `BaseDirectory`: OpenDKIM changes to this directory before opening anything; here relative data set
    /// and key paths are resolved against it.
    public var baseDirectory: String?
    /// `MetricsListen HOST:PORT` (ours): where to serve metrics; nil leaves them off.
    public var metricsListen: MetricsListen?

    // MARK: Logging

    /// `Syslog`.
    public var syslog = false
    /// `SyslogFacility`; OpenDKIM's default is `mail`.
    public var syslogFacility = "mail"
    /// `SyslogSuccess`: also log each successful signature and verification.
    public var syslogSuccess = false
    /// `LogWhy`: log the reasons behind each sign/verify decision (``PolicyDecision/reasons``).
    public var logWhy = false
    /// `LogResults`: log the result of every signature checked.
    public var logResults = false

    // MARK: Who is ours

    /// `Mode`: sign, verify or both; OpenDKIM's default is both.
    public var mode: OperatingMode = .signAndVerify
    /// `InternalHosts`: clients whose mail is signed. OpenDKIM's default is 127.0.0.1 and ::1.
    public var internalHosts: HostList = .openDKIMDefaultInternalHosts
    /// `ExternalIgnoreList`: clients that may send as a signing domain without being ours and without a
    /// warning being logged. It does not change what is signed or verified.
    public var externalIgnoreList: HostList = .empty
    /// `PeerList`: clients whose mail this daemon does not touch at all.
    public var peerList: HostList = .empty
    /// `MTA`: MTA daemon names (the `{daemon_name}` macro) whose mail is signed; compared case-sensitively.
    public var mtaNames: DataSet?
    /// `MacroList`: macros that mark mail as ours.
    public var macroList: MacroList?

    // MARK: Keys

    /// `KeyTable`. When set, `domains`, `keyFile` and `selector` are ignored, as in OpenDKIM.
    public var keyTable: KeyTable?
    /// `SigningTable`: which KeyTable keys sign which senders. Requires a KeyTable.
    public var signingTable: SigningTable?
    /// `Domain`: for single-key set-ups, the domains whose mail is signed with `keyFile` (`*` means all).
    public var domains: DataSet?
    /// `KeyFile`: the private key for single-key set-ups.
    public var keyFile: String?
    /// `Selector`: the selector for `keyFile`.
    public var selector: Selector?
    /// `SubDomains`: also sign for subdomains of the `domains` entries (signing as the listed parent).
    public var subDomains = false
    /// `RequireSafeKeys`: refuse key files that other users may read or write. Default true.
    public var requireSafeKeys = true
    /// `MinimumKeyBits`: OpenDKIM applies it to keys it verifies with; here it also refuses RSA signing
    /// keys below it. Default 1024.
    public var minimumKeyBits = 1024

    // MARK: Signatures we make

    /// `Canonicalization`: default `simple/simple`; `relaxed` alone means `relaxed/simple`.
    public var canonicalization: Canonicalization = .simpleSimple
    /// `SignatureAlgorithm`: default `rsa-sha256`. Keys of the other type sign with their own algorithm.
    public var signatureAlgorithm: SigningAlgorithm = .rsaSHA256
    /// `SignHeaders`: the header fields to sign; nil means the signer's default set.
    public var signHeaders: [String]?
    /// `OmitHeaders`: header fields never to sign; nil means OpenDKIM's default list.
    public var omitHeaders: [String]?
    /// `OversignHeaders`: fields listed once more than they occur (Debian's default file has `From`).
    public var oversignHeaders: [String] = []
    /// `MultipleSignatures`: sign with every matching SigningTable line, not just the first.
    public var multipleSignatures = false

    // MARK: Verifying

    /// `AuthservID`: nil means the MTA's name (macro `j`), as in OpenDKIM.
    public var authservID: AuthservID?
    /// `AlwaysAddARHeader`: add Authentication-Results even to unsigned mail.
    public var alwaysAddARHeader = false
    /// `Nameservers`: resolver addresses, in order (comma-separated in the file).
    public var nameservers: [String] = []
    /// `TrustAnchorFile`: DNSSEC trust anchor for the resolver.
    public var trustAnchorFile: String?
    /// `DNSTimeout` in seconds; 0 means wait forever. OpenDKIM's default is 5 (opendkim.h `DEFTIMEOUT`).
    public var dnsTimeout = 5
    /// `MaximumSignaturesToVerify`: signatures checked per message, from the top; default 3.
    public var maximumSignaturesToVerify = 3
    /// `MaximumHeaders`: header bytes accepted per message; default 65536, 0 for no limit.
    public var maximumHeaders = 65536

    /// Every setting at its default: OpenDKIM's, plus `socket`.
    public init() {}

    /// Where an option was set, by canonical name.
    public func location(of option: String) -> ConfigLocation? {
        optionLocations[option]
    }
}
