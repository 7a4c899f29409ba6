extension MilterCommand {
    /// Decodes one packet's payload for command byte `code`.
    ///
    /// Strict where libmilter is strict (missing NULs, short fields, unknown address families) and lenient
    /// where it is lenient: payload bytes after the 12 option negotiation bytes, and any payload of
    /// DATA, EOH, ABORT, QUIT and QUIT_NC, are ignored. A `SMFIC_MACRO` packet may hold no macros at all
    /// (Postfix sends the stage byte alone when it has none to send).
    ///
    /// - Parameter offset: the stream offset of the payload's first byte, for error locations.
    public init(code: UInt8, payload: ArraySlice<UInt8>, offset: Int = 0) throws(MilterProtocolError) {
        guard let command = MilterCommandCode(rawValue: code) else {
            throw MilterProtocolError.unknownCommand(code).at(offset: max(0, offset - 1))
        }
        var reader = PayloadReader(payload, command: code, baseOffset: offset)
        switch command {
        case .optionNegotiation:
            guard reader.remaining >= MilterConstants.optionNegotiationLength else {
                throw reader.error("option negotiation needs 12 bytes, got \(reader.remaining)")
            }
            let version = try reader.readUInt32("version")
            let actions = try reader.readUInt32("actions")
            let options = try reader.readUInt32("protocol options")
            self = .optionNegotiation(version: version, actions: MilterActions(rawValue: actions), protocolOptions: MilterProtocolOptions(rawValue: options))
        case .macro:
            let stageByte = try reader.readByte("macro stage")
            var macros: [MilterMacro] = []
            while !reader.isAtEnd {
                let name = try reader.readString("macro name")
                guard !reader.isAtEnd else { throw reader.error("macro without a value") }
                let value = try reader.readString("macro value")
                macros.append(MilterMacro(name: name, value: value))
            }
            self = .defineMacros(stage: MilterCommandCode(rawValue: stageByte), macros: macros)
        case .connect:
            let hostname = try reader.readString("host name")
            let familyByte = try reader.readByte("address family")
            guard let family = MilterAddressFamily(rawValue: familyByte) else {
                throw reader.error("unknown address family \(hexByte(familyByte))", backtrack: 1)
            }
            if family == .unknown {
                // libmilter ignores whatever follows SMFIA_UNKNOWN.
                self = .connect(hostname: hostname, address: .unknown)
            } else {
                let port = try reader.readUInt16("port")
                let address = try reader.readString("address")
                try reader.expectEnd(after: "the address")
                self = .connect(hostname: hostname, address: MilterSocketAddress(family: family, port: port, address: address))
            }
        case .helo:
            let name = try reader.readString("HELO name")
            try reader.expectEnd(after: "the HELO name")
            self = .helo(name)
        case .mail:
            self = .mailFrom(try reader.readStrings("MAIL arguments"))
        case .recipient:
            self = .recipient(try reader.readStrings("RCPT arguments"))
        case .header:
            let name = try reader.readCString("header name")
            guard !name.isEmpty else { throw reader.error("empty header name") }
            let value = try reader.readCString("header value")
            try reader.expectEnd(after: "the header value")
            self = .header(name: Array(name), value: Array(value))
        case .unknown:
            let line = try reader.readCString("unknown command")
            try reader.expectEnd(after: "the unknown command")
            self = .unknown(Array(line))
        case .body:
            self = .body(reader.readRest())
        case .bodyEOB:
            self = .endOfMessage(reader.readRest())
        case .data:
            self = .data
        case .endOfHeaders:
            self = .endOfHeaders
        case .abort:
            self = .abort
        case .quit:
            self = .quit
        case .quitNewConnection:
            self = .quitNewConnection
        }
    }
}
