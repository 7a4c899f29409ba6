import DKIM
import DKIMCrypto
import XCTest

final class CanonicalizationTests: XCTestCase {
    // RFC 6376 §3.4.5, typed in from the RFC.
    let exampleHeaders = ["A: X", "B : Y\t\r\n\tZ  "]
    let exampleBody = " C \r\nD \t E\r\n\r\n\r\n"

    func testRFC6376ExampleRelaxedHeaders() {
        let out = exampleHeaders.flatMap { HeaderField(raw: Array($0.utf8)).canonicalized(.relaxed) }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "a:X\r\nb:Y Z\r\n")
    }

    func testRFC6376ExampleSimpleHeaders() {
        let out = exampleHeaders.flatMap { HeaderField(raw: Array($0.utf8)).canonicalized(.simple) }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "A: X\r\nB : Y\t\r\n\tZ  \r\n")
    }

    func testRFC6376ExampleBodies() {
        XCTAssertEqual(canonicalBody([exampleBody], .relaxed), " C\r\nD E\r\n")
        XCTAssertEqual(canonicalBody([exampleBody], .simple), " C \r\nD \t E\r\n")
    }

    func testEmptyBodies() {
        // RFC 6376 §3.4.3: an empty body is CRLF under simple; §3.4.4 (errata 1384): nothing under relaxed.
        XCTAssertEqual(canonicalBody([], .simple), "\r\n")
        XCTAssertEqual(canonicalBody([], .relaxed), "")
        XCTAssertEqual(canonicalBody(["\r\n\r\n"], .simple), "\r\n")
        XCTAssertEqual(canonicalBody(["\r\n \t\r\n"], .relaxed), "")
        // The well-known hashes of those two bodies.
        XCTAssertEqual(Base64.encode(bodyHash([], .simple)), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")
        XCTAssertEqual(Base64.encode(bodyHash([], .relaxed)), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    func testMissingFinalLineEndIsAdded() {
        XCTAssertEqual(canonicalBody(["abc"], .simple), "abc\r\n")
        XCTAssertEqual(canonicalBody(["abc  "], .relaxed), "abc\r\n")
    }

    func testBareLFIsCRLF() {
        XCTAssertEqual(canonicalBody(["a\nb\n\n\n"], .simple), "a\r\nb\r\n")
        XCTAssertEqual(canonicalBody(["a \t\nb\n"], .relaxed), "a\r\nb\r\n")
    }

    func testLoneCRIsContent() {
        XCTAssertEqual(canonicalBody(["a\rb\r\n"], .simple), "a\rb\r\n")
        XCTAssertEqual(canonicalBody(["a\r"], .simple), "a\r\r\n")
        XCTAssertEqual(canonicalBody(["a \r"], .relaxed), "a \r\r\n")
    }

    func testInteriorBlankLinesKept() {
        XCTAssertEqual(canonicalBody(["a\r\n\r\n\r\nb\r\n\r\n"], .simple), "a\r\n\r\n\r\nb\r\n")
        XCTAssertEqual(canonicalBody(["  a\r\n \r\n\r\nb"], .relaxed), " a\r\n\r\n\r\nb\r\n")
    }

    func testChunkSplitTables() {
        // Each case lists chunks whose joined form is the body; all splittings must agree.
        let cases: [[String]] = [
            ["\r\n", "\r", "\n"],
            ["abc\r", "\n\r", "\n\r\n"],
            ["a  ", "  b\t", "\t\r", "\n"],
            ["x\r\n\r", "\n\r\n", "y"],
            ["line \r", "\n \r\n", "\t\r\n"],
        ]
        for chunks in cases {
            for algorithm in CanonicalizationAlgorithm.allCases {
                XCTAssertEqual(canonicalBody(chunks, algorithm), canonicalBody([chunks.joined()], algorithm),
                               "\(chunks) \(algorithm)")
            }
        }
    }

    func testEverySplitPointOfShortInputsGivesTheSameHash() {
        let inputs = [
            "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n\r\n",
            " C \r\nD \t E\r\n\r\n\r\n",
            "a\n\n b \t\n\r\n \r\n\t\n",
            "\r\n\r\n\r\n",
            "no final newline \t ",
            "lone\rcr\r\r\n\r",
        ]
        for input in inputs {
            let bytes = Array(input.utf8)
            for algorithm in CanonicalizationAlgorithm.allCases {
                let whole = bodyHash(bytes, algorithm)
                for first in 0...bytes.count {
                    for second in first...bytes.count {
                        let split = bodyHash(bytes, algorithm, chunks: [first, second - first])
                        XCTAssertEqual(split, whole, "\(algorithm) split at \(first),\(second) of \(input.debugDescription)")
                    }
                }
            }
        }
    }

    func testPropertiesOnRandomBodies() {
        var rng = SeededGenerator(seed: 6376)
        let alphabet: [UInt8] = Array("ab \t\r\n\n  x".utf8)
        for _ in 0..<300 {
            let length = Int.random(in: 0..<80, using: &rng)
            let body = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
            for algorithm in CanonicalizationAlgorithm.allCases {
                // Output does not depend on chunking.
                var sizes: [Int] = []
                var left = length
                while left > 0 { let n = Int.random(in: 1...max(1, left), using: &rng); sizes.append(n); left -= n }
                XCTAssertEqual(bodyHash(body, algorithm, chunks: sizes), bodyHash(body, algorithm))
                // Simple output always ends in CRLF; relaxed output is empty or ends in CRLF.
                let once = canonicalBody([String(decoding: body, as: UTF8.self)], algorithm)
                if algorithm == .simple { XCTAssertTrue(once.hasSuffix("\r\n")) }
                if algorithm == .relaxed { XCTAssertTrue(once.isEmpty || once.hasSuffix("\r\n")) }
                // Canonicalization is idempotent.
                XCTAssertEqual(canonicalBody([once], algorithm), once)
            }
            // Relaxed header canonicalization is idempotent.
            let value = String(decoding: body.filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
            let field = HeaderField(raw: Array("X-Test :\(value)".utf8))
            let canonical = field.canonicalized(.relaxed).dropLast(2)
            XCTAssertEqual(HeaderField(raw: canonical).canonicalized(.relaxed).dropLast(2), canonical)
        }
    }

    func testRelaxedHeaderDetails() {
        func relaxed(_ s: String) -> String { String(decoding: HeaderField(raw: Array(s.utf8)).canonicalized(.relaxed), as: UTF8.self) }
        XCTAssertEqual(relaxed("SUBJECT:  Hello   World \t "), "subject:Hello World\r\n")
        XCTAssertEqual(relaxed("To:\r\n\tsomeone"), "to:someone\r\n")
        XCTAssertEqual(relaxed("X-Empty:"), "x-empty:\r\n")
        XCTAssertEqual(relaxed("X-Folded: a\n b"), "x-folded:a b\r\n")
        // 8-bit bytes pass through untouched.
        XCTAssertEqual(relaxed("Subject: caf\u{e9}"), "subject:caf\u{e9}\r\n")
    }
}
