/// Protocol-wide numbers from `libmilter/mfdef.h`, named.
///
/// - SeeAlso: sendmail's `include/libmilter/mfdef.h` (Debian: `/usr/include/libmilter/mfdef.h`, package libmilter-dev).
public enum MilterConstants {
    /// `SMFI_PROT_VERSION`: the highest protocol version this implementation speaks.
    public static let protocolVersion: UInt32 = 6
    /// The lowest version libmilter accepts (`SMFI_PROT_VERSION_MIN` in `engine.c`); older offers are refused.
    public static let minimumProtocolVersion: UInt32 = 2
    /// `MILTER_LEN_BYTES`: the size of the length prefix and of every 32-bit field.
    public static let lengthBytes = 4
    /// `MILTER_OPTLEN`: the fixed part of an option negotiation packet (version, actions, protocol).
    public static let optionNegotiationLength = 12
    /// `MILTER_CHUNK_SIZE`: the body chunk size Postfix and sendmail send by default.
    public static let chunkSize = 65_535
    /// `MILTER_MAX_DATA_SIZE`: libmilter's default limit on a packet's data.
    public static let maximumDataSize = 65_535
    /// `MILTER_MDS_256K`: the data limit after `SMFIP_MDS_256K`.
    public static let maximumDataSize256K = 256 * 1024 - 1
    /// `MILTER_MDS_1M`: the data limit after `SMFIP_MDS_1M`.
    public static let maximumDataSize1M = 1024 * 1024 - 1
}
