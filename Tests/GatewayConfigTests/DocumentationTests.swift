import GatewayConfig
import TestHarness
import Testing

@Suite("The configuration reference")
struct DocumentationTests {
    @Test("the README's table lists every key with its variable, flag and default, and nothing else")
    func readmeTable() throws {
        let readme = readTextFile(repositoryRoot + "/README.md")
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") && $0.contains("| `GATEWAY_") }
        let keys = rows.compactMap { row in row.split(separator: "`").dropFirst().first.map(String.init) }
        #expect(keys == SettingKey.all.map(\.path))
        for key in SettingKey.all {
            guard let row = rows.first(where: { $0.hasPrefix("| `\(key.path)` |") }) else { continue }
            #expect(row.contains("`\(key.environmentVariable)`"), "\(key.path)")
            if let flag = key.flag?.split(separator: " ").first {
                #expect(row.contains("`\(flag)"), "\(key.path): \(flag)")
            }
            if let value = key.defaultValue {
                #expect(row.contains("`\(value)`"), "\(key.path): default \(value)")
            }
        }
    }
}
