/// Decodes a filter's byte stream into ``MilterResponse`` values: the MTA side of the codec, for test
/// clients. Same framing rules and limits as ``MilterFrameParser``.
public struct MilterResponseParser: Sendable {
    private var frames: MilterFrameBuffer

    /// - Parameter maximumFrameSize: the largest length prefix accepted; 1...`UInt32.max`.
    public init(maximumFrameSize: Int = MilterFrameParser.defaultMaximumFrameSize) {
        frames = MilterFrameBuffer(maximumFrameSize: maximumFrameSize)
    }

    /// The largest length prefix accepted.
    public var maximumFrameSize: Int { frames.maximumFrameSize }

    /// Bytes fed but not yet returned as responses.
    public var bufferedByteCount: Int { frames.bufferedByteCount }

    /// Appends bytes read from the connection.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        frames.append(bytes)
    }

    /// Appends bytes read from the connection.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        frames.append(bytes)
    }

    /// The next complete response, or nil when more bytes are needed.
    public mutating func nextResponse() throws(MilterProtocolError) -> MilterResponse? {
        guard let frame = try frames.nextFrame() else { return nil }
        do {
            return try MilterResponse(code: frame.code, payload: frame.payload, offset: frame.payloadOffset)
        } catch {
            frames.fail(error)
            throw error
        }
    }
}
