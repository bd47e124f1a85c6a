import GatewayConfig
import XousIPC
#if canImport(Glibc)
import Glibc
#endif

/// Reads the YAML file in a short-lived helper process and hands the daemon only the values.
///
/// Yams needs Foundation, and parsing touches a few megabytes of it (ICU and regular
/// expressions among them) that would then stay resident for the daemon's whole life; the
/// helper pays that and exits (BENCHMARKS.md has the figures). The helper is gatewayd itself,
/// executed afresh (`/proc/self/exe` with `readerVariable` set), never a `fork` of this process:
/// by the time the settings are read the signal thread runs (and on a reload every thread of the
/// gateway), and the child of a multithreaded `fork` inherits whatever locks those threads held
/// (the Swift runtime's among them), so it could wait on one for ever, and the reload with it.
enum IsolatedSettings {
    /// Set in the helper's environment; gatewayd then reads one request and exits.
    static let readerVariable = "GATEWAYD_SETTINGS_READER"

    /// The settings `GatewaySettings.load` would give, with every value's origin kept.
    static func load(
        file: String, environment: [String: String], flags: [String: (value: String, flag: String)]
    ) throws(SettingsErrors) -> (settings: GatewaySettings, warnings: [SettingsError]) {
        var request = WireWriter()
        write(file, to: &request)
        request.write(UInt32(environment.count))
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            write(name, to: &request)
            write(value, to: &request)
        }
        request.write(UInt32(flags.count))
        for (path, flag) in flags.sorted(by: { $0.key < $1.key }) {
            write(path, to: &request)
            write(flag.value, to: &request)
            write(flag.flag, to: &request)
        }
        guard let bytes = runReader(request.bytes), let decoded = try? decode(bytes) else {
            // No helper (it could not start, or died): do the work here instead.
            return try inProcess(file: file, environment: environment, flags: flags)
        }
        switch decoded {
        case .failure(let errors):
            throw errors
        case .success(let (values, warnings)):
            // Every value goes in as the top layer, labelled with where it really came from.
            let layer = Dictionary(uniqueKeysWithValues: values.map { ($0.path, (value: $0.value, flag: $0.origin)) })
            return (try GatewaySettings.load(file: nil, environment: [:], flags: layer), warnings)
        }
    }

    /// In the helper: reads the request on standard input, answers on standard output, exits.
    static func serveReaderIfAsked() {
        guard let marker = getenv(readerVariable), String(cString: marker) == "1" else { return }
        guard let (file, environment, flags) = try? decodeRequest(readAll(0)) else { _exit(2) }
        var writer = WireWriter()
        do {
            let settings = try GatewaySettings.load(file: file, environment: environment, flags: flags)
            writer.write(UInt8(0))
            let entries = settings.entries.filter { $0.value.origin != .defaultValue }.sorted { $0.key < $1.key }
            writer.write(UInt32(entries.count))
            for (path, entry) in entries {
                write(path, to: &writer)
                write(entry.value.description, to: &writer)
                write(entry.origin.description, to: &writer)
            }
            encode(settings.warnings, to: &writer)
        } catch {
            writer.write(UInt8(1))
            encode(error.errors, to: &writer)
        }
        writeAll(writer.bytes, to: 1)
        _exit(0)
    }

    /// Runs the helper with `request` on its standard input; its standard output, or nil when
    /// it could not be run or did not exit normally.
    private static func runReader(_ request: [UInt8]) -> [UInt8]? {
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0 else { return nil }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0]); close(toChild[1])
            return nil
        }
        // Only the helper's standard input and output reach it (dup2 leaves those open).
        for descriptor in toChild + fromChild { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("gatewayd"), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("\(readerVariable)=1"), nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/proc/self/exe", &actions, nil, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        guard spawned == 0 else {
            close(toChild[1]); close(fromChild[0])
            return nil
        }
        // A request is a few kilobytes at most, well within a pipe's buffer, so writing it all
        // before reading cannot block on a helper that waits for us to read.
        writeAll(request, to: toChild[1])
        close(toChild[1])
        let bytes = readAll(fromChild[0])
        close(fromChild[0])
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0, errno == EINTR {}
        return status == 0 ? bytes : nil
    }

    /// Everything `descriptor` gives until its end.
    private static func readAll(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + sent, $0.count - sent) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            sent += count
        }
    }

    private static func decodeRequest(_ bytes: [UInt8]) throws -> (String, [String: String], [String: (value: String, flag: String)]) {
        try bytes.withUnsafeBytes { raw in
            var reader = WireReader(raw)
            let file = try readString(&reader)
            var environment: [String: String] = [:]
            for _ in 0..<Int(try reader.readUInt32("environment")) {
                environment[try readString(&reader)] = try readString(&reader)
            }
            var flags: [String: (value: String, flag: String)] = [:]
            for _ in 0..<Int(try reader.readUInt32("flags")) {
                let path = try readString(&reader)
                flags[path] = (try readString(&reader), try readString(&reader))
            }
            return (file, environment, flags)
        }
    }

    private static func inProcess(
        file: String, environment: [String: String], flags: [String: (value: String, flag: String)]
    ) throws(SettingsErrors) -> (settings: GatewaySettings, warnings: [SettingsError]) {
        let settings = try GatewaySettings.load(file: file, environment: environment, flags: flags)
        return (settings, settings.warnings)
    }

    private typealias Values = [(path: String, value: String, origin: String)]

    private static func decode(_ bytes: [UInt8]) throws -> Result<(Values, [SettingsError]), SettingsErrors> {
        try bytes.withUnsafeBytes { raw in
            var reader = WireReader(raw)
            if try reader.readUInt8("status") == 1 {
                return .failure(SettingsErrors(errors: try decodeErrors(&reader)))
            }
            var values: Values = []
            for _ in 0..<Int(try reader.readUInt32("count")) {
                values.append((try readString(&reader), try readString(&reader), try readString(&reader)))
            }
            return .success((values, try decodeErrors(&reader)))
        }
    }

    private static func encode(_ errors: [SettingsError], to writer: inout WireWriter) {
        writer.write(UInt32(errors.count))
        for error in errors {
            write(error.key, to: &writer)
            write(error.origin, to: &writer)
            write(error.message, to: &writer)
        }
    }

    private static func decodeErrors(_ reader: inout WireReader) throws(WireError) -> [SettingsError] {
        var errors: [SettingsError] = []
        for _ in 0..<Int(try reader.readUInt32("errors")) {
            errors.append(SettingsError(key: try readString(&reader), origin: try readString(&reader), message: try readString(&reader)))
        }
        return errors
    }

    private static func write(_ text: String, to writer: inout WireWriter) {
        writer.write(UInt32(text.utf8.count))
        writer.write(contentsOf: text.utf8)
    }

    private static func readString(_ reader: inout WireReader) throws(WireError) -> String {
        let count = Int(try reader.readUInt32("length"))
        return String(decoding: try reader.readBytes(count, "text"), as: UTF8.self)
    }
}
