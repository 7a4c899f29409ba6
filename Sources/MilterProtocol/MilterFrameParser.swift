/// Decodes the MTA's byte stream into ``MilterCommand`` values; the filter side of the codec.
///
/// Feed bytes as they arrive, then call ``nextCommand()`` until it returns nil:
///
/// ```swift
/// parser.feed(bytes)
/// while let command = try parser.nextCommand() { ... }
/// ```
///
/// Every frame's length prefix is checked against ``maximumFrameSize`` (and 0 is refused) as soon as its
/// four bytes are in, before the payload is awaited, so a hostile length never causes buffering. As long
/// as the caller drains after each feed, the parser holds at most one incomplete frame plus the bytes of
/// the latest feed. After an error the parser stays failed: every later call throws the same error and
/// further input is dropped. Bytes from the MTA never trap.
///
/// - SeeAlso: ``MilterResponseParser`` for the other direction.
public struct MilterFrameParser: Sendable {
    /// 1 MiB + 64 KiB: room for the largest packet an MTA may send after `SMFIP_MDS_1M`
    /// (1 MiB − 1 bytes of data plus the command byte), with some slack. Postfix sends at most 65535 bytes
    /// of body per packet; sendmail with `MaxDataSize` more.
    public static let defaultMaximumFrameSize = 1024 * 1024 + 64 * 1024

    private var frames: MilterFrameBuffer

    /// - Parameter maximumFrameSize: the largest length prefix accepted (it counts the command byte);
    ///   1...`UInt32.max`.
    public init(maximumFrameSize: Int = MilterFrameParser.defaultMaximumFrameSize) {
        frames = MilterFrameBuffer(maximumFrameSize: maximumFrameSize)
    }

    /// The largest length prefix accepted.
    public var maximumFrameSize: Int { frames.maximumFrameSize }

    /// Bytes fed but not yet returned as commands.
    public var bufferedByteCount: Int { frames.bufferedByteCount }

    /// Appends bytes read from the connection (for NIO: from `ByteBuffer.withUnsafeReadableBytes`).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        frames.append(bytes)
    }

    /// Appends bytes read from the connection.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        frames.append(bytes)
    }

    /// The next complete command, or nil when more bytes are needed.
    public mutating func nextCommand() throws(MilterProtocolError) -> MilterCommand? {
        guard let frame = try frames.nextFrame() else { return nil }
        do {
            return try MilterCommand(code: frame.code, payload: frame.payload, offset: frame.payloadOffset)
        } catch {
            frames.fail(error)
            throw error
        }
    }
}
