import MilterProtocol
import XCTest

final class MilterMacrosTests: XCTestCase {
    func testLookupIgnoresBracesAndSearchesLatestStageFirst() {
        var macros = MilterMacros()
        macros.define([MilterMacro(name: "j", value: "connect"), MilterMacro(name: "{daemon_name}", value: "d")], for: .connect)
        macros.define([MilterMacro(name: "{j}", value: "mail")], for: .mail)
        macros.define([MilterMacro(name: "i", value: "eoh")], for: .endOfHeaders)
        macros.define([MilterMacro(name: "i", value: "eom")], for: .endOfMessage)
        XCTAssertEqual(macros.value("j"), "mail")
        XCTAssertEqual(macros.value("{j}"), "mail")
        XCTAssertEqual(macros["daemon_name"], "d")
        XCTAssertEqual(macros["{daemon_name}"], "d")
        XCTAssertEqual(macros["i"], "eom")
        macros.removeMessageStages()
        XCTAssertEqual(macros["j"], "connect")
        XCTAssertNil(macros["i"])
        macros.removeAll()
        XCTAssertTrue(macros.isEmpty)
    }

    func testRemoveStagesAfter() {
        var macros = MilterMacros()
        for stage in MilterMacroStage.allCases {
            macros.define([MilterMacro(name: "s\(stage.rawValue)", value: "v")], for: stage)
        }
        macros.removeStages(after: .recipient)
        XCTAssertNotNil(macros["s3"])
        XCTAssertNil(macros["s4"])  // DATA
        XCTAssertNil(macros["s5"])  // EOM
        XCTAssertNil(macros["s6"])  // EOH
    }

    func testStageMapping() {
        for stage in MilterMacroStage.allCases {
            XCTAssertEqual(MilterMacroStage(command: stage.command), stage)
        }
        XCTAssertNil(MilterMacroStage(command: .header))
        XCTAssertNil(MilterMacroStage(command: .body))
        XCTAssertEqual(MilterMacroStage.allCases.sorted { $0.protocolOrder < $1.protocolOrder },
                       [.connect, .helo, .mail, .recipient, .data, .endOfHeaders, .endOfMessage])
    }

    func testWireNames() {
        XCTAssertEqual(MilterMacro(name: "j", value: "").wireName, "j")
        XCTAssertEqual(MilterMacro(name: "{auth_type}", value: "").wireName, "{auth_type}")
        XCTAssertEqual(MilterMacro(name: "auth_type", value: "").name, "auth_type")
    }
}
