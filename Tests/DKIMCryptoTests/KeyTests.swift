import DKIMCrypto
import Foundation
import XCTest

final class KeyTests: XCTestCase {
    func b64(_ s: String) -> [UInt8] { Array(Data(base64Encoded: s)!) }

    func testReadsPKCS1PEM() throws {
        let key = try PrivateKey(bytes: Array(Fixtures.rsaPKCS1PEM.utf8))
        XCTAssertEqual(key.type, .rsa)
        XCTAssertEqual(key.bits, 1024)
        XCTAssertEqual(try key.publicKey.dkimKeyData(), b64(Fixtures.rsaSubjectPublicKeyInfoBase64))
    }

    func testReadsPKCS8DERAndPEMOfTheSameKey() throws {
        let der = try PrivateKey(bytes: b64(Fixtures.rsaPKCS8DERBase64))
        let pem = try PrivateKey(bytes: Array(Fixtures.rsaPKCS1PEM.utf8))
        XCTAssertEqual(der.publicKey, pem.publicKey)
        // Our own PKCS#8 output reads back to the same key.
        let again = try PrivateKey(bytes: Array(try der.pemPKCS8().utf8))
        XCTAssertEqual(again.publicKey, pem.publicKey)
        XCTAssertTrue(try der.pemPKCS8().hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    func testReadsEd25519PKCS8() throws {
        let key = try PrivateKey(bytes: Array(Fixtures.ed25519PKCS8PEM.utf8))
        XCTAssertEqual(key.type, .ed25519)
        XCTAssertEqual(try key.publicKey.dkimKeyData().count, 32)
    }

    func testPublicKeyFromBareRSAPublicKeyAndSPKIAreEqual() throws {
        let spki = try PublicKey(dkimKeyData: b64(Fixtures.rsaSubjectPublicKeyInfoBase64), type: .rsa)
        let bare = try PublicKey(dkimKeyData: b64(Fixtures.rsaPublicKeyPKCS1Base64), type: .rsa)
        XCTAssertEqual(spki, bare)
        XCTAssertEqual(bare.bits, 1024)
    }

    func testRejectsWrongOrBrokenPublicKeys() {
        XCTAssertThrowsError(try PublicKey(dkimKeyData: [1, 2, 3], type: .rsa))
        XCTAssertThrowsError(try PublicKey(dkimKeyData: [], type: .rsa))
        XCTAssertThrowsError(try PublicKey(dkimKeyData: Array(repeating: 7, count: 31), type: .ed25519)) { error in
            XCTAssertTrue("\(error)".contains("32 bytes"), "\(error)")
        }
    }

    func testRejectsNonKeysWithAReason() {
        XCTAssertThrowsError(try PrivateKey(bytes: Array("hello".utf8))) { error in
            XCTAssertEqual((error as? DKIMCryptoError)?.isNotAKey, true)
        }
        let truncated = String(Fixtures.rsaPKCS1PEM.prefix(200)) + "\n-----END RSA PRIVATE KEY-----\n"
        XCTAssertThrowsError(try PrivateKey(bytes: Array(truncated.utf8))) { error in
            XCTAssertTrue("\(error)".contains("PEM"), "\(error)")
        }
        // An EC key is a key, but not one DKIM can use.
        XCTAssertThrowsError(try PrivateKey(bytes: Array(Fixtures.ecP256PEM.utf8))) { error in
            XCTAssertTrue("\(error)".contains("neither RSA nor Ed25519"), "\(error)")
        }
    }

    func testSignAndVerifyRoundTrips() throws {
        for key in [try PrivateKey.generate(.rsa, bits: 1024), try PrivateKey.generate(.ed25519)] {
            for algorithm in DigestAlgorithm.allCases where !(key.type == .ed25519 && algorithm == .sha1) {
                let digest = HashContext.hash(algorithm, Array("message".utf8))
                let signature = try key.sign(digest: digest, algorithm: algorithm)
                XCTAssertTrue(key.publicKey.verify(signature: signature, digest: digest, algorithm: algorithm))
                var bad = digest
                bad[0] ^= 1
                XCTAssertFalse(key.publicKey.verify(signature: signature, digest: bad, algorithm: algorithm))
            }
        }
    }

    func testGenerateRefusesShortRSA() {
        XCTAssertThrowsError(try PrivateKey.generate(.rsa, bits: 512))
    }

    func testStreamingHashMatchesOneShot() {
        let data = Array((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let context = HashContext(.sha256)
        context.update(data[0..<3])
        context.update(data[3..<5000])
        context.update(data[5000...])
        XCTAssertEqual(context.finalize(), HashContext.hash(.sha256, data))
        // FIPS 180 "abc" vectors.
        XCTAssertEqual(HashContext.hash(.sha256, Array("abc".utf8)).map { String(format: "%02x", $0) }.joined(),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(HashContext.hash(.sha1, Array("abc".utf8)).map { String(format: "%02x", $0) }.joined(),
                       "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
