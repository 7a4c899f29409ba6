@testable import DKIMConfig
import DKIM
import DKIMCrypto
import XCTest

final class SigningPolicyTests: XCTestCase {
    /// Writes `files` (with `$DIR` replaced by the scratch directory) and the test keys, then loads `conf`.
    private func policy(_ conf: String, files: [String: String] = [:]) throws -> (SigningPolicy, String) {
        let dir = try TempDirectory()
        try dir.writeKey("keys/rsa.private", TestKeys.rsa)
        try dir.writeKey("keys/rsa2.private", TestKeys.rsa2)
        try dir.writeKey("keys/ed.private", TestKeys.ed25519)
        for (name, text) in files {
            try dir.write(name, text.replacingOccurrences(of: "$DIR", with: dir.path))
        }
        let config = try DaemonConfiguration.parse(conf.replacingOccurrences(of: "$DIR", with: dir.path), file: "opendkim.conf")
        let keys = try KeyLoader(safety: testSafety()).loadKeys(for: config)
        return (SigningPolicy(configuration: config, keys: keys), dir.path)
    }

    private static let tables: [String: String] = [
        "KeyTable": "mail._domainkey.example.com example.com:mail:$DIR/keys/rsa.private\n",
        "SigningTable": "*@example.com mail._domainkey.example.com\n",
        "TrustedHosts": "127.0.0.1\nlocalhost\n10.0.0.0/8\n",
    ]

    private static let standard = """
        KeyTable refile:$DIR/KeyTable
        SigningTable refile:$DIR/SigningTable
        InternalHosts refile:$DIR/TrustedHosts
        ExternalIgnoreList 198.51.100.0/24
        """

    func testAnInternalClientSendingAsASigningDomainIsSigned() throws {
        let (policy, dir) = try policy(Self.standard, files: Self.tables)
        let decision = policy.decide(MessageFacts(clientAddress: ip("10.1.2.3"), clientHostName: "app.internal",
                                                  fromAddress: "alice@example.com"))
        let keys = try XCTUnwrap(decision.signingKeys)
        XCTAssertEqual(keys.count, 1)
        XCTAssertEqual(keys[0].domain, DomainName("example.com"))
        XCTAssertEqual(keys[0].selector, Selector("mail"))
        XCTAssertEqual(keys[0].algorithm, .rsaSHA256)
        XCTAssertEqual(keys[0].keyName, "mail._domainkey.example.com")
        XCTAssertEqual(keys[0].key.publicKey, TestKeys.rsa.publicKey)
        XCTAssertEqual(keys[0].signingTableLocation, ConfigLocation(file: "\(dir)/SigningTable", line: 1))
        XCTAssertEqual(keys[0].keyLocation, ConfigLocation(file: "\(dir)/KeyTable", line: 1))
        XCTAssertNil(keys[0].identity)
        XCTAssertEqual(decision.reasons, [
            "InternalHosts \(dir)/TrustedHosts:3 (10.0.0.0/8) matches 10.1.2.3",
            "SigningTable \(dir)/SigningTable:1 (*@example.com) matches alice@example.com: key mail._domainkey.example.com",
            "KeyTable \(dir)/KeyTable:1 (mail._domainkey.example.com): d=example.com s=mail rsa-sha256 (rsa, 1024 bits)",
            "signing with 1 key",
        ])
        XCTAssertNil(decision.externalSenderNotice)
    }

    func testAnAuthenticatedOutsideClientIsSigned() throws {
        let (policy, _) = try policy(Self.standard, files: Self.tables)
        let decision = policy.decide(MessageFacts(clientAddress: ip("203.0.113.9"), clientHostName: "laptop.isp.example",
                                                  authenticated: true, fromAddress: "Alice <alice@example.com>"))
        XCTAssertEqual(decision.signingKeys?.count, 1)
        XCTAssertTrue(decision.reasons.contains("client authenticated ({auth_type} is set)"))
    }

    func testAnUnauthenticatedOutsideClientIsVerifiedWithANotice() throws {
        let (policy, _) = try policy(Self.standard, files: Self.tables)
        let decision = policy.decide(MessageFacts(clientAddress: ip("203.0.113.9"), clientHostName: "mx.elsewhere.example",
                                                  fromAddress: "alice@example.com"))
        XCTAssertTrue(decision.isVerify)
        XCTAssertEqual(decision.externalSenderNotice,
                       "external host mx.elsewhere.example [203.0.113.9] attempted to send as example.com")
        XCTAssertTrue(decision.reasons.contains("InternalHosts: mx.elsewhere.example [203.0.113.9] is not internal"))
        XCTAssertTrue(decision.reasons.contains("not authenticated"))

        // ExternalIgnoreList silences the notice and changes nothing else.
        let ignored = policy.decide(MessageFacts(clientAddress: ip("198.51.100.4"), fromAddress: "alice@example.com"))
        XCTAssertTrue(ignored.isVerify)
        XCTAssertNil(ignored.externalSenderNotice)
        XCTAssertTrue(ignored.reasons.contains { $0.hasPrefix("ExternalIgnoreList opendkim.conf:4 (198.51.100.0/24) matches 198.51.100.4") })

        // Mail from domains we hold no key for is simply verified.
        let foreign = policy.decide(MessageFacts(clientAddress: ip("203.0.113.9"), fromAddress: "news@other.example"))
        XCTAssertTrue(foreign.isVerify)
        XCTAssertNil(foreign.externalSenderNotice)
    }

    func testOurMailFromADomainWithoutAKeyIsVerifiedAsOpenDKIMDoes() throws {
        let (policy, dir) = try policy(Self.standard, files: Self.tables)
        let decision = policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), clientHostName: "localhost",
                                                  fromAddress: "root@other.example"))
        XCTAssertTrue(decision.isVerify)
        XCTAssertEqual(decision.reasons, [
            "InternalHosts \(dir)/TrustedHosts:2 (localhost) matches localhost",
            "SigningTable opendkim.conf:2: no entry for root@other.example",
            "nothing to sign for other.example: verifying, as OpenDKIM does",
        ])
        // Without verifying it is left alone.
        let (signOnly, _) = try self.policy(Self.standard + "\nMode s", files: Self.tables)
        let skipped = signOnly.decide(MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "root@other.example"))
        XCTAssertEqual(skipped.skipReason, .verifyingDisabled)
    }

    func testSignOnlyModeLeavesOutsideMailAlone() throws {
        let (policy, _) = try policy(Self.standard + "\nMode s", files: Self.tables)
        let decision = policy.decide(MessageFacts(clientAddress: ip("203.0.113.9"), fromAddress: "someone@example.net"))
        XCTAssertEqual(decision.skipReason, .verifyingDisabled)
        XCTAssertNotNil(policy.decide(MessageFacts(clientAddress: ip("10.0.0.1"), fromAddress: "a@example.com")).signingKeys)
    }

    func testVerifyOnlyModeLeavesOurSignableMailAlone() throws {
        let (policy, _) = try policy(Self.standard + "\nMode v", files: Self.tables)
        XCTAssertEqual(policy.keys.count, 0)
        let ours = policy.decide(MessageFacts(clientAddress: ip("10.0.0.1"), fromAddress: "a@example.com"))
        XCTAssertEqual(ours.skipReason, .signingDisabled)
        XCTAssertTrue(policy.decide(MessageFacts(clientAddress: ip("203.0.113.9"), fromAddress: "a@example.com")).isVerify)
    }

    func testTheMTADaemonNameMarksMailAsOurs() throws {
        let (policy, _) = try policy("""
            KeyTable refile:$DIR/KeyTable
            SigningTable refile:$DIR/SigningTable
            InternalHosts -
            MTA ORIGINATING, submission
            """, files: Self.tables)
        let signed = policy.decide(MessageFacts(clientAddress: ip("203.0.113.9"), daemonName: "ORIGINATING",
                                                fromAddress: "a@example.com"))
        XCTAssertNotNil(signed.signingKeys)
        XCTAssertTrue(signed.reasons.contains("MTA opendkim.conf:4 (ORIGINATING) matches daemon name ORIGINATING"))
        // Compared case-sensitively, as OpenDKIM opens the MTA data set without its case-folding flag.
        let other = policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), daemonName: "originating",
                                               fromAddress: "a@example.com"))
        XCTAssertTrue(other.isVerify)
    }

    func testMacroListMatchesNamesAndValues() throws {
        let (policy, _) = try policy(Self.standard + "\nMacroList daemon_name=ORIGINATING|SUBMISSION, {auth_authen}",
                                     files: Self.tables)
        func decide(_ macros: [String: String]) -> PolicyDecision {
            policy.decide(MessageFacts(clientAddress: ip("203.0.113.9"), macros: macros, fromAddress: "a@example.com"))
        }
        XCTAssertNotNil(decide(["{daemon_name}": "SUBMISSION"]).signingKeys)
        XCTAssertNotNil(decide(["auth_authen": "bob"]).signingKeys, "a name without values matches any value")
        XCTAssertTrue(decide(["daemon_name": "smtpd"]).isVerify)
        XCTAssertTrue(decide(["daemon_name": "submission"]).isVerify, "values are case-sensitive")
        XCTAssertTrue(decide([:]).isVerify)
    }

    func testMultipleSignaturesWithAnRSAAndAnEd25519Key() throws {
        var files = Self.tables
        files["KeyTable"] = """
            rsa._domainkey.example.com example.com:rsa2024:$DIR/keys/rsa.private
            ed._domainkey.example.com example.com:ed2024:$DIR/keys/ed.private

            """
        files["SigningTable"] = "*@example.com rsa._domainkey.example.com\n*@example.com ed._domainkey.example.com\n"
        let facts = MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "alice@example.com")

        let (multi, dir) = try policy(Self.standard + "\nMultipleSignatures yes", files: files)
        let keys = try XCTUnwrap(multi.decide(facts).signingKeys)
        XCTAssertEqual(keys.map(\.selector.value), ["rsa2024", "ed2024"])
        XCTAssertEqual(keys.map(\.algorithm), [.rsaSHA256, .ed25519SHA256])
        XCTAssertEqual(keys.map(\.key.type), [.rsa, .ed25519])
        XCTAssertEqual(keys.map { $0.signingTableLocation?.line }, [1, 2])
        XCTAssertEqual(keys.map(\.keyLocation), [ConfigLocation(file: "\(dir)/KeyTable", line: 1),
                                                 ConfigLocation(file: "\(dir)/KeyTable", line: 2)])
        // Both go into one signer's requests.
        let requests = keys.map(multi.signingRequest(for:))
        XCTAssertEqual(requests.map(\.algorithm), [.rsaSHA256, .ed25519SHA256])

        let (single, _) = try policy(Self.standard, files: files)
        XCTAssertEqual(single.decide(facts).signingKeys?.map(\.selector.value), ["rsa2024"])
    }

    func testPercentInTheKeyTableSignsAsTheFromDomain() throws {
        var files = Self.tables
        files["KeyTable"] = "shared %:shared:$DIR/keys/rsa.private\n"
        files["SigningTable"] = "* shared\n"
        let (policy, _) = try policy("""
            KeyTable $DIR/KeyTable
            SigningTable $DIR/SigningTable
            """, files: files)
        let keys = policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "x@Customer.example")).signingKeys
        XCTAssertEqual(keys?.first?.domain, DomainName("customer.example"))
    }

    func testSingleKeySetUpWithSubDomains() throws {
        let conf = """
            Domain example.com
            Selector s2024
            KeyFile $DIR/keys/rsa.private
            """
        let facts = MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "a@sub.example.com")
        let (plain, _) = try policy(conf)
        XCTAssertTrue(plain.decide(facts).isVerify)
        XCTAssertEqual(plain.decide(MessageFacts(clientAddress: ip("::1"), fromAddress: "a@example.com")).signingKeys?.first?.domain,
                       DomainName("example.com"))

        let (sub, _) = try policy(conf + "\nSubDomains yes")
        let key = try XCTUnwrap(sub.decide(facts).signingKeys?.first)
        XCTAssertEqual(key.domain, DomainName("example.com"))
        XCTAssertEqual(key.identity, "@sub.example.com")
        XCTAssertEqual(key.keyName, LoadedKeys.keyFileName)
        XCTAssertEqual(key.keyLocation, ConfigLocation(file: "opendkim.conf", line: 3))
    }

    func testPeersAndMessagesWithoutAFromAddressAreSkipped() throws {
        let (policy, _) = try policy(Self.standard + "\nPeerList 192.0.2.0/24", files: Self.tables)
        XCTAssertEqual(policy.decide(MessageFacts(clientAddress: ip("192.0.2.5"), fromAddress: "a@example.com")).skipReason,
                       .peerList)
        XCTAssertEqual(policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: nil)).skipReason, .noUsableFrom)
        XCTAssertEqual(policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "undisclosed-recipients:;")).skipReason,
                       .noUsableFrom)
    }

    func testTheFromAddressAsTheMilterExtractsIt() {
        XCTAssertEqual(SigningPolicy.senderAddress("john doe@Example.COM."), MailAddress(localPart: "john doe", domain: "example.com"))
        XCTAssertEqual(SigningPolicy.senderAddress("Alice <alice@example.com>"), MailAddress(localPart: "alice", domain: "example.com"))
        XCTAssertNil(SigningPolicy.senderAddress("alice@"))
        XCTAssertNil(SigningPolicy.senderAddress("alice"))
        XCTAssertNil(SigningPolicy.senderAddress("alice@[192.0.2.1]"))
    }

    func testSignerIdentityAndSigningRequest() throws {
        var files = Self.tables
        files["SigningTable"] = "alice@example.com mail._domainkey.example.com:alice@%\n*@example.com mail._domainkey.example.com:bob@other.example\n"
        let (policy, _) = try policy(Self.standard + """

            Canonicalization relaxed/simple
            OversignHeaders From
            OmitHeaders *,+Subject
            """, files: files)
        let alice = try XCTUnwrap(policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "alice@example.com")).signingKeys?.first)
        XCTAssertEqual(alice.identity, "alice@example.com")
        let bobDecision = policy.decide(MessageFacts(clientAddress: ip("127.0.0.1"), fromAddress: "bob@example.com"))
        XCTAssertNil(bobDecision.signingKeys?.first?.identity, "an i= outside d= is dropped")
        XCTAssertTrue(bobDecision.reasons.contains("signer bob@other.example is not within d=example.com: no i= tag"))

        let request = policy.signingRequest(for: alice)
        XCTAssertEqual(request.canonicalization, Canonicalization(header: .relaxed, body: .simple))
        XCTAssertEqual(request.oversign, ["From"])
        XCTAssertEqual(request.identity, "alice@example.com")
        XCTAssertEqual(request.domain, DomainName("example.com"))
        XCTAssertFalse(request.headers?.contains("Subject") ?? true)
        XCTAssertTrue(request.headers?.contains("From") ?? false)
    }
}
