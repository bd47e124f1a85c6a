#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension WifiScenario {
    /// The largest scenario file read: far above any hand-written script, and a guard against
    /// being pointed at a device such as `/dev/zero`.
    public static let maxFileBytes = 1 << 20

    /// Reads and parses the scenario file at `path` (see `parse(_:source:defaultIntervalMs:)`
    /// for the format); errors name `path` as the source.
    /// - Throws: `ScenarioError` when the file cannot be read, is over `maxFileBytes`, is not
    ///   UTF-8, or does not parse.
    public static func load(path: String, defaultIntervalMs: Int) throws(ScenarioError) -> WifiScenario {
        func refuse(_ reason: String) -> ScenarioError {
            ScenarioError(source: path, line: nil, key: nil, reason: reason)
        }
        guard let file = fopen(path, "rb") else {
            throw refuse("cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= maxFileBytes else { throw refuse("larger than \(maxFileBytes) bytes") }
            if count < chunk.count { break }
        }
        if ferror(file) != 0 {
            throw refuse("cannot read: \(String(cString: strerror(errno)))")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw refuse("not valid UTF-8") }
        return try parse(text, source: path, defaultIntervalMs: defaultIntervalMs)
    }
}
