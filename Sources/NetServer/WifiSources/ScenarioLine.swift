/// One `key=value` pair of a scenario line.
struct ScenarioPair: Equatable {
    var key: String
    var value: String
    /// Whether the value was written in double quotes, which makes `none` an ordinary word.
    var quoted: Bool
}

/// Splits a scenario line into `key=value` pairs (see `WifiScenario.parse`'s format).
enum ScenarioLine {
    static func pairs(_ line: Substring, source: String, number: Int) throws(ScenarioError) -> [ScenarioPair] {
        let scalars = Array(line.unicodeScalars)
        var index = 0
        var pairs: [ScenarioPair] = []
        func refuse(_ key: String?, _ reason: String) -> ScenarioError {
            ScenarioError(source: source, line: number, key: key, reason: reason)
        }
        func isBlank(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" }

        while index < scalars.count {
            while index < scalars.count, isBlank(scalars[index]) { index += 1 }
            guard index < scalars.count else { break }
            var key = String.UnicodeScalarView()
            while index < scalars.count, scalars[index] != "=", !isBlank(scalars[index]) {
                key.append(scalars[index])
                index += 1
            }
            let keyText = String(key)
            guard index < scalars.count, scalars[index] == "=" else {
                throw refuse(keyText, "'\(keyText)' is not key=value; expected pairs like link=connected ('repeat' stands alone on its line)")
            }
            guard !keyText.isEmpty else { throw refuse(nil, "'=' without a key before it; expected key=value") }
            index += 1

            var value = String.UnicodeScalarView()
            let quoted = index < scalars.count && scalars[index] == "\""
            if quoted {
                index += 1
                var closed = false
                while index < scalars.count {
                    let scalar = scalars[index]
                    index += 1
                    if scalar == "\"" {
                        closed = true
                        break
                    }
                    if scalar == "\\" {
                        guard index < scalars.count, scalars[index] == "\"" || scalars[index] == "\\" else {
                            throw refuse(keyText, "bad escape in the value of '\(keyText)'; expected \\\" or \\\\ inside quotes")
                        }
                    }
                    value.append(scalar == "\\" ? scalars[index] : scalar)
                    if scalar == "\\" { index += 1 }
                }
                guard closed else { throw refuse(keyText, "unterminated quote in the value of '\(keyText)'; expected a closing \"") }
                guard index == scalars.count || isBlank(scalars[index]) else {
                    throw refuse(keyText, "text right after the closing quote of '\(keyText)'; expected a space before the next pair")
                }
            } else {
                while index < scalars.count, !isBlank(scalars[index]) {
                    guard scalars[index] != "\"" else {
                        throw refuse(keyText, "a quote inside the unquoted value of '\(keyText)'; expected the whole value in quotes")
                    }
                    value.append(scalars[index])
                    index += 1
                }
                guard !value.isEmpty else { throw refuse(keyText, "no value for '\(keyText)'; expected \(keyText)=value") }
            }
            pairs.append(ScenarioPair(key: keyText, value: String(value), quoted: quoted))
        }
        return pairs
    }
}
