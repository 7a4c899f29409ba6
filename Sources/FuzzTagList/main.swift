// libFuzzer target: bytes -> DKIM.TagList(parsing:) and DKIMSignature(parsing:).
//
// This file holds declarations only. In a normal build it is an executable whose main does nothing; in a
// fuzz build (`-sanitize=fuzzer,address -parse-as-library`, see scripts/fuzz/run.sh) libFuzzer supplies
// main and calls LLVMFuzzerTestOneInput.
import DKIM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let tags = try? TagList(parsing: bytes) {
        _ = tags.hashValue
    }
    let field = HeaderField(raw: Array("DKIM-Signature:".utf8) + bytes)
    if let signature = try? DKIMSignature(parsing: field) {
        _ = signature.hashValue
    }
    return 0
}
