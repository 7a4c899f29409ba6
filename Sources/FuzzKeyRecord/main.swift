// libFuzzer target: bytes -> DKIM.KeyRecord(parsing:) and, when it parses, publicKey() (OpenSSL decodes p=).
//
// Declarations only: in a normal build this executable does nothing; in a fuzz build (scripts/fuzz/run.sh)
// libFuzzer supplies main and calls LLVMFuzzerTestOneInput.
import DKIM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let record = try? KeyRecord(parsing: bytes) else { return 0 }
    _ = record.hashValue
    _ = try? record.publicKey()
    return 0
}
