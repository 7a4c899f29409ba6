import DKIMConfig
#if canImport(Glibc)
import Glibc
#endif

/// UserID: after binding (so a port below 1024 or a root-owned socket directory works) and after loading
/// keys, switch to the configured user and group for good.
public enum Privileges {
    public struct PrivilegeError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func drop(to target: UserAndGroup) throws(PrivilegeError) {
        guard let user = getpwnam(target.user) else {
            throw PrivilegeError(description: "UserID \(target): no such user \(target.user)")
        }
        let uid = user.pointee.pw_uid
        var gid = user.pointee.pw_gid
        if let groupName = target.group {
            guard let group = getgrnam(groupName) else { throw PrivilegeError(description: "UserID \(target): no such group \(groupName)") }
            gid = group.pointee.gr_gid
        }
        if getuid() == uid && geteuid() == uid { return }
        guard geteuid() == 0 else {
            throw PrivilegeError(description: "UserID \(target): cannot switch user when not started as root (running as uid \(geteuid()))")
        }
        guard setgroups(1, [gid]) == 0, setgid(gid) == 0 else {
            throw PrivilegeError(description: "UserID \(target): cannot set group \(gid): \(String(cString: strerror(errno)))")
        }
        guard setuid(uid) == 0 else {
            throw PrivilegeError(description: "UserID \(target): cannot set user \(uid): \(String(cString: strerror(errno)))")
        }
        // Refuse to go on as root when the switch silently did not happen.
        guard getuid() == uid, geteuid() == uid, setuid(0) != 0 || uid == 0 else {
            throw PrivilegeError(description: "UserID \(target): privileges were not dropped")
        }
    }
}
