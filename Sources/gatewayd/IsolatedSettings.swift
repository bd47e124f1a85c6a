import GatewayConfig
import XousIPC
#if canImport(Glibc)
import Glibc
#endif

/// Reads the YAML file in a short-lived child process and hands the daemon only the values.
///
/// Yams needs Foundation, and parsing touches a few megabytes of it (ICU and regular
/// expressions among them) that would then stay resident for the daemon's whole life. The
/// child pays that and exits; the daemon never touches those pages (measured on the static
/// release build: 20.0 MB resident with the file parsed in-process, 17.7 MB with it parsed
/// here, 16.7 MB with no file). Call before any thread exists: the child of a multithreaded
/// `fork` may only do very little.
enum IsolatedSettings {
    /// The settings `GatewaySettings.load` would give, with every value's origin kept.
    static func load(
        file: String, environment: [String: String], flags: [String: (value: String, flag: String)]
    ) throws(SettingsErrors) -> (settings: GatewaySettings, warnings: [SettingsError]) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return try inProcess(file: file, environment: environment, flags: flags) }
        let child = fork()
        if child == 0 {
            close(fds[0])
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
            let bytes = writer.bytes
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.write(fds[1], $0.baseAddress! + sent, $0.count - sent) }
                if count <= 0 { break }
                sent += count
            }
            _exit(0)
        }
        close(fds[1])
        guard child > 0 else {
            close(fds[0])
            return try inProcess(file: file, environment: environment, flags: flags)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(fds[0], &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0, errno == EINTR {}
        guard let decoded = try? decode(bytes) else {
            // The child died (out of memory, a signal): do the work here instead.
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
