import SystemPackage

/// Who is at the other end of a connection, as the kernel recorded it (SPEC §9.2.7).
///
/// | field | Linux | macOS |
/// |---|---|---|
/// | ``processID`` | `SO_PEERCRED` `pid` | `LOCAL_PEERPID` |
/// | ``effectiveUserID`` | `SO_PEERCRED` `uid` | `LOCAL_PEERCRED` `cr_uid` |
/// | ``effectiveGroupID`` | `SO_PEERCRED` `gid` | `LOCAL_PEERCRED` `cr_groups[0]` |
/// | ``auditSessionID`` | `/proc/PID/sessionid` (kernel audit session; `nil` when unset) | `LOCAL_PEERTOKEN`, `audit_token_to_asid` |
///
/// The kernel records the identity of the process that called `connect(2)` or `listen(2)`, or that
/// created the socket pair, at that moment. A process that later hands its socket to another
/// process does not change it. The audit session and the executable path are read afterwards
/// through the process id, which the process may have released by then.
///
/// ```swift
/// if let peer = connection.peerCredentials {
///     print("connected to pid \(peer.processID ?? -1) as uid \(peer.effectiveUserID)")
/// }
/// ```
public struct XPCPeerCredentials: Hashable, Sendable, CustomStringConvertible {
    /// The peer's process id, when the platform reports it.
    public var processID: Int32?
    /// The peer's effective user id.
    public var effectiveUserID: UInt32
    /// The peer's effective group id.
    public var effectiveGroupID: UInt32
    /// The audit session (XPC's `asid`); `nil` where the platform has none for the peer.
    public var auditSessionID: UInt32?

    /// Creates credentials from their parts.
    public init(processID: Int32?, effectiveUserID: UInt32, effectiveGroupID: UInt32, auditSessionID: UInt32? = nil) {
        self.processID = processID
        self.effectiveUserID = effectiveUserID
        self.effectiveGroupID = effectiveGroupID
        self.auditSessionID = auditSessionID
    }

    /// The peer's executable, read now: `readlink("/proc/PID/exe")` on Linux (symbolic links
    /// resolved), `proc_pidpath` on macOS. `nil` without a process id or when it cannot be read.
    public func executablePath() -> String? {
        processID.flatMap(Platform.executablePath(ofProcess:))
    }

    /// `pid N, uid N, gid N`.
    public var description: String {
        "pid \(processID.map(String.init) ?? "?"), uid \(effectiveUserID), gid \(effectiveGroupID)"
            + (auditSessionID.map { ", asid \($0)" } ?? "")
    }
}
