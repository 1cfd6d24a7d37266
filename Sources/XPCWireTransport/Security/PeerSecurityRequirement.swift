import SystemPackage

/// What a peer must be for a connection to deliver its messages (SPEC §9.2.7).
///
/// Set it on a connection or listener before first use. It is checked once the socket is connected
/// (or accepted) and before anything is sent or delivered; a peer that fails it never has a message
/// delivered, and the connection ends with ``XPCTransportError/peerRequirementFailed(_:_:)`` in its
/// events.
///
/// ```swift
/// let connection = XPCConnection(socketPath: "/run/demo.sock")
/// try connection.setPeerRequirement(.userID(0).and(.executablePath("/usr/libexec/demo-daemon")))
/// ```
public struct PeerSecurityRequirement: Sendable, CustomStringConvertible {
    indirect enum Rule: Sendable {
        case userID(UInt32)
        case groupID(UInt32)
        case processID(Int32)
        case executablePath(String)
        case custom(name: String, predicate: @Sendable (XPCPeerCredentials) -> Bool)
        case all([Rule])
    }

    let rule: Rule

    /// The peer's effective user id must be `uid`.
    public static func userID(_ uid: UInt32) -> Self { Self(rule: .userID(uid)) }

    /// The peer's effective group id must be `gid`.
    public static func groupID(_ gid: UInt32) -> Self { Self(rule: .groupID(gid)) }

    /// The peer's process id must be `pid`.
    public static func processID(_ pid: Int32) -> Self { Self(rule: .processID(pid)) }

    /// The peer's executable must be `path` (Linux: `/proc/PID/exe`, symbolic links resolved;
    /// macOS: `proc_pidpath`), compared byte for byte.
    public static func executablePath(_ path: String) -> Self { Self(rule: .executablePath(path)) }

    /// The peer's credentials must satisfy `predicate`; `name` appears in the failure.
    public static func custom(_ name: String, _ predicate: @escaping @Sendable (XPCPeerCredentials) -> Bool) -> Self {
        Self(rule: .custom(name: name, predicate: predicate))
    }

    /// Every requirement in `requirements` must hold.
    public static func all(_ requirements: [Self]) -> Self { Self(rule: .all(requirements.map(\.rule))) }

    /// This requirement and `other`.
    public func and(_ other: Self) -> Self { Self(rule: .all([rule, other.rule])) }

    /// Why a peer failed a requirement.
    public enum Failure: Hashable, Sendable, CustomStringConvertible {
        /// The effective user id differs.
        case userID(required: UInt32, actual: UInt32)
        /// The effective group id differs.
        case groupID(required: UInt32, actual: UInt32)
        /// The process id differs, or is unknown.
        case processID(required: Int32, actual: Int32?)
        /// The executable differs, or could not be read.
        case executablePath(required: String, actual: String?)
        /// The named custom predicate returned `false`.
        case custom(name: String)
        /// The credentials could not be read at all (`getsockopt` failed).
        case credentialsUnavailable(Errno)

        /// The failure in words.
        public var description: String {
            switch self {
            case .userID(let required, let actual): "uid \(actual), required \(required)"
            case .groupID(let required, let actual): "gid \(actual), required \(required)"
            case .processID(let required, let actual): "pid \(actual.map(String.init) ?? "unknown"), required \(required)"
            case .executablePath(let required, let actual):
                "executable \(actual.map { String(reflecting: $0) } ?? "unknown"), required \(String(reflecting: required))"
            case .custom(let name): "custom requirement \(String(reflecting: name)) not met"
            case .credentialsUnavailable(let errno): "credentials unavailable: \(errno)"
            }
        }
    }

    /// `nil` when `credentials` satisfy the requirement; otherwise the first rule that fails.
    public func evaluate(_ credentials: XPCPeerCredentials) -> Failure? {
        Self.evaluate(rule, credentials)
    }

    private static func evaluate(_ rule: Rule, _ credentials: XPCPeerCredentials) -> Failure? {
        switch rule {
        case .userID(let uid):
            return credentials.effectiveUserID == uid ? nil : .userID(required: uid, actual: credentials.effectiveUserID)
        case .groupID(let gid):
            return credentials.effectiveGroupID == gid ? nil : .groupID(required: gid, actual: credentials.effectiveGroupID)
        case .processID(let pid):
            return credentials.processID == pid ? nil : .processID(required: pid, actual: credentials.processID)
        case .executablePath(let path):
            let actual = credentials.executablePath()
            return actual == path ? nil : .executablePath(required: path, actual: actual)
        case .custom(let name, let predicate):
            return predicate(credentials) ? nil : .custom(name: name)
        case .all(let rules):
            for rule in rules {
                if let failure = evaluate(rule, credentials) { return failure }
            }
            return nil
        }
    }

    /// The requirement in words.
    public var description: String { Self.describe(rule) }

    private static func describe(_ rule: Rule) -> String {
        switch rule {
        case .userID(let uid): "uid \(uid)"
        case .groupID(let gid): "gid \(gid)"
        case .processID(let pid): "pid \(pid)"
        case .executablePath(let path): "executable \(String(reflecting: path))"
        case .custom(let name, _): "custom \(String(reflecting: name))"
        case .all(let rules): rules.map(describe).joined(separator: " and ")
        }
    }
}
