import DKIM
import XCTest

/// Compares the streaming canonicalizer with a plain, line-by-line reading of RFC 6376 §3.4.3/§3.4.4 on long
/// random bodies, so the word-at-a-time fast paths meet every byte pattern at every alignment.
final class CanonicalizationReferenceTests: XCTestCase {
    /// Line-based reference: lines end at CRLF or bare LF; a CR not followed by LF is content.
    func reference(_ body: [UInt8], _ algorithm: CanonicalizationAlgorithm) -> [UInt8] {
        var lines: [[UInt8]] = []
        var line: [UInt8] = []
        var index = 0
        while index < body.count {
            let byte = body[index]
            if byte == 0x0A || (byte == 0x0D && index + 1 < body.count && body[index + 1] == 0x0A) {
                lines.append(line)
                line = []
                index += byte == 0x0D ? 2 : 1
                continue
            }
            line.append(byte)
            index += 1
        }
        if !line.isEmpty { lines.append(line) }
        if algorithm == .relaxed {
            lines = lines.map { line in
                var out: [UInt8] = []
                var space = false
                for byte in line {
                    if byte == 0x20 || byte == 0x09 { space = true; continue }
                    if space { out.append(0x20); space = false }
                    out.append(byte)
                }
                return out
            }
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        if lines.isEmpty { return algorithm == .simple ? [0x0D, 0x0A] : [] }
        return lines.flatMap { $0 + [0x0D, 0x0A] }
    }

    func testMatchesReferenceOnLongRandomBodies() {
        var rng = SeededGenerator(seed: 8463)
        let alphabets: [[UInt8]] = [
            Array("abcdefgh ".utf8),
            Array("ab  \t\r\n".utf8),
            Array("abcdefghijklmnop \r\n".utf8) + [0xC3, 0xA9, 0x00, 0x7F],
            Array("x \n".utf8),
            Array("\r\n \t".utf8),
        ]
        for round in 0..<400 {
            let alphabet = alphabets[round % alphabets.count]
            let length = Int.random(in: 0..<600, using: &rng)
            let body = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
            for algorithm in CanonicalizationAlgorithm.allCases {
                let expected = reference(body, algorithm)
                var sizes: [Int] = []
                var left = length
                while left > 0 { let n = Int.random(in: 1...max(1, min(left, 40)), using: &rng); sizes.append(n); left -= n }
                var canonicalizer = BodyCanonicalizer(algorithm)
                var out: [UInt8] = []
                var start = 0
                for size in sizes {
                    canonicalizer.update(body[start..<(start + size)]) { out.append(contentsOf: $0) }
                    start += size
                }
                canonicalizer.finish { out.append(contentsOf: $0) }
                XCTAssertEqual(out, expected, "round \(round) \(algorithm) body \(body)")
                if out != expected { return }
            }
        }
    }

    func testLongRunsOfBlankLinesAcrossBlocks() {
        // More held-back line ends than one output block holds, then content.
        let body = Array(String(repeating: "\r\n", count: 40_000).utf8) + Array("x\r\n\r\n".utf8)
        for algorithm in CanonicalizationAlgorithm.allCases {
            XCTAssertEqual(canonicalBody([String(decoding: body, as: UTF8.self)], algorithm),
                           String(decoding: reference(body, algorithm), as: UTF8.self))
        }
    }
}
