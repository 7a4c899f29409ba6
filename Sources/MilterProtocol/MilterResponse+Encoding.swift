extension MilterResponse {
    /// Appends this response as one frame.
    ///
    /// Strings go out NUL-terminated, as libmilter writes them; `SMFIR_REPLYCODE` and `SMFIR_QUARANTINE`
    /// carry their text with the NUL too (`strlen + 1`), which Postfix accepts.
    public func encode(into buffer: inout [UInt8]) {
        buffer.appendFrame(code: wireCode) { out in
            switch self {
            case .optionNegotiation(let version, let actions, let options, let requests):
                out.appendUInt32(version)
                out.appendUInt32(actions.rawValue)
                out.appendUInt32(options.rawValue)
                for request in requests {
                    out.appendUInt32(request.stage.rawValue)
                    out.appendCString(request.names.joined(separator: " "))
                }
            case .continue, .accept, .reject, .tempfail, .discard, .skip, .progress, .shutdown, .connectionFailure:
                break
            case .replyCode(let text):
                out.appendCString(text)
            case .addHeader(let name, let value):
                out.appendCString(name)
                out.appendCString(value)
            case .insertHeader(let index, let name, let value), .changeHeader(let index, let name, let value):
                out.appendUInt32(index)
                out.appendCString(name)
                out.appendCString(value)
            case .addRecipient(let address), .deleteRecipient(let address):
                out.appendCString(address)
            case .addRecipientWithParameters(let address, let parameters), .changeSender(let address, let parameters):
                out.appendCString(address)
                if let parameters { out.appendCString(parameters) }
            case .replaceBody(let chunk):
                out.append(contentsOf: chunk)
            case .quarantine(let reason):
                out.appendCString(reason)
            }
        }
    }

    /// This response as one frame.
    public var encoded: [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }
}

extension Array where Element == MilterResponse {
    /// All responses as consecutive frames, ready to write in one go.
    public var encoded: [UInt8] {
        var buffer: [UInt8] = []
        for response in self { response.encode(into: &buffer) }
        return buffer
    }
}
