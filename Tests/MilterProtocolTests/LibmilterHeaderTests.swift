import MilterProtocol
import XCTest

/// Compares every protocol constant with libmilter's own headers (Debian `libmilter-dev`), in both
/// directions: each constant in the header has a Swift counterpart with the same value, and each Swift
/// counterpart names a constant that exists.
final class LibmilterHeaderTests: XCTestCase {
    private static let mfdef = "/usr/include/libmilter/mfdef.h"
    private static let mfapi = "/usr/include/libmilter/mfapi.h"

    /// Constants in the headers that deliberately have no Swift counterpart, with the reason.
    private static let unmapped: [String: String] = [
        "SMFIP_TEST": "only with _FFR_MILTER_CHECK: a libmilter test mode, never on the wire from an MTA",
    ]

    private func header(_ path: String) throws -> CHeaderConstants {
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) not installed (apt-get install libmilter-dev)")
        }
        return try CHeaderConstants(contentsOf: path)
    }

    /// Name → our value, for every wire constant.
    private var ours: [String: Int64] {
        var map: [String: Int64] = [:]
        for code in MilterCommandCode.allCases { map[code.description] = Int64(code.rawValue) }
        for code in MilterResponseCode.allCases { map[code.description] = Int64(code.rawValue) }
        let families: [(String, MilterAddressFamily)] = [
            ("SMFIA_UNKNOWN", .unknown), ("SMFIA_UNIX", .unix), ("SMFIA_INET", .inet), ("SMFIA_INET6", .inet6),
        ]
        for (name, family) in families { map[name] = Int64(family.rawValue) }
        let actions: [(String, MilterActions)] = [
            ("SMFIF_NONE", []), ("SMFIF_ADDHDRS", .addHeaders), ("SMFIF_CHGBODY", .changeBody),
            ("SMFIF_MODBODY", .changeBody), ("SMFIF_ADDRCPT", .addRecipients), ("SMFIF_DELRCPT", .deleteRecipients),
            ("SMFIF_CHGHDRS", .changeHeaders), ("SMFIF_QUARANTINE", .quarantine), ("SMFIF_CHGFROM", .changeSender),
            ("SMFIF_ADDRCPT_PAR", .addRecipientsWithParameters), ("SMFIF_SETSYMLIST", .setSymbolList),
            ("SMFI_V1_ACTS", .version1), ("SMFI_V2_ACTS", .version2), ("SMFI_CURR_ACTS", .allKnown),
        ]
        for (name, value) in actions { map[name] = Int64(value.rawValue) }
        for (name, value) in Self.protocolOptions { map[name] = Int64(value.rawValue) }
        let sets: [(String, MilterProtocolOptions)] = [
            ("SMFI_V1_PROT", .version1), ("SMFI_V2_PROT", .version2), ("SMFI_CURR_PROT", .allKnown),
            ("SMFI_INTERNAL", .internal),
        ]
        for (name, value) in sets { map[name] = Int64(value.rawValue) }
        for stage in MilterMacroStage.allCases { map[Self.smfim(stage)] = Int64(stage.rawValue) }
        map["SMFI_PROT_VERSION"] = Int64(MilterConstants.protocolVersion)
        map["MILTER_LEN_BYTES"] = Int64(MilterConstants.lengthBytes)
        map["MILTER_OPTLEN"] = Int64(MilterConstants.optionNegotiationLength)
        map["MILTER_CHUNK_SIZE"] = Int64(MilterConstants.chunkSize)
        map["MILTER_MAX_DATA_SIZE"] = Int64(MilterConstants.maximumDataSize)
        map["MILTER_MDS_256K"] = Int64(MilterConstants.maximumDataSize256K)
        map["MILTER_MDS_1M"] = Int64(MilterConstants.maximumDataSize1M)
        return map
    }

    private static let protocolOptions: [(String, MilterProtocolOptions)] = [
        ("SMFIP_NOCONNECT", .noConnect), ("SMFIP_NOHELO", .noHelo), ("SMFIP_NOMAIL", .noMail),
        ("SMFIP_NORCPT", .noRecipient), ("SMFIP_NOBODY", .noBody), ("SMFIP_NOHDRS", .noHeaders),
        ("SMFIP_NOEOH", .noEndOfHeaders), ("SMFIP_NR_HDR", .noReplyHeaders), ("SMFIP_NOHREPL", .noReplyHeaders),
        ("SMFIP_NOUNKNOWN", .noUnknown), ("SMFIP_NODATA", .noData), ("SMFIP_SKIP", .skip),
        ("SMFIP_RCPT_REJ", .rejectedRecipients), ("SMFIP_NR_CONN", .noReplyConnect), ("SMFIP_NR_HELO", .noReplyHelo),
        ("SMFIP_NR_MAIL", .noReplyMail), ("SMFIP_NR_RCPT", .noReplyRecipient), ("SMFIP_NR_DATA", .noReplyData),
        ("SMFIP_NR_UNKN", .noReplyUnknown), ("SMFIP_NR_EOH", .noReplyEndOfHeaders), ("SMFIP_NR_BODY", .noReplyBody),
        ("SMFIP_HDR_LEADSPC", .headerLeadingSpace), ("SMFIP_MDS_256K", .maximumDataSize256K),
        ("SMFIP_MDS_1M", .maximumDataSize1M),
    ]

    private static func smfim(_ stage: MilterMacroStage) -> String {
        switch stage {
        case .connect: return "SMFIM_CONNECT"
        case .helo: return "SMFIM_HELO"
        case .mail: return "SMFIM_ENVFROM"
        case .recipient: return "SMFIM_ENVRCPT"
        case .data: return "SMFIM_DATA"
        case .endOfMessage: return "SMFIM_EOM"
        case .endOfHeaders: return "SMFIM_EOH"
        }
    }

    func testEveryHeaderConstantHasOurValue() throws {
        let definitions = try header(Self.mfdef).values.merging(try header(Self.mfapi).values) { first, _ in first }
        let wirePrefixes = ["SMFIC_", "SMFIR_", "SMFIF_", "SMFIP_", "SMFIA_", "SMFIM_"]
        let ignoredMarkers: Set = ["SMFIM_NOMACROS", "SMFIM_FIRST", "SMFIM_LAST"]  // "internal only" in mfapi.h
        var checked = 0
        for (name, value) in definitions where wirePrefixes.contains(where: name.hasPrefix) && !ignoredMarkers.contains(name) {
            if Self.unmapped[name] != nil { continue }
            guard let mine = ours[name] else {
                XCTFail("\(name) = \(value) in libmilter has no counterpart here")
                continue
            }
            XCTAssertEqual(mine, value, name)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 70, "the header parser found too few constants")
        for name in Self.unmapped.keys {
            XCTAssertNotNil(definitions[name], "\(name) is listed as unmapped but the header no longer has it")
        }
    }

    func testEveryOneOfOurConstantsExistsInTheHeaders() throws {
        let definitions = try header(Self.mfdef).values.merging(try header(Self.mfapi).values) { first, _ in first }
        for (name, value) in ours {
            guard let theirs = definitions[name] else {
                XCTFail("\(name) is not defined in libmilter's headers")
                continue
            }
            XCTAssertEqual(value, theirs, name)
        }
    }

    /// Every enum case and every option flag must take part in the comparison.
    func testTheMappingCoversEveryCaseAndFlag() {
        let mapped = ours
        for code in MilterCommandCode.allCases {
            XCTAssertEqual(mapped[code.description], Int64(code.rawValue), "\(code)")
        }
        for code in MilterResponseCode.allCases {
            XCTAssertEqual(mapped[code.description], Int64(code.rawValue), "\(code)")
        }
        for family in MilterAddressFamily.allCases {
            XCTAssertTrue(mapped.contains { $0.key.hasPrefix("SMFIA_") && $0.value == Int64(family.rawValue) }, "\(family)")
        }
        for bit in 0..<32 {
            let flag = MilterActions(rawValue: 1 << UInt32(bit))
            if MilterActions.allKnown.contains(flag) {
                XCTAssertTrue(mapped.contains { $0.key.hasPrefix("SMFIF_") && $0.value == Int64(flag.rawValue) }, "\(flag)")
            }
        }
        let allOptions = Self.protocolOptions.reduce(MilterProtocolOptions()) { $0.union($1.1) }
        XCTAssertEqual(allOptions, MilterProtocolOptions.allKnown.union([.maximumDataSize256K, .maximumDataSize1M]))
    }
}
