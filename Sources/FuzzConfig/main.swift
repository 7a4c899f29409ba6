// libFuzzer target: opendkim.conf text and data set (table, host list) file contents.
//
// Declarations only: in a normal build this executable does nothing; in a fuzz build (scripts/fuzz/run.sh)
// libFuzzer supplies main and calls LLVMFuzzerTestOneInput.
//
// The bytes are parsed once as configuration text; errors are expected and ignored. Data set files are only
// read from disk (their parser is internal), so the bytes are also written to one scratch file per process
// and named, through `file:`/`refile:`, by a few one-line configurations: KeyTable, SigningTable, a host list.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DKIMConfig

let scratchDirectory: String = {
    var template = Array("/tmp/FuzzConfig.XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
    atexit {
        unlink(tablePath)
        rmdir(scratchDirectory)
    }
    return String(cString: made)
}()
let tablePath = scratchDirectory + "/table"

/// Replaces the scratch file's contents with `bytes`.
func writeTable(_ bytes: UnsafeBufferPointer<UInt8>) {
    let fd = open(tablePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot write \(tablePath): errno \(errno)") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            fatalError("cannot write \(tablePath): errno \(errno)")
        }
        offset += n
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? DaemonConfiguration.parse(text, file: "fuzz.conf")

    writeTable(bytes)
    for configuration in [
        "KeyTable file:\(tablePath)\n",
        "KeyTable refile:\(tablePath)\n",
        "KeyTable csl:selector._domainkey.example.com=example.com:selector:/nonexistent.key\nSigningTable refile:\(tablePath)\n",
        "InternalHosts refile:\(tablePath)\nExternalIgnoreList file:\(tablePath)\n",
        "MacroList file:\(tablePath)\nSignHeaders \(tablePath)\n",
    ] {
        _ = try? DaemonConfiguration.parse(configuration, file: "fuzz.conf")
    }
    return 0
}
