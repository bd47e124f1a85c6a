#if canImport(Glibc)
import Glibc
#endif

/// A directory under /tmp for one test's files, removed with everything in it when released.
public final class TemporaryDirectory: @unchecked Sendable {
    /// Its absolute path.
    public let path: String

    /// A fresh directory named `/tmp/<prefix>-XXXXXX`.
    public init(prefix: String = "gatewayd-test") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    deinit { _ = system("rm -rf '\(path)'") }

    /// Writes `text` to `relative` (making the directories on the way) with `mode`; its path.
    @discardableResult
    public func write(_ relative: String, _ text: String, mode: UInt32 = 0o644) -> String {
        let file = path + "/" + relative
        var directory = ""
        for part in file.split(separator: "/").dropLast() {
            directory += "/" + part
            mkdir(directory, 0o755)
        }
        let handle = fopen(file, "w")!
        fputs(text, handle)
        fclose(handle)
        chmod(file, mode_t(mode))
        return file
    }

    /// Makes the directory `relative` (and those above it).
    public func makeDirectory(_ relative: String) {
        var directory = path
        for part in relative.split(separator: "/") {
            directory += "/" + part
            mkdir(directory, 0o755)
        }
    }
}
