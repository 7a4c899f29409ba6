extension MilterResponse {
    /// Decodes one packet from the filter (the MTA side's job; used by the test client).
    ///
    /// As strict as Postfix's `milter8.c`: decisions carry no data, strings must be NUL-terminated, and
    /// nothing may follow the last field.
    ///
    /// - Parameter offset: the stream offset of the payload's first byte, for error locations.
    public init(code: UInt8, payload: ArraySlice<UInt8>, offset: Int = 0) throws(MilterProtocolError) {
        var reader = PayloadReader(payload, command: code, baseOffset: offset)
        if code == MilterCommandCode.optionNegotiation.rawValue {
            guard reader.remaining >= MilterConstants.optionNegotiationLength else {
                throw reader.error("option negotiation needs 12 bytes, got \(reader.remaining)")
            }
            let version = try reader.readUInt32("version")
            let actions = MilterActions(rawValue: try reader.readUInt32("actions"))
            let options = MilterProtocolOptions(rawValue: try reader.readUInt32("protocol options"))
            var requests: [MilterMacroRequest] = []
            while !reader.isAtEnd {
                let stageNumber = try reader.readUInt32("macro list stage")
                guard let stage = MilterMacroStage(rawValue: stageNumber) else {
                    throw reader.error("unknown macro list stage \(stageNumber)")
                }
                let list = try reader.readString("macro list")
                requests.append(MilterMacroRequest(stage: stage, names: list.split(separator: " ").map(String.init)))
            }
            self = .optionNegotiation(version: version, actions: actions, protocolOptions: options, macroRequests: requests)
            return
        }
        guard let response = MilterResponseCode(rawValue: code), response != .setSymbolList else {
            throw MilterProtocolError.unknownResponse(code).at(offset: max(0, offset - 1))
        }
        switch response {
        case .continue, .accept, .reject, .tempfail, .discard, .skip, .progress, .shutdown, .connectionFailure:
            try reader.expectEnd(after: "the response code")
            switch response {
            case .continue: self = .continue
            case .accept: self = .accept
            case .reject: self = .reject
            case .tempfail: self = .tempfail
            case .discard: self = .discard
            case .skip: self = .skip
            case .progress: self = .progress
            case .shutdown: self = .shutdown
            default: self = .connectionFailure
            }
        case .replyCode:
            let text = try reader.readString("reply text")
            try reader.expectEnd(after: "the reply text")
            self = .replyCode(text)
        case .addHeader:
            let name = try reader.readString("header name")
            let value = try reader.readString("header value")
            try reader.expectEnd(after: "the header value")
            self = .addHeader(name: name, value: value)
        case .insertHeader, .changeHeader:
            let index = try reader.readUInt32("header index")
            let name = try reader.readString("header name")
            let value = try reader.readString("header value")
            try reader.expectEnd(after: "the header value")
            self = response == .insertHeader
                ? .insertHeader(index: index, name: name, value: value)
                : .changeHeader(index: index, name: name, value: value)
        case .addRecipient, .deleteRecipient:
            let address = try reader.readString("address")
            try reader.expectEnd(after: "the address")
            self = response == .addRecipient ? .addRecipient(address) : .deleteRecipient(address)
        case .addRecipientWithParameters, .changeSender:
            let address = try reader.readString("address")
            let parameters = reader.isAtEnd ? nil : try reader.readString("ESMTP parameters")
            try reader.expectEnd(after: "the ESMTP parameters")
            self = response == .changeSender
                ? .changeSender(address, parameters: parameters)
                : .addRecipientWithParameters(address, parameters: parameters)
        case .replaceBody:
            self = .replaceBody(reader.readRest())
        case .quarantine:
            let reason = try reader.readString("quarantine reason")
            try reader.expectEnd(after: "the quarantine reason")
            self = .quarantine(reason: reason)
        case .setSymbolList:
            throw MilterProtocolError.unknownResponse(code).at(offset: max(0, offset - 1))
        }
    }
}
