import DKIM
import XCTest

final class HeaderFieldTests: XCTestCase {
    func testTextWithAChosenLineEndKeepsLoneCRAndLF() {
        // A folded field; a lone CR inside a value is data, not a line end.
        let field = HeaderField(raw: Array("Subject: one\r\n\ttwo\rthree".utf8))
        XCTAssertEqual(field.text(), "Subject: one\r\n\ttwo\rthree")
        XCTAssertEqual(field.text(lineEnd: "\n"), "Subject: one\n\ttwo\rthree")
        XCTAssertEqual(field.valueText(lineEnd: "\n"), " one\n\ttwo\rthree")
        XCTAssertEqual(HeaderField(raw: Array("X:".utf8)).valueText(lineEnd: "\n"), "")
    }

    func testNameComparisonIsCaseInsensitiveAndExact() {
        let field = HeaderField(raw: Array("Message-ID : <1@x>".utf8))
        XCTAssertTrue(field.hasName("message-id"))
        XCTAssertFalse(field.hasName("message-i"))
        XCTAssertFalse(field.hasName("message-idx"))
        XCTAssertEqual(field.name, "Message-ID")
    }
}
