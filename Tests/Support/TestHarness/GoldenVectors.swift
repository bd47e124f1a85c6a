import BrokerProcess

/// Xous wire-format golden vectors (`Tests/XousGolden`): bytes made by the real Rust types.
public enum GoldenVectors {
    private static let folder = repositoryRoot + "/Tests/XousGolden"

    /// The bytes of vector `name` (the file `name.hex`, hex with any whitespace).
    public static func bytes(_ name: String) -> [UInt8] {
        let text = readTextFile(folder + "/" + name + ".hex")
        let digits = text.unicodeScalars.compactMap { UInt8(String($0), radix: 16) }
        precondition(!digits.isEmpty && digits.count % 2 == 0, "golden vector \(name) is missing or not hex")
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}
