#if canImport(Glibc)
import Glibc
#endif
import CFuzzDriver

/// Stops the process when a fuzzed decoder broke a promise it makes.
///
/// `fatalError` rather than `precondition`, so the check survives `-O` and `-Ounchecked`; libFuzzer
/// reports the trap as a crash and keeps the input that caused it.
public func expect(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
}

/// Runs `body` once per file named in `arguments`, or per file in a directory named there, the
/// way libFuzzer replays inputs; returns a process exit status.
///
/// This is what a fuzz target does when built without libFuzzer (the normal `swift build`), so
/// the seed corpora and any crash file can be replayed, and debugged, without the sanitizer build.
public func replay(_ arguments: [String], _ body: (UnsafePointer<UInt8>, Int) -> CInt) -> Int32 {
    guard !arguments.isEmpty else {
        let name = CommandLine.arguments.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "fuzz"
        writeError("usage: \(name) FILE|DIRECTORY...\n"
            + "Runs each input once (replay mode); build with scripts/fuzz to fuzz with libFuzzer.\n")
        return 2
    }
    var count = 0
    for argument in arguments {
        let files: [String]
        switch inputs(at: argument) {
        case .success(let found): files = found
        case .failure(let message):
            writeError("\(argument): \(message)\n")
            return 1
        }
        for path in files {
            guard let bytes = readFile(path) else {
                writeError("\(path): cannot read: \(String(cString: strerror(errno)))\n")
                return 1
            }
            // An empty input still needs a valid pointer, as libFuzzer gives one.
            let padded = bytes.isEmpty ? [0] : bytes
            _ = padded.withUnsafeBufferPointer { body($0.baseAddress!, bytes.count) }
            count += 1
        }
    }
    writeError("replayed \(count) input\(count == 1 ? "" : "s"), all passed\n")
    return 0
}

private enum Found {
    case success([String])
    case failure(String)
}

private func inputs(at path: String) -> Found {
    var info = stat()
    guard stat(path, &info) == 0 else { return .failure(String(cString: strerror(errno))) }
    guard info.st_mode & S_IFMT == S_IFDIR else { return .success([path]) }
    guard let directory = opendir(path) else { return .failure(String(cString: strerror(errno))) }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name.hasPrefix(".") { continue }
        var child = stat()
        let full = path.hasSuffix("/") ? path + name : path + "/" + name
        if stat(full, &child) == 0, child.st_mode & S_IFMT == S_IFREG { names.append(full) }
    }
    // Sorted so a replay is the same run every time.
    return .success(names.sorted())
}

private func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes.append(contentsOf: chunk[..<count])
        if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
    }
}

private func writeError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// The one `main` of every fuzz target: `@main enum Fuzz: FuzzMain {}` in the target, whose
/// input handler is its `@_cdecl("LLVMFuzzerTestOneInput")` function.
///
/// Built with `-D FUZZING` (scripts/fuzz), it hands the process to libFuzzer
/// (`LLVMFuzzerRunDriver`), which calls the handler with each input it makes; libFuzzer's own
/// `main` cannot run, because SwiftPM links every executable with `main` aliased to
/// `<module>_main`. In a normal build it replays the files (or directories) it is given, so the
/// seeds and any crash file can be run, and debugged, without the sanitizer build.
public protocol FuzzMain {}

extension FuzzMain {
    public static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in LLVMFuzzerTestOneInput(data, size) })
        #else
        exit(replay(Array(CommandLine.arguments.dropFirst())) { data, size in LLVMFuzzerTestOneInput(data, size) })
        #endif
    }
}
