extension MilterCommand {
    /// Appends this command as one frame, as an MTA sends it. Used by the MTA-side test client.
    ///
    /// Strings are written NUL-terminated, so a NUL inside a string (or an empty argument list) produces
    /// a frame that decodes differently or not at all; MTAs never send those.
    public func encode(into buffer: inout [UInt8]) {
        buffer.appendFrame(code: code.rawValue) { out in
            switch self {
            case .optionNegotiation(let version, let actions, let options):
                out.appendUInt32(version)
                out.appendUInt32(actions.rawValue)
                out.appendUInt32(options.rawValue)
            case .defineMacros(let stage, let macros):
                out.append(stage?.rawValue ?? 0)
                for macro in macros {
                    out.appendCString(macro.wireName)
                    out.appendCString(macro.value)
                }
            case .connect(let hostname, let address):
                out.appendCString(hostname)
                out.append(address.family.rawValue)
                if address.family != .unknown {
                    out.appendUInt16(address.port)
                    out.appendCString(address.address)
                }
            case .helo(let name):
                out.appendCString(name)
            case .mailFrom(let arguments), .recipient(let arguments):
                for argument in arguments { out.appendCString(argument) }
            case .header(let name, let value):
                out.appendCString(name)
                out.appendCString(value)
            case .body(let chunk), .endOfMessage(let chunk):
                out.append(contentsOf: chunk)
            case .unknown(let line):
                out.appendCString(line)
            case .data, .endOfHeaders, .abort, .quit, .quitNewConnection:
                break
            }
        }
    }

    /// This command as one frame.
    public var encoded: [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }
}
