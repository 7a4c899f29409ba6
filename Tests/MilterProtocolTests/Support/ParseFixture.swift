import MilterProtocol
import XCTest

/// One parser input and what it must produce [swift-nio-imap `ParseFixture`].
struct ParseFixture<Value: Equatable> {
    enum Expected {
        /// The whole input is one value.
        case success(Value)
        /// The input is a valid prefix: the parser asks for more bytes.
        case incompleteMessage
        /// The input can never become valid.
        case failure
    }

    var input: [UInt8]
    var expected: Expected
    var file: StaticString
    var line: UInt

    init(_ input: [UInt8], expected: Expected, file: StaticString = #filePath, line: UInt = #line) {
        self.input = input
        self.expected = expected
        self.file = file
        self.line = line
    }
}

extension ParseFixture where Value == MilterCommand {
    func check() {
        var parser = MilterFrameParser()
        parser.feed(input)
        check { try parser.nextCommand() } remaining: { parser.bufferedByteCount }
    }
}

extension ParseFixture where Value == MilterResponse {
    func check() {
        var parser = MilterResponseParser()
        parser.feed(input)
        check { try parser.nextResponse() } remaining: { parser.bufferedByteCount }
    }
}

extension ParseFixture {
    fileprivate func check(_ next: () throws -> Value?, remaining: () -> Int) {
        switch expected {
        case .success(let value):
            do {
                let decoded = try next()
                XCTAssertEqual(decoded, value, file: file, line: line)
                XCTAssertEqual(remaining(), 0, "bytes left over", file: file, line: line)
            } catch {
                XCTFail("unexpected error \(error)", file: file, line: line)
            }
        case .incompleteMessage:
            do {
                let decoded = try next()
                XCTAssertNil(decoded, file: file, line: line)
            } catch {
                XCTFail("unexpected error \(error)", file: file, line: line)
            }
        case .failure:
            do {
                let value = try next()
                XCTFail("expected an error, got \(String(describing: value))", file: file, line: line)
            } catch {
                // Expected; the parser must stay failed.
                XCTAssertThrowsError(try next(), file: file, line: line)
            }
        }
    }
}
