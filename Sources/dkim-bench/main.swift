// dkim-bench: prints throughput and latency figures for the DKIM core. Not a test: it asserts nothing.
// Build with `swift build -c release --product dkim-bench`; scripts/bench.sh runs it beside `openssl speed`.
import DKIM
import DKIMCrypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs `body` repeatedly for about `seconds` and returns seconds per iteration (best of 3 rounds).
func measure(seconds: Double = 1.0, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<3 {
        var iterations = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            try body()
            iterations += 1
            elapsed = now() - start
        } while elapsed < seconds / 3
        best = min(best, elapsed / Double(iterations))
    }
    return best
}

/// Deterministic mail-like text: words, runs of spaces, tabs, trailing whitespace, blank lines.
func makeBody(bytes: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes + 100)
    var state: UInt64 = 42
    let words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "DKIM", "signature", "mail", "server"].map { Array($0.utf8) }
    var column = 0
    while out.count < bytes {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let r = Int(state >> 33)
        out.append(contentsOf: words[r % words.count])
        column += 6
        switch r % 17 {
        case 0: out.append(contentsOf: [0x20, 0x20, 0x20])
        case 1: out.append(0x09)
        default: out.append(0x20)
        }
        if column > 70 {
            if r % 5 == 0 { out.append(0x20) }
            out.append(contentsOf: [0x0D, 0x0A])
            if r % 11 == 0 { out.append(contentsOf: [0x0D, 0x0A]) }
            column = 0
        }
    }
    out.append(contentsOf: [0x0D, 0x0A])
    return out
}

let headerText = """
From: Alice Example <alice@example.com>\r
To: Bob Example <bob@example.net>\r
Subject: Quarterly figures\r
Date: Thu, 26 Nov 2026 12:00:00 +0000\r
Message-ID: <bench.1@example.com>\r
MIME-Version: 1.0\r
Content-Type: text/plain; charset=utf-8\r

"""

func parseHeaders() -> [HeaderField] {
    headerText.split(separator: "\r\n").map { HeaderField(raw: Array($0.utf8)) }
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

let headers = parseHeaders()
let rsa = try PrivateKey.generate(.rsa, bits: 2048)
let ed = try PrivateKey.generate(.ed25519)
let domain = DomainName("example.com")!
let selector = Selector("bench")!

print("dkim-bench: figures for this machine (best of 3 rounds)")
print("")
print("Body canonicalization + SHA-256 throughput (64 MiB of mail-like text, fed in 64 KiB chunks):")
let big = makeBody(bytes: 64 << 20)
for algorithm in CanonicalizationAlgorithm.allCases {
    let perRun = measure(seconds: 3) {
        let hasher = BodyHasher(.init(canonicalization: algorithm, digest: .sha256))
        big.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(raw.count, offset + 65536)
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                offset = end
            }
        }
        _ = hasher.finish()
    }
    print("  \(pad(algorithm.rawValue, 8)) \(String(format: "%8.1f", Double(big.count) / perRun / 1e6)) MB/s")
}
let shaOnly = measure(seconds: 2) { _ = HashContext.hash(.sha256, big) }
print("  \(pad("sha256", 8)) \(String(format: "%8.1f", Double(big.count) / shaOnly / 1e6)) MB/s (hash alone, for reference)")

print("")
print("Whole-message signing (headers + body canonicalized, hashed, signed), per message:")
for (label, size) in [("2 KB", 2048), ("1 MB", 1 << 20)] {
    let body = makeBody(bytes: size)
    for (name, key) in [("rsa-2048", rsa), ("ed25519", ed)] {
        let perMessage = try measure(seconds: 1.5) {
            let signer = try DKIMSigner(requests: [SigningRequest(domain: domain, selector: selector, key: key)], now: 1_700_000_000)
            signer.updateBody(body)
            _ = try signer.finish(headers: headers)
        }
        print("  \(pad(label, 5)) \(pad(name, 9)) \(String(format: "%9.1f", perMessage * 1e6)) µs")
    }
}

print("")
print("Raw signature over a 32-byte digest (compare with `openssl speed rsa2048` sign time):")
let digest = HashContext.hash(.sha256, Array("digest".utf8))
for (name, key) in [("rsa-2048", rsa), ("ed25519", ed)] {
    let perSign = try measure(seconds: 1.5) { _ = try key.sign(digest: digest, algorithm: .sha256) }
    print("  \(pad(name, 9)) \(String(format: "%9.1f", perSign * 1e6)) µs")
}

print("")
print("Canonicalization alone (no hash):")
for algorithm in CanonicalizationAlgorithm.allCases {
    var total = 0
    let perRun = measure(seconds: 2) {
        var canonicalizer = BodyCanonicalizer(algorithm)
        big.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(raw.count, offset + 65536)
                canonicalizer.update(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) { total &+= $0.count }
                offset = end
            }
        }
        canonicalizer.finish { total &+= $0.count }
    }
    print("  \(pad(algorithm.rawValue, 8)) \(String(format: "%8.1f", Double(big.count) / perRun / 1e6)) MB/s")
}
