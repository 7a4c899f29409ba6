import DKIM
import XCTest

final class ParserTests: XCTestCase {
    func testTagListValuesAndPositions() throws {
        let text = " v=1;\r\n\ta = rsa-sha256 ; b=AB\r\n CD ;bh=x; z=; "
        let tags = try TagList(parsing: text)
        XCTAssertEqual(tags.tags.map(\.name), ["v", "a", "b", "bh", "z"])
        XCTAssertEqual(tags["a"], "rsa-sha256")
        XCTAssertEqual(tags["b"], "AB\r\n CD")
        XCTAssertEqual(tags["z"], "")
        let b = try XCTUnwrap(tags.tags.first { $0.name == "b" })
        let bytes = Array(text.utf8)
        XCTAssertEqual(String(decoding: bytes[b.valueRange], as: UTF8.self), "AB\r\n CD ")
    }

    func testTagListErrors() {
        XCTAssertThrowsError(try TagList(parsing: "a=1; a=2")) { XCTAssertEqual("\($0)", "duplicate tag a=") }
        XCTAssertThrowsError(try TagList(parsing: "a=1; junk")) { XCTAssertTrue("\($0)".contains("without '='")) }
        XCTAssertThrowsError(try TagList(parsing: "1a=1")) { XCTAssertTrue("\($0)".contains("invalid tag name")) }
        XCTAssertThrowsError(try TagList(parsing: "=1"))
        XCTAssertNoThrow(try TagList(parsing: "a=1;;b=2;"))
    }

    func testKeyRecord() throws {
        let record = try KeyRecord(parsing: "v=DKIM1; k=ed25519; h=sha256; s=email; t=y:s; n=hi; x=unknown; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        XCTAssertEqual(record.keyType, .ed25519)
        XCTAssertEqual(record.hashAlgorithms, ["sha256"])
        XCTAssertEqual(record.serviceTypes, ["email"])
        XCTAssertTrue(record.testing)
        XCTAssertTrue(record.strictIdentity)
        XCTAssertEqual(record.publicKeyData.count, 32)
        let defaults = try KeyRecord(parsing: "p=")
        XCTAssertEqual(defaults.keyType, .rsa)
        XCTAssertEqual(defaults.serviceTypes, ["*"])
        XCTAssertTrue(defaults.isRevoked)
        XCTAssertThrowsError(try KeyRecord(parsing: "k=rsa; v=DKIM1; p=")) { XCTAssertTrue("\($0)".contains("first tag")) }
        XCTAssertThrowsError(try KeyRecord(parsing: "v=DKIM1; k=dsa; p=AAAA")) { XCTAssertTrue("\($0)".contains("unknown key type")) }
        XCTAssertThrowsError(try KeyRecord(parsing: "v=DKIM1; k=rsa")) { XCTAssertTrue("\($0)".contains("no p=")) }
        XCTAssertThrowsError(try KeyRecord(parsing: "v=DKIM1; p=!!!!")) { XCTAssertTrue("\($0)".contains("base64")) }
    }

    func testBase64() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 5) }
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
        }
        XCTAssertEqual(Base64.decode("Zm9v\r\n\t YmFy"), Array("foobar".utf8))
        XCTAssertEqual(Base64.decode("Zm8="), Array("fo".utf8))
        XCTAssertNil(Base64.decode("Zm8"))
        XCTAssertNil(Base64.decode("Zm=8"))
        XCTAssertNil(Base64.decode("Zm8=Zm8="))
        XCTAssertNil(Base64.decode("Zm$v"))
    }

    func testMessageParserHandlesFoldingLineEndsAndChunks() throws {
        let text = "From: a@example.com\nSubject: one\n two\r\nX: y\n\nbody\n"
        let whole = try parseMessage(Array(text.utf8))
        XCTAssertEqual(whole.headers.count, 3)
        XCTAssertEqual(String(decoding: whole.headers[1].raw, as: UTF8.self), "Subject: one\r\n two")
        XCTAssertEqual(whole.body, Array("body\n".utf8))
        // Byte-by-byte feeding gives the same result.
        var parser = MessageParser()
        var headers: [HeaderField] = []
        var body: [UInt8] = []
        for byte in Array(text.utf8) {
            try [byte].withUnsafeBytes { raw in
                try parser.feed(raw) { event in
                    if case .headers(let h) = event { headers = h }
                    if case .body(let b) = event { body.append(contentsOf: b) }
                }
            }
        }
        XCTAssertEqual(headers, whole.headers)
        XCTAssertEqual(body, whole.body)
        XCTAssertTrue(parser.usesBareLF)
    }

    func testMessageParserErrors() {
        XCTAssertThrowsError(try parseMessage([])) { XCTAssertEqual("\($0)", "empty message") }
        XCTAssertThrowsError(try parseMessage(Array("From: a\nTo: b\n".utf8))) { XCTAssertTrue("\($0)".contains("no blank line")) }
        XCTAssertThrowsError(try parseMessage(Array(" folded\nFrom: a\n\n".utf8))) { XCTAssertTrue("\($0)".contains("continuation")) }
        XCTAssertThrowsError(try parseMessage(Array("not a header\n\nbody".utf8))) { XCTAssertTrue("\($0)".contains("no colon")) }
        let many = String(repeating: "X: y\n", count: 10_001) + "\n"
        XCTAssertThrowsError(try parseMessage(Array(many.utf8))) { XCTAssertTrue("\($0)".contains("more than 10000")) }
    }

    func testHeaderFieldNormalizesBareLF() {
        let field = HeaderField(raw: Array("Subject: a\n\tb\n".utf8))
        XCTAssertEqual(field.raw, Array("Subject: a\r\n\tb".utf8))
        XCTAssertEqual(field.name, "Subject")
        XCTAssertEqual(field.unfoldedValue, "a\tb")
        XCTAssertTrue(field.hasName("SUBJECT"))
    }
}
