#if canImport(Glibc)
import Glibc
#endif

/// The names in directory `path`, without "." and "..", in no particular order; none when it
/// cannot be read.
public func directoryEntries(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != ".", name != ".." { names.append(name) }
    }
    return names
}

/// The whole content of a text file, or "" when it cannot be read.
public func readTextFile(_ path: String) -> String {
    guard let file = fopen(path, "r") else { return "" }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The `NAME=value` lines of a text file (what `env` prints) as a dictionary; lines without
/// `=` are skipped, and a later line wins.
public func readAssignments(_ path: String) -> [String: String] {
    var values: [String: String] = [:]
    for line in readTextFile(path).split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { values[parts[0]] = parts[1] }
    }
    return values
}

/// The rest of the first line of the file at `path` that follows `marker` (e.g. the address
/// after `listening on ` in a kernel's log), nil until the file has such a whole line.
public func textAfter(_ marker: String, inFile path: String) -> String? {
    let text = readTextFile(path)
    guard let range = text.firstRange(of: marker), let end = text[range.upperBound...].firstIndex(of: "\n") else { return nil }
    return String(text[range.upperBound..<end])
}
