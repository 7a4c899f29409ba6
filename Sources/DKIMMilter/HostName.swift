#if canImport(Glibc)
import Glibc
#endif

/// This host's name, the authserv-id of last resort (after AuthservID and the MTA's `j` macro).
public enum HostName {
    public static func current() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
