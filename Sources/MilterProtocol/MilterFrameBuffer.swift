/// Splits a byte stream into milter frames, shared by ``MilterFrameParser`` and ``MilterResponseParser``.
///
/// The length prefix is checked against the maximum (and against 0) as soon as its four bytes are in,
/// before any payload is waited for: a bad prefix drops everything buffered and poisons the buffer, so
/// a peer that claims 2 GiB costs nothing. Nothing is ever allocated from the peer's length; the storage
/// only grows by what is actually fed.
struct MilterFrameBuffer: Sendable {
    let maximumFrameSize: Int
    private var storage: [UInt8] = []
    private var readIndex = 0
    /// Stream offset of `storage[readIndex]`.
    private var consumed = 0
    private(set) var failure: MilterProtocolError?

    init(maximumFrameSize: Int) {
        precondition(maximumFrameSize >= 1 && UInt64(maximumFrameSize) <= UInt64(UInt32.max), "maximumFrameSize must be 1...UInt32.max")
        self.maximumFrameSize = maximumFrameSize
    }

    var bufferedByteCount: Int { storage.count - readIndex }

    mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard failure == nil else { return }
        compact()
        storage.append(contentsOf: bytes)
        _ = checkHead()
    }

    /// The next complete frame: its command byte, payload and the stream offset of the payload.
    /// nil when more bytes are needed.
    mutating func nextFrame() throws(MilterProtocolError) -> (code: UInt8, payload: ArraySlice<UInt8>, payloadOffset: Int)? {
        if let failure { throw failure }
        guard let length = checkHead() else {
            if let failure { throw failure }
            return nil
        }
        let frameEnd = readIndex + 4 + Int(length)
        guard storage.count >= frameEnd else { return nil }
        let code = storage[readIndex + 4]
        let payload = storage[(readIndex + 5)..<frameEnd]
        let payloadOffset = consumed + 5
        consumed += frameEnd - readIndex
        readIndex = frameEnd
        return (code, payload, payloadOffset)
    }

    /// Reads and validates the length prefix at the read position; nil if it is not all there yet or
    /// invalid (then `failure` is set and the storage dropped).
    private mutating func checkHead() -> UInt32? {
        guard failure == nil, storage.count - readIndex >= 4 else { return nil }
        let length = UInt32(storage[readIndex]) << 24 | UInt32(storage[readIndex + 1]) << 16
            | UInt32(storage[readIndex + 2]) << 8 | UInt32(storage[readIndex + 3])
        if length == 0 {
            fail(MilterProtocolError.zeroLength.at(offset: consumed))
            return nil
        }
        if UInt64(length) > UInt64(maximumFrameSize) {
            fail(MilterProtocolError.frameTooLarge(length: length, maximum: maximumFrameSize).at(offset: consumed))
            return nil
        }
        return length
    }

    /// Marks the stream as broken after a payload failed to decode: the error sticks and input is dropped.
    mutating func fail(_ error: MilterProtocolError) {
        failure = error
        storage = []
        readIndex = 0
    }

    /// Drops consumed bytes: all of them when nothing is left, otherwise once they make up half the storage
    /// (amortised O(1) per byte). Large capacity left behind by a big frame is given back.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 1 << 16)
            readIndex = 0
        } else if readIndex >= storage.count / 2 {
            storage.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
