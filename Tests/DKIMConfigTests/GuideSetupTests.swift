@testable import DKIMConfig
import DKIM
import DKIMCrypto
import XCTest

/// The set-up from postfix-opendkim-setup-guide.md, file for file: Debian 12's /etc/opendkim.conf with the
/// guide's `tee -a` and `sed -i` edits applied, and its TrustedHosts, KeyTable and SigningTable as its `echo`
/// commands write them. These must work unchanged.
final class GuideSetupTests: XCTestCase {
    /// /etc/opendkim.conf as Debian 12 (opendkim 2.11.0~beta2) installs it.
    static let debianDefaultConf = """
        # This is a basic configuration for signing and verifying. It can easily be
        # adapted to suit a basic installation. See opendkim.conf(5) and
        # /usr/share/doc/opendkim/examples/opendkim.conf.sample for complete
        # documentation of available configuration parameters.
        Syslog\t\t\tyes
        SyslogSuccess\t\tyes
        #LogWhy\t\t\tno

        # Common signing and verification parameters. In Debian, the "From" header is
        # oversigned, because it is often the identity key used by reputation systems
        # and thus somewhat security sensitive.
        Canonicalization\trelaxed/simple
        #Mode\t\t\tsv
        #SubDomains\t\tno
        OversignHeaders\t\tFrom

        # Signing domain, selector, and key (required). For example, perform signing
        # for domain "example.com" with selector "2020" (2020._domainkey.example.com),
        # using the private key stored in /etc/dkimkeys/example.private. More granular
        # setup options can be found in /usr/share/doc/opendkim/README.opendkim.
        #Domain\t\t\texample.com
        #Selector\t\t2020
        #KeyFile\t\t/etc/dkimkeys/example.private

        # In Debian, opendkim runs as user "opendkim". A umask of 007 is required when
        # using a local socket with MTAs that access the socket as a non-privileged
        # user (for example, Postfix). You may need to add user "postfix" to group
        # "opendkim" in that case.
        UserID\t\t\topendkim
        UMask\t\t\t007

        # Socket for the MTA connection (required). If the MTA is inside a chroot jail,
        # it must be ensured that the socket is accessible. In Debian, Postfix runs in
        # a chroot in /var/spool/postfix, therefore a Unix socket would have to be
        # configured as shown on the last line below.
        Socket\t\t\tlocal:/run/opendkim/opendkim.sock
        #Socket\t\t\tinet:8891@localhost
        #Socket\t\t\tinet:8891
        #Socket\t\t\tlocal:/var/spool/postfix/opendkim/opendkim.sock

        PidFile\t\t\t/run/opendkim/opendkim.pid

        # Hosts for which to sign rather than verify, default is 127.0.0.1. See the
        # OPERATION section of opendkim(8) for more information.
        #InternalHosts\t\t192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12

        # The trust anchor enables DNSSEC. In Debian, the trust anchor file is provided
        # by the package dns-root-data.
        TrustAnchorFile\t\t/usr/share/dns/root.key
        #Nameservers\t\t127.0.0.1

        """

    /// The guide's edits, in its order: one `tee -a`, then each `sed -i` (first match on each line).
    static func applyGuideEdits(to conf: String) -> String {
        var text = conf + "AutoRestart             Yes\nAutoRestartRate         10/1h\n"
        let seds: [(String, String)] = [
            ("UMask\t\t\t007", "UMask\t\t\t002"),
            ("#LogWhy\t\t\tno", "LogWhy\t\t\tyes"),
            ("#InternalHosts\t\t192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12",
             "ExternalIgnoreList      refile:/etc/opendkim/TrustedHosts\nInternalHosts           refile:/etc/opendkim/TrustedHosts\nKeyTable                refile:/etc/opendkim/KeyTable\nSigningTable            refile:/etc/opendkim/SigningTable\n"),
            ("#Mode\t\t\tsv", "Mode\t\t\tsv"),
            ("PidFile\t\t\t/run/opendkim/opendkim.pid", "PidFile\t\t\t/var/run/opendkim/opendkim.pid\nSignatureAlgorithm      rsa-sha256"),
            ("UserID\t\t\topendkim", "UserID\t\t\topendkim:opendkim"),
            ("Socket\t\t\tlocal:/run/opendkim/opendkim.sock", "Socket                  inet:12301@localhost"),
        ]
        for (pattern, replacement) in seds {
            text = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                guard let range = line.range(of: pattern) else { return String(line) }
                return line.replacingCharacters(in: range, with: replacement)
            }.joined(separator: "\n")
        }
        return text
    }

    /// The guide's files, written below `dir` in place of /etc/opendkim.
    private func installGuide(in dir: TempDirectory) throws -> String {
        let etc = dir.path + "/etc/opendkim"
        let conf = Self.applyGuideEdits(to: Self.debianDefaultConf).replacingOccurrences(of: "/etc/opendkim/", with: etc + "/")
        try dir.write("etc/opendkim/TrustedHosts", "127.0.0.1\nlocalhost\n192.168.0.1/24\n\n*.example.com\n")
        try dir.write("etc/opendkim/KeyTable",
                      "mail._domainkey.example.com example.com:mail:\(etc)/keys/example.com/mail.private\n")
        try dir.write("etc/opendkim/SigningTable", "*@example.com mail._domainkey.example.com\n")
        try dir.writeKey("etc/opendkim/keys/example.com/mail.private", TestKeys.rsa)
        return try dir.write("etc/opendkim.conf", conf)
    }

    func testTheEditedDebianConfigurationReadsAsOpenDKIMReadsIt() throws {
        let dir = try TempDirectory()
        let path = try installGuide(in: dir)
        let config = try DaemonConfiguration.load(contentsOf: path)
        XCTAssertEqual(config.socket, "inet:12301@localhost")
        XCTAssertEqual(config.mode, .signAndVerify)
        XCTAssertEqual(config.canonicalization, Canonicalization(header: .relaxed, body: .simple))
        XCTAssertEqual(config.signatureAlgorithm, .rsaSHA256)
        XCTAssertEqual(config.umask, 0o002)
        XCTAssertEqual(config.userID, UserAndGroup(user: "opendkim", group: "opendkim"))
        XCTAssertEqual(config.pidFile, "/var/run/opendkim/opendkim.pid")
        XCTAssertEqual(config.trustAnchorFile, "/usr/share/dns/root.key")
        XCTAssertEqual(config.oversignHeaders, ["From"])
        XCTAssertTrue(config.syslog)
        XCTAssertTrue(config.syslogSuccess)
        XCTAssertTrue(config.logWhy)
        XCTAssertTrue(config.autoRestart)
        XCTAssertEqual(config.autoRestartRate, AutoRestartRate(count: 10, intervalSeconds: 3600))
        XCTAssertFalse(config.subDomains)
        XCTAssertEqual(config.keyTable?.entries.map(\.name), ["mail._domainkey.example.com"])
        XCTAssertEqual(config.signingTable?.isPatternTable, true)

        // Nothing unknown, nothing unimplemented: only the two TrustedHosts lines OpenDKIM itself would
        // never match as written, once for each option that reads the file.
        let etc = dir.path + "/etc/opendkim"
        XCTAssertEqual(config.warnings.map(\.kind), Array(repeating: .openDKIMDifference, count: 4))
        XCTAssertEqual(Set(config.warnings.map(\.location)), [ConfigLocation(file: "\(etc)/TrustedHosts", line: 3),
                                                              ConfigLocation(file: "\(etc)/TrustedHosts", line: 5)])
        let internalHostsLine = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("InternalHosts ") }.map { $0 + 1 }
        XCTAssertEqual(config.location(of: "InternalHosts"), internalHostsLine.map { ConfigLocation(file: path, line: $0) })
    }

    func testTheGuidesHostsKeysAndSigningRules() throws {
        let dir = try TempDirectory()
        let config = try DaemonConfiguration.load(contentsOf: try installGuide(in: dir))
        let keys = try KeyLoader(safety: testSafety()).loadKeys(for: config)
        XCTAssertEqual(keys.names, ["mail._domainkey.example.com"])
        let policy = SigningPolicy(configuration: config, keys: keys)
        let etc = dir.path + "/etc/opendkim"

        // Postfix's sendmail path: localhost / 127.0.0.1.
        let local = policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), clientHostName: "localhost",
                                               fromAddress: "johndoe@example.com"))
        let key = try XCTUnwrap(local.signingKeys?.first)
        XCTAssertEqual(key.domain, DomainName("example.com"))
        XCTAssertEqual(key.selector, Selector("mail"))
        XCTAssertEqual(local.reasons.first, "InternalHosts \(etc)/TrustedHosts:2 (localhost) matches localhost")

        // The LAN the guide meant with 192.168.0.1/24, and hosts under example.com.
        XCTAssertNotNil(policy.decide(MessageFacts(clientAddress: ip("192.168.0.20"), fromAddress: "j@example.com")).signingKeys)
        XCTAssertNotNil(policy.decide(MessageFacts(clientAddress: ip("203.0.113.7"), clientHostName: "web1.example.com",
                                                   fromAddress: "j@example.com")).signingKeys)

        // Submission with SASL from anywhere.
        XCTAssertNotNil(policy.decide(MessageFacts(clientAddress: ip("203.0.113.7"), authenticated: true,
                                                   fromAddress: "j@example.com")).signingKeys)

        // Incoming mail on port 25.
        let incoming = policy.decide(MessageFacts(clientAddress: ip("209.85.220.41"), clientHostName: "mail-sor-f41.google.com",
                                                  fromAddress: "someone@gmail.com"))
        XCTAssertTrue(incoming.isVerify)
        let forged = policy.decide(MessageFacts(clientAddress: ip("209.85.220.41"), clientHostName: "mail-sor-f41.google.com",
                                                fromAddress: "johndoe@example.com"))
        XCTAssertTrue(forged.isVerify)
        XCTAssertNotNil(forged.externalSenderNotice)

        // Local mail from root@localhost: ours, but no key: verified, as OpenDKIM does.
        XCTAssertTrue(policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "root@localhost")).isVerify)
    }

    func testTheRepositorysKeysExampleHasTheSameLayout() throws {
        // keys-example/ holds the same three tables with a path relative to the repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let example = root + "/keys-example"
        guard FileAccess.isRegularFile(example + "/KeyTable") else { throw XCTSkip("keys-example/ is not present") }
        let config = try DaemonConfiguration.parse("""
            BaseDirectory \(root)
            KeyTable refile:keys-example/KeyTable
            SigningTable refile:keys-example/SigningTable
            InternalHosts refile:keys-example/TrustedHosts
            """)
        XCTAssertTrue(config.keyTable?.entries.first?.keyPath.hasSuffix("keys-example/keys/example.com/mail.private") ?? false)
        XCTAssertEqual(config.signingTable?.lookup(localPart: "a", domain: "example.com", all: false).first?.keyName,
                       "mail._domainkey.example.com")
        XCTAssertTrue(config.internalHosts.contains(address: ip("192.168.0.3"), hostName: nil))

        // Its opendkim.conf (for `make run`) reads with nothing unknown; only TrustedHosts' two lines are noted.
        if let text = try? String(contentsOfFile: example + "/opendkim.conf", encoding: .utf8) {
            let runConfig = try DaemonConfiguration.parse("BaseDirectory \(root)\n" + text, file: "keys-example/opendkim.conf")
            XCTAssertEqual(Set(runConfig.warnings.map(\.kind)), [.openDKIMDifference], "\(runConfig.warnings)")
            XCTAssertEqual(runConfig.socket, "inet:12301@localhost")
        }
    }
}
