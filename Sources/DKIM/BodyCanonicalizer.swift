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

    /// Input is processed in blocks of this many bytes; the output of one block fits in twice that,
    /// since no input byte yields more than two output bytes (LF becomes CRLF). Only line ends held back
    /// from earlier blocks can exceed it, and those are written with their own capacity check.
    private static let blockSize = 16 * 1024
    private static let outputCapacity = 2 * blockSize + 16 // + slack for 8-byte stores

    /// Canonicalizes `input` and hands the output to `sink` in one or more pieces.
    public mutating func update(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) -> Void) {
        precondition(!finished, "BodyCanonicalizer used after finish()")
        guard input.count > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.outputCapacity) { buffer in
            let out = buffer.baseAddress!
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + Self.blockSize)
                let block = UnsafeRawBufferPointer(rebasing: input[offset..<end])
                let n = algorithm == .relaxed ? relaxedBlock(block, out, sink) : simpleBlock(block, out, sink)
                if n > 0 { sink(UnsafeRawBufferPointer(start: out, count: n)) }
                offset = end
            }
        }
    }

    /// Writes held-back line ends, flushing to `sink` whenever the buffer would overflow.
    @inline(__always)
    private mutating func emitLineEnds(_ out: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ sink: (UnsafeRawBufferPointer) -> Void) {
        while pendingLineEnds > 0 {
            if n + 2 > Self.blockSize {
                sink(UnsafeRawBufferPointer(start: out, count: n))
                n = 0
            }
            out[n] = 0x0D
            out[n + 1] = 0x0A
            n += 2
            pendingLineEnds -= 1
        }
    }

    // Eight bytes at a time (SWAR): each mask has the high bit set in every byte lane that matches, exactly,
    // with no borrow or carry between lanes.
    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let lowSeven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// Lanes whose byte equals `value`.
    @inline(__always)
    private static func lanes(_ word: UInt64, equalTo value: UInt8) -> UInt64 {
        let y = word ^ (UInt64(value) &* 0x0101_0101_0101_0101)
        return ~(((y & lowSeven) &+ lowSeven) | y) & highBits
    }

    /// Lanes whose byte is at most 0x20 (SP and every control character).
    @inline(__always)
    private static func lanesAtMostSpace(_ word: UInt64) -> UInt64 {
        ~((((word & lowSeven) &+ 0x5F5F_5F5F_5F5F_5F5F) | word)) & highBits
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
    }

    @inline(__always)
    private static func store(_ out: UnsafeMutablePointer<UInt8>, _ n: Int, _ word: UInt64) {
        UnsafeMutableRawPointer(out + n).storeBytes(of: word.littleEndian, as: UInt64.self)
    }

    /// Simple (§3.4.3): every byte is content except line ends, which are held back until content follows.
    private mutating func simpleBlock(_ input: UnsafeRawBufferPointer, _ out: UnsafeMutablePointer<UInt8>,
                                      _ sink: (UnsafeRawBufferPointer) -> Void) -> Int {
        let p = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let count = input.count
        var i = 0
        var n = 0
        if pendingCR {
            pendingCR = false
            if p[0] == 0x0A {
                pendingLineEnds += 1
                i = 1
            } else {
                emitLineEnds(out, &n, sink)
                out[n] = 0x0D
                n += 1
                emittedAnything = true
            }
        }
        while i < count {
            if pendingLineEnds == 0 {
                // Fast path: words without CR or LF are copied as they are.
                while i + 8 <= count {
                    let word = Self.load(p, i)
                    let special = Self.lanes(word, equalTo: 0x0D) | Self.lanes(word, equalTo: 0x0A)
                    Self.store(out, n, word)
                    if special != 0 {
                        // The lanes before the first special byte are content too.
                        let clean = special.trailingZeroBitCount >> 3
                        n += clean
                        i += clean
                        if clean > 0 { emittedAnything = true }
                        break
                    }
                    n += 8
                    i += 8
                    emittedAnything = true
                }
                if i == count { break }
            }
            let byte = p[i]
            i += 1
            if byte == 0x0A {
                pendingLineEnds += 1
            } else if byte == 0x0D && i == count {
                pendingCR = true
            } else if byte == 0x0D && p[i] == 0x0A {
                pendingLineEnds += 1
                i += 1
            } else {
                // Content, a lone CR included.
                if pendingLineEnds > 0 { emitLineEnds(out, &n, sink) }
                out[n] = byte
                n += 1
                emittedAnything = true
            }
        }
        return n
    }

    /// Relaxed (§3.4.4): whitespace runs become one SP, whitespace at a line end disappears.
    private mutating func relaxedBlock(_ input: UnsafeRawBufferPointer, _ out: UnsafeMutablePointer<UInt8>,
                                       _ sink: (UnsafeRawBufferPointer) -> Void) -> Int {
        let p = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let count = input.count
        var i = 0
        var n = 0
        if pendingCR {
            pendingCR = false
            if p[0] == 0x0A {
                pendingLineEnds += 1
                pendingSpace = false
                i = 1
            } else {
                if pendingLineEnds > 0 { emitLineEnds(out, &n, sink) }
                if pendingSpace { out[n] = 0x20; n += 1; pendingSpace = false }
                out[n] = 0x0D
                n += 1
                emittedAnything = true
            }
        }
        while i < count {
            if pendingLineEnds == 0 && !pendingSpace {
                // Fast path: a word whose only bytes <= 0x20 are single spaces followed by content is
                // already canonical. A space in the last lane is left to the slow path (its follower is unseen).
                while i + 8 <= count {
                    let word = Self.load(p, i)
                    let low = Self.lanesAtMostSpace(word)
                    let space = Self.lanes(word, equalTo: 0x20)
                    let special = (low & ~space) | (space & ((low >> 8) | 0x8000_0000_0000_0000))
                    Self.store(out, n, word)
                    if special != 0 {
                        let clean = special.trailingZeroBitCount >> 3
                        n += clean
                        i += clean
                        if clean > 0 { emittedAnything = true }
                        break
                    }
                    n += 8
                    i += 8
                    emittedAnything = true
                }
                if i == count { break }
            }
            let byte = p[i]
            i += 1
            switch byte {
            case 0x20, 0x09:
                pendingSpace = true
            case 0x0A:
                pendingSpace = false
                pendingLineEnds += 1
            case 0x0D where i == count:
                pendingCR = true
            case 0x0D where p[i] == 0x0A:
                pendingSpace = false
                pendingLineEnds += 1
                i += 1
            default:
                // Content, a lone CR included.
                if pendingLineEnds > 0 { emitLineEnds(out, &n, sink) }
                if pendingSpace { out[n] = 0x20; n += 1; pendingSpace = false }
                out[n] = byte
                n += 1
                emittedAnything = true
            }
        }
        return n
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
