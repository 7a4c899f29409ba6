@testable import DKIMConfig
import DKIM
import XCTest

final class DaemonConfigurationTests: XCTestCase {
    func testDefaultsAreOpenDKIMs() throws {
        let config = try DaemonConfiguration.parse("")
        XCTAssertEqual(config.mode, .signAndVerify)
        XCTAssertEqual(config.canonicalization, .simpleSimple)
        XCTAssertEqual(config.signatureAlgorithm, .rsaSHA256)
        XCTAssertEqual(config.dnsTimeout, 5)
        XCTAssertEqual(config.maximumSignaturesToVerify, 3)
        XCTAssertEqual(config.maximumHeaders, 65536)
        XCTAssertEqual(config.minimumKeyBits, 1024)
        XCTAssertTrue(config.requireSafeKeys)
        XCTAssertTrue(config.background)
        XCTAssertFalse(config.multipleSignatures)
        XCTAssertFalse(config.subDomains)
        XCTAssertNil(config.authservID)
        XCTAssertEqual(config.socket, "inet:12301@localhost")
        XCTAssertEqual(config.syslogFacility, "mail")
        XCTAssertNil(config.metricsListen)
        // OpenDKIM's DEFINTERNAL is "127.0.0.1,::1"; "localhost" is not in it.
        XCTAssertTrue(config.internalHosts.contains(address: ip("127.0.0.1"), hostName: nil))
        XCTAssertTrue(config.internalHosts.contains(address: ip("::1"), hostName: nil))
        XCTAssertFalse(config.internalHosts.contains(address: nil, hostName: "localhost"))
        XCTAssertFalse(config.internalHosts.contains(address: ip("127.0.0.2"), hostName: nil))
        XCTAssertTrue(config.warnings.isEmpty)
    }

    func testSyntaxCommentsBlankLinesAndCaseInsensitiveNames() throws {
        let config = try DaemonConfiguration.parse("""
            # a comment
            syslog\t\tYES

               MODE   v   # trailing comment
            canonicalization relaxed\r
            AuthservID mx#1.example.com
            """)
        XCTAssertTrue(config.syslog)
        XCTAssertEqual(config.mode, .verify)
        XCTAssertEqual(config.canonicalization, Canonicalization(header: .relaxed, body: .simple))
        // OpenDKIM cuts the line at the first "#", even inside a value.
        XCTAssertEqual(config.authservID, .literal("mx"))
        XCTAssertEqual(config.location(of: "Mode"), ConfigLocation(file: "(configuration)", line: 4))
    }

    func testBooleansReadTheFirstCharacterAsOpenDKIMDoes() throws {
        for (text, expected) in [("yes", true), ("Yes", true), ("true", true), ("1", true), ("Y", true), ("t", true),
                                 ("no", false), ("NO", false), ("false", false), ("0", false), ("n", false)] {
            let config = try DaemonConfiguration.parse("MultipleSignatures \(text)")
            XCTAssertEqual(config.multipleSignatures, expected, text)
        }
    }

    func testTypedValues() throws {
        let config = try DaemonConfiguration.parse("""
            Socket local:/run/opendkim/opendkim.sock
            Mode vs
            Canonicalization relaxed/relaxed
            SignatureAlgorithm ed25519-sha256
            UMask 007
            UserID opendkim:opendkim
            PidFile /run/opendkim/opendkim.pid
            AutoRestart Yes
            AutoRestartRate 10/1h
            Background no
            SubDomains yes
            MinimumKeyBits 2048
            DNSTimeout 0x0a
            MaximumSignaturesToVerify 5
            MaximumHeaders 0
            AuthservID HOSTNAME
            AlwaysAddARHeader yes
            Nameservers 127.0.0.1, ::1 ,192.0.2.53
            TrustAnchorFile /usr/share/dns/root.key
            SyslogFacility LOCAL3
            LogWhy yes
            LogResults yes
            RequireSafeKeys no
            OversignHeaders From,Subject
            SignHeaders *,+List-Id
            MetricsListen [::1]:9100
            """)
        XCTAssertEqual(config.socket, "local:/run/opendkim/opendkim.sock")
        XCTAssertEqual(config.mode, .signAndVerify)
        XCTAssertEqual(config.canonicalization, .relaxedRelaxed)
        XCTAssertEqual(config.signatureAlgorithm, .ed25519SHA256)
        XCTAssertEqual(config.umask, 0o007)
        XCTAssertEqual(config.userID, UserAndGroup(user: "opendkim", group: "opendkim"))
        XCTAssertEqual(config.pidFile, "/run/opendkim/opendkim.pid")
        XCTAssertTrue(config.autoRestart)
        XCTAssertEqual(config.autoRestartRate, AutoRestartRate(count: 10, intervalSeconds: 3600))
        XCTAssertFalse(config.background)
        XCTAssertTrue(config.subDomains)
        XCTAssertEqual(config.minimumKeyBits, 2048)
        XCTAssertEqual(config.dnsTimeout, 10)
        XCTAssertEqual(config.maximumSignaturesToVerify, 5)
        XCTAssertEqual(config.maximumHeaders, 0)
        XCTAssertEqual(config.authservID, .hostName)
        XCTAssertTrue(config.alwaysAddARHeader)
        XCTAssertEqual(config.nameservers, ["127.0.0.1", "::1", "192.0.2.53"])
        XCTAssertEqual(config.trustAnchorFile, "/usr/share/dns/root.key")
        XCTAssertEqual(config.syslogFacility, "local3")
        XCTAssertTrue(config.logWhy)
        XCTAssertTrue(config.logResults)
        XCTAssertFalse(config.requireSafeKeys)
        XCTAssertEqual(config.oversignHeaders, ["From", "Subject"])
        XCTAssertEqual(config.signHeaders, ["*", "+List-Id"])
        XCTAssertEqual(config.metricsListen, MetricsListen(host: "::1", port: 9100))
        XCTAssertTrue(config.warnings.isEmpty, "\(config.warnings)")
    }

    func testSmallValueParsers() {
        XCTAssertEqual(AutoRestartRate("5/30"), AutoRestartRate(count: 5, intervalSeconds: 30))
        XCTAssertEqual(AutoRestartRate("3/2D"), AutoRestartRate(count: 3, intervalSeconds: 172_800))
        XCTAssertEqual(AutoRestartRate("10/1m"), AutoRestartRate(count: 10, intervalSeconds: 60))
        XCTAssertNil(AutoRestartRate("10"))
        XCTAssertNil(AutoRestartRate("10/1w"))
        XCTAssertNil(AutoRestartRate("x/1h"))
        XCTAssertEqual(UserAndGroup("opendkim"), UserAndGroup(user: "opendkim", group: nil))
        XCTAssertNil(UserAndGroup("a:b:c"))
        XCTAssertNil(UserAndGroup("a:"))
        XCTAssertEqual(MetricsListen("127.0.0.1:9100"), MetricsListen(host: "127.0.0.1", port: 9100))
        XCTAssertEqual(MetricsListen("localhost:80")?.description, "localhost:80")
        XCTAssertNil(MetricsListen("::1:9100"))
        XCTAssertNil(MetricsListen("host:0"))
        XCTAssertNil(MetricsListen(":9100"))
        XCTAssertEqual(OperatingMode("s"), .sign)
        XCTAssertNil(OperatingMode("x"))
        XCTAssertNil(OperatingMode("sx"))
    }

    func testBadValuesAreFatalAndCarryFileAndLine() {
        let file = "/etc/opendkim.conf"
        let padding = String(repeating: "# padding\n", count: 11)
        let cases: [(String, String)] = [
            ("Canonicalization foo", "/etc/opendkim.conf:12: Canonicalization \"foo\": expected simple or relaxed"),
            ("Canonicalization relaxed/", "/etc/opendkim.conf:12: Canonicalization \"relaxed/\": expected simple or relaxed"),
            ("Mode x", "/etc/opendkim.conf:12: Mode \"x\": expected s, v or sv"),
            ("MinimumKeyBits abc", "/etc/opendkim.conf:12: MinimumKeyBits \"abc\": expected a whole number of bits"),
            ("DNSTimeout -1", "/etc/opendkim.conf:12: DNSTimeout \"-1\": expected a number of seconds, 0 or more"),
            ("Syslog maybe", "/etc/opendkim.conf:12: Syslog \"maybe\": expected yes or no"),
            ("UMask 9", "/etc/opendkim.conf:12: UMask \"9\": expected an octal mask such as 007 or 022"),
            ("SignatureAlgorithm rsa-sha512", "/etc/opendkim.conf:12: SignatureAlgorithm \"rsa-sha512\": expected rsa-sha256 or ed25519-sha256"),
            ("AutoRestartRate 10/1w", "/etc/opendkim.conf:12: AutoRestartRate \"10/1w\": expected restarts/interval with an optional unit s, m, h or d (10/1h)"),
            ("SyslogFacility mial", "/etc/opendkim.conf:12: SyslogFacility \"mial\": expected a syslog facility such as mail, daemon or local0...local7"),
            ("MetricsListen 9100", "/etc/opendkim.conf:12: MetricsListen \"9100\": expected HOST:PORT, with [ ] around an IPv6 address"),
            ("Socket", "/etc/opendkim.conf:12: Socket needs a value"),
            ("Selector bad_selector!", "/etc/opendkim.conf:12: Selector \"bad_selector!\": expected a DKIM selector such as mail or 2024a"),
            ("InternalHosts db:/etc/mail/hosts.db", "/etc/opendkim.conf:12: InternalHosts: dataset type \"db\" is not supported (use file:, refile: or an inline list)"),
        ]
        for (line, expected) in cases {
            let error = configError { _ = try DaemonConfiguration.parse(padding + line + "\nLogWhy no\n", file: file) }
            XCTAssertEqual(error?.description, expected, line)
        }
    }

    func testUnknownAndUnimplementedOptionsAreWarningsNotErrors() throws {
        let config = try DaemonConfiguration.parse("""
            Syslog yes
            Frobnicate on
            On-BadSignature reject
            On-BadSignature tempfail
            X-Header yes
            Frobnicate off
            """, file: "test.conf")
        XCTAssertTrue(config.syslog)
        XCTAssertEqual(config.warnings.map(\.description), [
            "test.conf:2: warning: Frobnicate: unknown option, ignored",
            "test.conf:3: warning: On-BadSignature: OpenDKIM option not implemented, ignored",
            "test.conf:5: warning: X-Header: OpenDKIM option not implemented, ignored",
        ])
        XCTAssertEqual(config.warnings.map(\.kind), [.unknownOption, .notImplemented, .notImplemented])
    }

    func testTheLastOccurrenceWinsWithAWarning() throws {
        let config = try DaemonConfiguration.parse("Mode s\nMode v\n", file: "c")
        XCTAssertEqual(config.mode, .verify)
        XCTAssertEqual(config.warnings.map(\.description), ["c:2: warning: Mode is set again; this line overrides c:1"])
    }

    func testUMaskIsOctalAndWarnsWithoutALeadingZero() throws {
        XCTAssertEqual(try DaemonConfiguration.parse("UMask 002").umask, 0o002)
        XCTAssertEqual(try DaemonConfiguration.parse("UMask 0o22").umask, 0o022)
        let config = try DaemonConfiguration.parse("UMask 27")
        XCTAssertEqual(config.umask, 0o027)
        XCTAssertEqual(config.warnings.map(\.kind), [.openDKIMDifference])
    }

    func testRSASHA1IsReplacedWithAWarning() throws {
        let config = try DaemonConfiguration.parse("SignatureAlgorithm rsa-sha1")
        XCTAssertEqual(config.signatureAlgorithm, .rsaSHA256)
        XCTAssertEqual(config.warnings.count, 1)
    }

    func testIncludeReadsAnotherFileInPlace() throws {
        let dir = try TempDirectory()
        let included = try dir.write("extra.conf", "Mode v\nCanonicalization relaxed/relaxed\nBogus 1\n")
        let main = try dir.write("main.conf", "Mode s\nInclude \(included)\nSyslog yes\n")
        let config = try DaemonConfiguration.load(contentsOf: main)
        XCTAssertEqual(config.mode, .verify)
        XCTAssertEqual(config.canonicalization, .relaxedRelaxed)
        XCTAssertEqual(config.sourceFile, main)
        XCTAssertEqual(config.location(of: "Mode"), ConfigLocation(file: included, line: 1))
        XCTAssertTrue(config.warnings.contains { $0.location == ConfigLocation(file: included, line: 3) })

        let missing = configError { _ = try DaemonConfiguration.parse("Include /nonexistent/x.conf", file: "m") }
        XCTAssertEqual(missing?.description, "m:1: Include \"/nonexistent/x.conf\": No such file or directory")
    }

    func testAnUnreadableConfigurationIsAnError() {
        let error = configError { _ = try DaemonConfiguration.load(contentsOf: "/nonexistent/opendkim.conf") }
        XCTAssertEqual(error?.description, "/nonexistent/opendkim.conf: cannot read the configuration: No such file or directory")
    }

    func testSigningSetUpsMustBeComplete() throws {
        let dir = try TempDirectory()
        let keyTable = try dir.write("KeyTable", "k example.com:mail:/keys/k.private\n")
        let signingTable = try dir.write("SigningTable", "example.com k\n")

        var error = configError { _ = try DaemonConfiguration.parse("Syslog no\nSigningTable \(signingTable)", file: "c") }
        XCTAssertEqual(error?.description, "c:2: SigningTable requires KeyTable")
        error = configError { _ = try DaemonConfiguration.parse("KeyTable \(keyTable)", file: "c") }
        XCTAssertEqual(error?.description, "c:1: KeyTable requires SigningTable")
        error = configError { _ = try DaemonConfiguration.parse("Domain example.com\nKeyFile /k.private", file: "c") }
        XCTAssertEqual(error?.description, "c:2: KeyFile and Selector must both be set or both be unset")
        error = configError { _ = try DaemonConfiguration.parse("Domain example.com", file: "c") }
        XCTAssertEqual(error?.description, "c:1: Domain requires KeyFile and Selector")

        // A verifier needs none of it, as in OpenDKIM.
        XCTAssertNoThrow(try DaemonConfiguration.parse("Mode v\nSigningTable \(signingTable)"))

        // A single-key set-up, and the KeyTable overriding it.
        let single = try DaemonConfiguration.parse("Domain example.com, example.org\nSelector mail\nKeyFile /k.private")
        XCTAssertEqual(single.domains?.keys, ["example.com", "example.org"])
        XCTAssertEqual(single.selector, Selector("mail"))
        XCTAssertEqual(single.keyFile, "/k.private")
        let both = try DaemonConfiguration.parse("KeyTable \(keyTable)\nSigningTable \(signingTable)\nKeyFile /k.private\nSelector s")
        XCTAssertNil(both.keyFile)
        XCTAssertEqual(both.warnings.filter { $0.kind == .ineffective }.count, 2)
    }
}
