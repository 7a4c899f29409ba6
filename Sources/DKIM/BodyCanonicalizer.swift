/// Streaming body canonicalization (RFC 6376 §3.4.3, §3.4.4).
///
/// Feed the body in chunks of any size; the output does not depend on where the chunks split. Only what
/// cannot be decided yet is held back: a CR that may start a CRLF, a whitespace run that may end a line, and a
/// count of line ends that may turn out to be trailing empty lines. The body itself is never buffered.
/// A bare LF counts as CRLF, as it would on the wire.
public struct BodyCanonicalizer: Sendable {
    public let algorithm: CanonicalizationAlgorithm
    private var pendingLineEnds = 0
    private var pendingCR = false
    private var pendingSpace = false
    private var emittedAnything = false
    private var finished = false

    public init(_ algorithm: CanonicalizationAlgorithm) {
        self.algorithm = algorithm
    }

    private static let chunkCapacity = 16 * 1024

    /// Canonicalizes `input` and hands the output to `sink` in one or more pieces.
    public mutating func update(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) -> Void) {
        precondition(!finished, "BodyCanonicalizer used after finish()")
        guard input.count > 0 else { return }
        let relaxed = algorithm == .relaxed
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.chunkCapacity) { out in
            var n = 0
            // Local copies of the state so the hot loop works in registers.
            var pendingLineEnds = self.pendingLineEnds
            var pendingCR = self.pendingCR
            var pendingSpace = self.pendingSpace
            var emitted = self.emittedAnything
            let limit = Self.chunkCapacity - 4

            @inline(__always) func flush() {
                if n > 0 { sink(UnsafeRawBufferPointer(start: out.baseAddress, count: n)); n = 0 }
            }
            @inline(__always) func emitLineEnds() {
                while pendingLineEnds > 0 {
                    if n >= limit { flush() }
                    out[n] = 0x0D; out[n + 1] = 0x0A; n += 2
                    pendingLineEnds -= 1
                }
            }
            @inline(__always) func content(_ byte: UInt8) {
                if pendingLineEnds > 0 { emitLineEnds() }
                if n >= limit { flush() }
                if pendingSpace { out[n] = 0x20; n += 1; pendingSpace = false }
                out[n] = byte; n += 1
                emitted = true
            }

            for byte in input {
                if pendingCR {
                    pendingCR = false
                    if byte == 0x0A {
                        pendingSpace = false
                        pendingLineEnds += 1
                        continue
                    }
                    content(0x0D) // a lone CR is ordinary content
                }
                switch byte {
                case 0x0D:
                    pendingCR = true
                case 0x0A:
                    pendingSpace = false
                    pendingLineEnds += 1
                case 0x20 where relaxed, 0x09 where relaxed:
                    pendingSpace = true
                default:
                    content(byte)
                }
            }
            flush()
            self.pendingLineEnds = pendingLineEnds
            self.pendingCR = pendingCR
            self.pendingSpace = pendingSpace
            self.emittedAnything = emitted
        }
    }

    public mutating func update<Bytes: Collection>(_ bytes: Bytes, _ sink: (UnsafeRawBufferPointer) -> Void) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0), sink) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0, sink) } }
    }

    /// Ends the body: drops trailing empty lines, and ends a non-empty body with exactly one CRLF.
    /// An empty body is CRLF under `simple` and nothing under `relaxed` (RFC 6376 errata 3133/1384).
    public mutating func finish(_ sink: (UnsafeRawBufferPointer) -> Void) {
        precondition(!finished, "BodyCanonicalizer finished twice")
        finished = true
        var tail: [UInt8] = []
        if pendingCR {
            // A trailing lone CR is content.
            tail.append(contentsOf: repeatElement(contentsOf: [0x0D, 0x0A], count: pendingLineEnds))
            if pendingSpace { tail.append(0x20) }
            tail.append(0x0D)
            emittedAnything = true
        }
        if emittedAnything || algorithm == .simple {
            tail.append(contentsOf: [0x0D, 0x0A])
        }
        tail.withUnsafeBytes { if $0.count > 0 { sink($0) } }
    }
}

private func repeatElement(contentsOf bytes: [UInt8], count: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * count)
    for _ in 0..<count { out.append(contentsOf: bytes) }
    return out
}
