import DKIM
import DKIMCrypto
import Foundation
import XCTest

/// Splits a whole message (CRLF or LF) into header fields and body bytes with the parser under test.
func parseMessage(_ bytes: [UInt8]) throws -> (headers: [HeaderField], body: [UInt8]) {
    var parser = MessageParser()
    var headers: [HeaderField] = []
    var body: [UInt8] = []
    try bytes.withUnsafeBytes { raw in
        try parser.feed(raw) { event in
            switch event {
            case .headers(let fields): headers = fields
            case .body(let chunk): body.append(contentsOf: chunk)
            }
        }
    }
    try parser.finish()
    return (headers, body)
}

func vector(_ name: String) throws -> [UInt8] {
    let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Vectors"))
    return Array(try Data(contentsOf: url))
}

func bodyHash(_ body: [UInt8], _ algorithm: CanonicalizationAlgorithm, digest: DigestAlgorithm = .sha256, chunks: [Int]? = nil) -> [UInt8] {
    let hasher = BodyHasher(.init(canonicalization: algorithm, digest: digest))
    if let chunks {
        var start = 0
        for size in chunks {
            let end = min(body.count, start + size)
            hasher.update(body[start..<end])
            start = end
        }
        hasher.update(body[start...])
    } else {
        hasher.update(body)
    }
    return hasher.finish()
}

func canonicalBody(_ chunks: [String], _ algorithm: CanonicalizationAlgorithm) -> String {
    var canonicalizer = BodyCanonicalizer(algorithm)
    var out: [UInt8] = []
    for chunk in chunks { canonicalizer.update(Array(chunk.utf8)) { out.append(contentsOf: $0) } }
    canonicalizer.finish { out.append(contentsOf: $0) }
    return String(decoding: out, as: UTF8.self)
}

/// A small deterministic generator (SplitMix64) so property tests need no dependency and replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let fixedNow: @Sendable () -> UInt64 = { 1_700_000_000 }
