#if canImport(Glibc)
import Glibc
#endif
public import SystemSupport

/// Where the control socket lives when nobody says otherwise; gatewayd and gatewayctl resolve
/// it the same way, so both find each other without options.
///
/// In order: `--control-socket`, then `GATEWAY_CONTROL_SOCKET`, then
/// - for root: `/run/gatewayd/gatewayd.sock` (systemd's `RuntimeDirectory=gatewayd`);
/// - for anyone else: `$XDG_RUNTIME_DIR/gatewayd/gatewayd.sock`, or without that variable
///   `/tmp/gatewayd-<uid>/gatewayd.sock`.
public enum ControlSocketPath {
    /// The environment variable that names the socket.
    public static let environmentVariable = "GATEWAY_CONTROL_SOCKET"

    /// The path to use, and where it came from (for messages).
    public static func resolve(
        option: String?,
        environment: [String: String] = ProcessEnvironment.current(),
        uid: UInt32 = ControlSocketPath.currentUID()
    ) -> (path: String, source: String) {
        if let option { return (option, "--control-socket") }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return (fromEnvironment, environmentVariable)
        }
        return (defaultPath(environment: environment, uid: uid), "the default for this user")
    }

    /// The default path for `uid` (see the type's documentation).
    public static func defaultPath(environment: [String: String], uid: UInt32) -> String {
        if uid == 0 { return "/run/gatewayd/gatewayd.sock" }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return (runtime.hasSuffix("/") ? String(runtime.dropLast()) : runtime) + "/gatewayd/gatewayd.sock"
        }
        return "/tmp/gatewayd-\(uid)/gatewayd.sock"
    }

    /// This process's real user id.
    public static func currentUID() -> UInt32 { UInt32(getuid()) }
}
