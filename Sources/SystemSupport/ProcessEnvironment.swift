#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// This OS process's environment variables.
public enum ProcessEnvironment {
    /// The variables as a dictionary, read from `environ` now; a value keeps any `=` it holds.
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}
