#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The rule behind `RequireSafeKeys`: who may own, read and write a private key file.
///
/// OpenDKIM's rule (opendkim.c `dkimf_checkfsnode`): the file must be owned by root or by the user the
/// daemon runs as; no read or write bit for others; group read or write only when that group holds nobody but
/// the daemon's user and root (no other account has it as primary group, no other member is listed). OpenDKIM
/// also walks the directories above the file; this check looks at the file alone.
///
/// The decision is made from the mode bits, owner and group of the file that was read, never from whether
/// `open` succeeded, so it means the same when the daemon (or a test) runs as root.
public struct KeyFileSafety: Sendable {
    /// The user the daemon runs as.
    public var uid: UInt32
    /// That user's name, for the group-membership check and messages.
    public var userName: String?
    /// Whether a group contains nobody but the daemon's user and root.
    public var isGroupPrivate: @Sendable (_ gid: UInt32) -> Bool

    public init(uid: UInt32, userName: String?, isGroupPrivate: @escaping @Sendable (_ gid: UInt32) -> Bool) {
        self.uid = uid
        self.userName = userName
        self.isGroupPrivate = isGroupPrivate
    }

    /// The rule for the current process's effective user, with the group check done against the system's
    /// user and group databases.
    public static func currentProcess() -> KeyFileSafety {
        let uid = UInt32(geteuid())
        let name = getpwuid(uid_t(uid)).map { String(cString: $0.pointee.pw_name) }
        return system(uid: uid, userName: name)
    }

    /// The rule for the named user (`UserID`), or nil when there is no such user.
    public static func user(named name: String) -> KeyFileSafety? {
        guard let entry = getpwnam(name) else { return nil }
        return system(uid: UInt32(entry.pointee.pw_uid), userName: name)
    }

    private static func system(uid: UInt32, userName: String?) -> KeyFileSafety {
        KeyFileSafety(uid: uid, userName: userName) { gid in
            systemGroupIsPrivate(gid: gid, uid: uid, userName: userName)
        }
    }

    /// Reads the passwd and group databases; not thread-safe, like the libc calls underneath, which is why
    /// keys are loaded once, at start or reload.
    private static func systemGroupIsPrivate(gid: UInt32, uid: UInt32, userName: String?) -> Bool {
        setpwent()
        defer { endpwent() }
        while let entry = getpwent() {
            let other = UInt32(entry.pointee.pw_uid)
            if other != uid && other != 0 && UInt32(entry.pointee.pw_gid) == gid { return false }
        }
        guard let group = getgrgid(gid_t(gid)) else { return false }
        guard var member = group.pointee.gr_mem else { return true }
        while let name = member.pointee {
            let text = String(cString: name)
            if text != userName && text != "root" { return false }
            member += 1
        }
        return true
    }

    /// Why a key file with this mode and ownership is unsafe, or nil when it is safe.
    public func problem(mode: UInt32, ownerUID: UInt32, groupID: UInt32) -> String? {
        let permissions = mode & 0o777
        let shown = "mode 0" + String(permissions, radix: 8)
        if ownerUID != 0 && ownerUID != uid {
            return "it is owned by uid \(ownerUID), neither root nor the daemon's user \(userName ?? "") (uid \(uid))"
        }
        if permissions & 0o006 != 0 {
            return "other users can read or write it (\(shown))"
        }
        if permissions & 0o060 != 0 && !isGroupPrivate(groupID) {
            return "group \(groupID) can read or write it and has members besides the daemon's user and root (\(shown))"
        }
        return nil
    }
}
