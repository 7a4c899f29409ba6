// libFuzzer target: header and body canonicalization (RFC 6376 §3.4).
//
// Declarations only: in a normal build this executable does nothing; in a fuzz build (scripts/fuzz/run.sh)
// libFuzzer supplies main and calls LLVMFuzzerTestOneInput. Beyond "never traps" it checks that
// BodyCanonicalizer's output does not depend on where the body is split into chunks.
import DKIM

func canonicalize(_ chunks: [ArraySlice<UInt8>], _ algorithm: CanonicalizationAlgorithm) -> [UInt8] {
    var canonicalizer = BodyCanonicalizer(algorithm)
    var output: [UInt8] = []
    for chunk in chunks {
        canonicalizer.update(chunk) { output.append(contentsOf: $0) }
    }
    canonicalizer.finish { output.append(contentsOf: $0) }
    return output
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let field = HeaderField(raw: bytes)
    _ = field.canonicalized(.simple)
    _ = field.canonicalized(.relaxed)
    _ = field.name

    // The split point comes from the first byte; the whole input is the body.
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    for algorithm in CanonicalizationAlgorithm.allCases {
        let one = canonicalize([bytes[...]], algorithm)
        let two = canonicalize([bytes[..<split], bytes[split...]], algorithm)
        if one != two {
            fatalError("\(algorithm) body canonicalization differs when split at \(split): \(one) vs \(two)")
        }
    }
    return 0
}
