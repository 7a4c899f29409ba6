/// The address family byte in a CONNECT packet (libmilter's `SMFIA_*`).
///
/// - SeeAlso: sendmail's `include/libmilter/mfdef.h` (Debian: `/usr/include/libmilter/mfdef.h`, package libmilter-dev).
public enum MilterAddressFamily: UInt8, CaseIterable, Hashable, Sendable {
    /// 'U', `SMFIA_UNKNOWN`: no address follows (no port either).
    case unknown = 0x55
    /// 'L', `SMFIA_UNIX`: a local socket; the address is a path, the port is 0.
    case unix = 0x4C
    /// '4', `SMFIA_INET`: IPv4; the address is dotted-quad text.
    case inet = 0x34
    /// '6', `SMFIA_INET6`: IPv6; the address is text as the MTA wrote it.
    case inet6 = 0x36
}
