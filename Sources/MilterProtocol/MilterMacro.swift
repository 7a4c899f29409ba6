/// One macro value sent by the MTA in a `SMFIC_MACRO` packet, such as `{auth_type}` or `i`.
///
/// The ``name`` is kept without braces (`auth_type`, `j`, `i`), because sendmail and Postfix write the same
/// macro with or without them (`{j}` and `j`), and libmilter's `smfi_getsymval` treats both as one.
/// Encoding puts braces back around names longer than one character.
public struct MilterMacro: Hashable, Sendable {
    /// The macro name without braces.
    public var name: String
    /// The value; may be empty.
    public var value: String

    /// Strips one pair of surrounding braces from `name`.
    public init(name: String, value: String) {
        self.name = MilterMacro.bare(name)
        self.value = value
    }

    /// The name as written on the wire: `j` stays `j`, `auth_type` becomes `{auth_type}`.
    public var wireName: String {
        name.utf8.count == 1 ? name : "{" + name + "}"
    }

    /// `{x}` → `x`; anything else unchanged.
    static func bare(_ name: String) -> String {
        let utf8 = name.utf8
        guard utf8.count >= 2, utf8.first == UInt8(ascii: "{"), utf8.last == UInt8(ascii: "}") else { return name }
        return String(decoding: utf8.dropFirst().dropLast(), as: UTF8.self)
    }
}
