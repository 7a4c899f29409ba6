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

    /// Switches to `target` for good. With `socketPath` (a `local:` socket), the socket file is first given
    /// to the user and group, as the usual layout expects: `UMask 007` and the MTA's user in that group.
    public static func drop(to target: UserAndGroup, socketPath: String? = nil) throws(PrivilegeError) {
        let (uid, gid) = try ids(of: target)
        if let socketPath, geteuid() == 0, chown(socketPath, uid, gid) != 0 {
            throw PrivilegeError(description: "UserID \(target): cannot give the socket \(socketPath) to \(uid):\(gid): \(String(cString: strerror(errno)))")
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

    private static func ids(of target: UserAndGroup) throws(PrivilegeError) -> (uid_t, gid_t) {
        guard let user = getpwnam(target.user) else {
            throw PrivilegeError(description: "UserID \(target): no such user \(target.user)")
        }
        var gid = user.pointee.pw_gid
        if let groupName = target.group {
            guard let group = getgrnam(groupName) else { throw PrivilegeError(description: "UserID \(target): no such group \(groupName)") }
            gid = group.pointee.gr_gid
        }
        return (user.pointee.pw_uid, gid)
    }
}
